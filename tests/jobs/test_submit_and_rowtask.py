"""Submit and the row task: rows stored and enqueued, lease → research → store, idempotent."""

from __future__ import annotations

import pytest

from service.config import Limits
from service.domain import CompanyInput, ErrorKind, JobOptions, JobState, RowState
from service.domain.errors import InputError
from service.domain.hints import hint_for
from service.jobs.rowtask import give_up_row, handle_research_task
from service.jobs.submit import submit_job
from service.queue.port import TaskDelivery, TaskKind

from .fakes import SOURCE, ScriptedResearcher, companies, make_services


def _submit(svc, rows, **options):
    return submit_job(svc, owner="ana@example.com", name="t", source=SOURCE, rows=rows, options=JobOptions(**options))


def _deliver_all(svc, queue, *, times=1):
    results = []
    for task in list(queue.enqueued):
        for attempt in range(1, times + 1):
            results.append(handle_research_task(svc, TaskDelivery(task, attempt)))
    return results


def test_submit_stores_rows_and_enqueues_one_research_task_per_row():
    svc, queue, _, _ = make_services()
    job = _submit(svc, companies("Acme", "Globex", "Initech"))
    assert job.state == JobState.RUNNING and job.total_rows == 3
    assert [t.row_key for t in queue.enqueued] == ["r000001", "r000002", "r000003"]
    assert {t.kind for t in queue.enqueued} == {TaskKind.RESEARCH}
    assert svc.store.count_rows(job.id)[RowState.PENDING] == 3


def test_invalid_and_duplicate_rows_are_skipped_with_a_reason_not_enqueued():
    svc, queue, _, _ = make_services()
    rows = companies("Acme", "Globex")
    rows.append(("r000003", 3, CompanyInput(name="", website="")))
    rows.append(("r000004", 4, CompanyInput(name="Acme again", website="https://www.acme.example/")))
    job = _submit(svc, rows)
    assert len(queue.enqueued) == 2
    skipped = {r.key: r for r in svc.store.iter_rows(job.id, states=(RowState.SKIPPED,))}
    assert skipped["r000003"].error_message == "no company name or website in this row"
    assert skipped["r000004"].error_message == "duplicate of row 1"
    assert skipped["r000004"].status_text == "skipped: duplicate of row 1"


def test_a_job_whose_rows_are_all_skipped_is_completed_at_once():
    svc, queue, _, _ = make_services()
    job = _submit(svc, [("r1", 1, CompanyInput(name=""))])
    assert job.state == JobState.COMPLETED and not queue.enqueued


def test_a_job_over_the_row_limit_is_refused_and_removed():
    svc, _, _, _ = make_services()
    svc.limits = Limits(max_rows_per_job=3)
    with pytest.raises(InputError, match="at most 3 rows"):
        _submit(svc, companies("A", "B", "C", "D"))
    assert svc.store.list_jobs() == []


def test_every_row_task_run_twice_researches_each_company_once():
    svc, queue, researcher, _ = make_services()
    job = _submit(svc, companies("Acme", "Globex", "Initech"))
    results = _deliver_all(svc, queue, times=2)
    assert all(r.ok for r in results)
    assert researcher.calls == {"Acme": 1, "Globex": 1, "Initech": 1}
    done = list(svc.store.iter_rows(job.id, states=(RowState.DONE,)))
    assert len(done) == 3 and done[0].result.industry == "Software" and done[0].usage.pages_fetched == 3


def test_a_retryable_failure_asks_for_a_retry_then_succeeds():
    research = ScriptedResearcher(failures={"Acme": [ErrorKind.TIMEOUT]})
    svc, queue, _, _ = make_services(research)
    job = _submit(svc, companies("Acme"))
    task = queue.enqueued[0]
    first = handle_research_task(svc, TaskDelivery(task, 1))
    assert not first.ok and first.retry_after == 0.01
    row = svc.store.get_row(job.id, "r000001")
    assert row.state == RowState.PENDING and row.error_kind == ErrorKind.TIMEOUT and row.attempts == 1
    assert handle_research_task(svc, TaskDelivery(task, 2)).ok
    assert svc.store.get_row(job.id, "r000001").state == RowState.DONE


def test_retryable_failures_become_a_failed_row_after_max_attempts():
    research = ScriptedResearcher(failures={"Acme": [ErrorKind.TIMEOUT] * 5})
    svc, queue, _, _ = make_services(research)
    job = _submit(svc, companies("Acme"), max_attempts=2)
    task = queue.enqueued[0]
    assert not handle_research_task(svc, TaskDelivery(task, 1)).ok
    assert handle_research_task(svc, TaskDelivery(task, 2)).ok
    row = svc.store.get_row(job.id, "r000001")
    assert row.state == RowState.FAILED
    assert row.status_text == f"failed: timeout — timeout while researching. What to do: {hint_for(ErrorKind.TIMEOUT)}"
    assert research.calls["Acme"] == 2


def test_a_permanent_failure_is_recorded_once_and_acknowledged():
    research = ScriptedResearcher(failures={"Acme": [ErrorKind.PARKED_DOMAIN]})
    svc, queue, _, _ = make_services(research)
    job = _submit(svc, companies("Acme"))
    assert all(r.ok for r in _deliver_all(svc, queue, times=2))
    row = svc.store.get_row(job.id, "r000001")
    assert row.state == RowState.FAILED and row.error_kind == ErrorKind.PARKED_DOMAIN
    assert research.calls["Acme"] == 1


def test_a_crash_inside_the_researcher_costs_one_row_not_the_worker():
    def explode(company):
        raise ValueError("bug")

    research = ScriptedResearcher(on_call=explode)
    svc, queue, _, _ = make_services(research)
    job = _submit(svc, companies("Acme"))
    assert _deliver_all(svc, queue)[0].ok
    row = svc.store.get_row(job.id, "r000001")
    assert row.state == RowState.FAILED and row.error_kind == ErrorKind.INTERNAL
    assert "Traceback" not in row.error_message


@pytest.mark.parametrize("state", [JobState.PAUSED, JobState.CANCELLED])
def test_paused_and_cancelled_jobs_consume_no_work(state):
    svc, queue, researcher, clock = make_services()
    job = _submit(svc, companies("Acme"))
    svc.store.set_job_state(job.id, state, now=clock())
    assert _deliver_all(svc, queue)[0].ok
    assert researcher.calls == {}
    assert svc.store.get_row(job.id, "r000001").state == RowState.PENDING


def test_a_row_leased_by_a_live_worker_is_retried_later_and_taken_over_after_expiry():
    svc, queue, researcher, clock = make_services()
    job = _submit(svc, companies("Acme"))
    svc.store.lease_row(job.id, "r000001", owner="other", now=clock(), lease_seconds=60, max_attempts=3)
    busy = handle_research_task(svc, TaskDelivery(queue.enqueued[0], 1))
    assert not busy.ok and busy.retry_after is not None
    clock.advance(seconds=61)
    assert handle_research_task(svc, TaskDelivery(queue.enqueued[0], 2)).ok
    assert researcher.calls["Acme"] == 1
    assert svc.store.get_row(job.id, "r000001").state == RowState.DONE


def test_give_up_marks_a_pending_row_failed_with_its_last_error():
    research = ScriptedResearcher(failures={"Acme": [ErrorKind.RATE_LIMIT]})
    svc, queue, _, _ = make_services(research)
    job = _submit(svc, companies("Acme"))
    handle_research_task(svc, TaskDelivery(queue.enqueued[0], 1))
    give_up_row(svc, job.id, "r000001", "the queue gave up")
    row = svc.store.get_row(job.id, "r000001")
    assert row.state == RowState.FAILED and row.error_kind == ErrorKind.RATE_LIMIT
