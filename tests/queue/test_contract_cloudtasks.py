"""The TaskQueue contract, run against CloudTasksQueue on the Cloud Tasks emulator.

Each test gets its own emulator queues and a loopback HTTP bridge that turns
the emulator's requests back into deliveries. Without the emulator these
tests fail, unless ROWSCOUT_SKIP_EMULATOR_TESTS=1.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from service.queue.cloudtasks import CloudTasksQueue
from service.queue.port import Task, TaskHandler, TaskKind
from tests.contract.queue_contract import Deliveries, MakeQueue, QueueContract
from tests.support.tasks_emulator import EmulatorUnavailable, TaskHttpBridge, TasksEmulator, start_emulator

pytestmark = [pytest.mark.emulator, pytest.mark.subprocess]

PROJECT, LOCATION = "rowscout-test", "europe-west1"


@pytest.fixture(scope="module")
def tasks_emulator() -> Iterator[TasksEmulator]:
    try:
        emulator = start_emulator(max_retries=5)
    except EmulatorUnavailable as exc:
        if os.environ.get("ROWSCOUT_SKIP_EMULATOR_TESTS") == "1":
            pytest.skip(f"Cloud Tasks emulator unavailable: {exc}")
        pytest.fail(f"Cloud Tasks emulator unavailable (set ROWSCOUT_SKIP_EMULATOR_TESTS=1 to skip): {exc}")
    yield emulator
    emulator.stop()


@pytest.fixture
def emulator_queues(tasks_emulator: TasksEmulator) -> Iterator[dict[str, str]]:
    """Fresh emulator queues per test (priority -> queue id), deleted afterwards."""
    suffix = uuid.uuid4().hex[:8]
    queues = {priority: f"{priority}-{suffix}" for priority in ("high", "normal", "low")}
    names = [tasks_emulator.create_queue(project=PROJECT, location=LOCATION, queue_id=q) for q in queues.values()]
    yield queues
    for name in names:
        tasks_emulator.delete_queue(name)


class CloudQueueFactory:
    """Builds a CloudTasksQueue on the emulator whose tasks reach ``handler`` through a bridge."""

    def __init__(self, emulator: TasksEmulator, queues: dict[str, str], stack: ExitStack) -> None:
        self.emulator, self.queues, self.stack = emulator, queues, stack
        self.bridge: TaskHttpBridge | None = None

    def __call__(self, handler: TaskHandler) -> CloudTasksQueue:
        self.bridge = self.stack.enter_context(TaskHttpBridge(handler))
        return CloudTasksQueue(
            self.emulator.client(),
            project=PROJECT,
            location=LOCATION,
            queues=self.queues,
            target_base_url=self.bridge.url,
            service_account_email="tasks@rowscout-test.iam.gserviceaccount.com",
        )


@pytest.fixture
def make_cloud_queue(tasks_emulator: TasksEmulator, emulator_queues: dict[str, str]) -> Iterator[CloudQueueFactory]:
    with ExitStack() as stack:
        yield CloudQueueFactory(tasks_emulator, emulator_queues, stack)


class TestCloudTasksQueueContract(QueueContract):
    @pytest.fixture
    def make_queue(self, make_cloud_queue: MakeQueue) -> MakeQueue:
        return make_cloud_queue


def test_priorities_reach_their_queues(make_cloud_queue: CloudQueueFactory, emulator_queues: dict[str, str]) -> None:
    handler = Deliveries()
    queue = make_cloud_queue(handler)
    tasks = [Task(kind=TaskKind.RESEARCH, job_id="job-p", row_key=p, priority=p) for p in ("high", "low")]
    assert queue.enqueue_many(tasks) == 2
    assert handler.wait_until(lambda: handler.has_all(tasks))
    assert make_cloud_queue.bridge is not None
    by_queue = {
        headers["x-cloudtasks-queuename"].rsplit("/", 1)[-1]: headers["x-cloudtasks-taskname"]
        for headers in make_cloud_queue.bridge.requests
    }
    assert set(by_queue) == {emulator_queues["high"], emulator_queues["low"]}
    assert by_queue[emulator_queues["high"]].endswith("research-job-p-high")


def test_the_emulator_keeps_each_tasks_dispatch_deadline_and_flush_queue(
    tasks_emulator: TasksEmulator, emulator_queues: dict[str, str]
) -> None:
    """Cloud Tasks' API accepts ``dispatch_deadline`` on HTTP tasks; the emulator stores what it was given."""
    from datetime import UTC, datetime, timedelta

    from google.cloud import tasks_v2

    from service.config import DispatchDeadlines

    queue = CloudTasksQueue(
        tasks_emulator.client(),
        project=PROJECT,
        location=LOCATION,
        queues=emulator_queues,
        kind_queues={TaskKind.FLUSH: emulator_queues["low"]},  # stands in for the flush queue
        deadlines=DispatchDeadlines(research=650.0, plan=600.0, flush=90.0),
        target_base_url="http://127.0.0.1:9",  # never dispatched: both tasks are scheduled in a day
    )
    client = tasks_emulator.client()
    for priority in ("normal", "low"):  # a paused queue leaves its tasks in place to be listed
        client.pause_queue(name=queue.queue_path(priority), timeout=10)
    later = datetime.now(UTC) + timedelta(days=1)
    queue.enqueue(Task(kind=TaskKind.RESEARCH, job_id="job-d", row_key="r1", schedule_at=later))
    queue.enqueue(Task(kind=TaskKind.FLUSH, job_id="job-d", row_key="w1", schedule_at=later))

    def stored(priority: str) -> list[tasks_v2.Task]:
        return list(client.list_tasks(parent=queue.queue_path(priority), timeout=10))

    (research,) = stored("normal")
    (flush,) = stored("low")
    assert research.dispatch_deadline == timedelta(seconds=650)
    assert flush.dispatch_deadline == timedelta(seconds=90)
    assert flush.http_request.url.endswith("/tasks/flush")
