"""The ``JobStore`` port: where jobs and their rows live.

Adapters: ``memory.MemoryJobStore`` (tests), ``sqlite.SqliteJobStore`` (the
embedded default) and ``firestore.FirestoreJobStore`` (the cloud). All of them
pass the one contract suite in ``tests/contract/store_contract.py``.

Rules every adapter keeps:
- ``add_rows`` is idempotent by row key: an existing row is left untouched.
- ``lease_row`` is atomic (a transaction): at most one live lease per row;
  a final row is never leased again; an expired lease can be taken over;
  each successful lease adds one to ``attempts``; when ``attempts`` already
  equals ``max_attempts`` the row is marked failed and ``EXHAUSTED`` returned.
- ``finish_row`` applies only if ``owner`` still holds the lease; otherwise it
  returns False and changes nothing (a late duplicate cannot overwrite).
- Times are passed in (``now``) so tests move the clock instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from service.domain import Job, JobState, Lease, Row, RowOutcome, RowState, WrittenCells
from service.domain.apikeys import ApiKey


class JobStore(Protocol):
    # --- jobs ---
    def create_job(self, job: Job) -> None: ...

    def get_job(self, job_id: str) -> Job | None: ...

    def list_jobs(self, *, owner: str | None = None, limit: int = 100) -> list[Job]:
        """Newest first."""
        ...

    def update_job(self, job_id: str, *, now: datetime, **changes: Any) -> Job:
        """Set job attributes (state, finished_at, total_rows, source, name...); raises JobNotFound."""
        ...

    def set_job_state(self, job_id: str, state: JobState, *, now: datetime, only_from: Sequence[JobState] = ()) -> bool:
        """Change state atomically; with ``only_from`` only if the current state is one of them."""
        ...

    def delete_job(self, job_id: str) -> None:
        """Delete a job and all its rows (no error if missing)."""
        ...

    # --- rows ---
    def add_rows(self, job_id: str, rows: Iterable[Row]) -> int:
        """Insert rows in batches; returns how many were new."""
        ...

    def get_row(self, job_id: str, key: str) -> Row | None: ...

    def iter_rows(
        self,
        job_id: str,
        *,
        states: Sequence[RowState] = (),
        unflushed_only: bool = False,
        batch_size: int = 500,
    ) -> Iterator[Row]:
        """Rows in position order, streamed in batches (never all in memory)."""
        ...

    def count_rows(self, job_id: str) -> dict[RowState, int]:
        """Rows per state; every state present (0 when none)."""
        ...

    def spent_usd(self, job_id: str) -> float:
        """The job's rows' stored ``Usage.cost_usd``, summed (spend caps); cheap enough for every row task."""
        ...

    def count_error_kinds(self, job_id: str) -> dict[str, int]:
        """FAILED rows per error kind (kind value -> count, most first); cheap enough to poll."""
        ...

    def lease_row(
        self, job_id: str, key: str, *, owner: str, now: datetime, lease_seconds: float, max_attempts: int
    ) -> Lease: ...

    def finish_row(self, job_id: str, key: str, *, owner: str, outcome: RowOutcome, now: datetime) -> bool:
        """Store a leased row's outcome (DONE/FAILED/PENDING) and drop the lease."""
        ...

    def mark_flushed(
        self, job_id: str, keys: Iterable[str], *, written: Mapping[str, WrittenCells] | None = None
    ) -> None:
        """Mark rows flushed; ``written`` (by key) records what their sheet cells now hold by Rowscout's hand."""
        ...

    def reset_rows(self, job_id: str, keys: Iterable[str], *, reset_attempts: bool = True) -> int:
        """Put rows back to PENDING (retry-failed, refresh); clears error, lease, flushed."""
        ...

    def skip_row(self, job_id: str, key: str, *, reason: str) -> None:
        """Mark a row SKIPPED (e.g. its sheet row was deleted)."""
        ...

    # --- statistics (the batch API's ``/stats``; every answer bounded by ``limit``) ---
    def jobs_since(self, since: datetime, *, owner: str | None = None, limit: int = 1000) -> list[Job]:
        """Jobs updated at or after ``since`` (the owner's when given), most recently updated first."""
        ...

    def rows_researched_since(self, job_id: str, since: datetime, *, limit: int = 10_000) -> list[Row]:
        """The job's DONE and FAILED rows researched at or after ``since``, at most ``limit`` (any order)."""
        ...


class ApiKeyStore(Protocol):
    """Where API key digests live: ``store.keys`` (SQLite in the workspace, memory), ``store.keys_firestore``."""

    def add_key(self, key: ApiKey) -> None: ...

    def get_key(self, prefix: str) -> ApiKey | None: ...

    def list_keys(self, *, owner: str | None = None) -> list[ApiKey]:
        """Oldest first."""
        ...

    def revoke_key(self, prefix: str, *, now: datetime) -> ApiKey | None:
        """Mark the key revoked (once; a second revoke keeps the first time); None when there is no such key."""
        ...
