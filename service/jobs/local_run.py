"""Run a job to the end on this machine: the in-process queue works, checkpoints stream out.

The embedded default's driver. The queue (rate, concurrency, retries; built
by ``service.bootstrap``) calls ``handle_research_task`` for every row; every
``checkpoint_seconds`` the finished rows are flushed to the job's sinks (a
results file, a sheet) and the progress callback runs; the interval stretches
so that checkpoints of a big file take at most a fifth of the time. ``Ctrl-C`` stops handing out rows, gives rows in
flight a second to finish (the rest go back to pending), flushes, and pauses
the job so ``resume`` continues it; a checkpoint that cannot write the
results pauses the job too (and raises); a crash loses nothing either (rows
are in SQLite; ``resume`` picks them up).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from service.domain import JobState, RowState
from service.domain.errors import RowscoutError
from service.domain.sinks import ResultSink
from service.jobs.control import complete_if_finished, get_job
from service.jobs.enqueue import enqueue_keys, new_generation
from service.jobs.flush import flush_results
from service.jobs.ports import Services
from service.jobs.progress import JobProgress, job_progress
from service.jobs.rowtask import handle_research_task
from service.queue.port import TaskDelivery, TaskQueue, TaskResult

log = logging.getLogger(__name__)


class RunnableQueue(Protocol):
    def start(self) -> None: ...

    def join(self, timeout: float | None = None) -> bool: ...

    def stop(self, wait: bool = True, timeout: float | None = None) -> bool: ...


class NoticeQueue(RunnableQueue, TaskQueue, Protocol):
    """A queue the runner starts, feeds and stops: the embedded one for completion notices (issue 16)."""


ProgressCallback = Callable[[JobProgress], None]


@dataclass
class LocalRun:
    svc: Services
    queue: RunnableQueue
    sinks: Sequence[ResultSink] = ()  # a results file and/or a sheet, flushed at each checkpoint
    on_progress: ProgressCallback | None = None
    checkpoint_seconds: float = 5.0
    progress_seconds: float = 1.0
    notice_queue: NoticeQueue | None = None  # issue 16: delivers the job's completion notice, with retries
    notice_seconds: float = 30.0  # how long the end of a run waits for that delivery
    interrupt_grace_seconds: float = 1.0  # Ctrl-C waits this long for rows in flight, then pauses

    def run(self, job_id: str) -> JobProgress:
        """Work the job until no row is left, checkpointing along the way.

        Rows to research are read back from the store (so a fresh job, a
        paused one and one whose process crashed all start the same way),
        after taking back leases held by processes of this machine that died.

        Args:
            job_id: a job already submitted to ``svc.store``.
        """
        release_dead_leases(self.svc, job_id)
        enqueue_keys(self.svc, get_job(self.svc, job_id), unfinished_keys(self.svc, job_id))
        self.queue.start()
        try:
            self._work(job_id)
            self.queue.stop(wait=True)
            self.checkpoint(job_id)
        except KeyboardInterrupt:
            self._interrupt(job_id)
            raise
        except RowscoutError:  # a checkpoint could not write the results: keep the job resumable
            self.queue.stop(wait=True)
            self._pause(job_id)
            raise
        finally:
            self.queue.stop(wait=False)
        self._complete(job_id)
        return self._report(job_id)

    def checkpoint(self, job_id: str) -> None:
        """Write newly finished rows to every sink (then they are marked flushed)."""
        if self.sinks:
            flush_results(self.svc, job_id, self.sinks)

    def _work(self, job_id: str) -> None:
        interval = self.checkpoint_seconds
        last_checkpoint = time.monotonic()
        while True:
            while not self.queue.join(timeout=self.progress_seconds):
                if time.monotonic() - last_checkpoint >= interval:
                    started = time.monotonic()
                    self.checkpoint(job_id)
                    last_checkpoint = time.monotonic()
                    # rewriting a big file must not eat the run: checkpoints take at most a fifth of the time
                    interval = max(self.checkpoint_seconds, 4 * (last_checkpoint - started))
                if not self._report(job_id).job.state.accepts_work:
                    return  # paused or cancelled from another process
            if not self._rows_left_elsewhere(job_id):
                return

    def _rows_left_elsewhere(self, job_id: str) -> bool:
        """After the queue drained: wait for rows another live process of this workspace holds.

        Returns True when rows came back to this runner (their holder died, or a
        retry left them pending) and were enqueued again; False when the job
        has no unfinished row left, or it was paused or cancelled meanwhile.
        """
        while True:
            if not self._report(job_id).job.state.accepts_work:
                return False  # paused or cancelled from elsewhere: its pending rows are not ours to take
            release_dead_leases(self.svc, job_id)
            counts = self.svc.store.count_rows(job_id)
            if counts[RowState.PENDING]:
                keys = [row.key for row in self.svc.store.iter_rows(job_id, states=(RowState.PENDING,))]
                return enqueue_keys(self.svc, get_job(self.svc, job_id), keys, generation=new_generation(self.svc)) > 0
            if not counts[RowState.LEASED]:
                return False
            time.sleep(self.progress_seconds)

    def _interrupt(self, job_id: str) -> None:
        """Ctrl-C: wait at most ``interrupt_grace_seconds`` for rows in flight, then pause and checkpoint.

        Rows still being researched after the grace go back to pending (their
        late results are refused: the lease is gone), so stopping never waits
        for a slow site; ``resume`` researches them again.
        """
        log.warning("interrupted: pausing job %s", job_id)
        if not self.queue.stop(wait=True, timeout=self.interrupt_grace_seconds):
            mine = [
                row.key
                for row in self.svc.store.iter_rows(job_id, states=(RowState.LEASED,))
                if row.lease_owner == self.svc.worker_id
            ]
            self.svc.store.reset_rows(job_id, mine, reset_attempts=False)
        self._pause(job_id)
        try:
            self.checkpoint(job_id)
        except RowscoutError as exc:
            log.warning("could not write the results at the interruption: %s", exc.message)

    def _pause(self, job_id: str) -> None:
        self.svc.store.set_job_state(
            job_id, JobState.PAUSED, now=self.svc.clock(), only_from=(JobState.RUNNING, JobState.QUEUED)
        )

    def _complete(self, job_id: str) -> None:
        """Complete the job if it is finished; its notice (issue 16) goes through ``notice_queue``, awaited a while."""
        if self.notice_queue is None:
            complete_if_finished(self.svc, job_id)
            return
        self.notice_queue.start()
        try:
            complete_if_finished(replace(self.svc, queue=self.notice_queue), job_id)
            if not self.notice_queue.join(timeout=self.notice_seconds):
                log.warning("the completion notice of job %s is not delivered yet; giving up waiting", job_id)
        finally:
            self.notice_queue.stop(wait=False)

    def _report(self, job_id: str) -> JobProgress:
        progress = job_progress(self.svc, job_id)
        if self.on_progress is not None:
            self.on_progress(progress)
        return progress


def handle_local_task(svc: Services, delivery: TaskDelivery) -> TaskResult:
    """A row task on the embedded runner's queue: ``handle_research_task``, except for busy rows.

    A row whose lease another worker holds (another CLI process on the same
    workspace, or a task of this process already in flight) is that worker's
    to finish: the task is done here, and the runner waits for such rows at
    the end (``LocalRun``), taking back the leases of processes that died,
    instead of sleeping in the queue until the lease expires.
    """
    result = handle_research_task(svc, delivery)
    if result.ok:
        return result
    row = svc.store.get_row(delivery.task.job_id, delivery.task.row_key)
    return TaskResult.done() if row is not None and row.state == RowState.LEASED else result


def unfinished_keys(svc: Services, job_id: str) -> Iterable[str]:
    return (row.key for row in svc.store.iter_rows(job_id, states=(RowState.PENDING, RowState.LEASED)))


def release_dead_leases(svc: Services, job_id: str) -> int:
    """Put back rows leased by a process of this machine that no longer runs (crash, kill -9)."""
    dead = [
        row.key
        for row in svc.store.iter_rows(job_id, states=(RowState.LEASED,))
        if row.lease_owner and lease_owner_is_dead(row.lease_owner)
    ]
    if dead:
        svc.store.reset_rows(job_id, dead, reset_attempts=False)
    return len(dead)


def lease_owner_is_dead(owner: str) -> bool:
    """Owners are ``<hostname>-<pid>``; only owners on this host can be judged."""
    host, _, pid = owner.rpartition("-")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
