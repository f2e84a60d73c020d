"""The ``SheetGateway`` port: everything the job layer needs from a spreadsheet.

- ``read(source)``: the selected cells as an ``InputTable`` with the detected
  name/website columns, for estimates (one read call, no writes).
- ``prepare(source, fields=..., job_id=..., window=None)``: read, create the
  job's own output columns right of the user's data and tag them, the
  identity columns and every row with developer metadata (keys prefixed by
  the job id); returns the source completed with what writing back needs
  (tab id and name, header row, headers, columns, output layout), the table
  and, for a planning chunk (``window``: a band of sheet rows), whether the
  selection goes on below it. Rows tagged already are left out.
- ``writer(job)``: a ``SheetWriter`` that writes a prepared job's rows (status
  and results, ``RAW``) only into rows that still hold their company, never
  over a value of the user's; it reports the rows it could not find and what
  it left in each row's cells (``row_writes``).
- ``cleanup(job, keys)``: remove the job's column developer metadata and the
  row metadata of ``keys``.

Adapters: ``service.sheets.gateway.GoogleSheetGateway`` (the Sheets API, or the
fake Sheets server in tests) and the in-memory fake in ``tests/fakes``; both
pass ``tests/contract/sheet_gateway_contract.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from service.domain import Job, WrittenCells
from service.domain.sinks import ResultSink
from service.domain.sources import SheetSource
from service.domain.tables import InputTable


@dataclass(frozen=True)
class PreparedSheet:
    source: SheetSource  # completed: sheet name, header row, headers, columns, layout
    table: InputTable
    more: bool = False  # a planning chunk: the selection goes on below its window


@runtime_checkable
class SheetWriter(ResultSink, Protocol):
    """A ``ResultSink`` into a sheet that also tells what it did per row since the last ``commit``."""

    def row_writes(self) -> Mapping[str, WrittenCells]:
        """Key → what the row's cells now hold by Rowscout's hand (finished rows that were written)."""
        ...

    def skip_reasons(self) -> Mapping[str, str]:
        """Key → why a row reported by ``commit`` was not written (deleted, moved out of reach, ambiguous)."""
        ...


class SheetGateway(Protocol):
    def read(self, source: SheetSource) -> InputTable: ...

    def prepare(
        self, source: SheetSource, *, fields: Sequence[str], job_id: str, window: tuple[int, int] | None = None
    ) -> PreparedSheet: ...

    def writer(self, job: Job) -> SheetWriter: ...

    def cleanup(self, job: Job, keys: Sequence[str]) -> None:
        """Delete the job's column tags and the row tags of ``keys`` (the job's rows)."""
        ...

    def close(self) -> None: ...
