"""Repeated companies: researched once, the result written to every row of that company.

Submit stores a row that repeats an earlier row's company (``RowScreen``) as
skipped with the reason ``duplicate of row N``: it is never researched. At
each flush, ``DuplicateFill`` gives such a row the outcome of row N once row
N is finished: done (status "done — same company as row N") or failed (the
same kind and message), so the results file and the sheet get every row
filled; until then the row is held back (not flushed). Row N is found in the
same flush (it finished since the last flush, so it is unflushed too) or,
once no row of the job is left to research, by one pass over the job's rows.

The copy goes through the store's own row protocol (reset, lease, finish),
so every ``JobStore`` adapter keeps it without a new method; the copy's
``usage`` stays empty (the research was paid once, by row N).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from service.domain import Job, LeaseStatus, Row, RowOutcome, RowState
from service.domain.companies import duplicate_of
from service.jobs.ports import Services

SAME_COMPANY = "same company as row {position}"
_COPY_LEASE_SECONDS = 60.0


def same_company_note(position: int) -> str:
    return SAME_COMPANY.format(position=position)


def copied_from(row: Row) -> int | None:
    """Row N when ``row`` holds a copy of row N's outcome (its message starts "same company as row N")."""
    prefix = SAME_COMPANY.split("{", 1)[0]
    if not row.error_message.startswith(prefix):
        return None
    digits = row.error_message[len(prefix) :].split(":", 1)[0].strip()
    return int(digits) if digits.isdigit() else None


@dataclass
class DuplicateFill:
    """Fills repeated rows from their first row during one flush (see the module docstring)."""

    svc: Services
    job: Job
    waiting: dict[str, int] = field(default_factory=dict)  # repeated row key → first row's position
    firsts: dict[int, Row] = field(default_factory=dict)  # first rows seen in this flush, by position

    @classmethod
    def for_job(cls, svc: Services, job: Job) -> DuplicateFill:
        """Prepared with the repeated rows still waiting for their first row (none: nothing to do)."""
        fill = cls(svc, job)
        for row in svc.store.iter_rows(job.id, states=(RowState.SKIPPED,), unflushed_only=True):
            first = duplicate_of(row.error_message)
            if first is not None:
                fill.waiting[row.key] = first
        return fill

    def apply(self, rows: Iterable[Row]) -> Iterator[Row]:
        """The rows to flush (in position order): repeated rows filled, or held back while row N is unfinished."""
        if not self.waiting:
            yield from rows
            return
        needed = set(self.waiting.values())
        held: list[Row] = []
        for row in rows:
            if row.key not in self.waiting:
                if row.position in needed:
                    self.firsts[row.position] = row
                yield row
                continue
            filled = self._fill(row, self.firsts.get(self.waiting[row.key]))
            if filled is None:
                held.append(row)
            else:
                yield filled
        yield from self._settle_held(held)

    def _settle_held(self, held: list[Row]) -> Iterator[Row]:
        """Rows whose first row was not in this flush: look it up once the job has nothing left to research."""
        if not held:
            return
        counts = self.svc.store.count_rows(self.job.id)
        if counts[RowState.PENDING] or counts[RowState.LEASED]:
            return  # row N may still be researched: hold these rows until a later flush
        wanted = {self.waiting[row.key] for row in held} - set(self.firsts)
        last = max(wanted, default=0)
        for row in self.svc.store.iter_rows(self.job.id):
            if row.position > last:
                break
            if row.position in wanted and row.key not in self.waiting:
                self.firsts[row.position] = row
        for row in held:
            first = self.firsts.get(self.waiting[row.key])
            yield self._fill(row, first) or row  # no first row left (deleted): flush it as it is

    def _fill(self, row: Row, first: Row | None) -> Row | None:
        """The repeated row with its first row's outcome; the row itself when row N was skipped; None: wait."""
        if first is None or not first.state.is_final:
            return None
        if first.state == RowState.SKIPPED:
            return row  # row N was not researched (cancelled, deleted): nor is this one
        note = same_company_note(first.position)
        message = f"{note}: {first.error_message}" if first.state == RowState.FAILED and first.error_message else note
        outcome = RowOutcome(state=first.state, result=first.result, error_kind=first.error_kind, error_message=message)
        return self._store(row, outcome)

    def _store(self, row: Row, outcome: RowOutcome) -> Row | None:
        store, owner, job_id = self.svc.store, self.svc.worker_id, self.job.id
        store.reset_rows(job_id, [row.key], reset_attempts=True)
        lease = store.lease_row(
            job_id, row.key, owner=owner, now=self.svc.clock(), lease_seconds=_COPY_LEASE_SECONDS, max_attempts=1
        )
        if lease.status != LeaseStatus.LEASED:
            return None  # someone else took the row meanwhile: it is theirs to finish
        if not store.finish_row(job_id, row.key, owner=owner, outcome=outcome, now=self.svc.clock()):
            return None
        return store.get_row(job_id, row.key)
