"""Writing results to CSV, Excel or JSON files, atomically, in checkpoints.

Each checkpoint writes the complete current table to a temporary file next
to the output and then ``os.replace``s it over the output: whatever happens
(crash, Ctrl-C, full disk), the output is always the last complete snapshot,
never half a file. Each snapshot has its own temporary file
(``.<name>.<random>.tmp``), so two processes writing the same output (a second
worker on the same job) never move each other's half-written file; the last
complete snapshot wins. A temporary file left by a process that died
(kill -9 mid-write) is never read, and the next snapshot deletes it.

The table's shape is any ``TableColumns`` (``ResultColumns`` for files; the
API's ``/results`` export passes its own), and the same code writes both:
``write_table`` to a binary handle, ``text_chunks`` line by line for
streaming. Untrusted text stays text through ``service.files.cells``: in
.xlsx every string is a string cell, never a formula; in CSV a cell that
looks like a formula gets a leading ``'``. CSV files are written as UTF-8
with a BOM so Excel shows accents correctly. CSV and .xlsx have the same
header line.

The .xlsx workbook (``write_xlsx``, see ``service/files/README.md``):

- the first sheet is named after the input's sheet (``sheet_title``), its
  header row bold, frozen and filtered; each column sized to its header and
  the first ``WIDTH_SAMPLE_ROWS`` rows, between ``MIN_WIDTH`` and the
  bound of its kind (long text wraps at ``LONG_TEXT_WIDTH`` characters,
  and its row is made tall enough for up to ``MAX_LINES`` lines);
- ``URL`` cells link to their address and ``EMAILS`` cells to ``mailto:``
  the first address, only for safe values (``cells.link_target``);
  ``DATETIME`` cells are dates (UTC), ``INTEGER`` cells numbers;
- a second sheet, ``Sources``, lists one line per sourced field (row,
  company, field, value, URL, method), and each row's ``Sources`` cell
  links to its first line there (CSV keeps the lines in the cell).
"""

from __future__ import annotations

import csv
import glob
import io
import itertools
import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from copy import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.hyperlink import Hyperlink

from service.domain import Job, Row
from service.domain.errors import InputError
from service.domain.tables import ColumnMap
from service.files.cells import csv_cell, link_target, mailto_target, xlsx_cell, xlsx_text
from service.files.formats import FileFormat, output_format
from service.files.output import CellValue, Column, Kind, ResultColumns, SourceLine, cell_text

SOURCES_SHEET = "Sources"
SOURCES_HEADERS = ("Row", "Company", "Field", "Value", "URL", "Method")
SOURCES_WIDTHS = (8.0, 24.0, 18.0, 40.0, 50.0, 12.0)
WIDTH_SAMPLE_ROWS = 200
HEADER_FIT = 24  # headers up to this many characters fit their column on one line
MAX_LINES = 6  # a wrapped row shows at most this many lines (the cell holds everything)
LINE_HEIGHT = 15.0  # points per line of 11-point text
MIN_WIDTH = 8
LONG_TEXT_WIDTH = 60
MAX_WIDTH = {
    Kind.TEXT: 40,
    Kind.LONG_TEXT: LONG_TEXT_WIDTH,
    Kind.URL: 45,
    Kind.EMAILS: 40,
    Kind.DATETIME: 18,
    Kind.INTEGER: 14,
    Kind.SOURCES: 14,
}
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_HEADER_ALIGNMENT = Alignment(vertical="top", wrap_text=True)
_WRAP = Alignment(vertical="top", wrap_text=True)
_TOP = Alignment(vertical="top")
_LINK_FONT = Font(color="0563C1", underline="single")
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


class TableColumns(Protocol):
    """The shape of an output table: its columns, each row as typed values, its sources, a JSON object."""

    @property
    def layout(self) -> list[Column]: ...

    @property
    def headers(self) -> list[str]: ...

    @property
    def sheet_title(self) -> str: ...

    def values(self, row: Row) -> list[CellValue]: ...

    def cells(self, row: Row) -> list[str]: ...

    def source_lines(self, row: Row) -> list[SourceLine]: ...

    def record(self, row: Row) -> dict[str, Any]: ...


def write_snapshot(path: Path, fmt: FileFormat, columns: TableColumns, rows: Iterable[Row]) -> int:
    """Write every row to ``path`` atomically (temp file + ``os.replace``); returns the row count."""
    temp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    _remove_dead_temps(path)
    try:
        with temp.open("xb") as handle:
            count = write_table(handle, fmt, columns, rows)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with suppress(OSError):
            temp.unlink()
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        with suppress(OSError):
            temp.unlink()
        raise
    return count


def _remove_dead_temps(path: Path) -> None:
    """Delete temporary files of this output left by processes that no longer run."""
    for temp in path.parent.glob(f".{glob.escape(path.name)}.*-*.tmp"):
        pid = temp.name[len(path.name) + 2 :].partition("-")[0]
        if pid.isascii() and pid.isdigit() and not _alive(int(pid)):
            with suppress(OSError):
                temp.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def write_table(handle: BinaryIO, fmt: FileFormat, columns: TableColumns, rows: Iterable[Row]) -> int:
    """Write the whole table to ``handle`` (CSV with a BOM); returns the row count."""
    counted = _Counted(rows)
    if fmt == FileFormat.XLSX:
        write_xlsx(handle, columns, counted)
        return counted.count
    text = io.TextIOWrapper(handle, encoding="utf-8-sig" if fmt == FileFormat.CSV else "utf-8", newline="")
    for chunk in text_chunks(fmt, columns, counted):
        text.write(chunk)
    text.flush()
    text.detach()
    return counted.count


def text_chunks(fmt: FileFormat, columns: TableColumns, rows: Iterable[Row]) -> Iterator[str]:
    """A CSV, JSON or JSONL table as text, one chunk per line (no BOM), for files and streamed responses."""
    if fmt not in _TEXT_WRITERS:
        raise ValueError(f"{fmt} is not a text format")
    return _TEXT_WRITERS[fmt](columns, rows)


def write_xlsx(handle: BinaryIO, columns: TableColumns, rows: Iterable[Row]) -> None:
    """The results sheet (named ``columns.sheet_title``) and the ``Sources`` sheet (see the module doc)."""
    workbook = Workbook(write_only=True)
    layout = columns.layout
    main = workbook.create_sheet(sheet_title(columns.sheet_title))
    sources = workbook.create_sheet(SOURCES_SHEET if main.title.casefold() != "sources" else "Rowscout sources")
    stream = iter(rows)
    head = list(itertools.islice(stream, WIDTH_SAMPLE_ROWS))
    widths = column_widths(layout, (columns.values(r) for r in head))
    _start(main, [c.header for c in layout], widths)
    _start(sources, list(SOURCES_HEADERS), SOURCES_WIDTHS)
    styles = _Styles(main)
    written = lines_written = 0
    for row in itertools.chain(head, stream):
        lines = columns.source_lines(row)
        link = f"{_quoted(sources.title)}!A{lines_written + 2}" if lines else None
        values = columns.values(row)
        if (height := row_height(layout, widths, values)) is not None:
            main.row_dimensions[written + 2].height = height
        main.append([_cell(main, styles, c, value, link, len(lines)) for c, value in zip(layout, values, strict=True)])
        for line in lines:
            sources.append(_source_cells(sources, styles, line))
        written += 1
        lines_written += len(lines)
    main.auto_filter.ref = f"A1:{get_column_letter(len(layout))}{written + 1}"
    sources.auto_filter.ref = f"A1:{get_column_letter(len(SOURCES_HEADERS))}{lines_written + 1}"
    workbook.save(handle)


def sheet_title(title: str) -> str:
    """``title`` as Excel allows a sheet name: no ``[]:*?/\\``, at most 31 characters, not blank."""
    cleaned = "".join(c for c in xlsx_text(title) if c not in "[]:*?/\\").strip().strip("'")[:31].strip()
    return cleaned or "Results"


def column_widths(layout: Sequence[Column], sample: Iterable[Sequence[CellValue]]) -> list[float]:
    """Each column's width in characters: its widest line among the header and ``sample``, within bounds.

    A header up to ``HEADER_FIT`` characters always fits on one line; a longer one (a custom
    question) wraps at its column's bound.
    """
    headers = [len(c.header) if len(c.header) <= HEADER_FIT else 0 for c in layout]
    widest = list(headers)
    for values in sample:
        for index, value in enumerate(values):
            widest[index] = max(widest[index], _display_width(layout[index].kind, value))
    bounds = [max(MAX_WIDTH[c.kind], h + 2) for c, h in zip(layout, headers, strict=True)]
    return [float(min(max(w + 2, MIN_WIDTH), bound)) for w, bound in zip(widest, bounds, strict=True)]


def row_height(layout: Sequence[Column], widths: Sequence[float], values: Sequence[CellValue]) -> float | None:
    """The height (points) a row needs to show its wrapped long texts, up to ``MAX_LINES``; None for one line."""
    lines = 1
    for column, width, value in zip(layout, widths, values, strict=True):
        if column.kind == Kind.LONG_TEXT and value:
            per_line = max(int(width) - 2, 1)
            wrapped = sum(max(-(-len(part) // per_line), 1) for part in cell_text(value).splitlines())
            lines = max(lines, min(wrapped, MAX_LINES))
    return LINE_HEIGHT * lines if lines > 1 else None


def _display_width(kind: Kind, value: CellValue) -> int:
    if kind == Kind.DATETIME and value is not None:
        return len("2025-01-02 03:04")
    if kind == Kind.SOURCES:
        return len("99 sources")
    return max((len(line) for line in cell_text(value).splitlines()), default=0)


def _start(sheet: Any, headers: list[str], widths: Sequence[float]) -> None:
    """Column widths, the frozen header row and the header cells (before any row: write-only sheets)."""
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    cells = []
    for text in headers:
        cell = xlsx_cell(sheet, text)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGNMENT
        cells.append(cell)
    sheet.append(cells)


class _Styles:
    """Each combination of cell styles, made once per workbook; a cell gets a copy of its style ids.

    Setting ``font``/``alignment`` on every cell hashes the style objects each
    time; copying openpyxl's ``StyleArray`` of a styled template cell gives the
    same cell XML at a fraction of the cost.
    """

    def __init__(self, sheet: Any) -> None:
        self._sheet = sheet
        self._made: dict[tuple[str, bool, bool], Any] = {}

    def apply(self, cell: Cell, *, number_format: str = "", link: bool = False, wrap: bool = False) -> Cell:
        key = (number_format, link, wrap)
        if key not in self._made:
            template = WriteOnlyCell(self._sheet)
            if number_format:
                template.number_format = number_format
            if link:
                template.font = _LINK_FONT
            template.alignment = _WRAP if wrap else _TOP
            self._made[key] = template._style
        cell._style = copy(self._made[key])
        return cell


def _cell(sheet: Any, styles: _Styles, column: Column, value: CellValue, link: str | None, sources: int) -> Cell | None:
    """One typed, styled cell; text is always a string cell (never a formula)."""
    if column.kind == Kind.SOURCES:
        return _sources_cell(sheet, styles, link, sources)
    if value is None or value == "":
        return None
    wrap = column.kind == Kind.LONG_TEXT
    if isinstance(value, datetime):
        return styles.apply(WriteOnlyCell(sheet, value=_naive_utc(value)), number_format=_DATETIME_FORMAT)
    if isinstance(value, int) and not isinstance(value, bool):
        return styles.apply(WriteOnlyCell(sheet, value=value), number_format="0", wrap=wrap)
    cell = xlsx_cell(sheet, str(value))
    target = _target(column.kind, str(value))
    if target:
        cell.hyperlink = Hyperlink(ref="", target=target)
    return styles.apply(cell, link=bool(target), wrap=wrap)


def _target(kind: Kind, text: str) -> str | None:
    if kind == Kind.URL:
        return link_target(text)
    if kind == Kind.EMAILS:
        return mailto_target(text)
    return None


def _sources_cell(sheet: Any, styles: _Styles, link: str | None, count: int) -> Cell | None:
    """``N sources``, linking to the row's first line on the Sources sheet."""
    if not link:
        return None
    cell = xlsx_cell(sheet, f"{count} source" + ("s" if count != 1 else ""))
    cell.hyperlink = Hyperlink(ref="", location=link)
    return styles.apply(cell, link=True)


def _source_cells(sheet: Any, styles: _Styles, line: SourceLine) -> list[Cell]:
    url = xlsx_cell(sheet, line.url)
    if target := link_target(line.url):
        url.hyperlink = Hyperlink(ref="", target=target)
        styles.apply(url, link=True)
    texts = [xlsx_cell(sheet, text) for text in (line.company, line.field, line.value)]
    return [WriteOnlyCell(sheet, value=line.row), *texts, url, xlsx_cell(sheet, line.method)]


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _naive_utc(value: datetime) -> datetime:
    """Excel has no time zones: the time in UTC, without its offset (to the second)."""
    utc = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return utc.replace(microsecond=0)


def _csv_lines(columns: TableColumns, rows: Iterable[Row]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for values in _lines(columns, rows):
        writer.writerow([csv_cell(v) for v in values])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _lines(columns: TableColumns, rows: Iterable[Row]) -> Iterator[list[str]]:
    yield columns.headers
    for row in rows:
        yield columns.cells(row)


def _json_lines(columns: TableColumns, rows: Iterable[Row]) -> Iterator[str]:
    yield "["
    for index, row in enumerate(rows):
        yield (",\n" if index else "\n") + json.dumps(columns.record(row), ensure_ascii=False)
    yield "\n]\n"


def _jsonl_lines(columns: TableColumns, rows: Iterable[Row]) -> Iterator[str]:
    for row in rows:
        yield json.dumps(columns.record(row), ensure_ascii=False) + "\n"


_TEXT_WRITERS: dict[FileFormat, Callable[[TableColumns, Iterable[Row]], Iterator[str]]] = {
    FileFormat.CSV: _csv_lines,
    FileFormat.JSON: _json_lines,
    FileFormat.JSONL: _jsonl_lines,
}


class _Counted:
    """The rows, counting how many were read."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Row]:
        for row in self._rows:
            self.count += 1
            yield row


def export_rows(
    rows: Iterable[Row],
    path: str | Path,
    format: str | None = None,
    *,
    input_headers: Sequence[str],
    fields: Sequence[str],
    columns: ColumnMap | None = None,
    questions: Sequence[str] = (),
    sheet_title: str = "",
) -> int:
    """Write ``rows`` (in the order given) to ``path`` as one atomic snapshot; returns the row count."""
    target = Path(path)
    result_columns = ResultColumns.build(input_headers, fields, columns, questions, sheet_title=sheet_title)
    return write_snapshot(target, output_format(target, format), result_columns, rows)


class FileResultSink:
    """The file ``ResultSink``: the output file, rewritten whole and atomically on ``commit``.

    With ``all_rows`` (a function returning every row of the job from the
    store, in position order) ``write`` only notes that rows changed and
    ``commit`` rewrites the whole table from the store: a crash loses nothing,
    because the store still has every row and the next run writes them.
    Without it, the sink keeps the rows it was given and writes those.
    """

    def __init__(
        self,
        output_path: str | Path,
        *,
        format: str | None = None,
        input_headers: Sequence[str],
        fields: Sequence[str],
        columns: ColumnMap | None = None,
        all_rows: Callable[[], Iterable[Row]] | None = None,
        questions: Sequence[str] = (),
        sheet_title: str = "",
    ) -> None:
        self.path = Path(output_path)
        self.format = output_format(self.path, format)
        self.result_columns = ResultColumns.build(input_headers, fields, columns, questions, sheet_title=sheet_title)
        self._all_rows = all_rows
        self._kept: dict[str, Row] = {}
        self._dirty = False
        self.snapshots = 0

    def write(self, job: Job, rows: Sequence[Row]) -> None:
        """Take rows; they reach the file at the next ``commit``."""
        if self._all_rows is None:
            self._kept.update((row.key, row) for row in rows)
        self._dirty = self._dirty or bool(rows)

    def commit(self) -> list[str]:
        """Rewrite the file if any row changed since the last snapshot (every row is written)."""
        if self._dirty:
            self.write_snapshot(self._rows())
        return []

    def write_snapshot(self, rows: Iterable[Row]) -> int:
        """Atomically replace the output with exactly ``rows`` (all rows, in position order)."""
        count = write_snapshot(self.path, self.format, self.result_columns, rows)
        self.snapshots += 1
        self._dirty = False
        return count

    def close(self) -> None:
        """Write the final snapshot if anything changed since the last one (or none was written)."""
        if self._dirty or self.snapshots == 0:
            self.write_snapshot(self._rows())

    def _rows(self) -> Iterable[Row]:
        return self._all_rows() if self._all_rows else sorted(self._kept.values(), key=lambda r: r.position)
