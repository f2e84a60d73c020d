"""``FirestoreJobStore``: the cloud ``JobStore`` on Firestore.

Data model (DESIGN.md): ``jobs/{job_id}`` and ``jobs/{job_id}/rows/{row_id}``
where ``row_id`` is the row key percent-encoded (``encode_key``) because
Firestore ids may not contain ``/`` nor be ``.``/``..``/``__x__``. Both
documents carry ``expire_at`` for a TTL policy. Leases, finishes, skips and
job state changes are short transactions with no other I/O inside; rows are
added in batches of at most 500 ``create`` writes (never overwriting); bulk
row changes (reset, flushed) are batches guarded by each row's update time.
Progress comes from ``count()`` aggregations per state, never a hot counter.

Indexes needed in production (the emulator needs none): rows
``(state, position)``, ``(flushed, position)``, ``(state, flushed, position)``
and jobs ``(owner, created_at desc)``; for the batch API's statistics jobs
``(owner, updated_at desc)`` and rows ``(state, researched_at)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar
from urllib.parse import unquote

from google.api_core import exceptions as gexc
from google.api_core.retry import Retry, if_transient_error
from google.cloud import firestore
from google.cloud.firestore import FieldFilter

from service.domain import Job, JobState, Lease, Row, RowOutcome, RowState, WrittenCells
from service.domain.errors import JobError, JobNotFound, StoreError
from service.store.serialize import (
    as_utc,
    empty_counts,
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

T = TypeVar("T")
BATCH_LIMIT = 500  # Firestore's cap on writes per batch
MAX_ID_BYTES = 1500
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
_FIXED_FIELDS = ("job_id", "key", "position", "input")
_CONFLICTS = (gexc.FailedPrecondition, gexc.Aborted, gexc.NotFound)


def encode_key(key: str) -> str:
    """A Firestore-safe document id for a row key: every byte but [A-Za-z0-9-] as %XX."""
    encoded = "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in key)
    if not key or len(encoded) > MAX_ID_BYTES:
        raise JobError(f"row key must be 1 to {MAX_ID_BYTES} bytes once encoded (got {len(encoded)})")
    return encoded


def decode_key(document_id: str) -> str:
    return unquote(document_id)


def _chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _row_changes(row: Row) -> dict[str, Any]:
    """The fields a lease/finish/reset/skip may change (top-level names only)."""
    record = row_to_record(row)
    return {name: value for name, value in record.items() if name not in _FIXED_FIELDS}


@contextlib.contextmanager
def _translated(action: str) -> Iterator[None]:
    try:
        yield
    except gexc.GoogleAPIError as exc:
        raise StoreError(f"Firestore failed to {action}: {exc}") from exc


class FirestoreJobStore:
    """A ``JobStore`` on Firestore.

    Args:
        client: a ``google.cloud.firestore.Client`` (emulator or real).
        collection_prefix: prepended to the ``jobs`` collection (e.g. per test or per tenant).
    """

    def __init__(self, client: firestore.Client, *, collection_prefix: str = "", timeout: float = 20.0) -> None:
        self._client = client
        self._jobs = client.collection(f"{collection_prefix}jobs")
        # Every call is bounded: an unreachable Firestore becomes a retryable StoreError in
        # seconds, well inside a task's dispatch deadline, instead of hanging the worker.
        self._io: dict[str, Any] = {"timeout": timeout, "retry": _bounded_retry(timeout)}

    def _job_ref(self, job_id: str) -> Any:
        return self._jobs.document(job_id)

    def _rows(self, job_id: str) -> Any:
        return self._job_ref(job_id).collection("rows")

    def _row_ref(self, job_id: str, key: str) -> Any:
        return self._rows(job_id).document(encode_key(key))

    def _transact(self, action: str, body: Callable[..., T], *args: Any) -> T:
        """Run ``body(transaction, *args)`` in a retried transaction; contention becomes StoreError."""
        with _translated(action):
            try:
                return firestore.transactional(body)(self._client.transaction(), *args)
            except ValueError as exc:  # the client gives up on contention with ValueError
                raise StoreError(f"Firestore could not {action}: {exc}") from exc

    # --- jobs ---
    def create_job(self, job: Job) -> None:
        with _translated("create a job"):
            self._job_ref(job.id).set(job_to_record(job), **self._io)

    def get_job(self, job_id: str) -> Job | None:
        with _translated("read a job"):
            snapshot = self._job_ref(job_id).get(**self._io)
        return job_from_record(snapshot.to_dict() or {}) if snapshot.exists else None

    def list_jobs(self, *, owner: str | None = None, limit: int = 100) -> list[Job]:
        query: Any = self._jobs
        if owner is not None:
            query = query.where(filter=FieldFilter("owner", "==", owner))
        query = query.order_by("created_at", direction=firestore.Query.DESCENDING).limit(limit)
        with _translated("list jobs"):
            return [job_from_record(s.to_dict() or {}) for s in query.stream(**self._io)]

    def update_job(self, job_id: str, *, now: datetime, **changes: Any) -> Job:
        def body(transaction: Any) -> Job:
            updated = job_with_changes(self._job_in(transaction, job_id), changes, now=now)
            transaction.set(self._job_ref(job_id), job_to_record(updated))
            return updated

        updated = self._transact("update a job", body)
        if "expire_at" in changes:
            self._set_rows_expiry(job_id, updated.expire_at)
        return updated

    def set_job_state(self, job_id: str, state: JobState, *, now: datetime, only_from: Sequence[JobState] = ()) -> bool:
        def body(transaction: Any) -> bool:
            job = self._job_in(transaction, job_id)
            updated = job_state_transition(job, state, now=now, only_from=only_from)
            if updated is not None:
                transaction.set(self._job_ref(job_id), job_to_record(updated))
            return updated is not None

        return self._transact("change a job's state", body)

    def delete_job(self, job_id: str) -> None:
        """Delete rows in batches of 500, then the job document."""
        with _translated("delete a job"):
            while page := list(self._rows(job_id).select([]).limit(BATCH_LIMIT).stream(**self._io)):
                batch = self._client.batch()
                for snapshot in page:
                    batch.delete(snapshot.reference)
                batch.commit(**self._io)
            self._job_ref(job_id).delete(**self._io)

    def _job_in(self, transaction: Any, job_id: str) -> Job:
        snapshot = self._job_ref(job_id).get(transaction=transaction, **self._io)
        if not snapshot.exists:
            raise JobNotFound(f"job {job_id} not found")
        return job_from_record(snapshot.to_dict())

    def _set_rows_expiry(self, job_id: str, expire_at: datetime | None) -> None:
        with _translated("update row expiry"):
            refs = self._rows(job_id).list_documents(page_size=BATCH_LIMIT)
            for chunk in _chunks(refs, BATCH_LIMIT):
                batch = self._client.batch()
                for ref in chunk:
                    batch.update(ref, {"expire_at": as_utc(expire_at)})
                batch.commit(**self._io)

    # --- rows ---
    def add_rows(self, job_id: str, rows: Iterable[Row]) -> int:
        """Create rows in batches of ≤ 500; existing rows (by key) are never overwritten."""
        job = self.get_job(job_id)
        expire_at = job.expire_at if job is not None else None
        added = 0
        for chunk in _chunks(rows, BATCH_LIMIT):
            unique = {row.key: new_row(job_id, row) for row in reversed(chunk)}
            with _translated("add rows"):
                added += self._create_missing(job_id, list(unique.values()), expire_at)
        return added

    def _create_missing(self, job_id: str, rows: list[Row], expire_at: datetime | None) -> int:
        refs = {row.key: self._row_ref(job_id, row.key) for row in rows}
        existing = {decode_key(s.id) for s in self._client.get_all(list(refs.values()), ["position"]) if s.exists}
        fresh = [row for row in rows if row.key not in existing]
        documents = [(refs[row.key], {**row_to_record(row), "expire_at": as_utc(expire_at)}) for row in fresh]
        batch = self._client.batch()
        for ref, document in documents:
            batch.create(ref, document)
        try:
            batch.commit(**self._io)
            return len(documents)
        except gexc.AlreadyExists:  # another writer raced us: create one by one
            return sum(self._create_one(ref, document) for ref, document in documents)

    def _create_one(self, ref: Any, document: dict[str, Any]) -> int:
        try:
            ref.create(document, **self._io)
            return 1
        except gexc.AlreadyExists:
            return 0

    def get_row(self, job_id: str, key: str) -> Row | None:
        with _translated("read a row"):
            snapshot = self._row_ref(job_id, key).get(**self._io)
        return row_from_record(snapshot.to_dict()) if snapshot.exists else None

    def iter_rows(
        self,
        job_id: str,
        *,
        states: Sequence[RowState] = (),
        unflushed_only: bool = False,
        batch_size: int = 500,
    ) -> Iterator[Row]:
        """Rows in position order, one page of ``batch_size`` at a time (cursor: ``start_after``)."""
        query = self._rows(job_id)
        if states:
            values = [RowState(s).value for s in states]
            query = query.where(filter=FieldFilter("state", "in", values))
        if unflushed_only:
            query = query.where(filter=FieldFilter("flushed", "==", False))
        query = query.order_by("position").limit(batch_size)
        page = self._page(query)
        while page:
            yield from (row_from_record(s.to_dict()) for s in page)
            page = self._page(query.start_after(page[-1])) if len(page) == batch_size else []

    def _page(self, query: Any) -> list[Any]:
        with _translated("read rows"):
            return list(query.stream(**self._io))

    def count_rows(self, job_id: str) -> dict[RowState, int]:
        counts = empty_counts()
        with _translated("count rows"):
            for state in RowState:
                query = self._rows(job_id).where(filter=FieldFilter("state", "==", state.value))
                counts[state] = int(query.count(alias="n").get(**self._io)[0][0].value)
        return counts

    def lease_row(
        self, job_id: str, key: str, *, owner: str, now: datetime, lease_seconds: float, max_attempts: int
    ) -> Lease:
        ref = self._row_ref(job_id, key)
        # A plain bounded read first: answers duplicates (final/busy/missing rows) without a
        # transaction, and fails fast when Firestore is unreachable (the client library's
        # begin-transaction call has its own, much longer, retry deadline).
        with _translated("read a row"):
            peek = self._row_in(None, ref)
        lease, write = lease_transition(
            peek, owner=owner, now=now, lease_seconds=lease_seconds, max_attempts=max_attempts
        )
        if write is None:
            return lease

        def body(transaction: Any) -> Lease:
            lease, write = lease_transition(
                self._row_in(transaction, ref),
                owner=owner,
                now=now,
                lease_seconds=lease_seconds,
                max_attempts=max_attempts,
            )
            if write is not None:
                transaction.update(ref, _row_changes(write))
            return lease

        return self._transact("lease a row", body)

    def finish_row(self, job_id: str, key: str, *, owner: str, outcome: RowOutcome, now: datetime) -> bool:
        ref = self._row_ref(job_id, key)

        def body(transaction: Any) -> bool:
            row = self._row_in(transaction, ref)
            finished = finish_transition(row, owner=owner, outcome=outcome, now=now)
            if finished is not None:
                transaction.update(ref, _row_changes(finished))
            return finished is not None

        return self._transact("finish a row", body)

    def skip_row(self, job_id: str, key: str, *, reason: str) -> None:
        ref = self._row_ref(job_id, key)

        def body(transaction: Any) -> None:
            row = self._row_in(transaction, ref)
            if row is not None:
                transaction.update(ref, _row_changes(skip_transition(row, reason=reason)))

        self._transact("skip a row", body)

    def jobs_since(self, since: datetime, *, owner: str | None = None, limit: int = 1000) -> list[Job]:
        query: Any = self._jobs.where(filter=FieldFilter("updated_at", ">=", as_utc(since)))
        if owner is not None:
            query = query.where(filter=FieldFilter("owner", "==", owner))
        query = query.order_by("updated_at", direction=firestore.Query.DESCENDING).limit(limit)
        with _translated("list recent jobs"):
            return [job_from_record(s.to_dict() or {}) for s in query.stream(**self._io)]

    def rows_researched_since(self, job_id: str, since: datetime, *, limit: int = 10_000) -> list[Row]:
        query = (
            self._rows(job_id)
            .where(filter=FieldFilter("researched_at", ">=", as_utc(since)))
            .where(filter=FieldFilter("state", "in", [RowState.DONE.value, RowState.FAILED.value]))
            .limit(limit)
        )
        with _translated("read recent rows"):
            return [row_from_record(s.to_dict()) for s in query.stream(**self._io)]

    def _row_in(self, transaction: Any | None, ref: Any) -> Row | None:
        snapshot = ref.get(transaction=transaction, **self._io)
        return row_from_record(snapshot.to_dict()) if snapshot.exists else None

    def mark_flushed(
        self, job_id: str, keys: Iterable[str], *, written: Mapping[str, WrittenCells] | None = None
    ) -> None:
        cells = written or {}

        def flushed(row: Row) -> Row | None:
            if row.flushed and row.key not in cells:
                return None
            return flushed_transition(row, cells.get(row.key))

        self._change_rows(job_id, keys, flushed)

    def reset_rows(self, job_id: str, keys: Iterable[str], *, reset_attempts: bool = True) -> int:
        return self._change_rows(job_id, keys, lambda row: reset_transition(row, reset_attempts=reset_attempts))

    def _change_rows(self, job_id: str, keys: Iterable[str], change: Callable[[Row], Row | None]) -> int:
        """Apply ``change`` to existing rows, 500 per batch, each write guarded by the row's update time."""
        changed = 0
        for chunk in _chunks(dict.fromkeys(keys), BATCH_LIMIT):
            refs = [self._row_ref(job_id, key) for key in chunk]
            with _translated("update rows"):
                snapshots = [s for s in self._client.get_all(refs) if s.exists]
                try:
                    changed += self._commit_guarded(snapshots, change)
                except _CONFLICTS:  # a row changed under us: redo this chunk row by row
                    changed += sum(self._change_one(s.reference, change) for s in snapshots)
        return changed

    def _commit_guarded(self, snapshots: list[Any], change: Callable[[Row], Row | None]) -> int:
        batch = self._client.batch()
        changed = 0
        for snapshot in snapshots:
            updated = change(row_from_record(snapshot.to_dict()))
            if updated is not None:
                guard = self._client.write_option(last_update_time=snapshot.update_time)
                batch.update(snapshot.reference, _row_changes(updated), option=guard)
                changed += 1
        if changed:
            batch.commit(**self._io)
        return changed

    def _change_one(self, ref: Any, change: Callable[[Row], Row | None]) -> int:
        def body(transaction: Any) -> int:
            row = self._row_in(transaction, ref)
            updated = change(row) if row is not None else None
            if updated is not None:
                transaction.update(ref, _row_changes(updated))
            return int(updated is not None)

        return self._transact("update a row", body)


def _bounded_retry(timeout: float) -> Retry:
    """Google's retry of transient errors (UNAVAILABLE, DEADLINE_EXCEEDED...), within ``timeout`` seconds."""
    return Retry(predicate=if_transient_error, initial=0.2, maximum=2.0, multiplier=2.0, timeout=timeout)
