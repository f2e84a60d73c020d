"""Failures by name: every error kind has a hint, failed rows are listed (bounded), retry-failed picks
retryable kinds unless told otherwise, and ``clean`` removes jobs that never started."""

from __future__ import annotations

from datetime import timedelta

from service.domain import ErrorKind, JobOptions, JobState, RowState
from service.domain.hints import HINTS, hint_for
from service.jobs import control
from service.jobs.failures import failed_rows
from service.jobs.rowtask import handle_research_task
from service.jobs.submit import create_job, submit_job
from service.queue.port import TaskDelivery

from .fakes import SOURCE, ScriptedResearcher, companies, make_services


def test_every_error_kind_has_its_own_hint() -> None:
    assert {kind.value for kind in ErrorKind} <= set(HINTS)
    assert all(hint_for(kind) and hint_for(kind) == HINTS[kind.value] for kind in ErrorKind)
    assert len({hint_for(kind) for kind in ErrorKind}) == len(ErrorKind)  # no copy-pasted hints
    assert hint_for("no-such-kind") == hint_for(ErrorKind.INTERNAL) and hint_for(None) == hint_for("internal")


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
