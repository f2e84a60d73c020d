"""What each CLI command does: parse → call ``service.jobs`` → render.

Each command takes the embedded default's adapters (``bootstrap.Embedded``)
and the parsed arguments, turns the arguments into plain values
(``InputSpec``, ``JobOptions``), calls job functions and renders the result.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from service.bootstrap import Embedded
from service.cli import render
from service.cli.exits import ExitCode, exit_code
from service.cli.inputs import (
    InputSpec,
    check_output,
    open_input,
    output_path_for,
    require_rows,
    resolve_fields,
    submit,
)
from service.cli.notices import cancel_with_notice, notice_options  # issue 16
from service.cli.serve import SERVE_COMMANDS
from service.domain import Job, JobOptions, JobState, RowState
from service.domain.errors import InputError, RowscoutError
from service.domain.question_specs import parse_questions
from service.jobs import control
from service.jobs.estimate import estimate_job
from service.jobs.failures import failed_rows
from service.jobs.flush import export_results, flush_results
from service.jobs.progress import JobProgress, job_progress, summarize_job
from service.research.search.pricing import price_per_search


def input_spec(args: argparse.Namespace) -> InputSpec:
    return InputSpec(
        input=args.input,
        sheet=args.sheet,
        name_column=args.name_column,
        website_column=args.website_column,
        rows=args.rows,
        filters=tuple(args.filter),
        column_map=tuple(args.map),
    )


def job_options(args: argparse.Namespace) -> JobOptions:
    return JobOptions(
        fields=resolve_fields(args.fields),
        concurrency=args.concurrency,
        rate=args.rate,
        timeout=args.timeout,
        max_attempts=args.max_retries + 1,
        use_llm=args.llm,
        **notice_options(args),  # issue 16: --webhook-url, --notification-email
        questions=parse_questions(args.ask),
        similar=getattr(args, "similar", False),  # issue 16: "Similar in this list" column
        max_cost_usd=getattr(args, "max_cost", None),  # issue 15: spend cap
    )


def cmd_research(local: Embedded, args: argparse.Namespace) -> ExitCode:
    spec, progress = input_spec(args), not args.no_progress
    if args.retry_failed:
        return retry_failed(local, spec, include_permanent=args.all, progress=progress)
    options = job_options(args)
    if args.dry_run:
        render.dry_run(open_input(local.services(), spec), options)
        return ExitCode.OK
    output = "" if spec.is_sheet and not args.output else output_path_for(spec.input, args.output, args.format)
    name = args.job_name or Path(spec.input).name
    return research(local, spec, options, output=output, fmt=args.format, name=name, progress=progress)


def retry_failed(local: Embedded, spec: InputSpec, *, include_permanent: bool, progress: bool) -> ExitCode:
    """Research again the failed rows of the latest job over this input (retryable failures unless ``--all``)."""
    svc = local.services()
    latest = control.latest_job(svc, input_path=spec.input)
    retryable, permanent = control.retry_split(svc, latest.id)
    job = control.retry_failed(svc, latest.id, include_permanent=include_permanent)
    retried = retryable + permanent if include_permanent else retryable
    render.retrying(job, retried=retried, left_alone=0 if include_permanent else permanent)
    if not retried:
        render.summary(summarize_job(svc, job.id), job.source.output, failed_rows(svc, job.id))
        return ExitCode.ROWS_FAILED if permanent else ExitCode.OK
    return run_job(local, job, progress=progress)


def research(
    local: Embedded, spec: InputSpec, options: JobOptions, *, output: str, fmt: str | None, name: str, progress: bool
) -> ExitCode:
    """Submit a job over the input and work it to the end; ``output`` "" writes no results file.

    Everything is checked before the job exists (input, selection, output path):
    a mistake leaves no job behind and never touches an earlier results file.
    """
    svc = local.services()
    check_output(output, fmt, input_path="" if spec.is_sheet else spec.input)
    opened = open_input(svc, spec)
    require_rows(opened)
    job = submit(svc, opened, options=options, name=name, output=output, fmt=fmt)
    render.submitted(job, output or spec.input)
    return run_job(local, job, progress=progress)


def run_job(local: Embedded, job: Job, *, progress: bool) -> ExitCode:
    """Work the job to the end on this machine, with a progress bar, then print its summary.

    Ctrl-C, a pause or cancel from another shell, and a results file that
    cannot be written each end with a message naming the job and what to run next.
    """
    svc = local.services()
    start = job_progress(svc, job.id)
    try:
        with render.live_progress(job, enabled=progress, start=start) as on_progress:
            result = local.run(job, on_progress=on_progress)
    except KeyboardInterrupt:
        render.interrupted(job)
        return ExitCode.INTERRUPTED
    except RowscoutError as error:
        stopped = control.get_job(svc, job.id)
        if stopped.state != JobState.PAUSED:
            raise
        render.output_unwritable(stopped, error.message)
        return exit_code(error)
    if result.job.state in (JobState.PAUSED, JobState.CANCELLED):
        render.stopped_elsewhere(result.job)
    if result.job.state == JobState.COMPLETED and job.options.similar and job.source.output:  # issue 16
        similar_file_column(local, job)
    render.summary(summarize_job(svc, job.id), job.source.output, failed_rows(svc, job.id))
    return final_code(result)


def similar_file_column(local: Embedded, job: Job) -> None:
    """``research --similar -o FILE``: the "Similar in this list" column added to the finished results file."""
    from service.cli.discover import export_similar

    try:
        export_similar(local, job.id, job.source.output, job.source.format or None)
    except InputError as error:  # above the similarity limit: the results stand, the column is left out
        render.err.print(f"'Similar in this list' not added: {error.message}", markup=False)


def final_code(progress: JobProgress) -> ExitCode:
    if progress.job.state == JobState.PAUSED:
        return ExitCode.INTERRUPTED
    return ExitCode.ROWS_FAILED if progress.counts[RowState.FAILED] else ExitCode.OK


def cmd_estimate(local: Embedded, args: argparse.Namespace) -> ExitCode:
    opened = open_input(local.services(), input_spec(args))
    require_rows(opened)
    counted = opened.screen()
    options = job_options(args)
    search = local.settings.search  # a search provider adds its queries' cost (research/search/pricing.py)
    name_only = sum(1 for r in opened.picked() if not r.company(opened.table.columns).website.strip())
    estimate = estimate_job(
        counted.research,
        options,
        skipped=counted.skipped,
        duplicates=counted.duplicates,
        name_only=name_only,
        search_price=price_per_search(search.provider) if search.provider else None,
    )
    render.estimate(opened, estimate)
    return ExitCode.OK


def cmd_status(local: Embedded, args: argparse.Namespace) -> ExitCode:
    svc = local.services()
    job = control.get_job(svc, args.job) if args.job else control.latest_job(svc)
    report = summarize_job(svc, job.id)
    if args.json:
        render.as_json(report.to_dict())
    else:
        render.summary(report, job.source.output, failed_rows(svc, job.id))
    return ExitCode.OK


def cmd_list(local: Embedded, args: argparse.Namespace) -> ExitCode:
    svc = local.services()
    items = [job_progress(svc, job.id) for job in control.list_jobs(svc)]
    if args.json:
        render.as_json([item.to_dict() for item in items])
    else:
        render.job_list(items)
    return ExitCode.OK


def cmd_resume(local: Embedded, args: argparse.Namespace) -> ExitCode:
    job = control.resume_job(local.services(), args.job)
    render.resuming(job)
    return run_job(local, job, progress=not args.no_progress)


def cmd_pause(local: Embedded, args: argparse.Namespace) -> ExitCode:
    render.state_changed(control.pause_job(local.services(), args.job))
    return ExitCode.OK


def cmd_cancel(local: Embedded, args: argparse.Namespace) -> ExitCode:
    svc = local.services()
    job = cancel_with_notice(local, svc, args.job)  # and delivers its notice (no runner is here to do it)
    try:
        sinks = local.sinks(job)
        try:
            flush_results(svc, job.id, sinks)  # rows not started are now skipped: the output shows them
        finally:
            for sink in sinks:
                sink.close()
    except RowscoutError as error:  # the output folder is gone or unwritable: the job is cancelled anyway
        render.cancel_unwritten(job, error.message)
    render.state_changed(job)
    return ExitCode.OK


def cmd_clean(local: Embedded, args: argparse.Namespace) -> ExitCode:
    render.cleaned(control.clean_jobs(local.services(), older_than=timedelta(days=args.older_than)))
    return ExitCode.OK


def cmd_export(local: Embedded, args: argparse.Namespace) -> ExitCode:
    svc = local.services()
    job = control.get_job(svc, args.job)
    sink = local.file_sink(job, args.output, args.format)
    try:
        written = export_results(svc, job.id, sink)
    finally:
        sink.close()
    render.exported(written, args.output)
    if args.similar:  # issue 16: the "Similar in this list" column
        from service.cli.discover import export_similar

        export_similar(local, job.id, args.output, args.format)
    return ExitCode.OK


COMMANDS: dict[str, Callable[[Embedded, argparse.Namespace], ExitCode]] = {
    "research": cmd_research,
    "estimate": cmd_estimate,
    "status": cmd_status,
    "list": cmd_list,
    "resume": cmd_resume,
    "pause": cmd_pause,
    "cancel": cmd_cancel,
    "clean": cmd_clean,
    "export": cmd_export,
    **SERVE_COMMANDS,  # issue 16: serve, keys
}
