"""A Google Sheet as CLI input and output: ``python -m service research sheet:ID[/Sheet1!A1:D200]``.

The selection is read in one call; on ``research`` the output columns are
created and each row is tagged with developer metadata (``prepare_sheet``), and
results are written back at checkpoints in coalesced ``RAW`` batches by the
same sink the cloud service uses. Credentials come from the environment
(``GOOGLE_APPLICATION_CREDENTIALS``: a service-account key or authorized-user
file; else application default credentials); the sheet must be shared with
that account.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from service.cli_inputs import DescribedTable, resolve_fields
from service.config import Settings
from service.domain import Job
from service.jobs.flush import Sink
from service.jobs.submit import RowInput
from service.tables import InputTable


def sheets_api(settings: Settings) -> Any:
    from service.sheets.credentials import credentials_from_env
    from service.sheets.google_api import GoogleSheetsApi

    return GoogleSheetsApi(credentials_from_env(), endpoint=settings.sheets_api_endpoint or None)


@dataclass
class SheetInput(DescribedTable):
    """A sheet selection with the user's column overrides."""

    args: argparse.Namespace
    api: Any
    selection: Any
    table: InputTable
    label: str = ""
    warnings: list[str] = field(default_factory=list)
    _prepared: Any = None

    @classmethod
    def open(cls, args: argparse.Namespace, settings: Settings) -> SheetInput:
        from service.sheets.reader import read_selection
        from service.sheets.selection import parse_sheet_spec

        selection = parse_sheet_spec(args.input)
        api = sheets_api(settings)
        table = read_selection(api, selection, name_column=args.name_column, website_column=args.website_column)
        records = list(table.records)  # one read call; a sheet selection fits in memory (≤ 10 M cells)
        table = InputTable(table.headers, table.columns, records, list(table.warnings))
        return cls(args, api, selection, table, label=args.input, warnings=list(table.warnings))

    def close(self) -> None:
        self.api.close()

    def selected_rows(self) -> Iterator[RowInput]:
        return self._rows(self.table)

    def prepare(self, job_id: str, output: str | None) -> dict[str, Any]:
        """Create output columns and tag rows (writes to the sheet); returns ``job.source``."""
        from service.sheets.prepare import prepare_sheet

        self._prepared = prepare_sheet(
            self.api,
            self.selection,
            resolve_fields(self.args.fields),
            key_prefix=job_id,
            name_column=self.args.name_column,
            website_column=self.args.website_column,
        )
        resolved = self._prepared.selection
        columns = self._prepared.read.table.columns
        return {
            "kind": "sheet",
            "spreadsheet_id": resolved.spreadsheet_id,
            "ranges": list(resolved.ranges),
            **self._prepared.source_facts(),
            "headers": list(self._prepared.read.table.headers),
            "columns": {"name": columns.name, "website": columns.website},
            "output": output,
        }

    def rows(self) -> Iterator[RowInput]:
        if self._prepared is None:
            raise RuntimeError("prepare() the sheet before reading its rows")
        return self._rows(self._prepared.read.table)

    def _rows(self, table: InputTable) -> Iterator[RowInput]:
        from service.files.selection import parse_filter, parse_rows_spec, select

        rows = parse_rows_spec(self.args.rows) if self.args.rows else None
        filters = [parse_filter(text) for text in self.args.filter]
        for record in select(table.records, rows=rows, filters=filters):
            yield record.key, record.position, record.company(table.columns)


@contextmanager
def sheet_sink(job: Job, settings: Settings) -> Iterator[Sink | None]:
    """The write-back sink of a sheet job (None for file jobs); its connection closes on exit."""
    if job.source.get("kind") != "sheet":
        yield None
        return
    from service.api.sheets import GoogleSheetGateway

    api = sheets_api(settings)
    try:
        yield GoogleSheetGateway(settings, api=api).sink(job)
    finally:
        api.close()
