"""Failures by name: every error kind has a channel-neutral hint (the CLI adds its flag), a failed row's
status cell ends with it, failed rows are listed (bounded), retry-failed picks retryable kinds unless told
otherwise, and ``clean`` removes jobs that never started."""

from __future__ import annotations

from datetime import timedelta

from service.cli.render import CLI_SUGGESTIONS, cli_hint
from service.domain import CompanyInput, ErrorKind, JobOptions, JobState, Row, RowState
from service.domain.hints import HINT_LEAD, HINTS, STATUS_MESSAGE_CHARS, hint_for
from service.domain.tables import ColumnMap
from service.files.output import ResultColumns
from service.jobs import control
from service.jobs.failures import failed_rows
from service.jobs.rowtask import handle_research_task
from service.jobs.submit import create_job, submit_job
from service.queue.port import TaskDelivery
from service.sheets.cells import row_texts
from service.sheets.layout import STATUS

from .fakes import SOURCE, ScriptedResearcher, companies, make_services


def test_every_error_kind_has_its_own_hint() -> None:
    assert {kind.value for kind in ErrorKind} <= set(HINTS)
    assert all(hint_for(kind) and hint_for(kind) == HINTS[kind.value] for kind in ErrorKind)
    assert len({hint_for(kind) for kind in ErrorKind}) == len(ErrorKind)  # no copy-pasted hints
    assert hint_for("no-such-kind") == hint_for(ErrorKind.INTERNAL) and hint_for(None) == hint_for("internal")


def test_hints_are_channel_neutral_and_the_cli_adds_its_flag_where_one_helps() -> None:
    assert not [kind for kind, hint in HINTS.items() if "--" in hint or "button" in hint.lower()]
    assert set(CLI_SUGGESTIONS) <= {kind.value for kind in ErrorKind}
    slow = cli_hint("timeout", hint_for(ErrorKind.TIMEOUT))
    assert slow.startswith(hint_for(ErrorKind.TIMEOUT)) and "--timeout" in slow
    assert "--rate" in cli_hint("rate_limit", hint_for(ErrorKind.RATE_LIMIT))
    assert cli_hint("dns", hint_for(ErrorKind.DNS)) == hint_for(ErrorKind.DNS)  # no flag helps: the hint alone


def _failed(kind: ErrorKind | None, message: str) -> Row:
    return Row(
        "j", "r1", 1, CompanyInput("Acme", "acme.example"), RowState.FAILED, error_kind=kind, error_message=message
    )


def test_a_failed_rows_status_cell_keeps_its_first_words_and_ends_with_the_hint() -> None:
    dns = _failed(ErrorKind.DNS, "no such host")
    assert dns.status_text == f"failed: dns — no such host. What to do: {hint_for(ErrorKind.DNS)}"
    assert row_texts(dns, [STATUS])[STATUS] == dns.status_text  # what the sheet's status cell gets
    assert _failed(ErrorKind.PARSE, "").status_text == f"failed: parse. What to do: {hint_for(ErrorKind.PARSE)}"
    assert _failed(None, "boom").status_text.startswith("failed: error — boom. What to do: ")
    for kind in ErrorKind:  # the sidebar, Apps Script and tests read the first words
        assert _failed(kind, "x.").status_text == f"failed: {kind.value} — x. {HINT_LEAD}{hint_for(kind)}"


def test_a_long_or_multi_line_message_is_cut_so_the_hint_always_shows() -> None:
    message = "connection reset by peer\n" + " ".join(f"frame{i}" for i in range(400))
    status = _failed(ErrorKind.CONNECTION, message).status_text
    shown = status.removeprefix("failed: connection — ").split(" " + HINT_LEAD)[0]
    assert "\n" not in status and shown.endswith("…") and len(shown) <= STATUS_MESSAGE_CHARS
    assert shown.startswith("connection reset by peer frame0 frame1") and not shown.endswith(" …")
    assert status.endswith(f"{HINT_LEAD}{hint_for(ErrorKind.CONNECTION)}")
    assert len(status) < STATUS_MESSAGE_CHARS + 200


def test_files_keep_a_plain_failed_status_with_the_hint_once_in_error_and_hint() -> None:
    row = _failed(ErrorKind.DNS, "no such host")
    table = ResultColumns.build(["Company"], ("industry",), ColumnMap("Company", None))
    line = dict(zip(table.headers, table.cells(row), strict=True))
    assert line["Rowscout status"] == "failed" and line["Error"].count(hint_for(ErrorKind.DNS)) == 1
    record = table.record(row)
    assert (record["status"], record["hint"]) == ("failed", hint_for(ErrorKind.DNS))


def _finished_job(failures: dict[str, list[ErrorKind]], names: list[str]):  # type: ignore[no-untyped-def]
    svc, queue, _, _ = make_services(ScriptedResearcher(failures=failures))
    job = submit_job(
        svc, owner="ann", name="j", source=SOURCE, rows=companies(*names), options=JobOptions(max_attempts=1)
    )
    for task in list(queue.enqueued):
        handle_research_task(svc, TaskDelivery(task, 1))
    queue.enqueued.clear()
    control.complete_if_finished(svc, job.id)
    return svc, queue, job


def test_failed_rows_name_the_company_kind_and_hint_and_are_bounded() -> None:
    names = [f"Co {i}" for i in range(1, 15)]
    failures = {name: [ErrorKind.ROBOTS_DISALLOWED] for name in names[:12]}
    svc, _, job = _finished_job(failures, names)
    listed = failed_rows(svc, job.id, limit=10)
    assert listed.total == 12 and listed.more == 2 and len(listed.rows) == 10
    first = listed.rows[0]
    assert (first.row, first.company, first.kind) == (1, "Co 1", "robots_disallowed")
    assert first.hint == hint_for(ErrorKind.ROBOTS_DISALLOWED) and not first.retryable
    assert listed.to_dict()["rows"][0]["hint"] == first.hint and listed.to_dict()["more"] == 2


def test_retry_failed_takes_retryable_kinds_only_unless_told_to_take_all() -> None:
    failures = {"Slow": [ErrorKind.TIMEOUT], "Parked": [ErrorKind.PARKED_DOMAIN], "Unsafe": [ErrorKind.UNSAFE_URL]}
    svc, queue, job = _finished_job(failures, ["Slow", "Parked", "Unsafe", "Fine"])
    assert control.retry_split(svc, job.id) == (1, 2)
    control.retry_failed(svc, job.id)
    assert [task.row_key for task in queue.enqueued] == ["r000001"]
    assert svc.store.count_rows(job.id)[RowState.FAILED] == 2
    queue.enqueued.clear()
    control.retry_failed(svc, job.id, include_permanent=True)
    assert sorted(task.row_key for task in queue.enqueued) == ["r000002", "r000003"]  # the permanent ones too


def test_clean_removes_jobs_that_never_started_but_keeps_paused_and_young_ones() -> None:
    svc, _, _, clock = make_services()
    empty = create_job(svc, owner="local", name="half-submitted", source=SOURCE, options=JobOptions())
    failed = submit_job(svc, owner="local", name="failed", source=SOURCE, rows=companies("A"), options=JobOptions())
    control.fail_job(svc, failed.id, "the sheet was deleted before any row was researched")
    paused = create_job(svc, owner="local", name="paused", source=SOURCE, options=JobOptions())
    control.pause_job(svc, paused.id)
    working = submit_job(svc, owner="local", name="working", source=SOURCE, rows=companies("B"), options=JobOptions())
    assert control.clean_jobs(svc, older_than=timedelta(days=7)) == 0  # too young: a submit may be under way
    clock.advance(minutes=11)
    assert control.clean_jobs(svc, older_than=timedelta(days=7)) == 2
    assert svc.store.get_job(empty.id) is None and svc.store.get_job(failed.id) is None
    assert svc.store.get_job(paused.id).state == JobState.PAUSED  # type: ignore[union-attr]
    assert svc.store.get_job(working.id) is not None
