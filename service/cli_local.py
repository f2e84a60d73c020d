"""The embedded runtime behind the CLI: SQLite job state + the in-process queue + file output.

``LocalRuntime`` opens the workspace's store, builds the queue with the job's
rate/concurrency/retry rules and runs a job to the end with ``LocalRun``.
A custom researcher can be plugged in with ``ROWSCOUT_RESEARCHER=module:factory``
(a callable taking ``Settings`` and returning a ``Researcher``): the test
suite and benchmarks use it to run the real CLI against a controlled engine.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from service.bootstrap import build_researcher, build_sqlite_store
from service.config import Settings
from service.domain import CompanyInput, Job, ResearchOptions, ResearchOutcome
from service.jobs.context import Services
from service.jobs.flush import Sink
from service.jobs.local_run import LocalRun, SnapshotWriter
from service.jobs.progress import JobProgress
from service.jobs.rowtask import give_up_row, handle_research_task
from service.queue.inprocess import InProcessQueue
from service.queue.port import Task, TaskDelivery, TaskQueue, TaskResult
from service.queue.retry import RetryPolicy
from service.research.port import Researcher
from service.store.port import JobStore

EMBEDDED_LEASE_SECONDS = 120.0


class DeferredQueue:
    """The queue job functions see outside ``run``: the embedded runner enqueues every
    unfinished row from the store when it starts, so tasks offered earlier are not kept."""

    def enqueue(self, task: Task) -> None:
        return None

    def enqueue_many(self, tasks: Iterable[Task]) -> int:
        return sum(1 for _ in tasks)


@dataclass
class LocalRuntime:
    settings: Settings
    store: JobStore = field(init=False)
    _researcher: Researcher | None = None

    def __post_init__(self) -> None:
        self.store = build_sqlite_store(self.settings)

    @property
    def researcher(self) -> Researcher:
        if self._researcher is None:
            self._researcher = load_researcher(self.settings)
        return self._researcher

    def services(self, queue: TaskQueue | None = None) -> Services:
        """Services for job functions that enqueue nothing or whose tasks run later."""
        return Services(
            store=self.store,
            queue=queue or DeferredQueue(),
            researcher=self.researcher if queue is not None else _NoResearch(),
            lease_seconds=EMBEDDED_LEASE_SECONDS,
        )

    def run(
        self,
        job: Job,
        *,
        output: SnapshotWriter | None,
        on_progress: Callable[[JobProgress], None] | None,
        sink: Sink | None = None,
    ) -> JobProgress:
        """Work ``job`` to the end with a queue built from its options."""
        holder: list[Services] = []
        queue = InProcessQueue(
            lambda delivery: _handle(holder[0], delivery),
            rate=job.options.rate,
            concurrency=job.options.concurrency,
            retry=RetryPolicy(max_attempts=job.options.max_attempts + 3, min_backoff=1.0, max_backoff=60.0),
            on_give_up=lambda delivery, reason: give_up_row(
                holder[0], delivery.task.job_id, delivery.task.row_key, reason
            ),
        )
        svc = Services(store=self.store, queue=queue, researcher=self.researcher, lease_seconds=EMBEDDED_LEASE_SECONDS)
        holder.append(svc)
        return LocalRun(svc, queue, output=output, sink=sink, on_progress=on_progress).run(job.id)


def _handle(svc: Services, delivery: TaskDelivery) -> TaskResult:
    return handle_research_task(svc, delivery)


class _NoResearch:
    """Stands in for the engine in commands that never research (status, pause, export...)."""

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        raise RuntimeError("this command does not research")


def load_researcher(settings: Settings) -> Researcher:
    """The real engine, or the factory named by ``ROWSCOUT_RESEARCHER`` (module:callable)."""
    spec = settings.researcher_factory
    if not spec:
        return build_researcher(settings)
    module_name, _, attribute = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), attribute)
    researcher: Researcher = factory(settings)
    return researcher
