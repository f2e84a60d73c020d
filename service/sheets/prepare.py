"""Submit-time steps for a sheet job: read the selection, make output columns, tag the rows.

``prepare_sheet`` is what the job layer calls when a sheet job is submitted:
one ``values.batchGet`` for the data, one properties read and one header read
for the layout, one ``batchUpdate`` to create missing output columns, and
⌈rows / 500⌉ ``batchUpdate`` calls to tag rows with developer metadata.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from service.sheets.layout import OutputLayout, ensure_output_columns
from service.sheets.port import SheetsApi
from service.sheets.reader import SheetRead, read_sheet
from service.sheets.selection import SheetSelection
from service.sheets.tagging import tag_rows


@dataclass(frozen=True)
class PreparedSheet:
    read: SheetRead
    layout: OutputLayout
    selection: SheetSelection  # with the resolved sheet name and header row

    def source_facts(self) -> dict[str, Any]:
        """What ``job.source`` keeps to write results back later (JSON-able)."""
        layout = dataclasses.asdict(self.layout)
        layout["created"] = list(layout.get("created") or ())
        return {
            "sheet_name": self.selection.sheet_name,
            "header_row": self.selection.header_row,
            "layout": layout,
        }


def prepare_sheet(
    api: SheetsApi,
    selection: SheetSelection,
    fields: Sequence[str],
    *,
    key_prefix: str,
    column_map: Mapping[str, str] | None = None,
    name_column: str | None = None,
    website_column: str | None = None,
) -> PreparedSheet:
    """Read, lay out and tag; raises SchemaError or SheetsError with a clear message.

    Args:
        key_prefix: makes row keys unique in the spreadsheet (use the job id).
    """
    read = read_sheet(api, selection, name_column=name_column, website_column=website_column, key_prefix=key_prefix)
    resolved = SheetSelection(selection.spreadsheet_id, read.sheet_name, selection.ranges, read.header_row)
    inputs = [c for c in (read.table.columns.name, read.table.columns.website) if c]
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
    return PreparedSheet(read, layout, resolved)
