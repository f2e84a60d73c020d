"""What a row's output cells in a sheet say: status, time, field values, sources.

Long cells are cut by the shared ``service.files.cells.truncate`` at Google's
50,000-character limit, with the same marker as in files. No formula guard:
sheet values are written with ``RAW`` input, so text is never run.
"""

from __future__ import annotations

from service.domain import CompanyProfile, Row, RowState
from service.files.cells import SHEETS_MAX_CELL_CHARS, truncate
from service.sheets.layout import RESEARCHED_AT, SOURCES, STATUS


def row_cells(row: Row, columns: dict[str, int], limit: int = SHEETS_MAX_CELL_CHARS) -> dict[int, str | None]:
    """Column → text for one row. Before a row finishes only its status is written."""
    cells: dict[int, str | None] = {columns[STATUS]: truncate(row.status_text, limit)}
    if row.state not in (RowState.DONE, RowState.FAILED) or row.result is None:
        return cells
    if row.researched_at is not None:
        cells[columns[RESEARCHED_AT]] = row.researched_at.isoformat(timespec="seconds")
    for name, column in columns.items():
        if name not in (STATUS, RESEARCHED_AT, SOURCES):
            cells[column] = truncate(row.result.cell_value(name), limit)
    cells[columns[SOURCES]] = truncate(sources_text(row.result), limit)
    return cells


def sources_text(profile: CompanyProfile) -> str:
    """One line per source URL with the fields found there: ``https://x.com/about (industry, hq_city)``."""
    by_url: dict[str, list[str]] = {}
    for name, source in profile.sources.items():
        by_url.setdefault(source.url, []).append(name)
    return "\n".join(f"{url} ({', '.join(names)})" for url, names in by_url.items())
