"""``SqliteJobStore``: the embedded ``JobStore``, one SQLite file per workspace.

WAL mode and a busy timeout let worker threads (one connection each) and
other processes share the file; every write is a short ``BEGIN IMMEDIATE``
transaction, so a lease is read-decide-write under the database's write lock.
Rows stream out with keyset pagination on ``(position, key)``; nested values
(input, result, usage, source, options) are JSON columns. The schema is
created on open and versioned with ``PRAGMA user_version``. SQLite failures
(e.g. the file stays locked past the busy timeout) surface as ``StoreError``.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any

from service.domain import Job, JobState, Lease, Row, RowOutcome, RowState, WrittenCells
from service.domain.errors import JobNotFound, StoreError
from service.store.serialize import (
    as_utc,
    empty_counts,
    error_kind_counts,
    finish_transition,
    flushed_transition,
    job_from_record,
    job_state_transition,
    job_to_record,
    job_with_changes,
    lease_transition,
    new_row,
    reset_transition,
    row_from_record,
    row_to_record,
    skip_transition,
)

SCHEMA_VERSION = 2
WRITE_BATCH = 500
JOB_COLUMNS = (
    "id", "owner", "name", "source", "options", "state", "created_at", "updated_at",
    "total_rows", "finished_at", "expire_at",
)  # fmt: skip
ROW_COLUMNS = (
    "job_id", "key", "position", "input", "state", "attempts", "lease_owner", "lease_expires_at",
    "error_kind", "error_message", "result", "usage", "researched_at", "flushed", "written", "kept",
)  # fmt: skip
JSON_COLUMNS = frozenset({"source", "options", "input", "result", "usage", "written", "kept"})
TIME_COLUMNS = frozenset({"created_at", "updated_at", "finished_at", "expire_at", "lease_expires_at", "researched_at"})
SCHEMA = """
CREATE TABLE jobs (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,
    options TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    total_rows INTEGER NOT NULL DEFAULT 0, finished_at TEXT, expire_at TEXT
);
CREATE INDEX jobs_by_owner ON jobs (owner, created_at);
CREATE INDEX jobs_by_created ON jobs (created_at);
CREATE TABLE rows (
    job_id TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL, input TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT, lease_expires_at TEXT,
    error_kind TEXT, error_message TEXT NOT NULL DEFAULT '', result TEXT, usage TEXT,
    researched_at TEXT, flushed INTEGER NOT NULL DEFAULT 0, written TEXT, kept TEXT,
    PRIMARY KEY (job_id, key)
);
CREATE INDEX rows_by_state ON rows (job_id, state, position, key);
CREATE INDEX rows_by_position ON rows (job_id, position, key);
CREATE INDEX rows_unflushed ON rows (job_id, position, key) WHERE flushed = 0;
"""
# schema version → the statements that bring the version before it up to it
MIGRATIONS = {
    2: ("ALTER TABLE rows ADD COLUMN written TEXT", "ALTER TABLE rows ADD COLUMN kept TEXT"),
}


def _to_sql(record: dict[str, Any], columns: Sequence[str]) -> tuple[Any, ...]:
    return tuple(_value_to_sql(name, record[name]) for name in columns)


def _value_to_sql(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if name in TIME_COLUMNS:
        return value.isoformat(timespec="microseconds")
    if name == "flushed":
        return int(value)
    return value


def _from_sql(row: sqlite3.Row) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name in row.keys():
        value = row[name]
        if value is not None and name in JSON_COLUMNS:
            value = json.loads(value)
        elif value is not None and name in TIME_COLUMNS:
            value = datetime.fromisoformat(value)
        record[name] = value
    return record


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class SqliteJobStore:
    """A ``JobStore`` in one SQLite file, safe for threads and processes.

    Args:
        path: the database file (created with its schema when missing).
        busy_timeout: seconds to wait for another writer before ``StoreError``.
    """

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        self._migrate()

    # --- connections and transactions ---
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    def _open(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise StoreError("the job store is closed")
            with self._translated():
                conn = sqlite3.connect(
                    self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
                )
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            self._connections.append(conn)
            return conn

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"job store {self.path.name} failed: {exc}") from exc

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """A short BEGIN IMMEDIATE transaction: committed on success, rolled back on any error."""
        conn = self._conn()
        with self._translated():
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._translated():
            return self._conn().execute(sql, params).fetchall()

    def _migrate(self) -> None:
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(f"{self.path} was written by a newer Rowscout (schema {version})")
            if version == 0:
                for statement in filter(str.strip, SCHEMA.split(";")):
                    conn.execute(statement)
            else:
                for step in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[step]:
                        conn.execute(statement)
            if version != SCHEMA_VERSION:
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        """Close every connection this store opened; later calls raise StoreError."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
        self._local = threading.local()

    # --- jobs ---
    def create_job(self, job: Job) -> None:
        placeholders = ", ".join("?" * len(JOB_COLUMNS))
        with self._write() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO jobs ({', '.join(JOB_COLUMNS)}) VALUES ({placeholders})",
                _to_sql(job_to_record(job), JOB_COLUMNS),
            )

    def get_job(self, job_id: str) -> Job | None:
        found = self._read("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return job_from_record(_from_sql(found[0])) if found else None

    def list_jobs(self, *, owner: str | None = None, limit: int = 100) -> list[Job]:
        where, params = ("WHERE owner = ?", [owner]) if owner is not None else ("", [])
        found = self._read(f"SELECT * FROM jobs {where} ORDER BY created_at DESC LIMIT ?", [*params, limit])
        return [job_from_record(_from_sql(r)) for r in found]

    def update_job(self, job_id: str, *, now: datetime, **changes: Any) -> Job:
        with self._write() as conn:
            updated = job_with_changes(self._job_in(conn, job_id), changes, now=now)
            self._put_job(conn, updated)
            return updated

    def set_job_state(self, job_id: str, state: JobState, *, now: datetime, only_from: Sequence[JobState] = ()) -> bool:
        with self._write() as conn:
            job = self._job_in(conn, job_id)
            updated = job_state_transition(job, state, now=now, only_from=only_from)
            if updated is not None:
                self._put_job(conn, updated)
            return updated is not None

    def delete_job(self, job_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM rows WHERE job_id = ?", (job_id,))
            conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    @staticmethod
    def _job_in(conn: sqlite3.Connection, job_id: str) -> Job:
        found = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if found is None:
            raise JobNotFound(f"job {job_id} not found")
        return job_from_record(_from_sql(found))

    @staticmethod
    def _put_job(conn: sqlite3.Connection, job: Job) -> None:
        columns = JOB_COLUMNS[1:]
        assignments = ", ".join(f"{name} = ?" for name in columns)
        values = _to_sql(job_to_record(job), columns)
        conn.execute(f"UPDATE jobs SET {assignments} WHERE id = ?", (*values, job.id))

    # --- rows ---
    def add_rows(self, job_id: str, rows: Iterable[Row]) -> int:
        placeholders = ", ".join("?" * len(ROW_COLUMNS))
        sql = f"INSERT OR IGNORE INTO rows ({', '.join(ROW_COLUMNS)}) VALUES ({placeholders})"
        added = 0
        for chunk in _chunks(rows, WRITE_BATCH):
            values = [_to_sql(row_to_record(new_row(job_id, row)), ROW_COLUMNS) for row in chunk]
            with self._write() as conn:
                before = conn.total_changes
                conn.executemany(sql, values)
                added += conn.total_changes - before
        return added

    def get_row(self, job_id: str, key: str) -> Row | None:
        found = self._read("SELECT * FROM rows WHERE job_id = ? AND key = ?", (job_id, key))
        return row_from_record(_from_sql(found[0])) if found else None

    def iter_rows(
        self,
        job_id: str,
        *,
        states: Sequence[RowState] = (),
        unflushed_only: bool = False,
        batch_size: int = 500,
    ) -> Iterator[Row]:
        filters, params = ["job_id = ?"], [job_id]
        if states:
            filters.append(f"state IN ({', '.join('?' * len(states))})")
            params.extend(RowState(s).value for s in states)
        if unflushed_only:
            filters.append("flushed = 0")
        base = f"SELECT * FROM rows WHERE {' AND '.join(filters)}"
        page = self._read(f"{base} ORDER BY position, key LIMIT ?", [*params, batch_size])
        while page:
            yield from (row_from_record(_from_sql(r)) for r in page)
            last = page[-1]
            after = f"{base} AND (position, key) > (?, ?) ORDER BY position, key LIMIT ?"
            page = self._read(after, [*params, last["position"], last["key"], batch_size])

    def count_rows(self, job_id: str) -> dict[RowState, int]:
        counts = empty_counts()
        for found in self._read("SELECT state, COUNT(*) FROM rows WHERE job_id = ? GROUP BY state", (job_id,)):
            counts[RowState(found[0])] = int(found[1])
        return counts

    def spent_usd(self, job_id: str) -> float:
        query = "SELECT COALESCE(SUM(json_extract(usage, '$.cost_usd')), 0) FROM rows WHERE job_id = ?"
        return float(self._read(query, (job_id,))[0][0])

    def count_error_kinds(self, job_id: str) -> dict[str, int]:
        query = "SELECT error_kind, COUNT(*) FROM rows WHERE job_id = ? AND state = ? GROUP BY error_kind"
        found = self._read(query, (job_id, RowState.FAILED.value))
        return error_kind_counts(kind for kind, n in found for _ in range(int(n)))

    def lease_row(
        self, job_id: str, key: str, *, owner: str, now: datetime, lease_seconds: float, max_attempts: int
    ) -> Lease:
        with self._write() as conn:
            lease, write = lease_transition(
                self._row_in(conn, job_id, key),
                owner=owner,
                now=now,
                lease_seconds=lease_seconds,
                max_attempts=max_attempts,
            )
            if write is not None:
                self._put_row(conn, write)
            return lease

    def finish_row(self, job_id: str, key: str, *, owner: str, outcome: RowOutcome, now: datetime) -> bool:
        with self._write() as conn:
            finished = finish_transition(self._row_in(conn, job_id, key), owner=owner, outcome=outcome, now=now)
            if finished is not None:
                self._put_row(conn, finished)
            return finished is not None

    def mark_flushed(
        self, job_id: str, keys: Iterable[str], *, written: Mapping[str, WrittenCells] | None = None
    ) -> None:
        cells = written or {}
        for chunk in _chunks(keys, WRITE_BATCH):
            with self._write() as conn:
                conn.executemany(
                    "UPDATE rows SET flushed = 1 WHERE job_id = ? AND key = ?",
                    [(job_id, k) for k in chunk if k not in cells],
                )
                for key in (k for k in chunk if k in cells):
                    row = self._row_in(conn, job_id, key)
                    if row is not None:
                        self._put_row(conn, flushed_transition(row, cells[key]))

    def reset_rows(self, job_id: str, keys: Iterable[str], *, reset_attempts: bool = True) -> int:
        reset = 0
        for chunk in _chunks(keys, WRITE_BATCH):
            with self._write() as conn:
                for key in chunk:
                    row = self._row_in(conn, job_id, key)
                    if row is not None:
                        self._put_row(conn, reset_transition(row, reset_attempts=reset_attempts))
                        reset += 1
        return reset

    def skip_row(self, job_id: str, key: str, *, reason: str) -> None:
        with self._write() as conn:
            row = self._row_in(conn, job_id, key)
            if row is not None:
                self._put_row(conn, skip_transition(row, reason=reason))

    def jobs_since(self, since: datetime, *, owner: str | None = None, limit: int = 1000) -> list[Job]:
        filters, params = ["updated_at >= ?"], [_value_to_sql("updated_at", as_utc(since))]
        if owner is not None:
            filters.append("owner = ?")
            params.append(owner)
        sql = f"SELECT * FROM jobs WHERE {' AND '.join(filters)} ORDER BY updated_at DESC LIMIT ?"
        return [job_from_record(_from_sql(r)) for r in self._read(sql, [*params, limit])]

    def rows_researched_since(self, job_id: str, since: datetime, *, limit: int = 10_000) -> list[Row]:
        sql = "SELECT * FROM rows WHERE job_id = ? AND state IN (?, ?) AND researched_at >= ? LIMIT ?"
        params = [job_id, RowState.DONE.value, RowState.FAILED.value, _value_to_sql("researched_at", as_utc(since))]
        return [row_from_record(_from_sql(r)) for r in self._read(sql, [*params, limit])]

    @staticmethod
    def _row_in(conn: sqlite3.Connection, job_id: str, key: str) -> Row | None:
        found = conn.execute("SELECT * FROM rows WHERE job_id = ? AND key = ?", (job_id, key)).fetchone()
        return row_from_record(_from_sql(found)) if found is not None else None

    @staticmethod
    def _put_row(conn: sqlite3.Connection, row: Row) -> None:
        columns = ROW_COLUMNS[2:]
        assignments = ", ".join(f"{name} = ?" for name in columns)
        values = _to_sql(row_to_record(row), columns)
        conn.execute(f"UPDATE rows SET {assignments} WHERE job_id = ? AND key = ?", (*values, row.job_id, row.key))
