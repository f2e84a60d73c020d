"""``SqliteSheetsBudget``: the shared Sheets budget of the embedded default, in a SQLite file.

Every process and thread on the machine that uses the same file shares one
budget per name. The file is a sibling of the workspace database (its own
file, so budget decisions never wait behind job-state writes). Each decision
is one short ``BEGIN IMMEDIATE`` transaction: read the state, apply
``BudgetRule.take``, write it back. Nothing waits inside it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from service.domain.errors import StoreError
from service.sheets.budget import DEFAULT_FOLLOW_UP, DEFAULT_GRACE, DEFAULT_PERIOD, BudgetRule, BudgetState

SCHEMA = "CREATE TABLE IF NOT EXISTS sheets_budget (name TEXT PRIMARY KEY, state TEXT NOT NULL)"


class SqliteSheetsBudget:
    """A ``SheetsBudget`` kept in the SQLite file at ``path`` under ``name`` ("writes", "reads")."""

    def __init__(
        self,
        path: Path | str,
        name: str = "writes",
        limit: int = 60,
        period: float = DEFAULT_PERIOD,
        *,
        grace: float = DEFAULT_GRACE,
        follow_up: float = DEFAULT_FOLLOW_UP,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = 10.0,
    ) -> None:
        self.rule = BudgetRule(limit, period, grace, follow_up)
        self.limit, self.period = limit, period
        self.path = Path(path)
        self.name = name
        self._clock = clock
        self._busy_timeout = busy_timeout
        self._local = threading.local()  # one connection per thread
        self._connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        with self._transaction() as db:
            db.execute(SCHEMA)

    def try_take(self, n: int = 1, *, claimant: str = "", now: float | None = None) -> float:
        when = self._clock() if now is None else now
        with self._transaction() as db:
            found = db.execute("SELECT state FROM sheets_budget WHERE name = ?", (self.name,)).fetchone()
            state = BudgetState.from_record(json.loads(found[0]) if found else None)
            wait = self.rule.take(state, now=when, n=n, claimant=claimant)
            db.execute(
                "INSERT INTO sheets_budget (name, state) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET state = excluded.state",
                (self.name, json.dumps(state.to_record())),
            )
        return wait

    def close(self) -> None:
        with self._guard:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            connection.execute("PRAGMA journal_mode=WAL")
            self._local.connection = connection
            with self._guard:
                self._connections.append(connection)
        return connection

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection(), self.path)


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on error); SQLite failures become ``StoreError``."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db, self._path = connection, path

    def __enter__(self) -> sqlite3.Connection:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"the Sheets budget in {self._path} is unavailable: {exc}") from exc
        return self._db

    def __exit__(self, kind: object, exc: BaseException | None, _tb: object) -> None:
        if exc is not None:
            self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"the Sheets budget in {self._path} failed: {exc}") from exc
            return
        try:
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            raise StoreError(f"the Sheets budget in {self._path} failed: {error}") from error
