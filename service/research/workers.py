"""``PagePool``: long-lived worker processes for CPU-bound page work, each task under a deadline.

Parsing and extraction (lexbor, regexes) are CPU-bound: a thread running them
cannot be interrupted, and an ``asyncio`` timeout cannot preempt code that
never yields. So the engine runs a company's extraction in a worker process
and waits at most until the company's deadline. A worker that overruns it is
killed (SIGKILL), never waited for; a fresh one is started on the next task.

Workers are fresh interpreters (``python -m service.research.workers FD``,
talking over an inherited socket pair): safe beside the queue's threads, and
unlike ``multiprocessing``'s ``spawn`` they never re-import the caller's main
script. They start lazily, at most ``size`` of them, and are reused for every
later company, so the normal path pays only the pickling of pages already cut
by ``markup.bound_html``. A worker exits when its pipe closes (its parent died).
A new worker's start-up (importing the extractors) is bounded separately by
``STARTUP_SECONDS`` and happens once per worker, not per company.

``run`` raises ``TimeoutError`` when the deadline passes and ``WorkerFailed``
when the task raised (its message is kept) or the worker died.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

STARTUP_SECONDS = 60.0
_READY = "ready"
T = TypeVar("T")


class WorkerFailed(RuntimeError):
    """A task raised inside the worker, or the worker process died."""


def _serve(conn: Connection, preload: tuple[str, ...]) -> None:
    """The worker's loop: run ``(func, args)`` tasks until the pipe closes."""
    import importlib

    for module in preload:
        importlib.import_module(module)
    conn.send(_READY)
    while True:
        try:
            func, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[str, Any] = ("ok", func(*args))
        except BaseException as exc:  # noqa: BLE001 - every failure of a task goes back as text
            answer = ("error", f"{type(exc).__name__}: {exc}"[:300])
        try:
            conn.send(answer)
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send(("error", f"{type(exc).__name__}: {exc}"[:300]))


class _Worker:
    def __init__(self, process: subprocess.Popen[bytes], conn: Connection) -> None:
        self.process = process
        self.conn = conn
        self.ready = False

    def wait_ready(self) -> None:
        if self.ready:
            return
        if not self.conn.poll(STARTUP_SECONDS) or self.conn.recv() != _READY:
            raise WorkerFailed("the page worker did not start")
        self.ready = True

    def kill(self) -> None:
        self.process.kill()
        try:
            self.process.wait(2.0)
        except subprocess.TimeoutExpired:
            pass  # reaped by the next Popen poll; never waited for longer
        self.conn.close()


class PagePool:
    """At most ``size`` worker processes; ``run(func, *args, timeout=...)`` runs one task in one of them."""

    def __init__(self, size: int = 2, *, preload: tuple[str, ...] = ()) -> None:
        self._size = max(1, size)
        self._preload = preload
        self._idle: list[_Worker] = []
        self._live = 0
        self._changed = threading.Condition()

    def warm(self) -> None:
        """Start one worker now if none exists, without waiting for it (its start-up overlaps other work)."""
        with self._changed:
            if self._live == 0:
                self._idle.append(self._start())

    def run(self, func: Callable[..., T], *args: Any, timeout: float) -> T:
        """``func(*args)`` in a worker; ``TimeoutError`` after ``timeout`` seconds (the worker is then killed)."""
        worker = self._checkout(time.monotonic() + max(timeout, 0.0))
        try:
            worker.wait_ready()
            worker.conn.send((func, args))
            if not worker.conn.poll(max(timeout, 0.0)):
                raise TimeoutError(f"the task took longer than {timeout:g} s")
            status, value = worker.conn.recv()
        except BaseException as exc:
            self._discard(worker)
            if isinstance(exc, EOFError | OSError) and not isinstance(exc, TimeoutError):
                raise WorkerFailed("the page worker stopped unexpectedly") from exc
            raise
        self._checkin(worker)
        if status != "ok":
            raise WorkerFailed(str(value))
        return value

    def close(self) -> None:
        """Stop the idle workers (busy ones are stopped when their task ends or times out)."""
        with self._changed:
            idle, self._idle = self._idle, []
            self._live -= len(idle)
        for worker in idle:
            worker.kill()

    def _start(self) -> _Worker:
        parent, child = multiprocessing.Pipe()
        command = [sys.executable, "-m", __name__, str(child.fileno()), *self._preload]
        try:
            process = subprocess.Popen(
                command, pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, env=_worker_env(), close_fds=True
            )
        finally:
            child.close()
        self._live += 1
        return _Worker(process, parent)

    def _checkout(self, deadline: float) -> _Worker:
        with self._changed:
            while not self._idle and self._live >= self._size:
                left = deadline - time.monotonic()
                if left <= 0 or not self._changed.wait(left):
                    raise TimeoutError("no page worker became free in time")
            if self._idle:
                return self._idle.pop()
            return self._start()

    def _checkin(self, worker: _Worker) -> None:
        with self._changed:
            self._idle.append(worker)
            self._changed.notify()

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._changed:
            self._live -= 1
            self._changed.notify()


def _worker_env() -> dict[str, str]:
    """The caller's environment, with the folder holding ``service`` first on the import path."""
    root = str(Path(__file__).resolve().parents[2])
    paths = [root, *(p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != root)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


_shared: PagePool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> PagePool:
    """The process-wide pool used by every ``WebResearcher`` that was not given its own."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = PagePool(min(4, os.cpu_count() or 2), preload=("service.research.engine",))
            atexit.register(_shared.close)
        return _shared


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])), tuple(sys.argv[2:]))
