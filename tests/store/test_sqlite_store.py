"""The ``JobStore`` contract on ``SqliteJobStore``, plus what only SQLite has to prove.

Beyond the contract: WAL mode and schema version, data surviving a reopen,
two processes racing for the same rows, a locked file reported as a
``StoreError``, and a 100,000-row job that streams in and out.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.domain import LeaseStatus, Row, RowOutcome, RowState, WrittenCells
from service.domain.errors import StoreError
from service.store.sqlite import SCHEMA_VERSION, SqliteJobStore
from tests.contract.store_contract import LEASE, T0, StoreContract, make_job, make_row


class TestSqliteJobStore(StoreContract):
    @pytest.fixture(autouse=True)
    def _workspace(self, tmp_path: Path) -> None:
        self.db_path = tmp_path / "rowscout.db"

    def make_store(self) -> SqliteJobStore:
        return SqliteJobStore(self.db_path)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "jobs.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[SqliteJobStore]:
    store = SqliteJobStore(db_path)
    store.create_job(make_job())
    yield store
    store.close()


def test_wal_mode_and_schema_version(store: SqliteJobStore, db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"rows_by_state", "rows_by_position", "rows_unflushed", "jobs_by_owner"} <= indexes


def test_row_queries_use_indexes(store: SqliteJobStore, db_path: Path) -> None:
    queries = [
        "SELECT * FROM rows WHERE job_id = 'j' AND flushed = 0 ORDER BY position, key LIMIT 5",
        "SELECT * FROM rows WHERE job_id = 'j' AND state IN ('done') ORDER BY position, key LIMIT 5",
        "SELECT state, COUNT(*) FROM rows WHERE job_id = 'j' GROUP BY state",
    ]
    with sqlite3.connect(db_path) as conn:
        for sql in queries:
            plan = " ".join(str(r[-1]) for r in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            assert "USING" in plan and "TEMP B-TREE" not in plan, (sql, plan)


def test_reopen_keeps_jobs_and_rows(store: SqliteJobStore, db_path: Path) -> None:
    store.add_rows("job-1", [make_row("a", 1), make_row("b", 2)])
    lease = store.lease_row("job-1", "a", owner="w1", now=T0, lease_seconds=LEASE, max_attempts=3)
    store.close()
    reopened = SqliteJobStore(db_path)
    try:
        assert reopened.get_job("job-1") == make_job()
        assert reopened.get_row("job-1", "a") == lease.row
        assert [r.key for r in reopened.iter_rows("job-1")] == ["a", "b"]
    finally:
        reopened.close()


def test_closed_store_refuses_work(store: SqliteJobStore) -> None:
    store.close()
    with pytest.raises(StoreError):
        store.get_job("job-1")


def test_a_version_1_workspace_is_migrated_and_keeps_its_rows(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:  # the schema before rows remembered their sheet cells
        conn.executescript(
            """
            CREATE TABLE jobs (id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, source TEXT NOT NULL,
                options TEXT NOT NULL, state TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
                total_rows INTEGER NOT NULL DEFAULT 0, finished_at TEXT, expire_at TEXT);
            CREATE TABLE rows (job_id TEXT NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL,
                input TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, lease_owner TEXT,
                lease_expires_at TEXT, error_kind TEXT, error_message TEXT NOT NULL DEFAULT '', result TEXT,
                usage TEXT, researched_at TEXT, flushed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (job_id, key));
            INSERT INTO rows (job_id, key, position, input, state, flushed)
                VALUES ('job-1', 'k1', 1, '{"name": "Acme", "website": "", "extra": []}', 'done', 1);
            PRAGMA user_version = 1;
            """
        )
    store = SqliteJobStore(db_path)
    try:
        row = store.get_row("job-1", "k1")
        assert row is not None and row.input.name == "Acme" and row.flushed and row.written == {}
        store.mark_flushed("job-1", ["k1"], written={"k1": WrittenCells({"industry": "Software"})})
        assert store.get_row("job-1", "k1").written == {"industry": "Software"}  # type: ignore[union-attr]
    finally:
        store.close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2


def test_newer_schema_is_refused(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer Rowscout"):
        SqliteJobStore(db_path)


def test_locked_file_is_a_retryable_store_error(store: SqliteJobStore, db_path: Path) -> None:
    store.add_rows("job-1", [make_row("a", 1)])
    blocker = sqlite3.connect(db_path, isolation_level=None)
    impatient = SqliteJobStore(db_path, busy_timeout=0.05)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError) as caught:
            impatient.lease_row("job-1", "a", owner="w1", now=T0, lease_seconds=LEASE, max_attempts=3)
        assert caught.value.retryable
        blocker.execute("ROLLBACK")
        lease = impatient.lease_row("job-1", "a", owner="w1", now=T0, lease_seconds=LEASE, max_attempts=3)
        assert lease.status == LeaseStatus.LEASED
    finally:
        blocker.close()
        impatient.close()


def _lease_all(db_path: str, owner: str, keys: list[str], start: object, results: object) -> None:
    """Child process: lease every key in ``keys`` as ``owner``, finish what it won, report the winners."""
    store = SqliteJobStore(db_path, busy_timeout=30.0)
    start.wait()  # type: ignore[attr-defined]
    won = []
    for key in keys:
        lease = store.lease_row("job-1", key, owner=owner, now=T0, lease_seconds=LEASE, max_attempts=3)
        if lease.status == LeaseStatus.LEASED:
            store.finish_row("job-1", key, owner=owner, outcome=RowOutcome(RowState.DONE), now=T0)
            won.append(key)
    store.close()
    results.put((owner, won))  # type: ignore[attr-defined]


def _race_processes(db_path: Path, assignments: dict[str, list[str]]) -> dict[str, list[str]]:
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(len(assignments), timeout=30), ctx.Queue()
    procs = [
        ctx.Process(target=_lease_all, args=(str(db_path), owner, keys, start, results))
        for owner, keys in assignments.items()
    ]
    for proc in procs:
        proc.start()
    won = dict(results.get(timeout=60) for _ in procs)
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    return won


@pytest.mark.subprocess
def test_two_processes_racing_for_the_same_rows(store: SqliteJobStore, db_path: Path) -> None:
    keys = [f"r{n:03d}" for n in range(120)]
    store.add_rows("job-1", [make_row(k, n) for n, k in enumerate(keys)])
    won = _race_processes(db_path, {"p1": keys, "p2": list(reversed(keys))})
    assert sorted(won["p1"] + won["p2"]) == keys  # every row won exactly once
    assert store.count_rows("job-1")[RowState.DONE] == len(keys)
    assert {r.attempts for r in store.iter_rows("job-1")} == {1}


@pytest.mark.subprocess
def test_two_processes_on_disjoint_rows(store: SqliteJobStore, db_path: Path) -> None:
    keys = [f"r{n:03d}" for n in range(80)]
    store.add_rows("job-1", [make_row(k, n) for n, k in enumerate(keys)])
    won = _race_processes(db_path, {"p1": keys[0::2], "p2": keys[1::2]})
    assert (won["p1"], won["p2"]) == (keys[0::2], keys[1::2])
    assert store.count_rows("job-1")[RowState.DONE] == len(keys)


@pytest.mark.slow
def test_hundred_thousand_rows_stream_in_and_out(store: SqliteJobStore) -> None:
    total = 100_000

    def produce() -> Iterator[Row]:
        for n in range(total):
            if n == total // 2:  # earlier batches are already committed while we are still producing
                assert store.count_rows("job-1")[RowState.PENDING] >= total // 2 - 500
            yield make_row(f"k{n:06d}", n)

    assert store.add_rows("job-1", produce()) == total
    rows = store.iter_rows("job-1", batch_size=1000)
    first = next(rows)
    store.skip_row("job-1", f"k{total - 1:06d}", reason="changed while streaming")
    seen, last = 1, first
    for row in rows:
        assert row.position > last.position
        seen, last = seen + 1, row
    assert seen == total
    assert last.state == RowState.SKIPPED  # read after the change: rows are fetched batch by batch


def test_missing_workspace_folder_is_created(tmp_path: Path) -> None:
    store = SqliteJobStore(tmp_path / "new" / "workspace" / "rowscout.sqlite3")
    try:
        store.create_job(make_job())
        assert store.get_job("job-1") == make_job()
    finally:
        store.close()
