"""``ResultSink``: where finished rows go (a results file, a sheet). One protocol, every adapter.

``flush_results`` (``service.jobs.flush``) hands a sink the finished rows that
are not written yet, in batches, then calls ``commit`` once, and only then
marks the rows flushed: a crash in between writes a row twice (the same
cells), never loses one.

- ``service.files.writers.FileResultSink`` rewrites its file atomically from
  every row of the job on ``commit``.
- The sheet adapter (``service.sheets.gateway``) writes the rows' cells in
  coalesced ``RAW`` batches; keys of rows the user deleted come back from
  ``commit``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from service.domain.model import Job, Row


class ResultSink(Protocol):
    def write(self, job: Job, rows: Sequence[Row]) -> None:
        """Take these rows' statuses and results (a sink may write them now or at ``commit``)."""
        ...

    def commit(self) -> Sequence[str]:
        """Make every row taken so far durable; return the keys that could not be written.

        Raises:
            RowscoutError: the destination refused the write (retryable or not).
        """
        ...

    def close(self) -> None: ...
