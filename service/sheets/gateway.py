"""``GoogleSheetGateway``: the ``SheetGateway`` port over the Sheets API (``GoogleSheetsApi``).

``bootstrap`` builds it with the client it should use (Google's endpoint, or
the fake Sheets server in tests); nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from service.domain import Job
from service.domain.errors import InputError
from service.domain.sources import SheetSource
from service.domain.tables import InputTable
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.port import PreparedSheet
from service.sheets.prepare import prepare_sheet
from service.sheets.reader import read_selection
from service.sheets.selection import selection_of
from service.sheets.sink import SheetResultSink


class GoogleSheetGateway:
    """The port's adapter; the Sheets client is made on first use by ``connect``."""

    def __init__(self, connect: Callable[[], GoogleSheetsApi]) -> None:
        self._connect = connect
        self._api: GoogleSheetsApi | None = None

    def read(self, source: SheetSource) -> InputTable:
        return read_selection(
            self.api(), selection_of(source), name_column=source.name_column, website_column=source.website_column
        )

    def prepare(self, source: SheetSource, *, fields: Sequence[str], job_id: str) -> PreparedSheet:
        return prepare_sheet(self.api(), source, fields, key_prefix=job_id)

    def writer(self, job: Job) -> SheetResultSink:
        """Writes rows on every ``write`` (no window: the job layer decides when to flush)."""
        source = job.source
        if not isinstance(source, SheetSource) or source.layout is None:
            raise InputError(f"job {job.id} has no prepared sheet to write to")
        return SheetResultSink(self.api(), source, flush_interval=0.0)

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None

    def api(self) -> GoogleSheetsApi:
        if self._api is None:
            self._api = self._connect()
        return self._api
