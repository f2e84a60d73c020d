"""JSON log lines for Cloud Logging: ``severity``, ``message`` and the request's trace id.

Cloud Run turns each JSON line on stdout/stderr into a structured entry; the
``logging.googleapis.com/trace`` field (from the ``X-Cloud-Trace-Context``
header) groups a request's lines under its trace in the console.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from flask import has_request_context, request

TRACE_HEADER = "X-Cloud-Trace-Context"
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def trace_id(header: str | None) -> str | None:
    """The trace id from ``X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=1``."""
    if not header:
        return None
    trace = header.split("/", 1)[0].strip()
    return trace if trace and all(c in "0123456789abcdefABCDEF" for c in trace) else None


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the trace of the current Flask request if any."""

    def __init__(self, project: str = "") -> None:
        super().__init__()
        self.project = project

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "severity": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
        }
        entry.update(_extra_fields(record))
        if record.exc_info:
            entry["stack_trace"] = self.formatException(record.exc_info)
        trace = _current_trace()
        if trace:
            entry["logging.googleapis.com/trace"] = f"projects/{self.project}/traces/{trace}" if self.project else trace
        return json.dumps(entry, default=str, ensure_ascii=False)


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS and not k.startswith("_")}


def _current_trace() -> str | None:
    if not has_request_context():
        return None
    return trace_id(request.headers.get(TRACE_HEADER))


def configure_logging(project: str = "", level: int = logging.INFO) -> None:
    """Send every log record to stderr as a JSON line (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler.formatter, JsonFormatter):
            return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(project))
    root.addHandler(handler)
    root.setLevel(level)
