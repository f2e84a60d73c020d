"""The Firestore emulator goes down mid-job and comes back: the job completes, nothing is researched twice.

The emulator keeps data in memory, so a plain restart would lose the job;
this test exports the data through the emulator's export endpoint, stops the
emulator (by PID), and starts a new one on the same port with
``--import-data`` while a worker keeps delivering row tasks. Calls made
during the outage either wait inside the Firestore client's retries or fail
with a retryable ``StoreError`` (the task is then delivered again); both are
fine, losing or duplicating work is not.
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from service.domain import JobOptions, RowState
from service.domain.errors import StoreError
from service.domain.sources import FileSource
from service.jobs.control import complete_if_finished
from service.jobs.ports import Services
from service.jobs.rowtask import handle_research_task
from service.jobs.submit import submit_job
from service.queue.port import Task, TaskDelivery
from service.store.firestore import FirestoreJobStore
from tests.faults.harness import wait_for
from tests.faults.test_duplicate_delivery import CountingResearcher, _companies
from tests.jobs.fakes import FakeQueue
from tests.support.firestore_emulator import (
    MAIN_CLASS,
    EmulatorHandle,
    find_jar,
    skip_requested,
    start_firestore_emulator,
)

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

PROJECT = "rowscout-restart"
WORKER_TIMEOUT = 120.0


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[EmulatorHandle]]:
    """A private emulator (the test stops it); every handle started is stopped at the end."""
    if skip_requested():
        pytest.skip("ROWSCOUT_SKIP_EMULATOR_TESTS=1")
    handles = [start_firestore_emulator()]
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", handles[0].host)
    yield handles
    for handle in handles:
        handle.stop()


def export_data(handle: EmulatorHandle, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    url = f"http://{handle.host}/emulator/v1/projects/{PROJECT}:export"
    body = {"database": f"projects/{PROJECT}/databases/(default)", "export_directory": str(directory)}
    httpx.post(url, json=body, timeout=30.0).raise_for_status()
    return next(directory.rglob("*.overall_export_metadata"))


def restart_with(handle: EmulatorHandle, export: Path) -> EmulatorHandle:
    """A new emulator on the same port, seeded with ``export``; waits (bounded) until it answers."""
    port = handle.host.split(":")[1]
    log_path = Path(tempfile.mkstemp(prefix="firestore-restart-", suffix=".log")[1])
    command = [
        "java",
        "-cp",
        str(find_jar()),
        MAIN_CLASS,
        "start",
        "--host=127.0.0.1",
        f"--port={port}",
        f"--import-data={export}",
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    restarted = EmulatorHandle(host=handle.host, process=process, log_path=log_path)
    wait_for(lambda: _answers(restarted), timeout=30.0, poll=0.1)
    return restarted


def _answers(handle: EmulatorHandle) -> bool:
    assert handle.process.poll() is None, handle.log_tail()
    try:
        return httpx.get(f"http://{handle.host}/", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


class Worker(threading.Thread):
    """Delivers tasks until none is left; a retryable failure puts the task back (as Cloud Tasks would)."""

    def __init__(self, svc: Services, tasks: list[Task]) -> None:
        super().__init__(daemon=True)
        self.svc, self.pending = svc, deque(tasks)
        self.store_errors: list[StoreError] = []
        self.crash: BaseException | None = None

    def run(self) -> None:
        try:
            for _ in range(len(self.pending) * 20):
                if not self.pending:
                    return
                self._deliver(self.pending.popleft())
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.crash = exc

    def _deliver(self, task: Task) -> None:
        try:
            if handle_research_task(self.svc, TaskDelivery(task, 1)).ok:
                return
        except StoreError as exc:
            self.store_errors.append(exc)
        self.pending.append(task)


def test_job_completes_across_an_emulator_restart(emulator: list[EmulatorHandle], tmp_path: Path) -> None:
    client = firestore.Client(project=PROJECT, credentials=AnonymousCredentials())
    store = FirestoreJobStore(client)
    researcher = CountingResearcher()
    queue = FakeQueue()
    svc = Services(store=store, queue=queue, researcher=researcher, worker_id="worker-a")
    rows = [r for r in _companies() if not r[2].name.startswith("flaky-")][:20]
    job = submit_job(
        svc,
        owner="o",
        name="restart",
        source=FileSource("companies.csv"),
        rows=rows,
        options=JobOptions(),
        job_id="job-r",
    )
    first, rest = queue.enqueued[:10], queue.enqueued[10:]
    for task in first:
        assert handle_research_task(svc, TaskDelivery(task, 1)).ok
    export = export_data(emulator[0], tmp_path / "export")
    emulator[0].stop()
    worker = Worker(svc, rest)
    worker.start()  # its first calls meet a dead port
    emulator.append(restart_with(emulator[0], export))
    assert len(worker.pending) >= len(rest) - 1, "no task met the outage"  # one may be in flight
    worker.join(timeout=WORKER_TIMEOUT)
    assert not worker.is_alive(), "the worker did not finish after the restart"
    assert worker.crash is None, repr(worker.crash)
    assert all(error.retryable for error in worker.store_errors)
    assert store.count_rows(job.id)[RowState.DONE] + store.count_rows(job.id)[RowState.FAILED] == len(rows)
    assert complete_if_finished(svc, job.id).state.value == "completed"
    assert set(researcher.calls.values()) == {1}, "a row was researched twice"
    assert len(researcher.calls) == len(rows)
    client.close()
