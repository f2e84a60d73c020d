"""Fakes shared by several test folders (they record, they do not script)."""

from __future__ import annotations

from collections.abc import Iterable

from service.queue.port import Task


class FakeQueue:
    """A ``TaskQueue`` that keeps every task it is given, in order."""

    def __init__(self) -> None:
        self.enqueued: list[Task] = []

    def enqueue(self, task: Task) -> None:
        self.enqueued.append(task)

    def enqueue_many(self, tasks: Iterable[Task]) -> int:
        batch = list(tasks)
        self.enqueued.extend(batch)
        return len(batch)

    def of_kind(self, kind: str) -> list[Task]:
        return [t for t in self.enqueued if t.kind.value == kind]
