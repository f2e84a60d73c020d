"""Writing results to CSV, Excel or JSON files, atomically, in checkpoints.

Each checkpoint writes the complete current table to a temporary file next
to the output and then ``os.replace``s it over the output: whatever happens
(crash, Ctrl-C, full disk), the output is always the last complete snapshot,
never half a file. A crash may leave the temporary ``.<name>.tmp`` behind; the
next snapshot overwrites it.

Untrusted text stays text: in .xlsx every string is written as a string cell,
never a formula; in CSV a cell starting with ``=``, ``+``, ``-`` or ``@`` gets a
leading ``'`` so spreadsheet apps do not run it (the usual CSV-injection
guard; the quote is visible in a text editor). CSV is written as UTF-8 with a
BOM so Excel shows accents correctly.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from service.domain import Job, Row
from service.errors import InputError
from service.files.cells import truncate
from service.files.formats import FileFormat, output_format
from service.files.output import OutputLayout
from service.tables import ColumnMap

FORMULA_PREFIXES = ("=", "+", "-", "@")
XLSX_MAX_CELL_CHARS = 32_767


def write_snapshot(path: Path, fmt: FileFormat, layout: OutputLayout, rows: Iterable[Row]) -> int:
    """Write every row to ``path`` atomically (temp file + ``os.replace``); returns the row count."""
    temp = path.with_name(f".{path.name}.tmp")
    try:
        with temp.open("wb") as handle:
            count = _write_to(handle, fmt, layout, rows)
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


def _write_to(handle: BinaryIO, fmt: FileFormat, layout: OutputLayout, rows: Iterable[Row]) -> int:
    if fmt == FileFormat.XLSX:
        return _write_xlsx(handle, layout, rows)
    encoding = "utf-8-sig" if fmt == FileFormat.CSV else "utf-8"
    text = io.TextIOWrapper(handle, encoding=encoding, newline="")
    count = _TEXT_WRITERS[fmt](text, layout, rows)
    text.flush()
    text.detach()
    return count


def csv_safe(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet app would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _write_csv(handle: IO[str], layout: OutputLayout, rows: Iterable[Row]) -> int:
    writer = csv.writer(handle)
    writer.writerow([csv_safe(h) for h in layout.headers])
    count = 0
    for row in rows:
        writer.writerow([csv_safe(c) for c in layout.cells(row)])
        count += 1
    return count


def _write_xlsx(handle: BinaryIO, layout: OutputLayout, rows: Iterable[Row]) -> int:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Results")
    sheet.append([_text_cell(sheet, h) for h in layout.headers])
    count = 0
    for row in rows:
        sheet.append([_text_cell(sheet, c) for c in layout.cells(row)])
        count += 1
    workbook.save(handle)
    return count


def _text_cell(sheet: object, text: str) -> WriteOnlyCell:
    """A cell that Excel shows as this exact text (never a formula, no illegal characters)."""
    cell = WriteOnlyCell(sheet, value=truncate(ILLEGAL_CHARACTERS_RE.sub("", text), XLSX_MAX_CELL_CHARS))
    cell.data_type = "s"
    return cell


def _write_json(handle: IO[str], layout: OutputLayout, rows: Iterable[Row]) -> int:
    handle.write("[")
    count = 0
    for row in rows:
        handle.write(",\n" if count else "\n")
        handle.write(json.dumps(layout.record(row), ensure_ascii=False))
        count += 1
    handle.write("\n]\n")
    return count


def _write_jsonl(handle: IO[str], layout: OutputLayout, rows: Iterable[Row]) -> int:
    count = 0
    for row in rows:
        handle.write(json.dumps(layout.record(row), ensure_ascii=False) + "\n")
        count += 1
    return count


_TEXT_WRITERS: dict[FileFormat, Callable[[IO[str], OutputLayout, Iterable[Row]], int]] = {
    FileFormat.CSV: _write_csv,
    FileFormat.JSON: _write_json,
    FileFormat.JSONL: _write_jsonl,
}


def export_rows(
    rows: Iterable[Row],
    path: str | Path,
    format: str | None = None,
    *,
    input_headers: Sequence[str],
    fields: Sequence[str],
    columns: ColumnMap | None = None,
) -> int:
    """Write ``rows`` (in the order given) to ``path`` as one atomic snapshot; returns the row count."""
    target = Path(path)
    layout = OutputLayout.build(input_headers, fields, columns)
    return write_snapshot(target, output_format(target, format), layout, rows)


class FileResultSink:
    """A ``ResultSink`` that keeps an output file up to date in atomic checkpoints.

    With ``all_rows`` (a function returning every row of the job from the
    store, in position order) each checkpoint rewrites the whole table from
    the store, so ``write`` only has to note that something changed; a crash
    loses nothing because the store still has every row and ``close`` (or the
    next run) writes them. Without it, the sink keeps the rows it was given
    and writes a snapshot on every ``write`` before returning.

    Checkpoints are at most every ``checkpoint_seconds`` (stretched so that
    writing snapshots takes at most a fifth of the time on big files).
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
        checkpoint_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = Path(output_path)
        self.format = output_format(self.path, format)
        self.layout = OutputLayout.build(input_headers, fields, columns)
        self._all_rows = all_rows
        self._kept: dict[str, Row] = {}
        self._interval = checkpoint_seconds
        self._clock = clock
        self._last: float | None = None
        self._dirty = False
        self.snapshots = 0

    def write(self, job: Job, rows: Sequence[Row]) -> None:
        """Take finished rows; with ``all_rows`` they reach the file at the next checkpoint."""
        if self._all_rows is None:
            self._kept.update((row.key, row) for row in rows)
            self.checkpoint(force=True)
            return
        self._dirty = True
        self.checkpoint()

    def checkpoint(self, *, force: bool = False) -> bool:
        """Write a snapshot if one is due (or ``force``); returns whether it wrote."""
        now = self._clock()
        if not force and self._last is not None and now - self._last < self._interval:
            return False
        rows = self._all_rows() if self._all_rows else sorted(self._kept.values(), key=lambda r: r.position)
        self.write_snapshot(rows)
        elapsed = self._clock() - now
        self._interval = max(self._interval, 4 * elapsed)
        self._last = now
        return True

    def write_snapshot(self, rows: Iterable[Row]) -> int:
        """Atomically replace the output with exactly ``rows`` (all rows, in position order)."""
        count = write_snapshot(self.path, self.format, self.layout, rows)
        self.snapshots += 1
        self._dirty = False
        return count

    def close(self) -> None:
        """Write the final snapshot if anything changed since the last one (or none was written)."""
        if self._dirty or self.snapshots == 0:
            self.checkpoint(force=True)
