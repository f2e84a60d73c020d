"""The ``TaskQueue`` port: how row tasks reach a worker.

Adapters: ``inprocess.InProcessQueue`` (the embedded default: a token-bucket
rate limit, a concurrency limit, retries with exponential backoff + jitter,
honouring retry-after hints) and ``cloudtasks.CloudTasksQueue`` (Cloud Tasks,
where the same rules live in the queue config under ``infra/``).

A handler receives a ``Task`` and answers with a ``TaskResult``; this mirrors
Cloud Tasks' HTTP contract: ``OK`` = 2xx (done, also for permanent failures
that were recorded), ``RETRY`` = 429/503 (try again after backoff, or after
``retry_after`` seconds when given).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class TaskKind(StrEnum):
    RESEARCH = "research"
    PLAN = "plan"
    FLUSH = "flush"
    NOTICE = "notice"  # a job's completion notice (issue 16: service/jobs/notify.py)


@dataclass(frozen=True)
class Task:
    kind: TaskKind
    job_id: str
    row_key: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    schedule_at: datetime | None = None
    priority: str = "normal"
    generation: str = ""  # set when rows are enqueued again (resume, retry-failed, refresh)

    @property
    def name(self) -> str:
        """A stable name for de-duplication: kind + job id + row key (+ generation).

        Cloud Tasks keeps a task's name reserved for about an hour after it
        ran, so a row enqueued again by resume/retry/refresh needs a new
        generation, or the new task would be dropped as a duplicate.
        """
        row = f"-{self.row_key}" if self.row_key else ""
        generation = f"-g{self.generation}" if self.generation else ""
        return f"{self.kind.value}-{self.job_id}{row}{generation}"


@dataclass(frozen=True)
class TaskResult:
    ok: bool
    retry_after: float | None = None  # seconds, when the handler knows

    @classmethod
    def done(cls) -> TaskResult:
        return cls(ok=True)

    @classmethod
    def retry(cls, after: float | None = None) -> TaskResult:
        return cls(ok=False, retry_after=after)


@dataclass(frozen=True)
class TaskDelivery:
    """What a handler is told about the delivery (like the X-CloudTasks-* headers)."""

    task: Task
    attempt: int  # 1 for the first dispatch


TaskHandler = Callable[[TaskDelivery], TaskResult]


class TaskQueue(Protocol):
    def enqueue(self, task: Task) -> None: ...

    def enqueue_many(self, tasks: Iterable[Task]) -> int:
        """Enqueue tasks; returns how many were accepted."""
        ...
