"""What a row's output cells in a sheet say: status, time, field values, sources.

Field values read as in files: employees as a size band ("51-200"), phones
in E.164 (``service.files.output.field_value``). Only texts worth writing
come out: a field research left empty is absent (Rowscout never writes an
empty value over a cell), and a row that failed or was skipped gets its
status and nothing else. Long cells are cut by the shared
``service.files.cells.truncate`` at Google's 50,000-character limit, with
the same marker as in files. No formula guard: sheet values are written
with ``RAW`` input, so text is never run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from service.domain import CompanyProfile, Row, RowState
from service.domain.labels import SIMILAR
from service.files.cells import SHEETS_MAX_CELL_CHARS, truncate
from service.files.output import cell_text, field_value
from service.sheets.layout import RESEARCHED_AT, SOURCES, STATUS


def row_texts(row: Row, outputs: Iterable[str], limit: int = SHEETS_MAX_CELL_CHARS) -> dict[str, str]:
    """Output → non-empty text for one row; before a row is done only its status is written."""
    texts = {STATUS: truncate(row.status_text, limit)}
    if row.state != RowState.DONE or row.result is None:
        return texts
    for name in outputs:
        if name == STATUS:
            continue
        if name == RESEARCHED_AT:
            text = row.researched_at.isoformat(timespec="seconds") if row.researched_at else ""
        elif name == SOURCES:
            text = sources_text(row.result)
        elif name == SIMILAR:  # a job-level text, only in the write at the job's end (service/jobs/similar_sheet.py)
            text = row.job_texts.get(SIMILAR, "")
        elif name in ("employees", "phones"):  # a size band and E.164, as in files (service.files.output)
            text = cell_text(field_value(row.result, name))
        else:
            text = row.result.cell_value(name)
        if text.strip():
            texts[name] = truncate(text, limit)
    return texts


def row_cells(row: Row, columns: Mapping[str, int], limit: int = SHEETS_MAX_CELL_CHARS) -> dict[int, str]:
    """Column → non-empty text for one row (``columns``: output → 0-based column)."""
    return {columns[name]: text for name, text in row_texts(row, columns, limit).items() if name in columns}


def sources_text(profile: CompanyProfile) -> str:
    """One line per source URL with the fields found there: ``https://x.com/about (industry, hq_city)``."""
    by_url: dict[str, list[str]] = {}
    for name, source in profile.sources.items():
        by_url.setdefault(source.url, []).append(name)
    for question, answer in profile.answers.items():  # custom questions (issue 15): answer or evidence page
        by_url.setdefault(answer.url, []).append(question)
    return "\n".join(f"{url} ({', '.join(names)})" for url, names in by_url.items())
