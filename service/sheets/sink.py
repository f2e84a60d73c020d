"""``SheetResultSink``: statuses and results written back into the rows that still hold their company.

``write`` only buffers (the latest state of a row wins); at most once per
``flush_interval`` (and on ``commit``/``close``) a flush:

1. resolves the tab's current title by its sheet id (``spreadsheets.get``): a
   renamed tab is followed, a new tab that took the old name is never
   touched, a deleted tab fails the job (a permanent ``SheetsError``);
2. finds the rows (row tags) and the job's columns (column tags) where they
   are now, in one ``developerMetadata.search``;
3. reads the identity cells (company name, website) and the output cells of
   those rows in one ``values.batchGet``. A row whose cells no longer hold its
   company (Google does not promise that a sort moves row metadata) or whose
   tag is gone is looked up by its values in the identity columns (one more
   read): found once, it is written there; found never or more than once, it
   is not written and ``skip_reasons`` says why;
4. writes with ``valueInputOption=RAW`` in ≤ 2 MB ``values.batchUpdate``
   calls, by the title read in step 1, only cells that may change: never an
   empty value (a field research left empty is not written), never a cell
   the user changed after Rowscout wrote it (compared with ``Row.written``:
   the user's text is kept and the status says so), never anything but the
   status cell for a row that failed or was skipped. The status column is
   Rowscout's own and always shows the row's status.

A transient failure leaves the rows buffered (``last_error`` after a window
flush; ``flush``/``commit`` raise it); a permanent one is raised. No timer
thread: the caller's writes (or a flush task) drive flushing, as Cloud Run
requires.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from service.domain import CompanyInput, Job, Row, WrittenCells
from service.domain.errors import SheetsError
from service.domain.sources import SheetSource
from service.domain.tables import column_letter
from service.files.cells import SHEETS_MAX_CELL_CHARS, truncate
from service.sheets.a1 import cell_range, quote_sheet
from service.sheets.cells import row_texts
from service.sheets.google_api import GoogleSheetsApi, JsonDict
from service.sheets.layout import STATUS, default_header, tagged_columns
from service.sheets.metadata import NAME, WEBSITE, Located, locate
from service.sheets.reader import sheet_properties
from service.sheets.spans import read_cells

MAX_PAYLOAD_BYTES = 2_000_000
_BODY_OVERHEAD = 200  # {"valueInputOption": "RAW", "data": [...]} around the value ranges

Cells = dict[int, str | None]  # 0-based column -> text (None = leave the cell alone)


@dataclass
class FlushResult:
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    calls: int = 0


@dataclass
class _Pending:
    row: Row
    texts: dict[str, str]  # output -> non-empty text


class SheetResultSink:
    """The ``SheetWriter`` of a prepared sheet job; thread-safe.

    ``write`` buffers and flushes once ``flush_interval`` has passed since the
    last flush (0 = on every write); ``commit`` flushes now and returns the
    keys of finished rows that could not be written (see ``skip_reasons``).
    """

    def __init__(
        self,
        api: GoogleSheetsApi,
        source: SheetSource,
        *,
        job_id: str = "",  # the key prefix of the rows and column tags ("" = the prefix of the keys written)
        flush_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        max_cell_chars: int = SHEETS_MAX_CELL_CHARS,
    ) -> None:
        if source.layout is None:
            raise ValueError("the sheet source has no output layout: prepare it first")
        self.api = api
        self.spreadsheet_id = source.spreadsheet_id
        self.layout = source.layout
        self.job_id = job_id
        self.flush_interval = flush_interval
        self.max_payload_bytes = max_payload_bytes
        self.max_cell_chars = max_cell_chars
        self.skipped: set[str] = set()
        self.written: set[str] = set()
        self.calls = 0
        self.last_error: SheetsError | None = None
        self._clock = clock
        self._last_flush = clock()
        self._pending: dict[str, _Pending] = {}
        self._unreported: set[str] = set()
        self._reasons: dict[str, str] = {}
        self._writes: dict[str, WrittenCells] = {}
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()

    # --- ResultSink / SheetWriter
    def write(self, job: Job, rows: Sequence[Row]) -> None:
        """Buffer these rows' status and results; flush when the window has passed."""
        with self._lock:
            for row in rows:
                self._pending[row.key] = _Pending(row, row_texts(row, self.layout.columns, self.max_cell_chars))
        self.maybe_flush()

    def commit(self) -> list[str]:
        """Write everything buffered now; return the keys of finished rows not written (not reported before)."""
        self.flush()
        with self._lock:
            missing, self._unreported = sorted(self._unreported), set()
        return missing

    def row_writes(self) -> dict[str, WrittenCells]:
        """Key → what the row's cells hold by Rowscout's hand, for finished rows written since the last call."""
        with self._lock:
            writes, self._writes = self._writes, {}
        return writes

    def skip_reasons(self) -> dict[str, str]:
        with self._lock:
            return dict(self._reasons)

    def close(self) -> None:
        self.flush()

    # --- flushing
    def maybe_flush(self) -> FlushResult | None:
        """Flush if the window has passed. A retryable failure is kept in ``last_error`` (the
        rows stay buffered for the next window); a permanent one is raised."""
        if self._clock() - self._last_flush < self.flush_interval:
            return None
        try:
            result = self.flush()
        except SheetsError as exc:
            if not exc.retryable:
                raise
            self.last_error = exc
            return None
        self.last_error = None
        return result

    def flush(self) -> FlushResult:
        """Write everything buffered now; on failure the rows stay buffered and the error is raised."""
        with self._flush_lock:
            with self._lock:
                batch, self._pending = self._pending, {}
                self._last_flush = self._clock()
            result = FlushResult()
            try:
                self._flush(batch, result)
            except SheetsError:
                self._restore(batch, result.written)
                raise
            return result

    def _flush(self, batch: dict[str, _Pending], result: FlushResult) -> None:
        if not batch:
            return
        title = str(sheet_properties(self.api, self.spreadsheet_id, sheet_id=self.layout.sheet_id, title="")["title"])
        job_id = self.job_id or next(iter(batch)).rpartition(":")[0]
        found = locate(
            self.api, self.spreadsheet_id, self.layout.sheet_id, keys=batch, columns=tagged_columns(job_id, self.layout)
        )
        _require_columns(found, self.layout.inputs)
        where, reasons = self._find_rows(title, batch, found)
        cells = {key: self._decide(batch[key], where[key][1], found) for key in where}
        rows = sorted((where[key][0], key) for key in cells if cells[key])
        for chunk, _ in self._chunks(_blocks(rows, cells, title)):
            self.api.batch_update_values(self.spreadsheet_id, chunk)
            result.calls += 1
            self.calls += 1
        result.written = sorted(where)
        self.written.update(where)
        self._report(batch, reasons, result)

    def _find_rows(
        self, title: str, batch: dict[str, _Pending], found: Located
    ) -> tuple[dict[str, tuple[int, dict[int, str]]], dict[str, str]]:
        """Key → (row index, the row's cells) for rows that hold their company now; key → reason for the rest."""
        identity = {name: found.columns[name] for name in (NAME, WEBSITE) if name in found.columns}
        needed = sorted({*identity.values(), *found.columns.values()})
        tagged = {key: found.rows[key] for key in batch if key in found.rows}
        grid = read_cells(self.api, self.spreadsheet_id, title, tagged.values(), needed)
        where: dict[str, tuple[int, dict[int, str]]] = {}
        lost: list[str] = []
        for key, index in tagged.items():
            if _holds(grid.get(index, {}), identity, batch[key].row.input):
                where[key] = (index, grid.get(index, {}))
            else:
                lost.append(key)
        lost += [key for key in batch if key not in tagged]
        if not lost:
            return where, {}
        moved, reasons = self._search(title, {key: batch[key].row.input for key in lost}, identity, where)
        if moved:
            more = read_cells(self.api, self.spreadsheet_id, title, moved.values(), needed)
            where.update({key: (index, more.get(index, {})) for key, index in moved.items()})
        return where, reasons

    def _search(
        self,
        title: str,
        companies: dict[str, CompanyInput],
        identity: dict[str, int],
        where: dict[str, tuple[int, dict[int, str]]],
    ) -> tuple[dict[str, int], dict[str, str]]:
        """Find rows by their company in the identity columns (one read); ambiguous or absent ones get a reason."""
        ranges = [f"{quote_sheet(title)}!{column_letter(c)}:{column_letter(c)}" for c in identity.values()]
        columns = self.api.batch_get_values(self.spreadsheet_id, ranges) if ranges else []
        index: dict[tuple[str, ...], list[int]] = {}
        height = max((len(vr.get("values", [])) for vr in columns), default=0)
        for r in range(height):
            cells = [_cell(vr, r) for vr in columns]
            index.setdefault(tuple(_norm(text) for text in cells), []).append(r)
        claimed = {index_ for index_, _ in where.values()}
        moved: dict[str, int] = {}
        reasons: dict[str, str] = {}
        for key, company in companies.items():
            wanted = _identity(company, identity)
            if not any(wanted):
                reasons[key] = "row not written: it has no company name or website to recognise it by"
                continue
            candidates = [r for r in index.get(wanted, []) if r not in claimed]
            if len(candidates) == 1:
                moved[key] = candidates[0]
                claimed.add(candidates[0])
            elif candidates:
                rows = ", ".join(str(r + 1) for r in candidates[:5])
                reasons[key] = f"row not written: {company.name or company.website} is in several rows ({rows})"
            else:
                reasons[key] = "row not written: its row was deleted or now holds another company"
        return moved, reasons

    def _decide(self, pending: _Pending, current: dict[int, str], found: Located) -> Cells:
        """The cells to write in one row: never empty, never over a user's edit; the status last."""
        row = pending.row
        cells: Cells = {}
        kept: list[str] = []
        written: dict[str, str] = {}
        for output, text in pending.texts.items():
            column = found.columns.get(output)
            if output == STATUS or column is None:
                continue
            now = current.get(column, "")
            if now == text:
                written[output] = text
            elif not now.strip() or now == row.written.get(output):
                cells[column] = written[output] = text
            else:
                kept.append(self.layout.headers.get(output) or default_header(output))
        status = pending.texts[STATUS]
        if kept:
            status = truncate(dataclasses.replace(row, kept=tuple(kept)).status_text, self.max_cell_chars)
        if STATUS in found.columns and current.get(found.columns[STATUS], "") != status:
            cells[found.columns[STATUS]] = status
        if row.state.is_final:
            with self._lock:
                self._writes[row.key] = WrittenCells(written, tuple(kept))
        return cells

    def _report(self, batch: dict[str, _Pending], reasons: dict[str, str], result: FlushResult) -> None:
        final = [key for key in reasons if batch[key].row.state.is_final]
        result.skipped = final
        self.skipped.update(final)
        with self._lock:
            self._unreported.update(final)
            self._reasons.update({key: reasons[key] for key in final})

    def _chunks(self, blocks: list[Block]) -> Iterable[tuple[list[JsonDict], list[str]]]:
        """Group value ranges into calls of at most ``max_payload_bytes`` of JSON."""
        chunk: list[JsonDict] = []
        keys: list[str] = []
        size = _BODY_OVERHEAD
        for block in (part for b in blocks for part in _fit(b, self.max_payload_bytes - _BODY_OVERHEAD)):
            if chunk and size + block.size > self.max_payload_bytes:
                yield chunk, keys
                chunk, keys, size = [], [], _BODY_OVERHEAD
            chunk.append(block.value_range())
            keys.extend(block.keys)
            size += block.size
        if chunk:
            yield chunk, keys

    def _restore(self, batch: dict[str, _Pending], written: list[str]) -> None:
        done = set(written)
        with self._lock:
            for key, pending in batch.items():
                if key not in done and key not in self.skipped:
                    self._pending.setdefault(key, pending)  # a newer write of the row wins


def _require_columns(found: Located, inputs: dict[str, int]) -> None:
    """A flush needs the status column and an identity column; without them the job cannot go on."""
    if STATUS not in found.columns:
        raise SheetsError(
            "Rowscout's status column is gone from the tab (deleted?); the job cannot write its results",
            status=404,
            reason="NOT_FOUND",
        )
    if inputs and not any(name in found.columns for name in (NAME, WEBSITE)):
        raise SheetsError(
            "the company name and website columns are gone from the tab; Rowscout cannot tell which row is which",
            status=404,
            reason="NOT_FOUND",
        )


def _identity(company: CompanyInput, identity: dict[str, int]) -> tuple[str, ...]:
    values = {NAME: company.name, WEBSITE: company.website}
    return tuple(_norm(values[name]) for name in identity)


def _holds(cells: dict[int, str], identity: dict[str, int], company: CompanyInput) -> bool:
    wanted = _identity(company, identity)
    return any(wanted) and tuple(_norm(cells.get(c, "")) for c in identity.values()) == wanted


def _cell(value_range: JsonDict, r: int) -> str:
    rows = value_range.get("values", [])
    return str(rows[r][0]) if r < len(rows) and rows[r] else ""


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Block:
    """Adjacent rows written as one value range (rows 12, 13, 14 → ``F12:K14``)."""

    sheet: str
    first_row: int
    first_col: int
    width: int
    values: list[list[str | None]]
    keys: list[str]

    def value_range(self) -> JsonDict:
        end_row, end_col = self.first_row + len(self.values), self.first_col + self.width
        text = cell_range(self.sheet, self.first_row, self.first_col, end_row, end_col)
        return {"range": text, "majorDimension": "ROWS", "values": self.values}

    @property
    def size(self) -> int:
        return len(json.dumps(self.value_range()).encode()) + 2  # as the client serializes it

    def halves(self) -> tuple[Block, Block]:
        mid = len(self.values) // 2
        first = Block(self.sheet, self.first_row, self.first_col, self.width, self.values[:mid], self.keys[:mid])
        rest = Block(self.sheet, self.first_row + mid, self.first_col, self.width, self.values[mid:], self.keys[mid:])
        return first, rest


def _fit(block: Block, budget: int) -> Iterable[Block]:
    """The block, split by rows until each part fits the budget (a single row is sent as is)."""
    if len(block.values) == 1 or block.size <= budget:
        yield block
        return
    for half in block.halves():
        yield from _fit(half, budget)


def _blocks(rows: list[tuple[int, str]], cells: dict[str, Cells], sheet: str) -> list[Block]:
    """One block per run of adjacent rows with the same columns to write (None = untouched inside a run)."""
    blocks: list[Block] = []
    for run in _runs(rows):
        first = min(min(cells[key]) for _, key in run)
        last = max(max(cells[key]) for _, key in run)
        values = [[cells[key].get(c) for c in range(first, last + 1)] for _, key in run]
        blocks.append(Block(sheet, run[0][0], first, last - first + 1, values, [key for _, key in run]))
    return blocks


def _runs(rows: list[tuple[int, str]]) -> list[list[tuple[int, str]]]:
    runs: list[list[tuple[int, str]]] = []
    for index, key in rows:
        if runs and index == runs[-1][-1][0]:
            continue  # two keys on one row (should not happen): keep the first
        if runs and index == runs[-1][-1][0] + 1:
            runs[-1].append((index, key))
        else:
            runs.append([(index, key)])
    return runs
