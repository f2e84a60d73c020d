"""What a row's output cells say: status, time, field values, sources; cell-size limits."""

from __future__ import annotations

from service.domain import CompanyProfile, Row, RowState
from service.sheets.layout import RESEARCHED_AT, SOURCES, STATUS

MAX_CELL_CHARS = 50_000  # Google's limit per cell
TRUNCATION_MARKER = " …[truncated]"


def fit_cell(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """The text, cut to ``limit`` characters with a visible marker when too long."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(TRUNCATION_MARKER))] + TRUNCATION_MARKER


def row_cells(row: Row, columns: dict[str, int], limit: int = MAX_CELL_CHARS) -> dict[int, str | None]:
    """Column → text for one row. Before a row finishes only its status is written."""
    cells: dict[int, str | None] = {columns[STATUS]: fit_cell(row.status_text, limit)}
    if row.state not in (RowState.DONE, RowState.FAILED) or row.result is None:
        return cells
    if row.researched_at is not None:
        cells[columns[RESEARCHED_AT]] = row.researched_at.isoformat(timespec="seconds")
    for name, column in columns.items():
        if name not in (STATUS, RESEARCHED_AT, SOURCES):
            cells[column] = fit_cell(row.result.cell_value(name), limit)
    cells[columns[SOURCES]] = fit_cell(sources_text(row.result), limit)
    return cells


def sources_text(profile: CompanyProfile) -> str:
    """One line per source URL with the fields found there: ``https://x.com/about (industry, hq_city)``."""
    by_url: dict[str, list[str]] = {}
    for name, source in profile.sources.items():
        by_url.setdefault(source.url, []).append(name)
    return "\n".join(f"{url} ({', '.join(names)})" for url, names in by_url.items())
