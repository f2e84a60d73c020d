"""Read the cells of scattered rows in one ``values.batchGet`` with a short request.

Rows a flush writes are scattered (tasks finish in any order, a sort moves
rows). Their indexes are merged into runs, and the closest runs are merged
further until at most ``MAX_RANGES`` ranges remain, so the request's URL
stays short while the payload stays near the rows asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from service.sheets.a1 import cell_range
from service.sheets.google_api import GoogleSheetsApi

MAX_RANGES = 40

Grid = dict[int, dict[int, str]]  # 0-based row -> 0-based column -> text


def spans(indexes: Iterable[int], max_ranges: int = MAX_RANGES) -> list[tuple[int, int]]:
    """Row spans (start, end exclusive) covering ``indexes``: runs, the closest merged until ≤ ``max_ranges``."""
    runs: list[list[int]] = []
    for index in sorted(set(indexes)):
        if runs and index == runs[-1][1]:
            runs[-1][1] = index + 1
        else:
            runs.append([index, index + 1])
    while len(runs) > max_ranges:
        gap = min(range(len(runs) - 1), key=lambda i: runs[i + 1][0] - runs[i][1])
        runs[gap : gap + 2] = [[runs[gap][0], runs[gap + 1][1]]]
    return [(start, end) for start, end in runs]


def read_cells(
    api: GoogleSheetsApi, spreadsheet_id: str, title: str, rows: Iterable[int], columns: Sequence[int]
) -> Grid:
    """The formatted text of ``columns`` in ``rows`` (and rows between, when merged); one read, none if empty."""
    wanted = spans(rows)
    if not wanted or not columns:
        return {}
    first, last = min(columns), max(columns) + 1
    ranges = [cell_range(title, start, first, end, last) for start, end in wanted]
    grid: Grid = {}
    for (start, _), value_range in zip(wanted, api.batch_get_values(spreadsheet_id, ranges), strict=True):
        for r, values in enumerate(value_range.get("values", []), start=start):
            grid[r] = {first + c: str(text) for c, text in enumerate(values)}
    return grid
