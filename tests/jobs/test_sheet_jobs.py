"""Sheet jobs end to end in the job layer, on the in-memory sheet gateway: chunked planning, ends, cleanup."""

from __future__ import annotations

from datetime import timedelta

from service.domain import ErrorKind, JobOptions, JobState, RowState
from service.domain.sources import SheetSource
from service.jobs import control, plan
from service.jobs.flush import flush_sheet_job
from service.jobs.plan import plan_sheet_job, start_sheet_job, submit_sheet_job
from service.jobs.refresh import refresh_stale_rows
from service.jobs.rowtask import handle_research_task
from service.queue.port import TaskDelivery, TaskKind
from tests.fakes.sheet_gateway import MemorySheetGateway

from .fakes import ScriptedResearcher, make_services

SHEET = "sheet-jobs-0001"
OPTIONS = JobOptions(fields=("industry",), max_attempts=1)


def _world(n: int = 10, researcher: ScriptedResearcher | None = None):  # type: ignore[no-untyped-def]
    rows = [["Company", "Website"], *([f"Co {i}", f"https://co-{i}.example"] for i in range(n))]
    gateway = MemorySheetGateway({SHEET: {"Leads": rows}})
    svc, queue, research, clock = make_services(researcher)
    svc.sheets = gateway
    return svc, queue, gateway


def _research_all(svc, queue) -> None:  # type: ignore[no-untyped-def]
    for task in [t for t in queue.enqueued if t.kind == TaskKind.RESEARCH]:
        handle_research_task(svc, TaskDelivery(task, 1))


def _tags_of(gateway: MemorySheetGateway, job_id: str) -> set[str]:
    return {value for value in gateway.tag_values(SHEET) if value.startswith(f"{job_id}:")}


def test_a_large_selection_is_planned_in_chunks_each_safe_to_deliver_twice(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(plan, "PLAN_CHUNK_ROWS", 4)
    svc, queue, gateway = _world(10)
    job = start_sheet_job(svc, owner="ann", name="big", source=SheetSource(SHEET, "Leads"), options=OPTIONS, rows=None)
    chunks = []
    while plans := [t for t in queue.enqueued if t.kind == TaskKind.PLAN]:
        task = plans[0]
        queue.enqueued.remove(task)
        chunks.append(task.payload["chunk"])
        assert plan_sheet_job(svc, job.id, chunk=task.payload["chunk"]).ok
        assert plan_sheet_job(svc, job.id, chunk=task.payload["chunk"]).ok  # a repeated delivery: nothing new
        stored = svc.store.get_job(job.id)
        assert stored is not None and stored.state == JobState.RUNNING
    assert chunks == [0, 1, 2] and len(set(t.name for t in queue.enqueued if t.kind == TaskKind.PLAN)) == 0
    stored = svc.store.get_job(job.id)
    assert stored is not None and stored.total_rows == 10 and stored.source.planned
    research = [t for t in queue.enqueued if t.kind == TaskKind.RESEARCH]
    assert len(research) == len({t.row_key for t in research}) == 10
    assert [r.position for r in svc.store.iter_rows(job.id)] == list(range(1, 11))


def test_a_job_is_not_completed_while_chunks_are_still_to_plan(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(plan, "PLAN_CHUNK_ROWS", 4)
    svc, queue, gateway = _world(10)
    job = start_sheet_job(svc, owner="ann", name="big", source=SheetSource(SHEET, "Leads"), options=OPTIONS, rows=None)
    assert plan_sheet_job(svc, job.id, chunk=0).ok
    _research_all(svc, queue)
    flush_sheet_job(svc, job.id)
    assert svc.store.get_job(job.id).state == JobState.RUNNING  # type: ignore[union-attr]


def test_a_paused_plan_task_is_acknowledged_and_comes_back_later() -> None:
    svc, queue, gateway = _world(3)
    job = start_sheet_job(svc, owner="ann", name="p", source=SheetSource(SHEET, "Leads"), options=OPTIONS, rows=None)
    control.pause_job(svc, job.id)
    assert plan_sheet_job(svc, job.id, chunk=0).ok and gateway.reads == []
    later = [t for t in queue.enqueued if t.kind == TaskKind.PLAN and t.schedule_at is not None]
    assert len(later) == 1 and later[0].generation and later[0].schedule_at > svc.clock()  # type: ignore[operator]


def test_a_completed_job_without_failures_removes_its_tags_from_the_sheet() -> None:
    svc, queue, gateway = _world(3)
    job = submit_sheet_job(svc, owner="ann", name="j", source=SheetSource(SHEET, "Leads"), options=OPTIONS)
    assert _tags_of(gateway, job.id)
    _research_all(svc, queue)
    flush_sheet_job(svc, job.id)
    stored = svc.store.get_job(job.id)
    assert stored is not None and stored.state == JobState.COMPLETED and stored.source.cleaned
    assert _tags_of(gateway, job.id) == set()
    assert gateway.values(SHEET, "Leads")[1][2] == "done"


def test_failed_rows_keep_the_tags_for_retry_failed_until_the_job_is_cancelled() -> None:
    researcher = ScriptedResearcher(failures={"Co 1": [ErrorKind.PARKED_DOMAIN]})
    svc, queue, gateway = _world(3, researcher)
    job = submit_sheet_job(svc, owner="ann", name="j", source=SheetSource(SHEET, "Leads"), options=OPTIONS)
    _research_all(svc, queue)
    flush_sheet_job(svc, job.id)
    assert svc.store.get_job(job.id).state == JobState.COMPLETED and _tags_of(gateway, job.id)  # type: ignore[union-attr]
    control.retry_failed(svc, job.id, include_permanent=True)  # a parked domain is permanent: only with "all"
    queue.enqueued.clear()
    control.cancel_job(svc, job.id)
    assert [t.kind for t in queue.enqueued] == [TaskKind.FLUSH]
    flush_sheet_job(svc, job.id)  # the flush after the cancel writes the statuses, then removes the tags
    assert _tags_of(gateway, job.id) == set()
    assert gateway.values(SHEET, "Leads")[2][2] == "skipped: job cancelled"


def test_a_sheet_that_can_no_longer_be_written_fails_the_job_with_its_message() -> None:
    svc, queue, gateway = _world(3)
    job = submit_sheet_job(svc, owner="ann", name="j", source=SheetSource(SHEET, "Leads"), options=OPTIONS)
    _research_all(svc, queue)
    gateway.fail_next(1, status=403)  # the share was revoked
    assert flush_sheet_job(svc, job.id).written == 0
    stored = svc.store.get_job(job.id)
    assert stored is not None and stored.state == JobState.FAILED and stored.finished_at is not None
    assert isinstance(stored.source, SheetSource) and "share the sheet" in stored.source.error
    assert [r.state for r in svc.store.iter_rows(job.id)] == [RowState.DONE] * 3  # results kept for export


def test_the_refresh_cron_removes_the_tags_of_a_job_about_to_expire() -> None:
    researcher = ScriptedResearcher(failures={"Co 1": [ErrorKind.PARKED_DOMAIN]})
    svc, queue, gateway = _world(3, researcher)
    job = submit_sheet_job(svc, owner="ann", name="j", source=SheetSource(SHEET, "Leads"), options=OPTIONS)
    _research_all(svc, queue)
    flush_sheet_job(svc, job.id)
    refresh_stale_rows(svc)
    assert _tags_of(gateway, job.id)  # a month to go: kept for retry-failed
    assert job.expire_at is not None
    svc.clock.advance(seconds=(job.expire_at - svc.clock()).total_seconds() - timedelta(hours=12).total_seconds())  # type: ignore[attr-defined]
    refresh_stale_rows(svc)
    assert _tags_of(gateway, job.id) == set()
