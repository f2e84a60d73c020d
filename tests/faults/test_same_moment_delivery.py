"""The same research task delivered to two workers at the same moment, against one SQLite file.

Two threads, each with its own store connection and worker id (as two
processes would have), are released together by a barrier and call
``handle_research_task`` for the same row. The lease lets exactly one of
them research; the other is told to come back later, and when it does the
row is already done. Nothing is researched twice, nothing is lost.
"""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from service.domain import CompanyInput, JobOptions, ResearchOptions, ResearchOutcome, RowState
from service.domain.sources import FileSource
from service.jobs.ports import Services
from service.jobs.rowtask import handle_research_task
from service.jobs.submit import submit_job
from service.queue.port import TaskDelivery
from service.store.sqlite import SqliteJobStore
from tests.jobs.fakes import FakeQueue
from tests.support.researchers import LatencyResearcher


class Counting:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._inner = LatencyResearcher(0.3)  # long enough for both deliveries to overlap

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        with self._lock:
            self.calls[company.name] += 1
        return self._inner.research(company, options)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("trial", range(3))
def test_two_workers_at_the_same_moment_research_once(tmp_path: Path, trial: int) -> None:
    researcher, queue = Counting(), FakeQueue()
    first = Services(store=SqliteJobStore(tmp_path / "jobs.db"), queue=queue, researcher=researcher, worker_id="a")
    rows = [("r001", 1, CompanyInput("Acme", "https://acme.example"))]
    submit_job(first, owner="o", name="same", source=FileSource("c.csv"), rows=rows, options=JobOptions(), job_id="j")
    [task] = queue.enqueued
    second = Services(store=SqliteJobStore(tmp_path / "jobs.db"), queue=queue, researcher=researcher, worker_id="b")
    barrier, results = threading.Barrier(2), {}

    def deliver(svc: Services) -> None:
        barrier.wait()
        results[svc.worker_id] = handle_research_task(svc, TaskDelivery(task, attempt=1))

    threads = [threading.Thread(target=deliver, args=(svc,)) for svc in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results) == {"a", "b"}
    for svc in (first, second):  # the one told to come back later comes back: nothing more to do
        if not results[svc.worker_id].ok:
            assert handle_research_task(svc, TaskDelivery(task, attempt=2)).ok
    assert researcher.calls == Counter({"Acme": 1})
    row = first.store.get_row("j", "r001")
    assert row is not None and row.state == RowState.DONE
