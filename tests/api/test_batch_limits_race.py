"""Two submits of one owner at the same moment: the per-owner limits still hold (``submit_batch`` checks again).

A store makes both submits read the owner's batches before either stores
its own (the race), then lets them go on: at most the limit gets through,
and a refused batch leaves nothing behind.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from service.domain import CompanyInput, JobOptions
from service.domain.errors import QuotaError
from service.jobs.batches import OwnerLimits, is_batch, submit_batch
from service.jobs.ports import Services
from service.store.memory import MemoryJobStore
from tests.api.fakes import FakeResearcher
from tests.support.fakes import FakeQueue


class RacingStore(MemoryJobStore):
    """Each thread's first ``list_jobs`` (the first limit check) waits until every submitter has made it."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier: threading.Barrier | None = threading.Barrier(parties, timeout=10)
        self.waited: set[int] = set()

    def list_jobs(self, *, owner: str | None = None, limit: int = 100) -> list[Any]:
        found = super().list_jobs(owner=owner, limit=limit)
        me = threading.get_ident()
        if self.barrier is not None and me not in self.waited:
            self.waited.add(me)
            self.barrier.wait()
        return found


@pytest.mark.parametrize(
    ("limits", "size"),
    [(OwnerLimits(max_active_batches=1, max_rows_per_day=1000), 2), (OwnerLimits(10, max_rows_per_day=3), 2)],
    ids=["active-batches", "rows-per-day"],
)
def test_racing_submits_never_pass_a_limit_together(limits: OwnerLimits, size: int) -> None:
    store, queue = RacingStore(parties=2), FakeQueue()
    svc = Services(store=store, queue=queue, researcher=FakeResearcher())
    accepted: list[str] = []
    refused: list[QuotaError] = []

    def submit(n: int) -> None:
        companies = [CompanyInput(name=f"C{n}-{i}") for i in range(size)]
        try:
            job, _ = submit_batch(
                svc, owner="ann", name=f"b{n}", companies=companies, options=JobOptions(), limits=limits
            )
            accepted.append(job.id)
        except QuotaError as exc:
            refused.append(exc)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    store.barrier = None  # the race is over: the checks below read the store as it is
    assert len(accepted) + len(refused) == 2
    assert len(accepted) <= 1 and refused and all(exc.retry_after for exc in refused)
    stored = [job for job in store.list_jobs(owner="ann") if is_batch(job)]
    assert [job.id for job in stored] == accepted  # a refused batch is deleted
    assert sum(job.total_rows for job in stored) <= limits.max_rows_per_day
    assert {task.job_id for task in queue.of_kind("research")} <= set(accepted)  # no task of a refused batch
