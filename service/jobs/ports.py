"""What job functions work with: ``Services``, the adapters ``service.bootstrap`` picked.

Every job function takes a ``Services`` value and reaches the outside world
only through the ports it holds: ``JobStore``, ``TaskQueue``, ``Researcher``
and, for sheet jobs, ``SheetGateway``; results leave through a
``ResultSink`` (``service.domain.sinks``).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from service.config import Limits
from service.domain.errors import InputError
from service.queue.port import TaskQueue
from service.research.port import Researcher
from service.sheets.port import SheetGateway
from service.store.port import JobStore

if TYPE_CHECKING:
    from service.jobs.notify import Notices


def utc_now() -> datetime:
    return datetime.now(UTC)


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class Services:
    store: JobStore
    queue: TaskQueue
    researcher: Researcher
    sheets: SheetGateway | None = None  # None: this runtime cannot reach Google Sheets
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], datetime] = utc_now
    worker_id: str = field(default_factory=default_worker_id)
    notices: Notices | None = None  # completion notices (issue 16); None: this runtime sends none

    def sheet_gateway(self) -> SheetGateway:
        if self.sheets is None:
            raise InputError("this runtime has no Google Sheets access configured")
        return self.sheets
