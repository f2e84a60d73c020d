"""Submit-time steps for a sheet job: read the selection, make the job's own columns, tag the rows.

``prepare_sheet`` is what the gateway's ``prepare`` does. A selection read at
submit costs two reads: one ``spreadsheets.get`` (the tab's id, title and grid
size, found by sheet id when known) and one ``values.batchGet`` (the header
row and every selected range, with the title just resolved). Then one
``batchUpdate`` (more only past ~1.5 MB of requests) inserts the output
columns right of the user's data, writes their headers, tags the columns and
tags every row.

A planning chunk (``window``: a band of sheet rows of a large selection)
reads only that band and makes one more read, a ``developerMetadata.search``
of the band, so that rows tagged already (the chunk ran before, or rows moved
into the band) are not tagged twice; the first chunk also finds the job's
columns there if an earlier attempt created them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from service.domain.sources import SheetColumns, SheetSource
from service.domain.tables import InputTable
from service.sheets.a1 import A1Range
from service.sheets.batches import send_requests
from service.sheets.google_api import GoogleSheetsApi, JsonDict
from service.sheets.layout import SheetGrid, plan_columns, tagged_columns
from service.sheets.metadata import NAME, WEBSITE, locate, tagged_rows
from service.sheets.port import PreparedSheet
from service.sheets.reader import SheetRead, read_sheet, sheet_properties
from service.sheets.selection import SheetSelection
from service.sheets.tagging import tag_requests


def prepare_sheet(
    api: GoogleSheetsApi,
    source: SheetSource,
    fields: Sequence[str],
    *,
    key_prefix: str,
    window: tuple[int, int] | None = None,
) -> PreparedSheet:
    """Read, lay out and tag; raises SchemaError, InputError or SheetsError with a clear message.

    Args:
        source: the selection and the user's choices; with a ``layout`` when an
            earlier chunk prepared the job's columns already.
        key_prefix: makes row keys unique in the spreadsheet (the job id).
        window: only these sheet rows (0-based, end exclusive): one planning chunk.
    """
    props = sheet_properties(api, source.spreadsheet_id, sheet_id=source.sheet_id, title=source.sheet_name)
    title, sheet_id = str(props["title"]), int(props.get("sheetId", 0))
    selection = SheetSelection(source.spreadsheet_id, title, tuple(source.ranges), source.header_row or None)
    read = read_sheet(
        api,
        selection,
        name_column=source.name_column,
        website_column=source.website_column,
        key_prefix=key_prefix,
        window=window,
        columns=source.columns if source.layout else None,  # a later chunk keeps the first chunk's columns
    )
    layout, requests = _layout(source, read, props, fields, key_prefix)
    numbers, keep = read.row_numbers, set(read.row_numbers)
    if window is not None:
        tagged, found = _tagged_already(api, source.spreadsheet_id, sheet_id, window, key_prefix, layout)
        numbers = {key: n for key, n in numbers.items() if n - 1 not in tagged}
        # a row tagged with another key of this job moved here from an earlier chunk: it is stored already
        keep = {key for key, n in read.row_numbers.items() if tagged.get(n - 1, key) == key}
        if found is not None:
            layout, requests = found, []  # an earlier attempt made the columns: use them
    send_requests(api, source.spreadsheet_id, [*requests, *tag_requests(sheet_id, numbers)])
    table = InputTable(
        headers=read.table.headers,
        columns=read.table.columns,
        records=[r for r in read.table.records if r.key in keep],
        warnings=read.table.warnings,
    )
    prepared = replace(
        source,
        sheet_name=title,
        sheet_id=sheet_id,
        header_row=read.header_row,
        headers=tuple(table.headers) if source.layout is None else source.headers,
        columns=table.columns if source.layout is None else source.columns,
        layout=layout,
    )
    return PreparedSheet(prepared, table, more=_more(selection, props, window))


def _layout(
    source: SheetSource, read: SheetRead, props: JsonDict, fields: Sequence[str], job_id: str
) -> tuple[SheetColumns, list[JsonDict]]:
    if source.layout is not None:
        return source.layout, []
    columns = read.table.columns
    inputs = {
        output: read.column_of[header]
        for output, header in ((NAME, columns.name), (WEBSITE, columns.website))
        if header and header in read.column_of
    }
    grid = SheetGrid(
        sheet_id=int(props.get("sheetId", 0)),
        column_count=int(props.get("gridProperties", {}).get("columnCount", 26)),
        header_row=read.header_row,
        headers=read.header_values + [""] * max(0, read.data_width - len(read.header_values)),
        data_width=read.data_width,
        inputs=inputs,
    )
    return plan_columns(grid, fields, job_id=job_id, column_map=source.column_map)


def _tagged_already(
    api: GoogleSheetsApi, spreadsheet_id: str, sheet_id: int, window: tuple[int, int], job_id: str, layout: SheetColumns
) -> tuple[dict[int, str], SheetColumns | None]:
    """Row index → key of this job's tags in the window, and the job's columns if an earlier attempt made them."""
    tagged = {
        index: key
        for index, key in tagged_rows(api, spreadsheet_id, sheet_id, *window).items()
        if key.startswith(f"{job_id}:")
    }
    if window[0] > 0:
        return tagged, None
    found = locate(api, spreadsheet_id, sheet_id, keys=(), columns=tagged_columns(job_id, layout)).columns
    if not found:
        return tagged, None
    columns = {name: found.get(name, column) for name, column in layout.columns.items()}
    inputs = {name: found.get(name, column) for name, column in layout.inputs.items()}
    return tagged, replace(layout, columns=columns, inputs=inputs)


def _more(selection: SheetSelection, props: JsonDict, window: tuple[int, int] | None) -> bool:
    """Whether the selection goes on below the window (the next chunk has rows to read)."""
    if window is None:
        return False
    grid_rows = int(props.get("gridProperties", {}).get("rowCount", 1000))
    ranges = selection.parsed_ranges() or [A1Range(selection.sheet_name)]
    last = max(grid_rows if r.end_row is None else min(r.end_row, grid_rows) for r in ranges)
    return window[1] < last
