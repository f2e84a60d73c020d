"""Turn rows into research tasks on the job's queue, in batches."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

from service.domain import Job
from service.jobs.ports import Services
from service.queue.port import Task, TaskKind

BATCH_SIZE = 500  # Firestore's batch limit; also a good size for queue calls

T = TypeVar("T")


def batched(items: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def research_task(job: Job, row_key: str, generation: str = "") -> Task:
    return Task(
        kind=TaskKind.RESEARCH,
        job_id=job.id,
        row_key=row_key,
        priority=job.options.priority.value,
        generation=generation,
    )


def new_generation(svc: Services) -> str:
    """A fresh task-name generation for rows enqueued again (unique per call)."""
    return svc.clock().strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:6]


def enqueue_keys(svc: Services, job: Job, keys: Iterable[str], *, generation: str = "") -> int:
    """Enqueue one research task per row key; returns how many the queue accepted.

    Args:
        generation: empty for a job's first tasks; ``new_generation(svc)`` when
            the same rows are enqueued again, so queues that remember task
            names (Cloud Tasks: about an hour) do not drop them as duplicates.
    """
    return sum(svc.queue.enqueue_many(research_task(job, key, generation) for key in batch) for batch in batched(keys))
