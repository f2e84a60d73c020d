"""``MemoryJobStore``: the ``JobStore`` port in a dict, guarded by one lock (for tests).

Every method copies rows and jobs in and out, so callers never share state
with the store, exactly as with the SQLite and Firestore adapters.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from service.domain import Job, JobState, Lease, Row, RowOutcome, RowState, WrittenCells
from service.domain.errors import JobNotFound
from service.store.serialize import (
    empty_counts,
    error_kind_counts,
    finish_transition,
    flushed_transition,
    job_state_transition,
    job_with_changes,
    lease_transition,
    new_row,
    reset_transition,
    skip_transition,
)


class MemoryJobStore:
    """A thread-safe in-memory ``JobStore``."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self._rows: dict[str, dict[str, Row]] = {}

    # --- jobs ---
    def create_job(self, job: Job) -> None:
        with self._lock:
            self._jobs[job.id] = copy.deepcopy(job)
            self._rows.setdefault(job.id, {})

    def get_job(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return copy.deepcopy(job) if job is not None else None

    def list_jobs(self, *, owner: str | None = None, limit: int = 100) -> list[Job]:
        with self._lock:
            jobs = [j for j in self._jobs.values() if owner is None or j.owner == owner]
            jobs.sort(key=lambda j: j.created_at, reverse=True)
            return copy.deepcopy(jobs[:limit])

    def update_job(self, job_id: str, *, now: datetime, **changes: Any) -> Job:
        with self._lock:
            job = self._require_job(job_id)
            updated = job_with_changes(job, changes, now=now)
            self._jobs[job_id] = copy.deepcopy(updated)
            return updated

    def set_job_state(self, job_id: str, state: JobState, *, now: datetime, only_from: Sequence[JobState] = ()) -> bool:
        with self._lock:
            job = self._require_job(job_id)
            updated = job_state_transition(job, state, now=now, only_from=only_from)
            if updated is None:
                return False
            self._jobs[job_id] = updated
            return True

    def delete_job(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)
            self._rows.pop(job_id, None)

    def _require_job(self, job_id: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None:
            raise JobNotFound(f"job {job_id} not found")
        return job

    # --- rows ---
    def add_rows(self, job_id: str, rows: Iterable[Row]) -> int:
        added = 0
        for row in rows:
            stored = new_row(job_id, copy.deepcopy(row))
            with self._lock:
                table = self._rows.setdefault(job_id, {})
                if stored.key not in table:
                    table[stored.key] = stored
                    added += 1
        return added

    def get_row(self, job_id: str, key: str) -> Row | None:
        with self._lock:
            row = self._rows.get(job_id, {}).get(key)
            return copy.deepcopy(row) if row is not None else None

    def iter_rows(
        self,
        job_id: str,
        *,
        states: Sequence[RowState] = (),
        unflushed_only: bool = False,
        batch_size: int = 500,
    ) -> Iterator[Row]:
        with self._lock:
            order = sorted(self._rows.get(job_id, {}).values(), key=lambda r: (r.position, r.key))
            keys = [r.key for r in order]
        for start in range(0, len(keys), batch_size):
            for key in keys[start : start + batch_size]:
                row = self.get_row(job_id, key)
                if row is not None and _matches(row, states, unflushed_only):
                    yield row

    def count_rows(self, job_id: str) -> dict[RowState, int]:
        counts = empty_counts()
        with self._lock:
            for row in self._rows.get(job_id, {}).values():
                counts[row.state] += 1
        return counts

    def spent_usd(self, job_id: str) -> float:
        with self._lock:
            return sum(row.usage.cost_usd for row in self._rows.get(job_id, {}).values() if row.usage is not None)

    def count_error_kinds(self, job_id: str) -> dict[str, int]:
        with self._lock:
            rows = [row for row in self._rows.get(job_id, {}).values() if row.state == RowState.FAILED]
        return error_kind_counts(row.error_kind for row in rows)

    def lease_row(
        self, job_id: str, key: str, *, owner: str, now: datetime, lease_seconds: float, max_attempts: int
    ) -> Lease:
        with self._lock:
            row = self._rows.get(job_id, {}).get(key)
            lease, write = lease_transition(
                row, owner=owner, now=now, lease_seconds=lease_seconds, max_attempts=max_attempts
            )
            if write is not None:
                self._rows[job_id][key] = write
            return copy.deepcopy(lease)

    def finish_row(self, job_id: str, key: str, *, owner: str, outcome: RowOutcome, now: datetime) -> bool:
        with self._lock:
            row = self._rows.get(job_id, {}).get(key)
            finished = finish_transition(row, owner=owner, outcome=copy.deepcopy(outcome), now=now)
            if finished is None:
                return False
            self._rows[job_id][key] = finished
            return True

    def mark_flushed(
        self, job_id: str, keys: Iterable[str], *, written: Mapping[str, WrittenCells] | None = None
    ) -> None:
        with self._lock:
            table = self._rows.get(job_id, {})
            for key in keys:
                if key in table:
                    table[key] = flushed_transition(table[key], copy.deepcopy((written or {}).get(key)))

    def reset_rows(self, job_id: str, keys: Iterable[str], *, reset_attempts: bool = True) -> int:
        reset = 0
        with self._lock:
            table = self._rows.get(job_id, {})
            for key in keys:
                if key in table:
                    table[key] = reset_transition(table[key], reset_attempts=reset_attempts)
                    reset += 1
        return reset

    def skip_row(self, job_id: str, key: str, *, reason: str) -> None:
        with self._lock:
            table = self._rows.get(job_id, {})
            if key in table:
                table[key] = skip_transition(table[key], reason=reason)

    def jobs_since(self, since: datetime, *, owner: str | None = None, limit: int = 1000) -> list[Job]:
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.updated_at >= since and owner in (None, j.owner)]
            jobs.sort(key=lambda j: j.updated_at, reverse=True)
            return copy.deepcopy(jobs[:limit])

    def rows_researched_since(self, job_id: str, since: datetime, *, limit: int = 10_000) -> list[Row]:
        with self._lock:
            found = [
                row
                for row in self._rows.get(job_id, {}).values()
                if row.state in _RESEARCHED and row.researched_at is not None and row.researched_at >= since
            ]
            return copy.deepcopy(found[:limit])


_RESEARCHED = (RowState.DONE, RowState.FAILED)


def _matches(row: Row, states: Sequence[RowState], unflushed_only: bool) -> bool:
    if states and row.state not in states:
        return False
    return not (unflushed_only and row.flushed)
