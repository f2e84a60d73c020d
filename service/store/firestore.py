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
import itertools
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar
from urllib.parse import unquote

from google.api_core import exceptions as gexc
from google.api_core.retry import Retry, if_transient_error
from google.cloud import firestore
from google.cloud.firestore import FieldFilter

from service.domain import ErrorKind, Job, JobState, Lease, Row, RowOutcome, RowState, WrittenCells
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
# Counter shards per job: each takes at most ~1 write/s sustained, so this is the rows/s one job can
# finish without a hot document (the fastest queue in infra/config.env dispatches 20 tasks/s).
COUNTER_SHARDS = 20
ERROR_SHARDS = 4  # failures are a fraction of the rows: fewer shards, and a poll reads only these
COUNTED_STATES = (RowState.DONE, RowState.FAILED, RowState.SKIPPED)
_TOTAL = "rows"
_ERRORS = "errors"
_COST = "cost_micro_usd"  # the rows' stored Usage.cost_usd, in millionths of a dollar (spend caps, issue 15)
_SUMMED = (_TOTAL, *(state.value for state in COUNTED_STATES))
_GUARDED_TRIES = 5  # optimistic writes retried on a refused precondition before giving up (retryable)
JOB_CACHE_SECONDS = 1.0  # production: a job read serves the row task's second read (bootstrap passes it)
SEEN_LIMIT = 20_000  # update times remembered per store (lease -> finish, flush page -> mark flushed)


def tally(before: Row | None, after: Row | None) -> dict[str, int]:
    """Counter deltas for a row going from ``before`` to ``after`` (None: absent).

    Counted: rows created (``rows``), rows in each final state, failed rows per error kind, and the
    rows' stored cost (``cost_micro_usd``: a row's old usage out, its new one in, in the row's commit).
    PENDING and LEASED are not counted (LEASED is counted by a small query, PENDING is the rest).
    """
    delta: dict[str, int] = {}

    def add(name: str, n: int) -> None:
        delta[name] = delta.get(name, 0) + n

    for row, sign in ((before, -1), (after, 1)):
        if row is None:
            continue
        if before is None and sign == 1:
            add(_TOTAL, 1)
        if row.state in COUNTED_STATES:
            add(row.state.value, sign)
        if row.state == RowState.FAILED:
            add(f"{_ERRORS}.{(row.error_kind or ErrorKind.INTERNAL).value}", sign)
        if row.usage is not None and row.usage.cost_usd:
            add(_COST, sign * round(row.usage.cost_usd * 1_000_000))
    return {name: n for name, n in delta.items() if n}


def _merged(*deltas: Mapping[str, int]) -> dict[str, int]:
    total: dict[str, int] = {}
    for delta in deltas:
        for name, n in delta.items():
            total[name] = total.get(name, 0) + n
    return {name: n for name, n in total.items() if n}


def _increments(delta: Mapping[str, int]) -> dict[str, Any]:
    """A merge-set document adding ``delta`` (``errors.kind`` names become a nested map).

    Every summed field is present in every shard (``Increment(0)``): the emulator's multi-field
    ``sum()`` answers 0 for all fields when one is missing from a document.
    """
    document: dict[str, Any] = {name: firestore.Increment(0) for name in _SUMMED}
    for name, n in delta.items():
        head, _, tail = name.partition(".")
        if tail:
            document.setdefault(head, {})[tail] = firestore.Increment(n)
        else:
            document[head] = firestore.Increment(n)
    return document


class _Seen:
    """Update times this store wrote or read, per row: the guard of the next write (bounded, thread-safe)."""

    def __init__(self, limit: int = SEEN_LIMIT) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[Any, Row]] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit

    def put(self, job_id: str, key: str, update_time: Any, row: Row) -> None:
        with self._lock:
            self._items[(job_id, key)] = (update_time, row)
            self._items.move_to_end((job_id, key))
            while len(self._items) > self._limit:
                self._items.popitem(last=False)

    def get(self, job_id: str, key: str) -> tuple[Any, Row] | None:
        with self._lock:
            return self._items.get((job_id, key))

    def drop(self, job_id: str, key: str) -> None:
        with self._lock:
            self._items.pop((job_id, key), None)


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
def translated(action: str, *, passing: tuple[type[Exception], ...] = ()) -> Iterator[None]:
    """Firestore's errors as a retryable ``StoreError`` naming ``action``; ``passing`` ones the caller handles."""
    try:
        yield
    except passing:
        raise
    except gexc.GoogleAPIError as exc:
        raise StoreError(f"Firestore failed to {action}: {exc}") from exc


class FirestoreJobStore:
    """A ``JobStore`` on Firestore.

    Args:
        client: a ``google.cloud.firestore.Client`` (emulator or real).
        collection_prefix: prepended to the ``jobs`` collection (e.g. per test or per tenant).
        job_cache_seconds: how long a job document read is reused by ``get_job`` (0: never). A row
            task reads its job twice; another instance's pause or cancel is seen this much later
            (this store's own job writes are seen at once).
    """

    def __init__(
        self,
        client: firestore.Client,
        *,
        collection_prefix: str = "",
        timeout: float = 20.0,
        job_cache_seconds: float = 0.0,
    ) -> None:
        self._client = client
        self._jobs = client.collection(f"{collection_prefix}jobs")
        self._seen = _Seen()
        self._job_cache: dict[str, tuple[float, Job | None]] = {}
        self._expiry: dict[str, datetime] = {}  # jobs' expire_at as last seen: counter shards carry it (TTL)
        self._job_cache_seconds = job_cache_seconds
        # Every call is bounded: an unreachable Firestore becomes a retryable StoreError in
        # seconds, well inside a task's dispatch deadline, instead of hanging the worker.
        self._io: dict[str, Any] = {"timeout": timeout, "retry": _bounded_retry(timeout)}

    def _job_ref(self, job_id: str) -> Any:
        return self._jobs.document(job_id)

    def _rows(self, job_id: str) -> Any:
        return self._job_ref(job_id).collection("rows")

    def _row_ref(self, job_id: str, key: str) -> Any:
        return self._rows(job_id).document(encode_key(key))

    def _shard(self, job_id: str, number: int) -> Any:
        return self._job_ref(job_id).collection("counters").document(str(number))

    def _count(self, writer: Any, job_id: str, delta: Mapping[str, int]) -> None:
        """Add counter ``delta`` to one random shard inside ``writer`` (a batch or a transaction).

        Deltas that touch error kinds go to the first ``ERROR_SHARDS`` shards only, so reading
        the error kinds reads those few documents, not every shard.
        """
        if delta:
            errors = any(name.startswith(f"{_ERRORS}.") for name in delta)
            number = random.randrange(ERROR_SHARDS if errors else COUNTER_SHARDS)
            document = _increments(delta)
            if job_id in self._expiry:  # TTL removes the shards with the job (no extra write)
                document["expire_at"] = self._expiry[job_id]
            writer.set(self._shard(job_id, number), document, merge=True)

    def _seen_expiry(self, job: Job | None) -> None:
        if job is not None and job.expire_at is not None:
            self._expiry[job.id] = as_utc(job.expire_at)  # type: ignore[assignment]

    def _transact(self, action: str, body: Callable[..., T], *args: Any) -> T:
        """Run ``body(transaction, *args)`` in a retried transaction; contention becomes StoreError."""
        with translated(action):
            try:
                return firestore.transactional(body)(self._client.transaction(), *args)
            except ValueError as exc:  # the client gives up on contention with ValueError
                raise StoreError(f"Firestore could not {action}: {exc}") from exc

    # --- jobs ---
    def create_job(self, job: Job) -> None:
        self._job_cache.pop(job.id, None)
        self._seen_expiry(job)
        with translated("create a job"):
            self._job_ref(job.id).set(job_to_record(job), **self._io)

    def get_job(self, job_id: str) -> Job | None:
        cached = self._job_cache.get(job_id)
        if cached is not None and time.monotonic() < cached[0]:
            return cached[1]
        with translated("read a job"):
            snapshot = self._job_ref(job_id).get(**self._io)
        job = job_from_record(snapshot.to_dict() or {}) if snapshot.exists else None
        self._seen_expiry(job)
        if self._job_cache_seconds > 0:
            self._job_cache[job_id] = (time.monotonic() + self._job_cache_seconds, job)
        return job

    def list_jobs(self, *, owner: str | None = None, limit: int = 100) -> list[Job]:
        query: Any = self._jobs
        if owner is not None:
            query = query.where(filter=FieldFilter("owner", "==", owner))
        query = query.order_by("created_at", direction=firestore.Query.DESCENDING).limit(limit)
        with translated("list jobs"):
            return [job_from_record(s.to_dict() or {}) for s in query.stream(**self._io)]

    def update_job(self, job_id: str, *, now: datetime, **changes: Any) -> Job:
        self._job_cache.pop(job_id, None)

        def body(transaction: Any) -> Job:
            updated = job_with_changes(self._job_in(transaction, job_id), changes, now=now)
            transaction.set(self._job_ref(job_id), job_to_record(updated))
            return updated

        updated = self._transact("update a job", body)
        if "expire_at" in changes:
            self._expiry.pop(job_id, None)
            self._seen_expiry(updated)
            self._set_rows_expiry(job_id, updated.expire_at)
        return updated

    def set_job_state(self, job_id: str, state: JobState, *, now: datetime, only_from: Sequence[JobState] = ()) -> bool:
        self._job_cache.pop(job_id, None)

        def body(transaction: Any) -> bool:
            job = self._job_in(transaction, job_id)
            updated = job_state_transition(job, state, now=now, only_from=only_from)
            if updated is not None:
                transaction.set(self._job_ref(job_id), job_to_record(updated))
            return updated is not None

        return self._transact("change a job's state", body)

    def delete_job(self, job_id: str) -> None:
        """Delete rows and counter shards in batches of 500, then the job document."""
        self._job_cache.pop(job_id, None)
        with translated("delete a job"):
            for collection in (self._rows(job_id), self._job_ref(job_id).collection("counters")):
                while page := list(collection.select([]).limit(BATCH_LIMIT).stream(**self._io)):
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
        """The job's new expiry on every row and counter shard (their TTL follows the job's)."""
        with translated("update row expiry"):
            rows = self._rows(job_id).list_documents(page_size=BATCH_LIMIT)
            shards = self._job_ref(job_id).collection("counters").list_documents()
            for chunk in _chunks(itertools.chain(rows, shards), BATCH_LIMIT):
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
            with translated("add rows"):
                added += self._create_missing(job_id, list(unique.values()), expire_at)
        return added

    def _create_missing(self, job_id: str, rows: list[Row], expire_at: datetime | None) -> int:
        """Create the rows and count them in one batch; if any exists already, one by one (no read first)."""
        documents = [
            (self._row_ref(job_id, row.key), {**row_to_record(row), "expire_at": as_utc(expire_at)}, row)
            for row in rows
        ]
        batch = self._client.batch()
        for ref, document, _ in documents:
            batch.create(ref, document)
        self._count(batch, job_id, _merged(*(tally(None, row) for row in rows)))
        try:
            batch.commit(**self._io)
            return len(documents)
        except gexc.AlreadyExists:  # a re-run (or another writer): create one by one
            return sum(self._create_one(job_id, ref, document, row) for ref, document, row in documents)

    def _create_one(self, job_id: str, ref: Any, document: dict[str, Any], row: Row) -> int:
        batch = self._client.batch()
        batch.create(ref, document)
        self._count(batch, job_id, tally(None, row))
        try:
            batch.commit(**self._io)
            return 1
        except gexc.AlreadyExists:
            return 0

    def get_row(self, job_id: str, key: str) -> Row | None:
        with translated("read a row"):
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
            for snapshot in page:
                row = row_from_record(snapshot.to_dict())
                self._seen.put(job_id, row.key, snapshot.update_time, row)  # the guard of mark_flushed
                yield row
            page = self._page(query.start_after(page[-1])) if len(page) == batch_size else []

    def _page(self, query: Any) -> list[Any]:
        with translated("read rows"):
            return list(query.stream(**self._io))

    def count_rows(self, job_id: str) -> dict[RowState, int]:
        """Two aggregation queries (a few reads), whatever the job's size: the shards' sums, LEASED rows."""
        counts = empty_counts()
        shards = self._job_ref(job_id).collection("counters")
        sums: Any = shards.sum(_TOTAL, alias=_TOTAL)
        for state in COUNTED_STATES:
            sums = sums.sum(state.value, alias=state.value)
        leased = self._rows(job_id).where(filter=FieldFilter("state", "==", RowState.LEASED.value))
        with translated("count rows"):
            totals = {result.alias: int(result.value or 0) for result in sums.get(**self._io)[0]}
            counts[RowState.LEASED] = int(leased.count(alias="n").get(**self._io)[0][0].value)
        for state in COUNTED_STATES:
            counts[state] = totals.get(state.value, 0)
        counted = sum(counts[state] for state in COUNTED_STATES) + counts[RowState.LEASED]
        counts[RowState.PENDING] = max(0, totals.get(_TOTAL, 0) - counted)
        return counts

    def spent_usd(self, job_id: str) -> float:
        """One aggregation over the counter shards (a shard written before costs were counted adds 0)."""
        shards = self._job_ref(job_id).collection("counters")
        with translated("sum the job's cost"):
            found = shards.sum(_COST, alias=_COST).get(**self._io)[0][0].value
        return int(found or 0) / 1_000_000

    def count_error_kinds(self, job_id: str) -> dict[str, int]:
        """Failed rows per error kind: ``ERROR_SHARDS`` reads, whatever the job's size."""
        kinds: dict[str, int] = {}
        refs = [self._shard(job_id, number) for number in range(ERROR_SHARDS)]
        with translated("count error kinds"):
            for snapshot in self._client.get_all(refs, **self._io):
                for kind, n in ((snapshot.to_dict() or {}).get(_ERRORS) or {}).items():
                    kinds[kind] = kinds.get(kind, 0) + int(n)
        return {kind: n for kind, n in sorted(kinds.items(), key=lambda item: -item[1]) if n > 0}

    def lease_row(
        self, job_id: str, key: str, *, owner: str, now: datetime, lease_seconds: float, max_attempts: int
    ) -> Lease:
        """One bounded read, then one write guarded by the read's update time (no transaction).

        The plain read answers duplicates (final/busy/missing rows) at once and fails fast when
        Firestore is unreachable; a row changed between the read and the write refuses the
        write's precondition, and the lease is decided again on a fresh read.
        """
        ref = self._row_ref(job_id, key)
        for _ in range(_GUARDED_TRIES):
            with translated("read a row"):
                snapshot = ref.get(**self._io)
            peek = row_from_record(snapshot.to_dict()) if snapshot.exists else None
            lease, write = lease_transition(
                peek, owner=owner, now=now, lease_seconds=lease_seconds, max_attempts=max_attempts
            )
            if write is None:
                return lease
            batch = self._client.batch()
            batch.update(
                ref, _row_changes(write), option=self._client.write_option(last_update_time=snapshot.update_time)
            )
            self._count(batch, job_id, tally(peek, write))
            try:
                with translated("lease a row"):
                    results = batch.commit(**self._io)
            except StoreError as exc:
                if isinstance(exc.__cause__, _CONFLICTS):
                    continue  # the row changed since the read: decide again
                raise
            self._seen.put(job_id, key, results[0].update_time, write)
            return lease
        raise StoreError(f"Firestore could not lease row {key}: it kept changing")

    def finish_row(self, job_id: str, key: str, *, owner: str, outcome: RowOutcome, now: datetime) -> bool:
        """No read when this store wrote the lease: one write guarded by the lease's update time."""
        ref = self._row_ref(job_id, key)
        seen = self._seen.get(job_id, key)
        if seen is not None:
            finished = finish_transition(seen[1], owner=owner, outcome=outcome, now=now)
            if finished is not None and self._guarded_update(job_id, ref, seen, finished):
                return True

        def body(transaction: Any) -> bool:
            row = self._row_in(transaction, ref)
            finished = finish_transition(row, owner=owner, outcome=outcome, now=now)
            if finished is not None:
                transaction.update(ref, _row_changes(finished))
                self._count(transaction, job_id, tally(row, finished))
            return finished is not None

        self._seen.drop(job_id, key)
        return self._transact("finish a row", body)

    def _guarded_update(self, job_id: str, ref: Any, seen: tuple[Any, Row], updated: Row) -> bool:
        """Write ``updated`` (and its counter deltas) if the row is still as seen; False if it changed."""
        update_time, before = seen
        batch = self._client.batch()
        batch.update(ref, _row_changes(updated), option=self._client.write_option(last_update_time=update_time))
        self._count(batch, job_id, tally(before, updated))
        try:
            with translated("update a row"):
                results = batch.commit(**self._io)
        except StoreError as exc:
            if isinstance(exc.__cause__, _CONFLICTS):
                self._seen.drop(job_id, before.key)
                return False
            raise
        self._seen.put(job_id, before.key, results[0].update_time, updated)
        return True

    def skip_row(self, job_id: str, key: str, *, reason: str) -> None:
        ref = self._row_ref(job_id, key)
        self._seen.drop(job_id, key)

        def body(transaction: Any) -> None:
            row = self._row_in(transaction, ref)
            if row is not None:
                skipped = skip_transition(row, reason=reason)
                transaction.update(ref, _row_changes(skipped))
                self._count(transaction, job_id, tally(row, skipped))

        self._transact("skip a row", body)

    def jobs_since(self, since: datetime, *, owner: str | None = None, limit: int = 1000) -> list[Job]:
        query: Any = self._jobs.where(filter=FieldFilter("updated_at", ">=", as_utc(since)))
        if owner is not None:
            query = query.where(filter=FieldFilter("owner", "==", owner))
        query = query.order_by("updated_at", direction=firestore.Query.DESCENDING).limit(limit)
        with translated("list recent jobs"):
            return [job_from_record(s.to_dict() or {}) for s in query.stream(**self._io)]

    def rows_researched_since(self, job_id: str, since: datetime, *, limit: int = 10_000) -> list[Row]:
        query = (
            self._rows(job_id)
            .where(filter=FieldFilter("researched_at", ">=", as_utc(since)))
            .where(filter=FieldFilter("state", "in", [RowState.DONE.value, RowState.FAILED.value]))
            .limit(limit)
        )
        with translated("read recent rows"):
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
        """Apply ``change`` to existing rows, 500 per batch, each write guarded by the row's update time.

        Rows this store read or wrote last (a flush's page, a lease) are not read again: their
        remembered update time guards the write; the others are read in one ``get_all``.
        """
        changed = 0
        for chunk in _chunks(dict.fromkeys(keys), BATCH_LIMIT):
            seen = {key: found for key in chunk if (found := self._seen.get(job_id, key)) is not None}
            refs = [self._row_ref(job_id, key) for key in chunk if key not in seen]
            with translated("update rows"):
                for snapshot in self._client.get_all(refs) if refs else ():
                    if snapshot.exists:
                        row = row_from_record(snapshot.to_dict() or {})
                        seen[row.key] = (snapshot.update_time, row)
                try:
                    changed += self._commit_guarded(job_id, seen, change)
                except _CONFLICTS:  # a row changed under us: redo this chunk row by row
                    changed += sum(self._change_one(job_id, key, change) for key in seen)
        return changed

    def _commit_guarded(
        self, job_id: str, seen: Mapping[str, tuple[Any, Row]], change: Callable[[Row], Row | None]
    ) -> int:
        batch = self._client.batch()
        written: list[tuple[str, Row]] = []
        deltas = []
        for key, (update_time, row) in seen.items():
            updated = change(row)
            if updated is not None:
                guard = self._client.write_option(last_update_time=update_time)
                batch.update(self._row_ref(job_id, key), _row_changes(updated), option=guard)
                written.append((key, updated))
                deltas.append(tally(row, updated))
        if written:
            self._count(batch, job_id, _merged(*deltas))
            results = batch.commit(**self._io)
            for (key, updated), result in zip(written, results, strict=False):
                self._seen.put(job_id, key, result.update_time, updated)
        return len(written)

    def _change_one(self, job_id: str, key: str, change: Callable[[Row], Row | None]) -> int:
        ref = self._row_ref(job_id, key)
        self._seen.drop(job_id, key)

        def body(transaction: Any) -> int:
            row = self._row_in(transaction, ref)
            updated = change(row) if row is not None else None
            if updated is not None:
                transaction.update(ref, _row_changes(updated))
                self._count(transaction, job_id, tally(row, updated))
            return int(updated is not None)

        return self._transact("update a row", body)


def _bounded_retry(timeout: float) -> Retry:
    """Google's retry of transient errors (UNAVAILABLE, DEADLINE_EXCEEDED...), within ``timeout`` seconds."""
    return Retry(predicate=if_transient_error, initial=0.2, maximum=2.0, multiplier=2.0, timeout=timeout)
