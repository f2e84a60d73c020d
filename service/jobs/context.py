"""The services a job function works with, chosen once by ``service.bootstrap``."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from service.queue.port import TaskQueue
from service.research.port import Researcher
from service.store.port import JobStore


def utc_now() -> datetime:
    return datetime.now(UTC)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class Services:
    store: JobStore
    queue: TaskQueue
    researcher: Researcher
    clock: Callable[[], datetime] = utc_now
    worker_id: str = field(default_factory=default_worker_id)
    lease_seconds: float = 300.0
