"""The ``SheetGateway`` port: what the API needs from a spreadsheet, and its Google adapter.

- ``read(request)``: the selected cells as an ``InputTable`` with the detected
  name/website columns (one read call, no writes) — for estimates.
- ``prepare(request, job_id=...)``: read, create the output columns and tag the
  rows with developer metadata (keys prefixed by the job id) — for submit.
  Returns the table plus JSON-able facts (``sheet``) stored in ``job.source``.
- ``sink(job)``: a ``Sink`` for ``flush_results`` that writes the given rows
  NOW (one coalesced ``values.batchUpdate``, ``RAW``) and raises on failure, so
  rows are marked flushed only after the sheet accepted them.

``GoogleSheetGateway`` is the adapter over ``service.sheets``; endpoint tests
use a recording fake, the end-to-end test the fake Sheets server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from service.api.requests import SelectionRequest
from service.config import Settings
from service.domain import Job, Row
from service.errors import InputError
from service.jobs.flush import Sink
from service.tables import InputTable


@dataclass(frozen=True)
class PreparedTable:
    table: InputTable
    sheet: dict[str, Any]  # merged into job.source: resolved sheet name, header row, output layout


class SheetGateway(Protocol):
    def read(self, request: SelectionRequest) -> InputTable: ...

    def prepare(self, request: SelectionRequest, *, job_id: str) -> PreparedTable: ...

    def sink(self, job: Job) -> Sink: ...


class GoogleSheetGateway:
    """``service.sheets`` against the real Sheets API (or the fake one at ``sheets_api_endpoint``)."""

    def __init__(self, settings: Settings, api: Any = None) -> None:
        self._settings = settings
        self._api = api

    def read(self, request: SelectionRequest) -> InputTable:
        from service.sheets.reader import read_selection

        return read_selection(
            self.api(),
            _selection(request),
            name_column=request.name_column,
            website_column=request.website_column,
        )

    def prepare(self, request: SelectionRequest, *, job_id: str) -> PreparedTable:
        from service.sheets.prepare import prepare_sheet

        prepared = prepare_sheet(
            self.api(),
            _selection(request),
            request.options.fields,
            key_prefix=job_id,
            name_column=request.name_column,
            website_column=request.website_column,
        )
        return PreparedTable(prepared.read.table, prepared.source_facts())

    def sink(self, job: Job) -> Sink:
        from service.sheets.layout import OutputLayout
        from service.sheets.sink import SheetResultSink

        data = dict(job.source.get("layout") or {})
        if not data:
            raise InputError(f"job {job.id} has no output layout; it was not prepared")
        layout = OutputLayout(**{**data, "created": tuple(data.get("created") or ())})
        selection = _selection_of(job.source)
        return FlushNowSink(SheetResultSink(self.api(), selection, layout, flush_interval=float("inf")))

    def close(self) -> None:
        if self._api is not None:
            self._api.close()

    def api(self) -> Any:
        if self._api is None:
            from service.sheets.credentials import credentials_from_env
            from service.sheets.google_api import GoogleSheetsApi

            endpoint = self._settings.sheets_api_endpoint or None
            self._api = GoogleSheetsApi(credentials_from_env(), endpoint=endpoint)
        return self._api


def _selection(request: SelectionRequest) -> Any:
    from service.sheets.selection import SheetSelection

    return SheetSelection(
        spreadsheet_id=request.spreadsheet_id,
        sheet_name=request.sheet_name,
        ranges=request.ranges,
        header_row=request.header_row or None,
    )


def _selection_of(source: dict[str, Any]) -> Any:
    from service.sheets.selection import SheetSelection

    return SheetSelection(
        spreadsheet_id=source["spreadsheet_id"],
        sheet_name=source["sheet_name"],
        ranges=tuple(source.get("ranges") or ()),
        header_row=source.get("header_row"),
    )


class FlushNowSink:
    """Write rows immediately (buffer + flush); raise if the sheet refused them."""

    def __init__(self, sink: Any) -> None:
        self._sink = sink

    def write(self, job: Job, rows: Sequence[Row]) -> Sequence[str] | None:
        self._sink.write(job, rows)
        result = self._sink.flush()
        return list(result.skipped) or None

    def close(self) -> None:
        self._sink.close()
