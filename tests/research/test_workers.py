"""``PagePool``: a task past its deadline is killed, never waited for, and the pool keeps serving.

The tasks are stdlib functions (importable in a spawned worker): a
catastrophic regular expression stands in for a parser that burns CPU inside
C code, where no thread or ``asyncio`` timeout could stop it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from service.research.extract import extract_pages
from service.research.workers import PagePool, WorkerFailed

CATASTROPHIC = ("(a+)+b", "a" * 64)  # would run for longer than the universe has existed


@pytest.fixture(scope="module")
def pool() -> Iterator[PagePool]:
    pool = PagePool(1, preload=("service.research.extract",))
    yield pool
    pool.close()


@pytest.mark.timeout(60)
def test_a_task_past_its_deadline_is_killed_and_the_next_task_runs(pool: PagePool) -> None:
    with pytest.raises(TimeoutError):
        pool.run(re.fullmatch, *CATASTROPHIC, timeout=0.5)
    assert pool.run(pow, 2, 10, timeout=30) == 1024  # a fresh worker took the killed one's place


@pytest.mark.timeout(60)
def test_a_failing_task_reports_its_error_and_keeps_the_worker(pool: PagePool) -> None:
    with pytest.raises(WorkerFailed, match="ValueError"):
        pool.run(int, "not a number", timeout=30)
    first = pool.run(os.getpid, timeout=30)
    assert pool.run(os.getpid, timeout=30) == first != os.getpid()


@pytest.mark.timeout(60)
def test_a_worker_that_dies_is_replaced(pool: PagePool) -> None:
    with pytest.raises(WorkerFailed, match="stopped"):
        pool.run(os._exit, 3, timeout=30)
    assert pool.run(abs, -5, timeout=30) == 5


@pytest.mark.timeout(60)
def test_pages_are_extracted_in_the_worker(pool: PagePool) -> None:
    html = "<html><head><title>Acme GmbH</title></head><body><p>Contact: info@acme.example</p></body></html>"
    [page] = pool.run(extract_pages, [("https://acme.example/", html, {})], timeout=30)
    assert page.title == "Acme GmbH" and "info@acme.example" in page.values("emails")
