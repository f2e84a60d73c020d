"""A forgiving command line (issue 17): mistakes are caught before a job exists, interruptions read well,
failures are named with what to do, and repeated companies are filled.

Each test shows one rough edge of the issue with its new behaviour. Runs ``main`` in process with a
small researcher whose behaviour follows the company name (``fail-``: blocked, permanent; ``slow-``:
a timeout, retryable) and an optional hook called on every research.
"""

from __future__ import annotations

import _thread
import csv
import io
import json
import logging
import os
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from rich.console import Console
from rich.logging import RichHandler

from service.cli import main, render
from service.cli.exits import ExitCode
from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    Job,
    JobOptions,
    JobState,
    ResearchOptions,
    ResearchOutcome,
    RowState,
    Usage,
)
from service.domain.hints import hint_for
from service.domain.sources import FileSource
from service.jobs.progress import JobProgress

from .conftest import write_csv


class NamedResearcher:
    """Answers by name: ``fail-`` blocked (permanent), ``slow-`` a timeout (retryable), else a profile."""

    def __init__(self, hook: Callable[[CompanyInput], None] | None = None) -> None:
        self.hook = hook
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        with self._lock:
            self.calls.append(company.name)
        if self.hook is not None:
            self.hook(company)
        for prefix, kind in (("fail-", ErrorKind.BLOCKED), ("slow-", ErrorKind.TIMEOUT)):
            if company.name.startswith(prefix):
                return ResearchOutcome(
                    profile=CompanyProfile(name=company.name), error_kind=kind, error_message=f"{kind.value} here"
                )
        return ResearchOutcome(
            profile=CompanyProfile(name=company.name, website=company.website, industry="Software"),
            usage=Usage(pages_fetched=1),
        )


def _run(argv: list[str], researcher: NamedResearcher | None = None) -> int:
    return main(argv, researcher=researcher or NamedResearcher())


def _csv(path, n: int = 3, extra=()):  # type: ignore[no-untyped-def]
    rows = [[f"Company {i}", f"company{i}.com", f"owner{i}"] for i in range(1, n + 1)]
    return write_csv(path, ["Company", "Website", "Owner"], [*rows, *extra])


def _jobs(capsys) -> list[dict]:  # type: ignore[no-untyped-def]
    capsys.readouterr()
    assert _run(["list", "--json"]) == ExitCode.OK
    return json.loads(capsys.readouterr().out)


def _status_column(rows: list[dict[str, str]]) -> list[str]:
    key = next(k for k in rows[0] if k.lower() in ("status", "rowscout status"))
    return [row[key] for row in rows]


def _read(path) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def wide(monkeypatch):  # type: ignore[no-untyped-def]
    """Tables printed 200 columns wide, so a test reads whole cells."""
    monkeypatch.setattr(render, "out", Console(highlight=False, width=200))
    monkeypatch.setattr(render, "err", Console(stderr=True, highlight=False, width=200))


# --- 3. validate before creating anything -----------------------------------------------------------------------


def test_rows_beyond_the_input_fail_before_a_job_exists_and_keep_the_previous_results(cli_env, capsys, wide):
    src = _csv(cli_env / "in.csv", n=56)
    (cli_env / "o.csv").write_text("previous results\n")
    assert _run(["research", str(src), "-o", "o.csv", "--rows", "1000", "--no-progress"]) == ExitCode.INPUT
    err = capsys.readouterr().err
    assert "no row matches --rows 1000" in err and "56 data row(s)" in err
    assert (cli_env / "o.csv").read_text() == "previous results\n"
    assert _jobs(capsys) == []


def test_a_filter_on_a_missing_column_names_the_columns_before_a_job_exists(cli_env, capsys, wide):
    src = _csv(cli_env / "in.csv")
    assert _run(["research", str(src), "-o", "o.csv", "--filter", "Nope=1", "--no-progress"]) == ExitCode.INPUT
    err = capsys.readouterr().err
    assert "filter column 'Nope' not found" in err and "Owner" in err
    assert _run(["estimate", str(src), "--filter", "Nope=1"]) == ExitCode.INPUT
    assert _jobs(capsys) == [] and not (cli_env / "o.csv").exists()


def test_a_filter_that_matches_no_row_is_an_input_error(cli_env, capsys, wide):
    src = _csv(cli_env / "in.csv")
    assert _run(["research", str(src), "-o", "o.csv", "--filter", "Owner=nobody", "--no-progress"]) == 3
    assert "no row matches --filter Owner=nobody: in.csv has 3 data row(s)" in capsys.readouterr().err
    assert _jobs(capsys) == []


def test_an_output_folder_that_does_not_exist_or_is_a_file_fails_before_a_job_exists(cli_env, capsys, wide):
    src = _csv(cli_env / "in.csv")
    assert _run(["research", str(src), "-o", "missing/o.csv", "--no-progress"]) == ExitCode.INPUT
    assert "the output folder" in capsys.readouterr().err
    (cli_env / "afile").write_text("x")
    assert _run(["research", str(src), "-o", "afile/o.csv", "--no-progress"]) == ExitCode.INPUT
    assert "is not a folder" in capsys.readouterr().err
    assert _run(["research", str(src), "-o", str(src), "--no-progress"]) == ExitCode.INPUT
    assert "would overwrite the input" in capsys.readouterr().err
    assert _jobs(capsys) == []


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root may write to any folder")
def test_an_unwritable_output_folder_fails_before_a_job_exists(cli_env, capsys, wide):
    src = _csv(cli_env / "in.csv")
    locked = cli_env / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert _run(["research", str(src), "-o", "locked/o.csv", "--no-progress"]) == ExitCode.INPUT
        assert "permission denied" in capsys.readouterr().err
    finally:
        locked.chmod(0o755)
    assert _jobs(capsys) == []


def test_an_unsupported_file_type_says_so_and_lists_the_supported_ones(cli_env, capsys, wide):
    (cli_env / "leads.txt").write_text("Company,Website\nAcme,acme.com\n")
    assert _run(["research", "leads.txt", "-o", "o.csv", "--no-progress"]) == ExitCode.INPUT
    err = capsys.readouterr().err
    assert "unsupported file type '.txt' (leads.txt)" in err and ".csv, .tsv, .xlsx" in err
    assert "no recognisable company column" not in err and _jobs(capsys) == []


def test_an_output_folder_lost_mid_job_pauses_it_with_the_fix_and_cancel_still_works(cli_env, capsys, wide):
    src = _csv(cli_env / "in.csv")
    (cli_env / "out").mkdir()
    researcher = NamedResearcher(hook=lambda company: shutil.rmtree(cli_env / "out", ignore_errors=True))
    assert _run(["research", str(src), "-o", "out/o.csv", "--no-progress"], researcher) == ExitCode.INPUT
    [job] = _jobs(capsys)
    assert job["state"] == "paused" and job["counts"]["done"] == 3  # nothing researched is lost
    capsys.readouterr()
    assert _run(["cancel", job["id"]]) == ExitCode.OK
    err = capsys.readouterr().err
    assert "could not be written" in err and f"export {job['id']} -o" in err
    assert _jobs(capsys)[0]["state"] == "cancelled"


def test_the_paused_message_names_the_job_and_the_fix(cli_env, capsys, wide):
    src = _csv(cli_env / "in.csv")
    (cli_env / "out").mkdir()
    researcher = NamedResearcher(hook=lambda company: shutil.rmtree(cli_env / "out", ignore_errors=True))
    _run(["research", str(src), "-o", "out/o.csv", "--no-progress"], researcher)
    err = " ".join(capsys.readouterr().err.split())
    [job] = _jobs(capsys)
    assert f"Job {job['id']} is paused" in err and f"python -m service resume {job['id']}" in err
    assert _run(["status", job["id"]]) == ExitCode.OK  # status of a paused job says how to go on
    assert f"continue with `python -m service resume {job['id']}`" in capsys.readouterr().out
    (cli_env / "out").mkdir()
    assert _run(["resume", job["id"], "--no-progress"]) == ExitCode.OK
    assert _status_column(_read(cli_env / "out" / "o.csv")) == ["done", "done", "done"]


def test_clean_removes_a_job_without_rows(cli_env, capsys, wide, monkeypatch):
    from service.bootstrap import build_local
    from service.config import Settings
    from service.jobs import control
    from service.jobs.submit import create_job

    local = build_local(Settings.from_env(), researcher=NamedResearcher())
    try:
        create_job(local.services(), owner="local", name="half", source=FileSource("x.csv"), options=JobOptions())
    finally:
        local.close()
    monkeypatch.setattr(control, "EMPTY_JOB_GRACE", control.timedelta(0))
    assert len(_jobs(capsys)) == 1
    assert _run(["clean"]) == ExitCode.OK and "Deleted 1 job(s)" in capsys.readouterr().err
    assert _jobs(capsys) == []


# --- 4. interruptions that read well ----------------------------------------------------------------------------


def test_ctrl_c_pauses_at_once_names_the_job_and_resume_finishes(cli_env, capsys, wide):
    src = _csv(cli_env / "in.csv", n=2, extra=[["Slowsite", "slowsite.com", ""]])
    release, blocked = threading.Event(), []

    def hook(company: CompanyInput) -> None:
        if company.name == "Slowsite" and not blocked:
            blocked.append(threading.current_thread())
            _thread.interrupt_main()  # the user presses Ctrl-C while this site is slow
            release.wait(30)

    code = _run(["research", str(src), "-o", "o.csv", "--no-progress", "--concurrency", "3"], NamedResearcher(hook))
    still_blocked = not release.is_set()
    release.set()
    blocked[0].join(30)
    assert code == ExitCode.INTERRUPTED and still_blocked  # it did not wait for the slow site
    err = " ".join(capsys.readouterr().err.split())
    [job] = _jobs(capsys)
    assert job["state"] == "paused" and f"python -m service resume {job['id']}" in err and "JOB" not in err
    assert job["counts"]["pending"] + job["counts"]["done"] == 3 and job["counts"]["leased"] == 0
    assert _run(["resume", job["id"], "--no-progress"]) == ExitCode.OK
    assert _status_column(_read(cli_env / "o.csv")) == ["done", "done", "done"]


def test_a_pause_from_another_shell_says_so_before_exiting(cli_env, capsys, wide):
    from service.bootstrap import build_local
    from service.config import Settings
    from service.jobs import control

    def pause_elsewhere(company: CompanyInput) -> None:
        if company.name == "Company 1":
            other = build_local(Settings.from_env(), researcher=NamedResearcher())
            try:
                control.pause_job(other.services(), control.latest_job(other.services()).id)
            finally:
                other.close()

    src = _csv(cli_env / "in.csv", n=4)
    argv = ["research", str(src), "-o", "o.csv", "--no-progress", "--concurrency", "1", "--rate", "5"]
    assert _run(argv, NamedResearcher(pause_elsewhere)) == ExitCode.INTERRUPTED
    err = " ".join(capsys.readouterr().err.split())
    [job] = _jobs(capsys)
    assert f"Job {job['id']} was paused from elsewhere; resume with `python -m service resume {job['id']}`" in err


def test_resume_starts_its_bar_at_the_true_count(monkeypatch):
    screen = io.StringIO()
    monkeypatch.setattr(render, "err", Console(file=screen, force_terminal=True, width=150))
    now = datetime(2026, 12, 2, tzinfo=UTC)
    job = Job("3f2a0c9d1e7b", "local", "leads", FileSource("x.csv"), JobOptions(), JobState.RUNNING, now, now, 10)
    counts = {state: 0 for state in RowState} | {RowState.DONE: 6, RowState.FAILED: 1, RowState.PENDING: 3}
    with render.live_progress(job, start=JobProgress(job, counts, {}, 0.0, None)):
        pass
    assert "7/10" in screen.getvalue() and "0/10" not in screen.getvalue()


def test_log_lines_go_through_the_progress_bars_console(cli_env, capsys, wide):
    assert _run(["list"]) == ExitCode.OK
    handlers = logging.getLogger().handlers
    assert any(isinstance(h, RichHandler) and h.console is render.err for h in handlers)


# --- 5. name the failures -----------------------------------------------------------------------------------------


def test_the_summary_lists_failed_companies_with_what_to_do(cli_env, capsys, wide):
    failing = [[f"fail-Co {i}", f"co{i}.com", ""] for i in range(1, 13)]
    src = _csv(cli_env / "in.csv", n=2, extra=failing)
    assert _run(["research", str(src), "-o", "o.csv", "--no-progress", "--rate", "500"]) == ExitCode.ROWS_FAILED
    out = capsys.readouterr().out
    assert "Failed companies" in out and "fail-Co 10" in out and "fail-Co 11" not in out
    assert hint_for(ErrorKind.BLOCKED) in out and "2 more in o.csv" in out


def test_retry_failed_retries_retryable_failures_only_unless_all(cli_env, capsys, wide):
    src = _csv(cli_env / "in.csv", n=1, extra=[["slow-Co", "slow.com", ""], ["fail-Co", "fail.com", ""]])
    researcher = NamedResearcher()
    assert _run(["research", str(src), "-o", "o.csv", "--no-progress", "--max-retries", "0"], researcher) == 4
    researcher.calls.clear()
    assert _run(["research", str(src), "-o", "o.csv", "--retry-failed", "--no-progress"], researcher) == 4
    assert researcher.calls == ["slow-Co"]
    assert "1 row(s) failed for a reason retrying cannot fix" in capsys.readouterr().err
    researcher.calls.clear()
    assert _run(["research", str(src), "-o", "o.csv", "--retry-failed", "--all", "--no-progress"], researcher) == 4
    assert sorted(researcher.calls) == ["fail-Co", "slow-Co"]


# --- 6. estimate and repeated companies ---------------------------------------------------------------------------


def test_estimate_prints_its_assumptions(cli_env, capsys, wide):
    src = _csv(cli_env / "in.csv", n=3, extra=[["Company 1 again", "https://www.company1.com/about", ""]])
    assert _run(["estimate", str(src), "--concurrency", "4", "--rate", "2"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "3 companies to research, 1 repeated rows" in out and "0 skipped" in out
    assert "4 companies at once (--concurrency)" in out and "at most 2 started per second (--rate)" in out
    assert "s per company" in out and "pages each" in out and "$0 without an LLM" in out


def test_repeated_companies_are_filled_in_every_output_but_ports_make_other_companies(cli_env, capsys, wide):
    rows = [
        ["Acme", "acme.com"],
        ["Acme staging", "acme.com:8443"],
        ["Acme again", "https://www.acme.com/contact"],
        ["Site A", "sites.google.com/view/site-a"],
        ["Site B", "sites.google.com/view/site-b"],
    ]
    src = write_csv(cli_env / "in.csv", ["Company", "Website"], rows)
    researcher = NamedResearcher()
    assert _run(["research", str(src), "-o", "o.json", "--no-progress"], researcher) == ExitCode.OK
    data = json.loads((cli_env / "o.json").read_text())
    assert [item["status"] for item in data] == ["done", "done", "done — same company as row 1", "done", "done"]
    assert data[2]["profile"]["industry"] == "Software"
    assert sorted(researcher.calls) == ["Acme", "Acme staging", "Site A", "Site B"]
