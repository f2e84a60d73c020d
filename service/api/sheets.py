"""The ``SheetGateway`` port: the two things the API needs from a spreadsheet.

``read(request)`` reads the selected cells (one read call) into an
``InputTable`` with the detected name/website columns; ``sink(job)`` returns
the ``ResultSink`` that writes a job's finished rows back (coalesced,
``RAW``). ``GoogleSheetGateway`` is the adapter over ``service.sheets``;
endpoint tests use a recording fake.
"""

from __future__ import annotations

from typing import Any, Protocol

from service.api.requests import SelectionRequest
from service.config import Settings
from service.domain import Job
from service.jobs.flush import Sink
from service.tables import InputTable


class SheetGateway(Protocol):
    def read(self, request: SelectionRequest) -> InputTable: ...

    def sink(self, job: Job) -> Sink: ...


class GoogleSheetGateway:
    """``service.sheets`` against the real Sheets API (or the fake one at ``sheets_api_endpoint``)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._api: Any = None

    def read(self, request: SelectionRequest) -> InputTable:
        from service.sheets import SheetSelection, read_selection

        selection = SheetSelection(
            spreadsheet_id=request.spreadsheet_id,
            sheet_name=request.sheet_name,
            ranges=list(request.ranges),
            header_row=request.header_row,
        )
        return read_selection(
            self.api(), selection, name_column=request.name_column, website_column=request.website_column
        )

    def sink(self, job: Job) -> Sink:
        from service.sheets import SheetResultSink

        return SheetResultSink(self.api(), job)

    def api(self) -> Any:
        if self._api is None:
            from service.sheets.credentials import credentials_from_env
            from service.sheets.google_api import GoogleSheetsApi

            endpoint = self._settings.sheets_api_endpoint or None
            self._api = GoogleSheetsApi(credentials_from_env(), endpoint=endpoint)
        return self._api
