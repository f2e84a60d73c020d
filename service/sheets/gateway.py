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
from service.sheets.batches import send_requests
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.layout import tagged_columns
from service.sheets.metadata import cleanup_requests
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

    def prepare(
        self, source: SheetSource, *, fields: Sequence[str], job_id: str, window: tuple[int, int] | None = None
    ) -> PreparedSheet:
        return prepare_sheet(self.api(), source, fields, key_prefix=job_id, window=window)

    def writer(self, job: Job) -> SheetResultSink:
        """Writes rows on every ``write`` (no window: the job layer decides when to flush)."""
        return SheetResultSink(self.api(), _prepared(job), job_id=job.id, flush_interval=0.0)

    def cleanup(self, job: Job, keys: Sequence[str]) -> None:
        """Delete the job's column tags and the row tags of ``keys`` (a few calls for any number of rows)."""
        source = _prepared(job)
        assert source.layout is not None
        requests = cleanup_requests(keys, tagged_columns(job.id, source.layout).values())
        send_requests(self.api(), source.spreadsheet_id, requests)

    def close(self) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None

    def api(self) -> GoogleSheetsApi:
        if self._api is None:
            self._api = self._connect()
        return self._api


def _prepared(job: Job) -> SheetSource:
    source = job.source
    if not isinstance(source, SheetSource) or source.layout is None:
        raise InputError(f"job {job.id} has no prepared sheet to write to")
    return source
