"""At-least-once delivery: every research task delivered twice, shuffled, on SQLite and on Firestore.

A clean run delivers each task once, in order (re-delivering only what asks
for a retry). The hostile run delivers every task twice in a seeded random
order — sequentially, and on SQLite also from four threads at once. Both
runs must end with identical rows (state, result, error, attempts) and each
company researched the same number of times.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from google.cloud import firestore

from service.domain import CompanyInput, ErrorKind, JobOptions, ResearchOptions, ResearchOutcome
from service.domain.sources import FileSource
from service.jobs.ports import Services
from service.jobs.rowtask import handle_research_task
from service.jobs.submit import submit_job
from service.queue.port import Task, TaskDelivery
from service.store.firestore import FirestoreJobStore
from service.store.port import JobStore
from service.store.sqlite import SqliteJobStore
from tests.jobs.fakes import FakeQueue
from tests.support.researchers import LatencyResearcher

ROWS = 40
MAX_ROUNDS = 20


class CountingResearcher:
    """The test researcher, counting calls; ``flaky-`` companies time out on their first attempt."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._inner = LatencyResearcher(0.0)

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        with self._lock:
            self.calls[company.name] += 1
        outcome = self._inner.research(company, options)
        if company.name.startswith("flaky-") and options.attempt == 1:
            outcome.error_kind, outcome.error_message = ErrorKind.TIMEOUT, "took too long"
        return outcome


def _companies() -> list[tuple[str, int, CompanyInput]]:
    def name(i: int) -> str:
        return ("fail-" if i % 10 == 3 else "flaky-" if i % 10 == 6 else "") + f"Company {i}"

    return [(f"r{i:03d}", i, CompanyInput(name(i), f"https://c{i}.example")) for i in range(1, ROWS + 1)]


def _submit(store: JobStore, researcher: CountingResearcher) -> tuple[Services, list[Task]]:
    queue = FakeQueue()
    svc = Services(store=store, queue=queue, researcher=researcher, worker_id="worker-a")
    options = JobOptions(max_attempts=3, concurrency=4)
    submit_job(
        svc,
        owner="o",
        name="dup",
        source=FileSource("companies.csv"),
        rows=_companies(),
        options=options,
        job_id="job-dup",
    )
    return svc, list(queue.enqueued)


Deliver = Callable[[Services, list[Task]], None]


def deliver_sequentially(svc: Services, tasks: list[Task]) -> None:
    pending = deque(tasks)
    for _ in range(len(tasks) * MAX_ROUNDS):
        if not pending:
            return
        task = pending.popleft()
        if not handle_research_task(svc, TaskDelivery(task, attempt=1)).ok:
            pending.append(task)
    raise AssertionError("deliveries never settled")


def deliver_concurrently(svc: Services, tasks: list[Task]) -> None:
    pending = list(tasks)
    with ThreadPoolExecutor(max_workers=4) as pool:
        for _ in range(MAX_ROUNDS):
            if not pending:
                return
            results = list(pool.map(lambda t: (t, handle_research_task(svc, TaskDelivery(t, 1))), pending))
            pending = [task for task, result in results if not result.ok]
    raise AssertionError("deliveries never settled")


def _fingerprints(store: JobStore) -> dict[str, tuple[object, ...]]:
    return {
        row.key: (
            row.state,
            row.result.to_dict() if row.result else None,
            row.error_kind,
            row.attempts,
            row.lease_owner,
        )
        for row in store.iter_rows("job-dup")
    }


def _run(store: JobStore, *, twice: bool, seed: int, deliver: Deliver) -> tuple[dict, Counter[str]]:
    researcher = CountingResearcher()
    svc, tasks = _submit(store, researcher)
    if twice:
        tasks = tasks * 2
        random.Random(seed).shuffle(tasks)
    deliver(svc, tasks)
    return _fingerprints(store), researcher.calls


def _assert_same_as_clean(clean: JobStore, hostile: JobStore, *, deliver: Deliver, seed: int) -> None:
    want, want_calls = _run(clean, twice=False, seed=seed, deliver=deliver_sequentially)
    got, got_calls = _run(hostile, twice=True, seed=seed, deliver=deliver)
    assert got == want
    assert got_calls == want_calls
    states = Counter(state for state, *_ in want.values())
    assert states["done"] == ROWS - 4 and states["failed"] == 4  # the fail- rows; flaky rows recovered


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sqlite_duplicates_out_of_order(tmp_path: Path, seed: int) -> None:
    clean, hostile = SqliteJobStore(tmp_path / "clean.db"), SqliteJobStore(tmp_path / "hostile.db")
    _assert_same_as_clean(clean, hostile, deliver=deliver_sequentially, seed=seed)


def test_sqlite_duplicates_from_four_threads(tmp_path: Path) -> None:
    clean, hostile = SqliteJobStore(tmp_path / "clean.db"), SqliteJobStore(tmp_path / "hostile.db")
    _assert_same_as_clean(clean, hostile, deliver=deliver_concurrently, seed=7)


@pytest.mark.emulator
def test_firestore_duplicates_out_of_order(firestore_client: firestore.Client) -> None:
    clean = FirestoreJobStore(firestore_client, collection_prefix="clean_")
    hostile = FirestoreJobStore(firestore_client, collection_prefix="hostile_")
    _assert_same_as_clean(clean, hostile, deliver=deliver_sequentially, seed=11)
