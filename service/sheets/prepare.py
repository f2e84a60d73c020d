"""Submit-time steps for a sheet job: read the selection, make output columns, tag the rows.

``prepare_sheet`` is what the gateway's ``prepare`` does when a sheet job is
submitted: one ``values.batchGet`` for the data, one properties read and one
header read for the layout, one ``batchUpdate`` to create missing output
columns, and ⌈rows / 500⌉ ``batchUpdate`` calls to tag rows with developer
metadata.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from service.domain.sources import SheetSource
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.layout import ensure_output_columns
from service.sheets.port import PreparedSheet
from service.sheets.reader import read_sheet
from service.sheets.selection import SheetSelection, selection_of
from service.sheets.tagging import tag_rows


def prepare_sheet(
    api: GoogleSheetsApi,
    source: SheetSource,
    fields: Sequence[str],
    *,
    key_prefix: str,
    column_map: Mapping[str, str] | None = None,
) -> PreparedSheet:
    """Read, lay out and tag; raises SchemaError or SheetsError with a clear message.

    Args:
        source: the selection and the user's column choices (not yet prepared).
        key_prefix: makes row keys unique in the spreadsheet (use the job id).
    """
    selection = selection_of(source)
    read = read_sheet(
        api, selection, name_column=source.name_column, website_column=source.website_column, key_prefix=key_prefix
    )
    resolved = SheetSelection(selection.spreadsheet_id, read.sheet_name, selection.ranges, read.header_row)
    table = read.table
    inputs = [c for c in (table.columns.name, table.columns.website) if c]
    layout = ensure_output_columns(
        api,
        resolved,
        fields,
        column_map,
        header_row=read.header_row,
        data_width=read.data_width,
        input_columns=inputs,
    )
    tag_rows(api, selection.spreadsheet_id, layout.sheet_id, read.row_numbers)
    prepared = replace(
        source,
        sheet_name=read.sheet_name,
        sheet_id=layout.sheet_id,
        header_row=read.header_row,
        headers=tuple(table.headers),
        columns=table.columns,
        layout=layout,
    )
    return PreparedSheet(prepared, table)
