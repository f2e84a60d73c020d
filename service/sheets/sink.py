"""``SheetResultSink``: results and statuses written back to the sheet in coalesced batches.

``write`` and ``write_statuses`` only buffer (latest value per cell wins);
at most once per ``flush_interval`` (and on ``close``) a flush makes one
``developerMetadata.search`` (where are these rows now?) and one
``values.batchUpdate`` per ≤ 2 MB of payload for all buffered rows, with
``valueInputOption=RAW``. A transient failure during ``write`` leaves the rows
buffered for the next window; ``flush``/``close`` raise it. Rows whose metadata is gone (deleted by the user)
are reported in ``skipped`` and never written anywhere else. No timer thread:
the caller's writes (or a flush task) drive flushing, as Cloud Run requires.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from service.domain import Job, Row
from service.domain.errors import SheetsError
from service.domain.sources import SheetSource
from service.files.cells import SHEETS_MAX_CELL_CHARS
from service.sheets.a1 import cell_range
from service.sheets.cells import row_cells
from service.sheets.google_api import GoogleSheetsApi, JsonDict
from service.sheets.layout import STATUS
from service.sheets.tagging import locate_rows

MAX_PAYLOAD_BYTES = 2_000_000
_BODY_OVERHEAD = 200  # {"valueInputOption": "RAW", "data": [...]} around the value ranges

Cells = dict[int, str | None]  # 0-based column -> text (None = leave the cell alone)


@dataclass
class FlushResult:
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    calls: int = 0


class SheetResultSink:
    """The ``ResultSink`` for a sheet; thread-safe; ``skipped`` lists keys of deleted rows.

    ``write`` buffers and flushes once ``flush_interval`` has passed since the
    last flush (0 = on every write); ``commit`` flushes now.
    """

    def __init__(
        self,
        api: GoogleSheetsApi,
        source: SheetSource,
        *,
        flush_interval: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        max_payload_bytes: int = MAX_PAYLOAD_BYTES,
        max_cell_chars: int = SHEETS_MAX_CELL_CHARS,
    ) -> None:
        if source.layout is None:
            raise ValueError("the sheet source has no output layout: prepare it first")
        self.api = api
        self.spreadsheet_id = source.spreadsheet_id
        self.sheet_name = source.sheet_name
        self.layout = source.layout
        self.flush_interval = flush_interval
        self.max_payload_bytes = max_payload_bytes
        self.max_cell_chars = max_cell_chars
        self.skipped: set[str] = set()
        self.written: set[str] = set()
        self.calls = 0
        self.last_error: SheetsError | None = None
        self._clock = clock
        self._last_flush = clock()
        self._pending: dict[str, Cells] = {}
        self._unreported: set[str] = set()
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()

    # --- ResultSink
    def write(self, job: Job, rows: Sequence[Row]) -> None:
        """Buffer these rows' status and results; flush when the window has passed."""
        with self._lock:
            for row in rows:
                self._merge(row.key, row_cells(row, self.layout.columns, self.max_cell_chars))
        self.maybe_flush()

    def write_statuses(self, keys: Iterable[str], text: str) -> None:
        """Buffer one status text (e.g. ``queued``) for many rows."""
        with self._lock:
            for key in keys:
                self._merge(key, {self.layout.columns[STATUS]: text})
        self.maybe_flush()

    def commit(self) -> list[str]:
        """Write everything buffered now; return the keys of deleted rows not reported before."""
        self.flush()
        with self._lock:
            missing, self._unreported = sorted(self._unreported), set()
        return missing

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

    def _flush(self, batch: dict[str, Cells], result: FlushResult) -> None:
        if not batch:
            return
        where = locate_rows(self.api, self.spreadsheet_id, self.layout.sheet_id, batch)
        result.skipped = [key for key in batch if key not in where]
        self.skipped.update(result.skipped)
        with self._lock:
            self._unreported.update(result.skipped)
        rows = sorted((where[key], key) for key in batch if key in where)
        for chunk, keys in self._chunks(_blocks(rows, batch, self.sheet_name)):
            self.api.batch_update_values(self.spreadsheet_id, chunk)
            result.calls += 1
            self.calls += 1
            result.written.extend(keys)
            self.written.update(keys)

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

    def _merge(self, key: str, cells: Cells) -> None:
        self._pending.setdefault(key, {}).update(cells)

    def _restore(self, batch: dict[str, Cells], written: list[str]) -> None:
        done = set(written)
        with self._lock:
            for key, cells in batch.items():
                if key not in done and key not in self.skipped:
                    newer = self._pending.get(key, {})
                    self._pending[key] = {**cells, **newer}


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


def _blocks(rows: list[tuple[int, str]], batch: dict[str, Cells], sheet: str) -> list[Block]:
    """One block per run of adjacent rows; every block spans all output columns (None = untouched)."""
    if not rows:
        return []
    first = min(min(batch[key]) for _, key in rows)
    last = max(max(batch[key]) for _, key in rows)
    runs: list[list[tuple[int, str]]] = []
    for index, key in rows:
        if runs and index == runs[-1][-1][0]:
            continue  # two keys on one row (should not happen): keep the first
        if runs and index == runs[-1][-1][0] + 1:
            runs[-1].append((index, key))
        else:
            runs.append([(index, key)])
    return [
        Block(
            sheet,
            run[0][0],
            first,
            last - first + 1,
            [[batch[key].get(c) for c in range(first, last + 1)] for _, key in run],
            [key for _, key in run],
        )
        for run in runs
    ]
