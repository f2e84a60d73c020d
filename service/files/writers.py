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
with a BOM so Excel shows accents correctly.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from openpyxl import Workbook

from service.domain import Job, Row
from service.domain.errors import InputError
from service.domain.tables import ColumnMap
from service.files.cells import csv_cell, xlsx_cell
from service.files.formats import FileFormat, output_format
from service.files.output import ResultColumns


class TableColumns(Protocol):
    """The shape of an output table: its header line, and each row as text cells or a JSON object."""

    @property
    def headers(self) -> list[str]: ...

    def cells(self, row: Row) -> list[str]: ...

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
    """One ``Results`` sheet: every cell a string cell (see ``cells.xlsx_cell``)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Results")
    sheet.append([xlsx_cell(sheet, h) for h in columns.headers])
    for row in rows:
        sheet.append([xlsx_cell(sheet, c) for c in columns.cells(row)])
    workbook.save(handle)


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
) -> int:
    """Write ``rows`` (in the order given) to ``path`` as one atomic snapshot; returns the row count."""
    target = Path(path)
    result_columns = ResultColumns.build(input_headers, fields, columns)
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
    ) -> None:
        self.path = Path(output_path)
        self.format = output_format(self.path, format)
        self.result_columns = ResultColumns.build(input_headers, fields, columns)
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
