"""The embedded driver: the real in-process queue works a job to the end with checkpoints."""

from __future__ import annotations

import csv
import os
import threading
import time

from service.domain import ErrorKind, JobOptions, JobState, RowOutcome, RowState
from service.domain.retry import RetryPolicy
from service.files.writers import FileResultSink
from service.jobs.flush import flush_results
from service.jobs.local_run import LocalRun, lease_owner_is_dead, release_dead_leases
from service.jobs.ports import Services
from service.jobs.rowtask import give_up_row, handle_research_task
from service.jobs.submit import submit_job
from service.queue.inprocess import InProcessQueue
from service.store.memory import MemoryJobStore
from tests.support.fakes import FakeQueue

from .fakes import SOURCE, ScriptedResearcher, companies


class SnapshotRecorder:
    """A file-like ``ResultSink``: on a commit after new rows, it records a snapshot of every row of the job."""

    def __init__(self, store, job_id: str) -> None:
        self.store, self.job_id = store, job_id
        self.snapshots: list[list[tuple[str, str]]] = []
        self._dirty = False

    def write(self, job, rows):
        self._dirty = self._dirty or bool(rows)

    def commit(self):
        if self._dirty:
            self.snapshots.append([(row.key, row.state.value) for row in self.store.iter_rows(self.job_id)])
            self._dirty = False
        return []

    def close(self):
        pass


FAST = JobOptions(concurrency=4, rate=1000.0, max_attempts=3)


def _run(researcher, names, *, options=FAST, on_progress=None):
    store = MemoryJobStore()
    submit_svc = Services(store=store, queue=FakeQueue(), researcher=researcher)
    job = submit_job(submit_svc, owner="local", name="t", source=SOURCE, rows=companies(*names), options=options)
    holder: list[Services] = []
    queue = InProcessQueue(
        lambda d: handle_research_task(holder[0], d),
        rate=options.rate,
        concurrency=options.concurrency,
        retry=RetryPolicy(max_attempts=options.max_attempts + 3, min_backoff=0.01, max_backoff=0.05),
        on_give_up=lambda d, reason: give_up_row(holder[0], d.task.job_id, d.task.row_key, reason),
    )
    holder.append(Services(store=store, queue=queue, researcher=researcher))
    output = SnapshotRecorder(store, job.id)
    runner = LocalRun(
        holder[0], queue, sinks=[output], on_progress=on_progress, checkpoint_seconds=0.05, progress_seconds=0.02
    )
    return runner.run(job.id), store, output


def test_a_job_runs_to_completion_with_retries_and_a_final_snapshot():
    research = ScriptedResearcher(failures={"Globex": [ErrorKind.TIMEOUT], "Initech": [ErrorKind.PARKED_DOMAIN]})
    names = [f"Company {i}" for i in range(40)] + ["Globex", "Initech"]
    progress, store, output = _run(research, names)
    assert progress.job.state == JobState.COMPLETED
    assert progress.counts[RowState.DONE] == 41 and progress.counts[RowState.FAILED] == 1
    assert research.calls["Globex"] == 2 and max(research.calls.values()) == 2
    final = output.snapshots[-1]
    assert len(final) == 42 and all(state in ("done", "failed") for _, state in final)


def test_concurrency_limit_holds_while_a_job_runs():
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def slow(company):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.01)
        with lock:
            in_flight -= 1

    research = ScriptedResearcher(on_call=slow)
    progress, _, _ = _run(research, [f"C{i}" for i in range(60)], options=JobOptions(concurrency=5, rate=10_000.0))
    assert progress.counts[RowState.DONE] == 60
    assert 1 <= peak <= 5


def test_a_job_paused_from_elsewhere_stops_and_keeps_its_rows():
    seen = []

    def pause_after_first(progress):
        seen.append(progress.finished)

    store_box = {}

    def on_call(company):
        if company.name == "C5":
            job_id = next(iter(store_box["store"].list_jobs())).id
            store_box["store"].set_job_state(job_id, JobState.PAUSED, now=progress_now())

    from datetime import UTC, datetime

    def progress_now():
        return datetime.now(UTC)

    research = ScriptedResearcher(on_call=on_call)
    store = MemoryJobStore()
    store_box["store"] = store
    svc = Services(store=store, queue=FakeQueue(), researcher=research)
    options = JobOptions(concurrency=1, rate=1000.0)
    job = submit_job(
        svc, owner="local", name="t", source=SOURCE, rows=companies(*[f"C{i}" for i in range(50)]), options=options
    )
    holder: list[Services] = []
    queue = InProcessQueue(
        lambda d: handle_research_task(holder[0], d),
        rate=1000.0,
        concurrency=1,
        retry=RetryPolicy(max_attempts=3, min_backoff=0.01, max_backoff=0.05),
    )
    holder.append(Services(store=store, queue=queue, researcher=research))
    progress = LocalRun(holder[0], queue, on_progress=pause_after_first, progress_seconds=0.01).run(job.id)
    assert progress.job.state == JobState.PAUSED
    assert 0 < progress.counts[RowState.DONE] < 50 and progress.counts[RowState.PENDING] > 0


def test_snapshot_is_written_only_when_new_rows_finished(tmp_path):
    store = MemoryJobStore()
    svc = Services(store=store, queue=FakeQueue(), researcher=ScriptedResearcher())
    job = submit_job(svc, owner="local", name="t", source=SOURCE, rows=companies("A", "B"), options=JobOptions())
    output = FileResultSink(
        tmp_path / "out.csv",
        input_headers=("Company", "Website"),
        fields=job.options.fields,
        all_rows=lambda: store.iter_rows(job.id),
    )
    assert flush_results(svc, job.id, [output]).written == 0
    assert output.snapshots == 0 and not (tmp_path / "out.csv").exists()
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    store.lease_row(job.id, "r000001", owner="w", now=now, lease_seconds=60, max_attempts=3)
    store.finish_row(job.id, "r000001", owner="w", outcome=RowOutcome(state=RowState.DONE), now=now)
    assert flush_results(svc, job.id, [output]).written == 1
    assert output.snapshots == 1
    with (tmp_path / "out.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["Company"], r["Rowscout status"]) for r in rows] == [("A", "done"), ("B", "queued")]
    assert flush_results(svc, job.id, [output]).written == 0 and output.snapshots == 1


def test_leases_of_dead_local_processes_are_released_and_live_ones_kept():
    import socket
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    host = socket.gethostname()
    dead_owner, live_owner = f"{host}-{child.pid}", f"{host}-{os.getppid()}"
    assert lease_owner_is_dead(dead_owner) and not lease_owner_is_dead(live_owner)
    assert not lease_owner_is_dead("another-host-1")
    store = MemoryJobStore()
    svc = Services(store=store, queue=FakeQueue(), researcher=ScriptedResearcher())
    job = submit_job(svc, owner="local", name="t", source=SOURCE, rows=companies("A", "B"), options=JobOptions())
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    store.lease_row(job.id, "r000001", owner=dead_owner, now=now, lease_seconds=600, max_attempts=3)
    store.lease_row(job.id, "r000002", owner=live_owner, now=now, lease_seconds=600, max_attempts=3)
    assert release_dead_leases(svc, job.id) == 1
    assert store.get_row(job.id, "r000001").state == RowState.PENDING
    assert store.get_row(job.id, "r000001").attempts == 1
    assert store.get_row(job.id, "r000002").state == RowState.LEASED
