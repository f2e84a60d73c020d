"""CloudTasksQueue: the HTTP task it builds, names, queues by priority, dedup and errors.

A recording fake client stands in for Cloud Tasks here (it refuses a second
task of the same name, as Cloud Tasks does); the emulator run is in
test_contract_cloudtasks.py.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from google.api_core import exceptions as gexc
from google.cloud import tasks_v2

from service.domain.errors import InputError, QueueError
from service.queue.cloudtasks import MAX_TASK_ID, CloudTasksQueue, task_id
from service.queue.port import Task, TaskKind

QUEUES = {"high": "rs-high", "normal": "rs-normal", "low": "rs-low"}
BASE = "https://rowscout.example.run.app/"


class RecordingTasksClient:
    """Records created tasks; refuses known names with AlreadyExists; ``fail`` may raise per task."""

    def __init__(self, fail: Callable[[tasks_v2.Task], Exception | None] = lambda _t: None) -> None:
        self.created: list[tuple[str, tasks_v2.Task]] = []
        self.timeouts: list[float | None] = []
        self._fail = fail
        self._lock = threading.Lock()

    def create_task(self, *, parent: str, task: tasks_v2.Task, retry=None, timeout=None) -> tasks_v2.Task:
        error = self._fail(task)
        if error is not None:
            raise error
        with self._lock:
            self.timeouts.append(timeout)
            if any(existing.name == task.name for _, existing in self.created):
                raise gexc.AlreadyExists(f"Requested entity already exists: {task.name}")
            self.created.append((parent, task))
        return task


def make_queue(client=None, **options) -> CloudTasksQueue:
    settings = {"project": "proj", "location": "europe-west1", "queues": QUEUES, "target_base_url": BASE}
    return CloudTasksQueue(client or RecordingTasksClient(), **{**settings, **options})


def research(row: str = "r1", **fields) -> Task:
    return Task(kind=TaskKind.RESEARCH, job_id="job-9", row_key=row, **fields)


def test_builds_a_json_post_to_the_kind_route() -> None:
    task = research(payload={"company": "Zoë"})
    built = make_queue().build_task(task)
    http = built.http_request
    assert http.http_method == tasks_v2.HttpMethod.POST
    assert http.url == "https://rowscout.example.run.app/tasks/research"
    assert http.headers["Content-Type"] == "application/json"
    assert json.loads(http.body) == {"job_id": "job-9", "row_key": "r1", "payload": {"company": "Zoë"}}
    assert built.name == f"projects/proj/locations/europe-west1/queues/rs-normal/tasks/{task_id(task.name)}"
    assert not http.oidc_token.service_account_email
    assert not built.schedule_time


def test_flush_tasks_go_to_their_own_route() -> None:
    built = make_queue().build_task(Task(kind=TaskKind.FLUSH, job_id="job-9"))
    assert built.http_request.url.endswith("/tasks/flush")


def test_oidc_token_uses_the_service_account_and_audience() -> None:
    built = make_queue(service_account_email="tasks@proj.iam.gserviceaccount.com").build_task(research())
    token = built.http_request.oidc_token
    assert token.service_account_email == "tasks@proj.iam.gserviceaccount.com"
    assert token.audience == "https://rowscout.example.run.app"
    custom = make_queue(service_account_email="t@p.iam.gserviceaccount.com", audience="https://aud.example")
    assert custom.build_task(research()).http_request.oidc_token.audience == "https://aud.example"


def test_schedule_at_becomes_schedule_time() -> None:
    when = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    queue = make_queue()
    assert queue.build_task(research(schedule_at=when)).schedule_time == when
    naive = queue.build_task(research(schedule_at=when.replace(tzinfo=None))).schedule_time
    assert naive == when  # a naive time is taken as UTC


@pytest.mark.parametrize(
    ("priority", "queue_id"), [("high", "rs-high"), ("normal", "rs-normal"), ("low", "rs-low"), ("x", "rs-normal")]
)
def test_priority_picks_the_queue(priority: str, queue_id: str) -> None:
    client = RecordingTasksClient()
    make_queue(client).enqueue(research(priority=priority))
    parent, created = client.created[0]
    assert parent == f"projects/proj/locations/europe-west1/queues/{queue_id}"
    assert created.name.startswith(parent + "/tasks/")


def test_a_missing_priority_queue_falls_back_to_normal() -> None:
    client = RecordingTasksClient()
    make_queue(client, queues={"normal": "only"}).enqueue(research(priority="high"))
    assert client.created[0][0].endswith("/queues/only")


def test_task_ids_are_valid_stable_and_distinct() -> None:
    names = ["research-job-1-row 7", "research-job-1-row.7", "research-job-1-row_7", "é" * 40, "x" * 2000]
    ids = [task_id(name) for name in names]
    for value in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,500}", value)
    assert len(set(ids)) == len(ids)
    # stable: sha256("research-job-1-row 7")[:12] (checked with sha256sum), then the name with unsafe chars as "_"
    assert task_id(names[0]) == "31057d907173-research-job-1-row_7"
    assert len(task_id("y" * 2000)) == MAX_TASK_ID
    assert task_id("y" * 2000) != task_id("y" * 2001)  # truncation keeps them apart


def test_same_task_twice_is_deduplicated_not_an_error() -> None:
    client = RecordingTasksClient()
    queue = make_queue(client)
    queue.enqueue(research("r1"))
    queue.enqueue(research("r1"))
    assert queue.enqueue_many([research("r1"), research("r2"), research("r3")]) == 2
    assert queue.enqueue_many([research("r2"), research("r3")]) == 0
    assert len(client.created) == 3


def test_enqueue_many_creates_every_task_in_parallel() -> None:
    client = RecordingTasksClient()
    assert make_queue(client, max_parallel=4).enqueue_many(research(f"r{i}") for i in range(50)) == 50
    assert len({task.name for _, task in client.created}) == 50
    assert set(client.timeouts) == {30.0}


def test_api_failures_become_retryable_queue_errors() -> None:
    client = RecordingTasksClient(lambda _t: gexc.ServiceUnavailable("backend down"))
    with pytest.raises(QueueError) as caught:
        make_queue(client).enqueue(research())
    assert caught.value.retryable
    assert "ServiceUnavailable" in caught.value.message and "backend down" in caught.value.message


def test_partial_batch_failure_reports_counts_and_keeps_the_rest() -> None:
    client = RecordingTasksClient(lambda t: gexc.PermissionDenied("no") if t.name.endswith("-r1") else None)
    with pytest.raises(QueueError, match="1 of 3 tasks could not be queued"):
        make_queue(client).enqueue_many([research("r0"), research("r1"), research("r2")])
    assert sorted(t.name.rsplit("-", 1)[-1] for _, t in client.created) == ["r0", "r2"]


@pytest.mark.parametrize(
    "options",
    [{"queues": {"high": "h"}}, {"target_base_url": ""}, {"project": ""}],
)
def test_incomplete_configuration_is_refused(options: dict) -> None:
    with pytest.raises(InputError):
        make_queue(**options)


@pytest.mark.parametrize(
    ("kind", "seconds"), [(TaskKind.RESEARCH, 700.0), (TaskKind.PLAN, 500.0), (TaskKind.FLUSH, 45.0)]
)
def test_every_task_kind_carries_its_own_dispatch_deadline(kind: TaskKind, seconds: float) -> None:
    from datetime import timedelta

    from service.config import DispatchDeadlines

    queue = make_queue(deadlines=DispatchDeadlines(research=700.0, plan=500.0, flush=45.0))
    built = queue.build_task(Task(kind=kind, job_id="job-9", row_key="r1"))
    assert built.dispatch_deadline == timedelta(seconds=seconds)


def test_without_settings_tasks_still_get_an_explicit_deadline_within_the_range() -> None:
    built = make_queue().build_task(research())
    assert 15 <= built.dispatch_deadline.total_seconds() <= 1800


@pytest.mark.parametrize("bad", [5.0, 1801.0])
def test_deadlines_outside_cloud_tasks_range_are_refused(bad: float) -> None:
    from service.config import DispatchDeadlines

    with pytest.raises(ValueError, match="15–1800"):
        DispatchDeadlines(flush=bad)


def test_flush_tasks_use_their_own_queue_whatever_their_priority() -> None:
    client = RecordingTasksClient()
    queue = make_queue(client, kind_queues={TaskKind.FLUSH: "rs-flush"})
    queue.enqueue(Task(kind=TaskKind.FLUSH, job_id="job-9", row_key="w1", priority="high"))
    queue.enqueue(research(priority="high"))
    parents = [parent.rsplit("/", 1)[-1] for parent, _ in client.created]
    names = [task.name.split("/")[-3] for _, task in client.created]
    assert parents == names == ["rs-flush", "rs-high"]
