"""``ApiKeyStore`` adapters: SQLite (a file in the workspace, beside the job database) and memory (tests).

The cloud's keys are in Firestore: ``service.store.keys_firestore``. All three
pass ``tests/contract/key_store_contract.py``.

Only digests are stored (``service.domain.apikeys``); a revoked key stays
listed with its revocation time.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from service.domain.apikeys import ApiKey
from service.domain.errors import StoreError
from service.store.serialize import as_utc

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    prefix TEXT PRIMARY KEY, owner TEXT NOT NULL, digest TEXT NOT NULL,
    created_at TEXT NOT NULL, revoked_at TEXT
)
"""


class SqliteApiKeyStore:
    """API keys in one SQLite file (one connection per call: keys are read once per request)."""

    def __init__(self, path: str | Path, *, busy_timeout: float = 10.0) -> None:
        self.path = Path(path)
        self._timeout = busy_timeout
        with self._connect() as conn:
            conn.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the API key database {self.path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        return conn

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        conn = self._connect()
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"the API key database failed: {exc}") from exc
        finally:
            conn.close()

    def add_key(self, key: ApiKey) -> None:
        self._run(
            "INSERT INTO api_keys (prefix, owner, digest, created_at, revoked_at) VALUES (?, ?, ?, ?, ?)",
            (key.prefix, key.owner, key.digest, _text(key.created_at), _text(key.revoked_at)),
        )

    def get_key(self, prefix: str) -> ApiKey | None:
        found = self._run("SELECT * FROM api_keys WHERE prefix = ?", (prefix,))
        return _key(found[0]) if found else None

    def list_keys(self, *, owner: str | None = None) -> list[ApiKey]:
        if owner is None:
            return [_key(r) for r in self._run("SELECT * FROM api_keys ORDER BY created_at, prefix")]
        found = self._run("SELECT * FROM api_keys WHERE owner = ? ORDER BY created_at, prefix", (owner,))
        return [_key(r) for r in found]

    def revoke_key(self, prefix: str, *, now: datetime) -> ApiKey | None:
        self._run("UPDATE api_keys SET revoked_at = ? WHERE prefix = ? AND revoked_at IS NULL", (_text(now), prefix))
        return self.get_key(prefix)


def _text(moment: datetime | None) -> str | None:
    utc = as_utc(moment)
    return utc.isoformat(timespec="microseconds") if utc else None


def _key(row: sqlite3.Row) -> ApiKey:
    revoked = row["revoked_at"]
    return ApiKey(
        prefix=row["prefix"],
        owner=row["owner"],
        digest=row["digest"],
        created_at=datetime.fromisoformat(row["created_at"]),
        revoked_at=datetime.fromisoformat(revoked) if revoked else None,
    )


class MemoryApiKeyStore:
    """API keys in a dict (tests)."""

    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def add_key(self, key: ApiKey) -> None:
        with self._lock:
            if key.prefix in self._keys:
                raise StoreError(f"an API key with prefix {key.prefix} exists")
            self._keys[key.prefix] = key

    def get_key(self, prefix: str) -> ApiKey | None:
        with self._lock:
            return self._keys.get(prefix)

    def list_keys(self, *, owner: str | None = None) -> list[ApiKey]:
        with self._lock:
            keys = [k for k in self._keys.values() if owner in (None, k.owner)]
        return sorted(keys, key=lambda k: (k.created_at, k.prefix))

    def revoke_key(self, prefix: str, *, now: datetime) -> ApiKey | None:
        with self._lock:
            key = self._keys.get(prefix)
            if key is not None and key.revoked_at is None:
                key = self._keys[prefix] = replace(key, revoked_at=now)
            return key
