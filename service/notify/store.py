"""Where notices keep state: each owner's webhook signing secret, and which notices were sent.

``MemoryNoticeStore`` (tests), ``SqliteNoticeStore`` (the embedded default: its
own file in the workspace) and ``FirestoreNoticeStore`` (the cloud:
``notice_secrets/{sha256(owner)}``, ``notice_deliveries/{delivery id}``).
Secrets are created on first use, atomically (two first uses agree on one);
a claim is atomic too, so two deliveries of one notice never both send
(a Firestore claim that loses to contention raises the retryable ``StoreError``:
the queue delivers the task again).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from service.domain.errors import StoreError


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class MemoryNoticeStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}
        self._claims: dict[str, datetime] = {}
        self.sent: dict[str, datetime] = {}

    def secret(self, owner: str) -> str:
        with self._lock:
            return self._secrets.setdefault(owner, new_secret())

    def claim(self, delivery_id: str, *, now: datetime, hold_seconds: float) -> bool:
        with self._lock:
            if delivery_id in self.sent or self._claims.get(delivery_id, now) > now:
                return False
            self._claims[delivery_id] = now + timedelta(seconds=hold_seconds)
            return True

    def release(self, delivery_id: str) -> None:
        with self._lock:
            self._claims.pop(delivery_id, None)

    def mark_sent(self, delivery_id: str, *, now: datetime) -> None:
        with self._lock:
            self.sent[delivery_id] = now
            self._claims.pop(delivery_id, None)


class SqliteNoticeStore:
    """The embedded default's notice state, in ``notices.sqlite3`` beside the job database."""

    def __init__(self, path: Path | str) -> None:
        self._path = str(path)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS notice_secrets (owner TEXT PRIMARY KEY, secret TEXT NOT NULL)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS notice_deliveries "
                "(id TEXT PRIMARY KEY, claimed_until TEXT NOT NULL DEFAULT '', sent_at TEXT NOT NULL DEFAULT '')"
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._path, timeout=30.0, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def secret(self, owner: str) -> str:
        db = self._connect()
        try:
            db.execute("INSERT OR IGNORE INTO notice_secrets (owner, secret) VALUES (?, ?)", (owner, new_secret()))
            return str(db.execute("SELECT secret FROM notice_secrets WHERE owner = ?", (owner,)).fetchone()[0])
        finally:
            db.close()

    def claim(self, delivery_id: str, *, now: datetime, hold_seconds: float) -> bool:
        until = (now + timedelta(seconds=hold_seconds)).isoformat()
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                "SELECT claimed_until, sent_at FROM notice_deliveries WHERE id = ?", (delivery_id,)
            ).fetchone()
            if row is not None and (row[1] or (row[0] and row[0] > now.isoformat())):
                db.execute("ROLLBACK")
                return False
            db.execute(
                "INSERT INTO notice_deliveries (id, claimed_until) VALUES (?, ?) "
                "ON CONFLICT(id) DO UPDATE SET claimed_until = excluded.claimed_until",
                (delivery_id, until),
            )
            db.execute("COMMIT")
            return True
        finally:
            db.close()

    def release(self, delivery_id: str) -> None:
        self._write("UPDATE notice_deliveries SET claimed_until = '' WHERE id = ? AND sent_at = ''", (delivery_id,))

    def mark_sent(self, delivery_id: str, *, now: datetime) -> None:
        self._write(
            "INSERT INTO notice_deliveries (id, sent_at) VALUES (?, ?) "
            "ON CONFLICT(id) DO UPDATE SET sent_at = excluded.sent_at, claimed_until = ''",
            (delivery_id, now.isoformat()),
        )

    def _write(self, sql: str, params: tuple[Any, ...]) -> None:
        db = self._connect()
        try:
            db.execute(sql, params)
        finally:
            db.close()


class FirestoreNoticeStore:
    """The cloud's notice state in Firestore (transactions for claims, ``create`` for first secrets)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def secret(self, owner: str) -> str:
        from google.api_core.exceptions import AlreadyExists

        ref = self._client.collection("notice_secrets").document(hashlib.sha256(owner.encode()).hexdigest())
        try:
            ref.create({"owner": owner, "secret": new_secret()})
        except AlreadyExists:
            pass
        return str(ref.get().get("secret"))

    def claim(self, delivery_id: str, *, now: datetime, hold_seconds: float) -> bool:
        from google.api_core.exceptions import GoogleAPICallError
        from google.cloud import firestore

        ref = self._client.collection("notice_deliveries").document(delivery_id)
        until = now + timedelta(seconds=hold_seconds)

        @firestore.transactional
        def take(transaction: Any) -> bool:
            snapshot = ref.get(transaction=transaction)
            data = snapshot.to_dict() or {} if snapshot.exists else {}
            if data.get("sent_at") or (data.get("claimed_until") and data["claimed_until"] > now):
                return False
            transaction.set(ref, {"claimed_until": until}, merge=True)
            return True

        try:
            return bool(take(self._client.transaction()))
        except (GoogleAPICallError, ValueError) as exc:  # contention beyond the client's retries: come back later
            raise StoreError(f"could not claim notice {delivery_id}: {exc}") from exc

    def release(self, delivery_id: str) -> None:
        self._client.collection("notice_deliveries").document(delivery_id).set({"claimed_until": None}, merge=True)

    def mark_sent(self, delivery_id: str, *, now: datetime) -> None:
        ref = self._client.collection("notice_deliveries").document(delivery_id)
        ref.set({"sent_at": now, "claimed_until": None}, merge=True)
