"""Task handlers over HTTP: idempotent, retry codes, paused/cancelled jobs, plan and flush."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from service.domain import ErrorKind, RowState
from tests.api.conftest import SHEET, TAB, Env, row_key, selection


def _submit(env: Env, **changes: object) -> str:
    response = env.client.post("/api/v1/jobs", json=selection(**changes), headers=env.as_user())
    assert response.status_code == 202, response.json
    return response.json["job"]["id"]


def _task(env: Env, kind: str, job_id: str, row_key: str = "", retries: int = 0):
    headers = {**env.as_tasks(), "X-CloudTasks-TaskRetryCount": str(retries)}
    return env.client.post(f"/tasks/{kind}", json={"job_id": job_id, "row_key": row_key}, headers=headers)


def test_research_task_twice_researches_once_and_answers_200_both_times(env: Env) -> None:
    job_id = _submit(env)
    acme = row_key(job_id, 2)
    first, second = _task(env, "research", job_id, acme), _task(env, "research", job_id, acme)
    assert (first.status_code, second.status_code) == (200, 200)
    assert env.researcher.calls == ["Acme"]
    row = env.store.get_row(job_id, acme)
    assert row is not None and row.state == RowState.DONE and row.result.website == "https://acme.example"


def test_finished_row_enqueues_one_named_flush_per_window(env: Env) -> None:
    job_id = _submit(env)
    env.queue.enqueued.clear()
    _task(env, "research", job_id, row_key(job_id, 2))
    _task(env, "research", job_id, row_key(job_id, 3))
    names = {t.name for t in env.queue.of_kind("flush")}
    assert len(names) == 1  # same window: same name, so Cloud Tasks keeps one
    env.now[0] += timedelta(seconds=6)
    _task(env, "research", job_id, row_key(job_id, 2))
    assert len({t.name for t in env.queue.of_kind("flush")}) == 2


def test_retryable_failure_answers_503_with_retry_after_or_429_for_rate_limits(env: Env) -> None:
    env.researcher.fail.update({"Acme": ErrorKind.TIMEOUT, "Globex": ErrorKind.RATE_LIMIT})
    job_id = _submit(env)
    timeout = _task(env, "research", job_id, row_key(job_id, 2))
    assert timeout.status_code == 503 and timeout.json["status"] == "retry"
    limited = _task(env, "research", job_id, row_key(job_id, 3))
    assert limited.status_code == 429 and limited.json["kind"] == "rate_limit"
    assert env.store.get_row(job_id, row_key(job_id, 2)).state == RowState.PENDING


def test_permanent_failure_is_stored_and_answers_200(env: Env) -> None:
    env.researcher.fail["Acme"] = ErrorKind.PARKED_DOMAIN
    job_id = _submit(env)
    acme = row_key(job_id, 2)
    response = _task(env, "research", job_id, acme)
    assert response.status_code == 200
    row = env.store.get_row(job_id, acme)
    assert row.state == RowState.FAILED and row.error_kind == ErrorKind.PARKED_DOMAIN
    assert _task(env, "research", job_id, acme).status_code == 200 and env.researcher.calls == ["Acme"]


def test_paused_and_cancelled_jobs_do_nothing_and_answer_200(env: Env) -> None:
    job_id = _submit(env)
    env.client.post(f"/api/v1/jobs/{job_id}/pause", headers=env.as_user())
    assert _task(env, "research", job_id, row_key(job_id, 2)).status_code == 200
    env.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=env.as_user())
    assert _task(env, "research", job_id, row_key(job_id, 3)).status_code == 200
    assert env.researcher.calls == []


def test_busy_lease_schedules_a_new_task_for_later_and_answers_200(env: Env) -> None:
    """Cloud Tasks ignores Retry-After: a row that knows when to come back gets a scheduled task."""
    job_id = _submit(env)
    acme = row_key(job_id, 2)
    env.store.lease_row(job_id, acme, owner="other", now=env.now[0], lease_seconds=300, max_attempts=3)
    env.queue.enqueued.clear()
    response = _task(env, "research", job_id, acme)
    assert response.status_code == 200 and response.json["rescheduled"] is True
    [later] = env.queue.of_kind("research")
    assert later.row_key == acme and later.schedule_at > env.now[0] and later.generation
    assert env.researcher.calls == []


def test_the_queues_last_delivery_records_the_row_as_failed(env: Env) -> None:
    env.researcher.fail["Acme"] = ErrorKind.TIMEOUT
    context = env.app.extensions["rowscout"]
    context.settings = replace(context.settings, cloud=replace(context.settings.cloud, tasks_max_attempts=2))
    job_id = _submit(env, max_concurrency=1)
    acme = row_key(job_id, 2)
    assert _task(env, "research", job_id, acme, retries=0).status_code == 503
    last = _task(env, "research", job_id, acme, retries=1)
    assert last.status_code == 200
    row = env.store.get_row(job_id, acme)
    assert row.state == RowState.FAILED and row.error_kind == ErrorKind.TIMEOUT


def test_flush_writes_finished_rows_once_and_completes_the_job(env: Env) -> None:
    job_id = _submit(env)
    keys = [row_key(job_id, n) for n in (2, 3, 4)]
    _task(env, "research", job_id, keys[0])
    _task(env, "research", job_id, keys[1])
    first = _task(env, "flush", job_id)
    assert first.status_code == 200 and first.json["written"] == 3
    second = _task(env, "flush", job_id)
    assert second.status_code == 200 and second.json["written"] == 0
    output_columns, queued_at_submit, results = env.sheets.writes
    assert output_columns.keys == () and "Rowscout status" in output_columns.cells.values()
    assert queued_at_submit.spreadsheet_id == SHEET and queued_at_submit.keys  # status cells say "queued" at once
    assert set(queued_at_submit.cells.values()) == {"queued"}
    assert (results.spreadsheet_id, results.keys) == (SHEET, tuple(keys))
    assert env.sheets.values(SHEET, TAB)[1][2] == "done"
    assert env.store.get_job(job_id).state.value == "completed"


def test_flush_of_a_deleted_job_is_done(env: Env) -> None:
    assert _task(env, "flush", "gone").json == {"status": "done", "written": 0}


def test_flush_sheet_failure_retries_then_a_permanent_one_fails_the_job_with_its_message(env: Env) -> None:
    job_id = _submit(env)
    _task(env, "research", job_id, row_key(job_id, 2))
    env.sheets.fail_next(1, status=503)
    assert _task(env, "flush", job_id).status_code == 503
    env.sheets.fail_next(1, status=403)  # the share was revoked
    assert _task(env, "flush", job_id).status_code == 200
    job = env.client.get(f"/api/v1/jobs/{job_id}", headers=env.as_user()).json["job"]
    assert job["state"] == "failed" and "share the sheet" in job["error"]
    assert _task(env, "flush", job_id).status_code == 200  # later flushes of the failed job do nothing


def test_a_flush_failing_until_the_queues_last_delivery_fails_the_job_instead_of_leaving_it_running(
    env: Env,
) -> None:
    context = env.app.extensions["rowscout"]
    context.settings = replace(context.settings, cloud=replace(context.settings.cloud, tasks_max_attempts=3))
    job_id = _submit(env)
    _task(env, "research", job_id, row_key(job_id, 2))
    env.sheets.fail_next(3, status=503)  # the sheet stays unavailable for every try the queue makes
    assert _task(env, "flush", job_id, retries=0).status_code == 503
    assert _task(env, "flush", job_id, retries=1).status_code == 503
    last = _task(env, "flush", job_id, retries=2)
    assert last.status_code == 200 and last.json["gave_up"] is True
    job = env.client.get(f"/api/v1/jobs/{job_id}", headers=env.as_user()).json["job"]
    assert job["state"] == "failed" and "could not be written after repeated tries" in job["error"]
    assert env.store.get_row(job_id, row_key(job_id, 2)).state == RowState.DONE  # the research result is kept


def test_plan_task_reads_the_sheet_and_submits_rows_twice_safely(env: Env) -> None:
    job_id = _submit(env, ranges=["A:B"])
    assert env.client.get(f"/api/v1/jobs/{job_id}", headers=env.as_user()).json["job"]["state"] == "planning"
    assert _task(env, "plan", job_id).status_code == 200
    assert _task(env, "plan", job_id).status_code == 200
    assert env.sheets.reads == [SHEET] and env.sheets.prepared == [job_id]
    job = env.store.get_job(job_id)
    assert job.state.value == "running" and job.total_rows == 3 and job.source.layout is not None
    assert sorted(t.row_key for t in env.queue.of_kind("research")) == [row_key(job_id, 2), row_key(job_id, 3)]


def test_plan_task_waits_while_paused_and_skips_cancelled(env: Env) -> None:
    job_id = _submit(env, ranges=["A:B"])
    env.client.post(f"/api/v1/jobs/{job_id}/pause", headers=env.as_user())
    assert _task(env, "plan", job_id).status_code == 200  # acknowledged, and planned again later:
    later = [t for t in env.queue.of_kind("plan") if t.schedule_at is not None]
    assert len(later) == 1 and later[0].payload == {"chunk": 0} and env.sheets.reads == []
    env.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=env.as_user())
    assert _task(env, "plan", job_id).status_code == 200 and env.sheets.reads == []


def test_plan_task_fails_the_job_when_the_sheet_has_no_company_column(env: Env) -> None:
    job_id = _submit(env, ranges=["A:B"])
    env.sheets.create_spreadsheet(SHEET, {TAB: [["Notes"], ["x"]]})
    assert _task(env, "plan", job_id).status_code == 200
    job = env.client.get(f"/api/v1/jobs/{job_id}", headers=env.as_user()).json["job"]
    assert job["state"] == "failed" and "company column" in job["error"]


def test_flush_before_planning_writes_nothing_and_keeps_the_job_planning(env: Env) -> None:
    job_id = _submit(env, ranges=["A:B"])
    assert _task(env, "flush", job_id).json["written"] == 0
    assert env.store.get_job(job_id).state.value == "planning" and env.sheets.writes == []


def test_refresh_cron_re_enqueues_stale_rows(env: Env) -> None:
    job_id = _submit(env, refresh_days=7)
    _task(env, "research", job_id, row_key(job_id, 2))
    _task(env, "research", job_id, row_key(job_id, 3))
    env.queue.enqueued.clear()
    env.now[0] += timedelta(days=8)
    response = env.client.post("/cron/refresh", headers=env.as_tasks())
    assert response.json == {"status": "done", "jobs": 1, "rows": 2}
    assert sorted(t.row_key for t in env.queue.of_kind("research")) == [row_key(job_id, 2), row_key(job_id, 3)]


def test_bad_task_bodies_are_dropped_with_200(env: Env) -> None:
    for body in ({}, {"job_id": 5}, {"job_id": "j", "payload": []}):
        response = env.client.post("/tasks/research", json=body, headers=env.as_tasks())
        assert response.status_code == 200 and response.json["status"] == "failed"
