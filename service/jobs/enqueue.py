"""Turn rows into research tasks on the job's queue, in batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

from service.domain import Job
from service.jobs.context import Services
from service.queue.port import Task, TaskKind

BATCH_SIZE = 500  # Firestore's batch limit; also a good size for queue calls

T = TypeVar("T")


def batched(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def research_task(job: Job, row_key: str) -> Task:
    return Task(kind=TaskKind.RESEARCH, job_id=job.id, row_key=row_key, priority=job.options.priority.value)


def enqueue_keys(svc: Services, job: Job, keys: Iterable[str]) -> int:
    """Enqueue one research task per row key; returns how many the queue accepted."""
    return sum(svc.queue.enqueue_many(research_task(job, key) for key in batch) for batch in batched(keys))
