"""The ``SheetGateway`` port: everything the job layer needs from a spreadsheet.

- ``read(source)``: the selected cells as an ``InputTable`` with the detected
  name/website columns, for estimates (one read call, no writes).
- ``prepare(source, fields=..., job_id=...)``: read, create Rowscout's output
  columns and tag the rows with developer metadata (keys prefixed by the job
  id); returns the source completed with what writing back needs (resolved
  tab name, header row, headers, columns, output layout) and the table.
- ``writer(job)``: a ``ResultSink`` that writes a prepared job's rows (status
  and results, ``RAW``) and reports the keys of rows the user deleted.

Adapters: ``service.sheets.gateway.GoogleSheetGateway`` (the Sheets API, or the
fake Sheets server in tests) and the in-memory fake in ``tests/fakes``; both
pass ``tests/contract/sheet_gateway_contract.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from service.domain import Job
from service.domain.sinks import ResultSink
from service.domain.sources import SheetSource
from service.domain.tables import InputTable


@dataclass(frozen=True)
class PreparedSheet:
    source: SheetSource  # completed: sheet name, header row, headers, columns, layout
    table: InputTable


class SheetGateway(Protocol):
    def read(self, source: SheetSource) -> InputTable: ...

    def prepare(self, source: SheetSource, *, fields: Sequence[str], job_id: str) -> PreparedSheet: ...

    def writer(self, job: Job) -> ResultSink: ...

    def close(self) -> None: ...
