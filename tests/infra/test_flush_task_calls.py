"""Issue 18: every finished row asks for its job's flush task of the current window; the Cloud Tasks
adapter calls ``create_task`` for a window's flush once per process (each refused create of the same
name would still be a billed API call), and still creates research tasks and other windows' flushes.

The client is a recording stand-in with Cloud Tasks' naming rule: a name that exists is refused
with ``AlreadyExists``.
"""

from __future__ import annotations

from typing import Any

from google.api_core import exceptions as gexc

from service.queue.cloudtasks import FLUSHES_REMEMBERED, CloudTasksQueue
from service.queue.port import Task, TaskKind


class NamingClient:
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.calls: list[str] = []

    def create_task(self, *, parent: str, task: Any, **_: Any) -> Any:
        self.calls.append(task.name)
        if task.name in self.names:
            raise gexc.AlreadyExists("task exists")
        self.names.add(task.name)
        return task


def queue(client: NamingClient) -> CloudTasksQueue:
    return CloudTasksQueue(
        client,  # type: ignore[arg-type]
        project="p",
        location="europe-west1",
        queues={"normal": "rs"},
        target_base_url="https://rowscout.example",
    )


def test_a_windows_flush_is_created_once_per_process() -> None:
    client = NamingClient()
    tasks = queue(client)
    for _ in range(50):
        tasks.enqueue(Task(kind=TaskKind.FLUSH, job_id="j1", row_key="w100"))
    tasks.enqueue(Task(kind=TaskKind.FLUSH, job_id="j1", row_key="w101"))
    tasks.enqueue(Task(kind=TaskKind.FLUSH, job_id="j2", row_key="w100"))
    assert len(client.calls) == 3 and len(client.names) == 3


def test_research_tasks_are_always_sent_and_deduplicated_by_cloud_tasks() -> None:
    client = NamingClient()
    tasks = queue(client)
    assert tasks.enqueue_many([Task(kind=TaskKind.RESEARCH, job_id="j1", row_key="r1")] * 2) == 1
    assert len(client.calls) == 2  # a re-enqueued row is Cloud Tasks' to refuse, not this process's to skip


def test_a_flush_another_process_created_is_learned_from_the_refusal() -> None:
    client = NamingClient()
    other, this = queue(client), queue(client)
    flush = Task(kind=TaskKind.FLUSH, job_id="j1", row_key="w7")
    other.enqueue(flush)
    this.enqueue(flush)
    this.enqueue(flush)
    assert len(client.calls) == 2  # one refused create, then remembered


def test_memory_is_bounded() -> None:
    client = NamingClient()
    tasks = queue(client)
    for n in range(FLUSHES_REMEMBERED + 10):
        tasks.enqueue(Task(kind=TaskKind.FLUSH, job_id="j", row_key=f"w{n}"))
    tasks.enqueue(Task(kind=TaskKind.FLUSH, job_id="j", row_key="w0"))  # forgotten: asked again, refused
    assert len(client.calls) == FLUSHES_REMEMBERED + 11
