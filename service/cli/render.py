"""How the CLI shows things: a live progress bar, summaries and tables (rich).

Output for people goes to stderr (progress, messages) so stdout stays clean
for scripts; tables asked for (``list``, ``status``, ``estimate``) go to stdout.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from service.domain import Job, JobOptions, JobState, RowState
from service.jobs.cloudcost import PRICES_AS_OF, cloud_cost
from service.jobs.estimate import Estimate
from service.jobs.failures import FailedRows
from service.jobs.progress import JobProgress, JobSummary

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class DescribedInput(Protocol):
    @property
    def label(self) -> str: ...

    @property
    def headers(self) -> list[str]: ...

    @property
    def column_reasons(self) -> Sequence[str]: ...

    @property
    def warnings(self) -> list[str]: ...

    def column_names(self) -> tuple[str | None, str | None]: ...

    def preview(self, limit: int) -> list[tuple[int, str, str, str | None]]: ...


def route_logging(*, verbose: bool) -> None:
    """Send log records through rich on ``err``, the progress bar's console: they print above the bar."""
    handler = RichHandler(console=err, show_path=False, show_time=verbose, markup=False, rich_tracebacks=False)
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(message)s", handlers=[handler], force=True
    )


def command(*words: str) -> str:
    """A command line to suggest, as the user started this one (``rowscout`` or ``python -m service``)."""
    program = "rowscout" if Path(sys.argv[0] or "").name == "rowscout" else "python -m service"
    return " ".join((program, *words))


def exit_now(code: int) -> None:
    """End the process now: after Ctrl-C, research threads still in flight must not hold the exit.

    The job is paused and saved (SQLite commits every change; rows in flight
    went back to pending), so nothing those threads could still do is needed.
    """
    if threading.active_count() <= 1:
        return  # nothing can hold the exit (research threads inherit daemon-ness, so count them all)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def as_json(data: Any) -> None:
    """Machine-readable output for scripts (stdout, no colours, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def error(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")


def submitted(job: Job, output: str) -> None:
    err.print(f"Job [bold]{job.id}[/] · {job.total_rows} rows · results → {output}")


def retrying(job: Job, *, retried: int, left_alone: int) -> None:
    err.print(f"Retrying {retried} failed row(s) of job [bold]{job.id}[/]")
    if left_alone:
        err.print(
            f"  {left_alone} row(s) failed for a reason retrying cannot fix (robots.txt, unsafe or parked site...);"
            " left alone. Add --all to retry them too."
        )


def interrupted(job: Job) -> None:
    err.print(
        f"[yellow]Interrupted:[/] job [bold]{job.id}[/] is paused; finished rows are saved."
        f" Continue with `{command('resume', job.id)}`"
    )


def stopped_elsewhere(job: Job) -> None:
    """The job was paused or cancelled by another process (``pause`` / ``cancel`` in another shell)."""
    if job.state == JobState.PAUSED:
        err.print(
            f"[yellow]Job [bold]{job.id}[/] was paused from elsewhere;[/] resume with `{command('resume', job.id)}`"
        )
    else:
        err.print(f"[yellow]Job [bold]{job.id}[/] was {job.state.value} from elsewhere.[/]")


def output_unwritable(job: Job, message: str) -> None:
    """A checkpoint could not write the results file: the job is paused, say how to go on."""
    output = job.source.output
    error(message)
    err.print(
        f"Job [bold]{job.id}[/] is paused; its results are kept in the workspace.\n"
        f"  Fix the output folder ({Path(output).parent}), then run `{command('resume', job.id)}`,\n"
        f"  or write the results elsewhere: `{command('export', job.id, '-o', 'OTHER' + Path(output).suffix)}`"
    )


def cancel_unwritten(job: Job, message: str) -> None:
    err.print(
        f"[yellow]warning:[/] the job is cancelled, but its results file could not be written ({message});"
        f" write it elsewhere with `{command('export', job.id, '-o', 'FILE')}`"
    )


def resuming(job: Job) -> None:
    err.print(f"Resuming job [bold]{job.id}[/] ({job.name})")


def state_changed(job: Job) -> None:
    err.print(f"Job [bold]{job.id}[/] is now {job.state.value}")


def notice_undelivered(job: Job) -> None:
    err.print(f"[yellow]warning:[/] the {job.state.value} notice of job {job.id} could not be delivered")


def cleaned(count: int) -> None:
    err.print(f"Deleted {count} job(s)")


def exported(count: int, path: str) -> None:
    err.print(f"Wrote {count} rows to {path}")


@contextmanager
def live_progress(
    job: Job, *, enabled: bool = True, start: JobProgress | None = None
) -> Iterator[Callable[[JobProgress], None]]:
    """A progress bar with done / failed / remaining, rate and ETA, fed by progress callbacks.

    ``start`` (the job's progress before this run: a resumed job) sets where the bar begins.
    """
    if not enabled or not err.is_terminal:
        yield _log_progress
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        done = start.finished if start is not None else 0
        detail = _detail(start) if start is not None else ""
        task = bar.add_task(job.name[:30], total=job.total_rows or 1, completed=done, detail=detail)

        def update(progress: JobProgress) -> None:
            bar.update(task, completed=progress.finished, detail=_detail(progress))

        yield update


_last_logged: dict[str, int] = {}


def _log_progress(progress: JobProgress) -> None:
    """Without a terminal: one line per 10 % of progress."""
    total = progress.job.total_rows or 1
    step = progress.finished * 10 // total
    if _last_logged.get(progress.job.id) != step:
        _last_logged[progress.job.id] = step
        err.print(f"{progress.finished}/{progress.job.total_rows} · {_detail(progress)}")


def _detail(progress: JobProgress) -> str:
    eta = f"ETA {_duration(progress.eta_seconds)}" if progress.eta_seconds is not None else "ETA —"
    return (
        f"[green]{progress.counts[RowState.DONE]} done[/] · [red]{progress.counts[RowState.FAILED]} failed[/]"
        f" · {progress.remaining} left · {progress.rate_per_minute:.1f}/min · {eta}"
    )


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def summary(report: JobSummary, output: str | None, failures: FailedRows | None = None) -> None:
    progress = report.progress
    counts = progress.counts
    out.print(
        f"\n[bold]Job {progress.job.id}[/] ({progress.job.name}) — {progress.job.state.value}\n"
        f"  done {counts[RowState.DONE]} · failed {counts[RowState.FAILED]} · skipped {counts[RowState.SKIPPED]}"
        f" · remaining {progress.remaining} · success rate {report.success_rate:.0%}\n"
        f"  pages fetched {report.pages_fetched} · LLM tokens {report.llm_tokens}"
        + (f" · searches {report.search_queries}" if report.search_queries else "")
        + f" · cost ${report.cost_usd:.4f}"
    )
    for title, counter in (
        ("Error kinds", progress.error_kinds),
        ("Industries", report.industries),
        ("Company sizes", report.sizes),
        ("Countries", report.countries),
    ):
        if counter:
            out.print(_distribution(title, counter))
    if failures is not None and failures.rows:
        out.print(failed_table(failures, output))
    if output:
        out.print(f"Results: {output}")
    similar_note = getattr(progress.job.source, "similar_note", "")  # issue 16: why the column is missing
    if similar_note:
        out.print(similar_note, markup=False)
    if progress.job.state == JobState.PAUSED:
        out.print(f"Paused: continue with `{command('resume', progress.job.id)}`", soft_wrap=True)


# What the CLI adds to a kind's channel-neutral hint (service/domain/hints.py): the flag that helps.
CLI_SUGGESTIONS: dict[str, str] = {
    "timeout": "or raise --timeout (seconds per company)",
    "rate_limit": "or lower --rate (companies started per second)",
}


def cli_hint(kind: str, hint: str) -> str:
    """``hint`` with the CLI flag that helps with ``kind``, where one does."""
    suggestion = CLI_SUGGESTIONS.get(kind)
    return f"{hint}, {suggestion}" if suggestion else hint


def failed_table(failures: FailedRows, output: str | None) -> Table:
    """The failed companies: row, company, kind and what to do (the first few; the rest are in the output)."""
    table = Table("row", "company", "kind", "what to do", title="Failed companies", title_justify="left")
    for failed in failures.rows:
        table.add_row(str(failed.row), failed.company[:40], failed.kind, cli_hint(failed.kind, failed.hint))
    if failures.more:
        where = f"in {Path(output).name}" if output else "in the output"
        table.caption = f"{failures.more} more {where} (Error column)"
        table.caption_justify = "left"
    return table


def _distribution(title: str, counter: Mapping[str, int], limit: int = 10) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2))
    for name, count in list(counter.items())[:limit]:
        table.add_row(name, str(count))
    return table


def job_list(items: Sequence[JobProgress]) -> None:
    table = Table("name", "state", "done", "failed", "left", "total", "created")
    table.add_column("job", no_wrap=True)
    for progress in items:
        job = progress.job
        table.add_row(
            job.name[:40],
            job.state.value,
            str(progress.counts[RowState.DONE]),
            str(progress.counts[RowState.FAILED]),
            str(progress.remaining),
            str(job.total_rows),
            job.created_at.strftime("%Y-%m-%d %H:%M"),
            job.id,
        )
    out.print(table if items else "No jobs yet.")


def dry_run(source: DescribedInput, options: JobOptions) -> None:
    name, website = source.column_names()
    out.print(f"[bold]{source.label}[/]: {len(source.headers)} columns")
    out.print(f"  name column:    {name or '(none)'}")
    out.print(f"  website column: {website or '(none)'}")
    for reason in source.column_reasons:
        out.print(f"    · {reason}")
    for warning in source.warnings:
        out.print(f"  [yellow]warning:[/] {warning}")
    table = Table("row", "name", "website", "problem")
    for position, company_name, site, problem in source.preview(10):
        table.add_row(str(position), company_name, site, problem or "")
    out.print(table)
    out.print(f"Fields: {', '.join(options.fields)}")
    for question in options.questions:  # custom questions (issue 15), with the kind inferred or given
        out.print(f"Question ({question.kind.value}): {question.text}", markup=False)
    out.print("Dry run: nothing was researched.")


def estimate(source: DescribedInput, result: Estimate) -> None:
    repeats = f"{result.duplicates} repeated rows (they get their first row's result), " if result.duplicates else ""
    out.print(
        f"[bold]{source.label}[/]: {result.rows} companies to research, {repeats}{result.skipped} skipped\n"
        f"  time ≈ {_duration(result.seconds)} · cost ≈ ${result.cost_usd:.4f}",
        soft_wrap=True,
    )
    out.print(  # issue 15: what the paid calls are (estimate.py: one cost model for the CLI and the add-on)
        f"  research LLM ${result.research_llm_usd:.4f} · questions LLM ${result.questions_llm_usd:.4f}"
        f" · web search ${result.search_usd:.4f} ({result.search_queries:,} queries)"
        + (f" · spend cap ${result.max_cost_usd:g}" if result.max_cost_usd is not None else ""),
        soft_wrap=True,
        markup=False,
    )
    cloud = cloud_cost(result.rows)  # issue 18: the same job on the cloud path, at list prices
    out.print(
        f"  on the cloud path (Cloud Run + Firestore + Cloud Tasks): ≈ ${cloud.total:.4f}"
        f" at list prices of {PRICES_AS_OF} (service/jobs/cloudcost.py)",
        soft_wrap=True,
    )
    out.print("Assumptions:")
    for line in result.assumptions():
        out.print(f"  · {line}", soft_wrap=True)
