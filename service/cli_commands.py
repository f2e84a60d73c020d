"""What each CLI command does: parse → call ``service.jobs`` → render.

Every ``RowscoutError`` becomes one clear line on stderr and a stable exit
code (``ExitCode``); a traceback is shown only for real bugs, with --verbose.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from service import cli_render as render
from service.cli import ExitCode
from service.cli_inputs import FileInput, is_sheet, open_input, output_path_for, resolve_fields
from service.cli_local import LocalRuntime
from service.cli_sheets import SheetInput, sheet_sink
from service.config import Settings
from service.domain import JobOptions, JobState, RowState
from service.errors import (
    InputError,
    JobNotFound,
    JobStateError,
    QueueError,
    RowscoutError,
    SheetsError,
    StoreError,
)
from service.jobs import control
from service.jobs.estimate import estimate_job
from service.jobs.flush import show_queued
from service.jobs.progress import JobProgress, job_progress, summarize_job
from service.jobs.submit import new_job_id, submit_job

log = logging.getLogger(__name__)

_EXIT_FOR_ERROR: tuple[tuple[type[RowscoutError], ExitCode], ...] = (
    (JobNotFound, ExitCode.NOT_FOUND),
    (JobStateError, ExitCode.STATE),
    (InputError, ExitCode.INPUT),
    (StoreError, ExitCode.BACKEND),
    (QueueError, ExitCode.BACKEND),
    (SheetsError, ExitCode.BACKEND),
)


def run_command(args: argparse.Namespace) -> ExitCode:
    settings = Settings.from_env()
    if args.workspace:
        settings = _with_workspace(settings, Path(args.workspace))
    command = _COMMANDS[args.command]
    try:
        return command(LocalRuntime(settings), args)
    except KeyboardInterrupt:
        render.error("interrupted: rows in flight were finished and saved; run `resume JOB` to continue")
        return ExitCode.INTERRUPTED
    except RowscoutError as error:
        render.error(error.message)
        return _exit_code(error)


def _exit_code(error: RowscoutError) -> ExitCode:
    for error_type, code in _EXIT_FOR_ERROR:
        if isinstance(error, error_type):
            return code
    return ExitCode.INTERNAL


def _with_workspace(settings: Settings, workspace: Path) -> Settings:
    from dataclasses import replace

    return replace(settings, workspace=workspace)


def _options(args: argparse.Namespace) -> JobOptions:
    return JobOptions(
        fields=resolve_fields(args.fields),
        concurrency=args.concurrency,
        rate=args.rate,
        timeout=args.timeout,
        max_attempts=args.max_retries + 1,
        use_llm=args.llm,
    )


def cmd_research(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    options = _options(args)
    if args.retry_failed:
        return _retry_last_failed(runtime, args)
    with closing(open_input(args, runtime.settings)) as source:
        if args.dry_run:
            render.dry_run(source, options)
            return ExitCode.OK
        job_id = _submit(runtime, args, source, options)
    return _run(runtime, job_id, args)


def _submit(
    runtime: LocalRuntime, args: argparse.Namespace, source: FileInput | SheetInput, options: JobOptions
) -> str:
    output = None if is_sheet(args.input) and not args.output else output_path_for(args.input, args.output, args.format)
    job_id = new_job_id()
    job = submit_job(
        runtime.services(),
        owner="local",
        name=args.job_name or Path(args.input).name,
        source=source.prepare(job_id, output),
        rows=source.rows(),
        options=options,
        validate=source.validate,
        job_id=job_id,
    )
    with sheet_sink(job, runtime.settings) as sink:
        if sink is not None:
            show_queued(runtime.services(), job.id, sink)
    render.submitted(job, output or args.input)
    return job.id


def _retry_last_failed(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    svc = runtime.services()
    wanted = str(Path(args.input).resolve())
    previous = [job for job in svc.store.list_jobs() if job.source.get("path") == wanted]
    if not previous:
        raise JobNotFound(f"no earlier job for {args.input}; run `research` first")
    job = control.retry_failed(svc, previous[0].id)
    render.retrying(job)
    return _run(runtime, job.id, args)


def _run(runtime: LocalRuntime, job_id: str, args: argparse.Namespace) -> ExitCode:
    svc = runtime.services()
    job = control.get_job(svc, job_id)
    output = FileInput.output_writer(job)
    progress_bar = render.live_progress(job, enabled=not getattr(args, "no_progress", False))
    with sheet_sink(job, runtime.settings) as sink, progress_bar as on_progress:
        progress = runtime.run(job, output=output, sink=sink, on_progress=on_progress)
    render.summary(summarize_job(runtime.services(), job_id), job.source.get("output"))
    return _final_code(progress)


def _final_code(progress: JobProgress) -> ExitCode:
    if progress.job.state == JobState.PAUSED:
        return ExitCode.INTERRUPTED
    return ExitCode.ROWS_FAILED if progress.counts[RowState.FAILED] else ExitCode.OK


def cmd_demo(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    """The research command on the bundled demo file, served by a local fixture web."""
    from service import demo
    from service.bootstrap import build_researcher

    with demo.demo_web() as web:
        workspace = runtime.settings.workspace
        workspace.mkdir(parents=True, exist_ok=True)
        source = demo.write_demo_input(web, workspace / "demo-companies.csv")
        settings = demo.demo_settings(runtime.settings)
        researcher = build_researcher(settings, resolver=web.resolver(), site_port=web.port)
        demo_runtime = LocalRuntime(settings, _researcher=researcher)
        research = demo.research_args(source, args.output, workspace)
        research.no_progress = args.no_progress
        code = cmd_research(demo_runtime, research)
    # The demo's failing rows (parked domain, bot wall, metadata redirect) fail by design.
    return ExitCode.OK if code == ExitCode.ROWS_FAILED else code


def cmd_estimate(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    with closing(open_input(args, runtime.settings)) as source:
        rows, skipped = source.count_researchable()
        render.estimate(source, estimate_job(rows, _options(args), skipped=skipped))
    return ExitCode.OK


def cmd_status(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    svc = runtime.services()
    job_id = args.job or _latest_job_id(runtime)
    report = summarize_job(svc, job_id)
    if args.json:
        render.as_json(report.to_dict())
    else:
        render.summary(report, control.get_job(svc, job_id).source.get("output"))
    return ExitCode.OK


def _latest_job_id(runtime: LocalRuntime) -> str:
    jobs = runtime.store.list_jobs(limit=1)
    if not jobs:
        raise JobNotFound("no jobs in this workspace yet")
    return jobs[0].id


def cmd_list(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    svc = runtime.services()
    items = [job_progress(svc, job.id) for job in runtime.store.list_jobs()]
    if args.json:
        render.as_json([item.to_dict() for item in items])
    else:
        render.job_list(items)
    return ExitCode.OK


def cmd_resume(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    job = control.resume_job(runtime.services(), args.job)
    render.resuming(job)
    return _run(runtime, job.id, args)


def cmd_pause(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    render.state_changed(control.pause_job(runtime.services(), args.job))
    return ExitCode.OK


def cmd_cancel(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    svc = runtime.services()
    job = control.cancel_job(svc, args.job)
    output = FileInput.output_writer(job)
    if output is not None:
        from service.jobs.local_run import snapshot_results

        snapshot_results(svc, job.id, output)
    render.state_changed(job)
    return ExitCode.OK


def cmd_clean(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    svc = runtime.services()
    cutoff = svc.clock() - timedelta(days=args.older_than)
    old = [
        job
        for job in runtime.store.list_jobs(limit=100_000)
        if (job.state.is_final or job.state == JobState.PAUSED) and job.updated_at < cutoff
    ]
    for job in old:
        runtime.store.delete_job(job.id)
    render.cleaned(len(old))
    return ExitCode.OK


def cmd_export(runtime: LocalRuntime, args: argparse.Namespace) -> ExitCode:
    svc = runtime.services()
    job = control.get_job(svc, args.job)
    written = FileInput.export(job, svc.store.iter_rows(job.id), args.output, args.format)
    render.exported(written, args.output)
    return ExitCode.OK


_COMMANDS: dict[str, Callable[[LocalRuntime, argparse.Namespace], ExitCode]] = {
    "research": cmd_research,
    "demo": cmd_demo,
    "estimate": cmd_estimate,
    "status": cmd_status,
    "list": cmd_list,
    "resume": cmd_resume,
    "pause": cmd_pause,
    "cancel": cmd_cancel,
    "clean": cmd_clean,
    "export": cmd_export,
}
