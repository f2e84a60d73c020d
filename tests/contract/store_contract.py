"""The one contract suite for the ``JobStore`` port (service/store/port.py).

Subclass ``StoreContract`` in a ``Test...`` class and implement
``make_store()``; every adapter (memory, SQLite, Firestore on the emulator)
must pass every test here. Time never passes by sleeping: tests hand the
store a later ``now``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    Job,
    JobOptions,
    JobState,
    LeaseStatus,
    Priority,
    Row,
    RowOutcome,
    RowState,
    Usage,
    WrittenCells,
)
from service.domain.errors import JobError, JobNotFound, JobStateError
from service.domain.hints import hint_for
from service.domain.sources import ColumnMap, FileSource, SheetColumns, SheetSource
from service.store.port import JobStore

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
LEASE = 60.0


def make_job(job_id: str = "job-1", *, owner: str = "ann@example.com", created_at: datetime = T0) -> Job:
    return Job(
        id=job_id,
        owner=owner,
        name=f"Job {job_id}",
        source=FileSource(
            path="/data/in.csv",
            output="/data/out.csv",
            format="csv",
            headers=("Company", "Website"),
            columns=ColumnMap("Company", "Website", reasons=("header 'Company'",)),
        ),
        options=JobOptions(fields=("website", "industry"), concurrency=4, max_attempts=2, priority=Priority.HIGH),
        state=JobState.QUEUED,
        created_at=created_at,
        updated_at=created_at,
        total_rows=0,
        expire_at=created_at + timedelta(days=30),
    )


def make_row(key: str, position: int, *, job_id: str = "job-1", name: str = "") -> Row:
    company = CompanyInput(name=name or f"Company {key}", website=f"https://{key}.example", extra={"city": "Oslo"})
    return Row(job_id=job_id, key=key, position=position, input=company)


def make_profile() -> CompanyProfile:
    page = "https://acme.example/about"
    return CompanyProfile(
        name="Acme",
        website="https://acme.example",
        description="Makes anvils.",
        industry="Manufacturing",
        business_model="B2B",
        business_model_signals=["pricing page mentions teams"],
        products=["Anvil", "Rocket skates"],
        hq_city="Phoenix",
        hq_country="US",
        founded_year=1949,
        employees="51-200",
        emails=["info@acme.example"],
        linkedin="https://www.linkedin.com/company/acme",
        tech_stack=["WordPress"],
        sources={
            "description": FieldSource(page, FieldMethod.META),
            "founded_year": FieldSource(page, FieldMethod.JSON_LD),
            "products": FieldSource("https://acme.example/products", FieldMethod.TEXT),
        },
    )


def keys(rows: Iterator[Row] | list[Row]) -> list[str]:
    return [row.key for row in rows]


class StoreContract:
    """Every rule of the ``JobStore`` port; subclasses provide ``make_store()``."""

    race_threads = 8  # threads racing for one lease (the Firestore emulator is slow under contention)
    many_rows = 1100  # crosses the 500-row write batches at least twice

    def make_store(self) -> JobStore:
        raise NotImplementedError

    @pytest.fixture
    def store(self) -> Iterator[JobStore]:
        store = self.make_store()
        yield store
        close = getattr(store, "close", None)
        if close is not None:
            close()

    @pytest.fixture
    def job(self, store: JobStore) -> Job:
        job = make_job()
        store.create_job(job)
        return job

    @staticmethod
    def lease(store: JobStore, key: str, owner: str = "w1", now: datetime = T0, max_attempts: int = 3):
        return store.lease_row("job-1", key, owner=owner, now=now, lease_seconds=LEASE, max_attempts=max_attempts)

    # --- jobs -------------------------------------------------------------

    def test_job_round_trips(self, store: JobStore, job: Job) -> None:
        assert store.get_job(job.id) == job

    def test_sheet_source_round_trips_typed(self, store: JobStore) -> None:
        layout = SheetColumns(sheet_id=7, header_row=2, columns={"status": 5, "industry": 6}, created=("status",))
        source = SheetSource(
            "sheet-1",
            sheet_name="Leads",
            sheet_id=7,
            ranges=("Leads!A2:C9",),
            header_row=2,
            headers=("Company", "Website", "Owner"),
            columns=ColumnMap("Company", "Website"),
            layout=layout,
        )
        planning = replace(make_job("job-s"), source=SheetSource("sheet-2"), state=JobState.PLANNING)
        store.create_job(replace(make_job("job-p"), source=source))
        store.create_job(planning)
        assert store.get_job("job-p").source == source
        assert store.get_job("job-s") == planning

    def test_missing_job_is_none(self, store: JobStore) -> None:
        assert store.get_job("nope") is None

    def test_list_jobs_newest_first_filtered_by_owner(self, store: JobStore) -> None:
        for n, owner in enumerate(["ann", "bob", "ann", "ann"]):
            store.create_job(make_job(f"j{n}", owner=owner, created_at=T0 + timedelta(minutes=n)))
        assert [j.id for j in store.list_jobs(owner="ann")] == ["j3", "j2", "j0"]
        assert [j.id for j in store.list_jobs()] == ["j3", "j2", "j1", "j0"]
        assert [j.id for j in store.list_jobs(owner="ann", limit=2)] == ["j3", "j2"]
        assert store.list_jobs(owner="nobody") == []

    def test_update_job_sets_fields_and_updated_at(self, store: JobStore, job: Job) -> None:
        later = T0 + timedelta(minutes=5)
        updated = store.update_job(job.id, now=later, total_rows=42, name="Renamed", state=JobState.RUNNING)
        assert (updated.total_rows, updated.name, updated.state) == (42, "Renamed", JobState.RUNNING)
        assert updated.updated_at == later
        assert store.get_job(job.id) == updated

    def test_update_job_errors(self, store: JobStore, job: Job) -> None:
        with pytest.raises(JobNotFound):
            store.update_job("nope", now=T0, total_rows=1)
        with pytest.raises(JobError):
            store.update_job(job.id, now=T0, id="other")
        assert store.get_job(job.id) == job

    def test_set_job_state(self, store: JobStore, job: Job) -> None:
        later = T0 + timedelta(seconds=30)
        assert store.set_job_state(job.id, JobState.RUNNING, now=later)
        stored = store.get_job(job.id)
        assert stored is not None
        assert (stored.state, stored.updated_at, stored.finished_at) == (JobState.RUNNING, later, None)

    def test_set_job_state_only_from(self, store: JobStore, job: Job) -> None:
        assert not store.set_job_state(job.id, JobState.PAUSED, now=T0, only_from=[JobState.RUNNING])
        assert store.get_job(job.id).state == JobState.QUEUED  # type: ignore[union-attr]
        assert store.set_job_state(job.id, JobState.PAUSED, now=T0, only_from=[JobState.QUEUED, JobState.RUNNING])
        assert store.get_job(job.id).state == JobState.PAUSED  # type: ignore[union-attr]

    def test_final_job_state_stamps_finished_at(self, store: JobStore, job: Job) -> None:
        done_at = T0 + timedelta(hours=1)
        assert store.set_job_state(job.id, JobState.COMPLETED, now=done_at)
        assert store.get_job(job.id).finished_at == done_at  # type: ignore[union-attr]

    def test_set_state_of_missing_job_raises(self, store: JobStore) -> None:
        with pytest.raises(JobNotFound):
            store.set_job_state("nope", JobState.RUNNING, now=T0)

    def test_delete_job_removes_rows_and_spares_others(self, store: JobStore, job: Job) -> None:
        store.create_job(make_job("job-2"))
        store.add_rows(job.id, [make_row(f"r{n}", n) for n in range(7)])
        store.add_rows("job-2", [make_row("r0", 0, job_id="job-2")])
        store.delete_job(job.id)
        assert store.get_job(job.id) is None
        assert list(store.iter_rows(job.id)) == []
        assert store.get_row(job.id, "r0") is None
        assert sum(store.count_rows(job.id).values()) == 0
        assert store.get_row("job-2", "r0") is not None
        store.delete_job("never-existed")

    # --- adding and reading rows ------------------------------------------

    def test_add_rows_is_idempotent(self, store: JobStore, job: Job) -> None:
        assert store.add_rows(job.id, [make_row("a", 1), make_row("b", 2)]) == 2
        assert self.lease(store, "a").status == LeaseStatus.LEASED
        again = [make_row("a", 9, name="Changed"), make_row("b", 2), make_row("c", 3), make_row("c", 3)]
        assert store.add_rows(job.id, again) == 1
        row_a = store.get_row(job.id, "a")
        assert row_a is not None
        assert (row_a.state, row_a.position, row_a.input.name) == (RowState.LEASED, 1, "Company a")
        assert keys(store.iter_rows(job.id)) == ["a", "b", "c"]

    def test_add_rows_streams_many_batches(self, store: JobStore, job: Job) -> None:
        produced = (make_row(f"k{n:05d}", n) for n in range(self.many_rows))
        assert store.add_rows(job.id, produced) == self.many_rows
        assert store.count_rows(job.id)[RowState.PENDING] == self.many_rows
        assert store.add_rows(job.id, (make_row(f"k{n:05d}", n) for n in range(self.many_rows))) == 0

    def test_row_round_trips_with_awkward_keys(self, store: JobStore, job: Job) -> None:
        odd = ["sheet/12", ".", "..", "__name__", "ä ö#?%2F", "x" * 300]
        extra = {"": "blank header", "a.b": "dotted", "__x__": "dunder", "Ünïcode": "✓"}
        rows = [Row(job.id, key, n, CompanyInput(name=f"N{n}", website="", extra=extra)) for n, key in enumerate(odd)]
        assert store.add_rows(job.id, rows) == len(odd)
        for row in rows:
            assert store.get_row(job.id, row.key) == row
        assert keys(store.iter_rows(job.id)) == odd

    def test_add_rows_takes_the_job_id_argument(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1, job_id="something-else")])
        stored = store.get_row(job.id, "a")
        assert stored is not None and stored.job_id == job.id

    def test_missing_row_is_none(self, store: JobStore, job: Job) -> None:
        assert store.get_row(job.id, "nope") is None
        assert store.get_row("no-job", "nope") is None

    def test_rows_are_scoped_to_their_job(self, store: JobStore, job: Job) -> None:
        store.create_job(make_job("job-2"))
        store.add_rows(job.id, [make_row("a", 1)])
        store.add_rows("job-2", [make_row("a", 1, job_id="job-2", name="Other")])
        assert store.get_row("job-2", "a").input.name == "Other"  # type: ignore[union-attr]
        assert store.get_row(job.id, "a").input.name == "Company a"  # type: ignore[union-attr]
        self.lease(store, "a")
        assert store.count_rows("job-2")[RowState.PENDING] == 1

    def test_iter_rows_in_position_order_across_batches(self, store: JobStore, job: Job) -> None:
        positions = [7, 2, 9, 0, 5, 1, 8, 3, 6, 4]
        store.add_rows(job.id, [make_row(f"r{p}", p) for p in positions])
        rows = store.iter_rows(job.id, batch_size=3)
        assert isinstance(rows, Iterator)
        assert [r.position for r in rows] == list(range(10))

    def test_iter_rows_filters_by_state_and_flushed(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row(f"r{n}", n) for n in range(10)])
        for key in ["r1", "r4", "r7"]:
            self.lease(store, key)
            store.finish_row(job.id, key, owner="w1", outcome=RowOutcome(RowState.DONE), now=T0)
        self.lease(store, "r8")
        store.skip_row(job.id, "r9", reason="row deleted")
        store.mark_flushed(job.id, ["r4", "r0"])
        assert keys(store.iter_rows(job.id, states=[RowState.DONE], batch_size=2)) == ["r1", "r4", "r7"]
        assert keys(store.iter_rows(job.id, states=[RowState.DONE, RowState.SKIPPED])) == [
            "r1", "r4", "r7", "r9",
        ]  # fmt: skip
        assert keys(store.iter_rows(job.id, states=[RowState.DONE], unflushed_only=True)) == ["r1", "r7"]
        unflushed = keys(store.iter_rows(job.id, unflushed_only=True, batch_size=3))
        assert unflushed == ["r1", "r2", "r3", "r5", "r6", "r7", "r8", "r9"]
        assert keys(store.iter_rows(job.id, states=[RowState.FAILED])) == []

    def test_iter_rows_of_empty_or_missing_job(self, store: JobStore, job: Job) -> None:
        assert list(store.iter_rows(job.id)) == []
        assert list(store.iter_rows("no-job")) == []

    def test_count_rows_has_every_state(self, store: JobStore, job: Job) -> None:
        assert store.count_rows(job.id) == {state: 0 for state in RowState}
        store.add_rows(job.id, [make_row(f"r{n}", n) for n in range(6)])
        self.lease(store, "r0")
        self.lease(store, "r1")
        store.finish_row(job.id, "r1", owner="w1", outcome=RowOutcome(RowState.DONE), now=T0)
        self.lease(store, "r2")
        failed = RowOutcome(RowState.FAILED, error_kind=ErrorKind.DNS, error_message="no such host")
        store.finish_row(job.id, "r2", owner="w1", outcome=failed, now=T0)
        store.skip_row(job.id, "r3", reason="empty")
        assert store.count_rows(job.id) == {
            RowState.PENDING: 2,
            RowState.LEASED: 1,
            RowState.DONE: 1,
            RowState.FAILED: 1,
            RowState.SKIPPED: 1,
        }

    # --- leases -------------------------------------------------------------

    def test_first_lease(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        lease = self.lease(store, "a", owner="w1")
        assert lease.status == LeaseStatus.LEASED
        assert lease.row is not None
        assert (lease.row.state, lease.row.attempts, lease.row.lease_owner) == (RowState.LEASED, 1, "w1")
        assert lease.row.lease_expires_at == T0 + timedelta(seconds=LEASE)
        assert store.get_row(job.id, "a") == lease.row

    def test_live_lease_is_busy_for_everyone(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        self.lease(store, "a", owner="w1")
        almost = T0 + timedelta(seconds=LEASE - 1)
        assert self.lease(store, "a", owner="w2", now=almost).status == LeaseStatus.BUSY
        assert self.lease(store, "a", owner="w1", now=almost).status == LeaseStatus.BUSY
        row = store.get_row(job.id, "a")
        assert row is not None and (row.attempts, row.lease_owner) == (1, "w1")

    def test_expired_lease_is_taken_over(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        self.lease(store, "a", owner="w1")
        later = T0 + timedelta(seconds=LEASE + 1)
        lease = self.lease(store, "a", owner="w2", now=later)
        assert lease.status == LeaseStatus.LEASED
        assert lease.row is not None and (lease.row.lease_owner, lease.row.attempts) == ("w2", 2)
        late = RowOutcome(RowState.DONE, result=make_profile())
        assert not store.finish_row(job.id, "a", owner="w1", outcome=late, now=later)
        assert store.get_row(job.id, "a") == lease.row

    def test_final_rows_are_never_leased_again(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("done", 1), make_row("failed", 2), make_row("skipped", 3)])
        for key, state in [("done", RowState.DONE), ("failed", RowState.FAILED)]:
            self.lease(store, key)
            store.finish_row(job.id, key, owner="w1", outcome=RowOutcome(state), now=T0)
        store.skip_row(job.id, "skipped", reason="duplicate")
        for key in ["done", "failed", "skipped"]:
            lease = self.lease(store, key, owner="w2", now=T0 + timedelta(days=1))
            assert lease.status == LeaseStatus.ALREADY_FINAL
            assert lease.row is not None and lease.row.key == key

    def test_missing_row_lease(self, store: JobStore, job: Job) -> None:
        lease = self.lease(store, "ghost")
        assert (lease.status, lease.row) == (LeaseStatus.MISSING, None)

    def test_attempts_count_until_exhausted(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        retry = RowOutcome(RowState.PENDING, error_kind=ErrorKind.TIMEOUT, error_message="slow site")
        now = T0
        for attempt in (1, 2):
            lease = self.lease(store, "a", now=now, max_attempts=2)
            assert lease.status == LeaseStatus.LEASED
            assert lease.row is not None and lease.row.attempts == attempt
            assert store.finish_row(job.id, "a", owner="w1", outcome=retry, now=now)
            now += timedelta(seconds=1)
        exhausted = self.lease(store, "a", now=now, max_attempts=2)
        assert exhausted.status == LeaseStatus.EXHAUSTED
        row = store.get_row(job.id, "a")
        assert row is not None and exhausted.row == row
        assert (row.state, row.attempts, row.lease_owner) == (RowState.FAILED, 2, None)
        assert (row.error_kind, row.error_message) == (ErrorKind.TIMEOUT, "slow site")
        assert self.lease(store, "a", now=now, max_attempts=5).status == LeaseStatus.ALREADY_FINAL

    def test_crashed_worker_exhausts_without_error(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        self.lease(store, "a", max_attempts=1)
        later = T0 + timedelta(seconds=LEASE + 1)
        assert self.lease(store, "a", owner="w2", now=later, max_attempts=1).status == LeaseStatus.EXHAUSTED
        row = store.get_row(job.id, "a")
        assert row is not None and row.state == RowState.FAILED and row.error_kind is not None
        assert row.error_message

    def test_concurrent_leases_have_one_winner(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        barrier = threading.Barrier(self.race_threads, timeout=30)

        def race(n: int) -> LeaseStatus:
            barrier.wait()
            return self.lease(store, "a", owner=f"w{n}").status

        with ThreadPoolExecutor(self.race_threads) as pool:
            statuses = list(pool.map(race, range(self.race_threads), timeout=60))
        assert statuses.count(LeaseStatus.LEASED) == 1
        assert statuses.count(LeaseStatus.BUSY) == self.race_threads - 1
        row = store.get_row(job.id, "a")
        assert row is not None and row.attempts == 1

    # --- finishing ----------------------------------------------------------

    def test_finish_done_round_trips_result_and_usage(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        self.lease(store, "a")
        usage = Usage(pages_fetched=7, llm_input_tokens=1200, llm_output_tokens=300, cost_usd=0.0123)
        done_at = T0 + timedelta(seconds=12, microseconds=345678)
        outcome = RowOutcome(RowState.DONE, result=make_profile(), usage=usage)
        assert store.finish_row(job.id, "a", owner="w1", outcome=outcome, now=done_at)
        row = store.get_row(job.id, "a")
        assert row is not None
        assert row.result == make_profile()
        assert row.usage == usage
        assert (row.state, row.researched_at, row.attempts) == (RowState.DONE, done_at, 1)
        assert (row.lease_owner, row.lease_expires_at, row.error_kind, row.flushed) == (
            None,
            None,
            None,
            False,
        )

    def test_finish_failed_keeps_error_and_partial_result(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        self.lease(store, "a")
        partial = CompanyProfile(name="Acme", website="https://acme.example")
        outcome = RowOutcome(
            RowState.FAILED, result=partial, error_kind=ErrorKind.BOT_CHALLENGE, error_message="captcha wall"
        )
        assert store.finish_row(job.id, "a", owner="w1", outcome=outcome, now=T0)
        row = store.get_row(job.id, "a")
        assert row is not None
        assert (row.state, row.error_kind, row.error_message) == (
            RowState.FAILED, ErrorKind.BOT_CHALLENGE, "captcha wall",
        )  # fmt: skip
        assert row.result == partial
        hint = hint_for(ErrorKind.BOT_CHALLENGE)
        assert row.status_text == f"failed: bot_challenge — captcha wall. What to do: {hint}"

    def test_finish_pending_keeps_attempts_and_frees_row(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        self.lease(store, "a")
        retry = RowOutcome(RowState.PENDING, error_kind=ErrorKind.RATE_LIMIT, error_message="429")
        assert store.finish_row(job.id, "a", owner="w1", outcome=retry, now=T0)
        row = store.get_row(job.id, "a")
        assert row is not None
        assert (row.state, row.attempts, row.lease_owner, row.lease_expires_at) == (
            RowState.PENDING, 1, None, None,
        )  # fmt: skip
        assert (row.error_kind, row.researched_at) == (ErrorKind.RATE_LIMIT, None)
        again = self.lease(store, "a", owner="w2")
        assert again.status == LeaseStatus.LEASED and again.row is not None and again.row.attempts == 2

    def test_finish_by_wrong_owner_changes_nothing(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1), make_row("b", 2)])
        leased = self.lease(store, "a", owner="w1").row
        outcome = RowOutcome(RowState.DONE, result=make_profile())
        assert not store.finish_row(job.id, "a", owner="intruder", outcome=outcome, now=T0)
        assert store.get_row(job.id, "a") == leased
        assert not store.finish_row(job.id, "b", owner="w1", outcome=outcome, now=T0)  # never leased
        assert not store.finish_row(job.id, "ghost", owner="w1", outcome=outcome, now=T0)
        assert store.get_row(job.id, "b").state == RowState.PENDING  # type: ignore[union-attr]

    def test_finish_twice_is_refused(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        self.lease(store, "a")
        assert store.finish_row(job.id, "a", owner="w1", outcome=RowOutcome(RowState.DONE), now=T0)
        failed = RowOutcome(RowState.FAILED, error_kind=ErrorKind.DNS)
        assert not store.finish_row(job.id, "a", owner="w1", outcome=failed, now=T0)
        assert store.get_row(job.id, "a").state == RowState.DONE  # type: ignore[union-attr]

    def test_finish_with_a_non_outcome_state_raises(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        self.lease(store, "a")
        with pytest.raises(JobStateError):
            store.finish_row(job.id, "a", owner="w1", outcome=RowOutcome(RowState.SKIPPED), now=T0)
        assert store.get_row(job.id, "a").state == RowState.LEASED  # type: ignore[union-attr]

    # --- flushing, reset, skip ----------------------------------------------

    def test_mark_flushed_and_refinish_unflushes(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1), make_row("b", 2)])
        self.lease(store, "a")
        store.finish_row(job.id, "a", owner="w1", outcome=RowOutcome(RowState.DONE), now=T0)
        store.mark_flushed(job.id, ["a", "ghost"])
        assert store.get_row(job.id, "a").flushed  # type: ignore[union-attr]
        assert keys(store.iter_rows(job.id, unflushed_only=True)) == ["b"]
        assert store.reset_rows(job.id, ["a"]) == 1
        assert keys(store.iter_rows(job.id, unflushed_only=True)) == ["a", "b"]

    def test_mark_flushed_records_what_the_sheet_cells_hold(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1), make_row("b", 2)])
        self.lease(store, "a")
        store.finish_row(job.id, "a", owner="w1", outcome=RowOutcome(RowState.DONE), now=T0)
        first = WrittenCells({"industry": "Software", "sources": "https://a.example"})
        store.mark_flushed(job.id, ["a", "b"], written={"a": first})
        a, b = store.get_row(job.id, "a"), store.get_row(job.id, "b")
        assert a is not None and b is not None and a.flushed and b.flushed
        assert (a.written, a.kept, b.written) == (first.values, (), {})
        kept = WrittenCells({"sources": "https://a.example/about"}, kept=("Industry",))
        store.mark_flushed(job.id, ["a"], written={"a": kept})  # a flushed row's cells change again
        a = store.get_row(job.id, "a")
        assert a is not None
        assert a.written == {"industry": "Software", "sources": "https://a.example/about"}
        assert a.kept == ("Industry",) and a.status_text == "done — kept your edit in Industry"
        store.reset_rows(job.id, ["a"])  # research again: what the cells hold stays known
        assert store.get_row(job.id, "a").written == a.written  # type: ignore[union-attr]

    def test_reset_rows(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row(k, n) for n, k in enumerate(["done", "failed", "leased", "pending"])])
        self.lease(store, "done")
        store.finish_row(job.id, "done", owner="w1", outcome=RowOutcome(RowState.DONE, result=make_profile()), now=T0)
        self.lease(store, "failed")
        failed = RowOutcome(RowState.FAILED, error_kind=ErrorKind.SSL, error_message="bad cert")
        store.finish_row(job.id, "failed", owner="w1", outcome=failed, now=T0)
        self.lease(store, "leased")
        assert store.reset_rows(job.id, ["done", "failed", "leased", "ghost"]) == 3
        for key in ["done", "failed", "leased"]:
            row = store.get_row(job.id, key)
            assert row is not None
            assert (row.state, row.attempts, row.error_kind, row.error_message) == (
                RowState.PENDING,
                0,
                None,
                "",
            )
            assert (row.lease_owner, row.flushed) == (None, False)
        assert store.get_row(job.id, "done").result == make_profile()  # type: ignore[union-attr]
        late = RowOutcome(RowState.DONE, result=make_profile())
        assert not store.finish_row(job.id, "leased", owner="w1", outcome=late, now=T0)  # its lease is gone
        assert store.get_row(job.id, "pending").attempts == 0  # type: ignore[union-attr]

    def test_reset_rows_can_keep_attempts(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1)])
        self.lease(store, "a")
        store.finish_row(job.id, "a", owner="w1", outcome=RowOutcome(RowState.FAILED), now=T0)
        assert store.reset_rows(job.id, ["a"], reset_attempts=False) == 1
        row = store.get_row(job.id, "a")
        assert row is not None and (row.state, row.attempts) == (RowState.PENDING, 1)

    def test_skip_row(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row("a", 1), make_row("b", 2)])
        self.lease(store, "b")
        store.skip_row(job.id, "a", reason="sheet row deleted")
        store.skip_row(job.id, "b", reason="sheet row deleted")
        store.skip_row(job.id, "ghost", reason="nothing")
        row = store.get_row(job.id, "a")
        assert row is not None and row.status_text == "skipped: sheet row deleted"
        assert not store.finish_row(job.id, "b", owner="w1", outcome=RowOutcome(RowState.DONE), now=T0)
        assert store.count_rows(job.id)[RowState.SKIPPED] == 2
        assert store.get_row(job.id, "ghost") is None

    # --- counters (issue 18: progress counts stay right whatever happens to a row) ---

    @staticmethod
    def recount(store: JobStore, job_id: str) -> tuple[dict[RowState, int], dict[str, int]]:
        """Counts and error kinds recomputed from the rows themselves."""
        counts = {state: 0 for state in RowState}
        kinds: dict[str, int] = {}
        for row in store.iter_rows(job_id):
            counts[row.state] += 1
            if row.state == RowState.FAILED:
                kind = (row.error_kind or ErrorKind.INTERNAL).value
                kinds[kind] = kinds.get(kind, 0) + 1
        return counts, kinds

    def assert_counts_match_rows(self, store: JobStore, job_id: str) -> None:
        counts, kinds = self.recount(store, job_id)
        assert store.count_rows(job_id) == counts
        assert store.count_error_kinds(job_id) == kinds

    def test_counts_survive_duplicate_delivery_and_retries(self, store: JobStore, job: Job) -> None:
        rows = [make_row(f"r{n}", n) for n in range(8)]
        store.add_rows(job.id, rows)
        store.add_rows(job.id, rows[:5])  # a re-delivered planning chunk
        self.assert_counts_match_rows(store, job.id)
        done = RowOutcome(RowState.DONE, result=make_profile())
        dns = RowOutcome(RowState.FAILED, error_kind=ErrorKind.DNS, error_message="no such host")
        later = RowOutcome(RowState.PENDING, error_kind=ErrorKind.TIMEOUT, error_message="slow")
        # r0: done, then a duplicate delivery finds it final and a late finish is refused
        self.lease(store, "r0")
        assert store.finish_row(job.id, "r0", owner="w1", outcome=done, now=T0)
        assert self.lease(store, "r0", owner="w2").status == LeaseStatus.ALREADY_FINAL
        assert not store.finish_row(job.id, "r0", owner="w1", outcome=done, now=T0)
        # r1: two deliveries at once: one lease, the other busy; the loser's finish changes nothing
        assert self.lease(store, "r1", owner="w1").status == LeaseStatus.LEASED
        assert self.lease(store, "r1", owner="w2").status == LeaseStatus.BUSY
        assert not store.finish_row(job.id, "r1", owner="w2", outcome=dns, now=T0)
        assert store.finish_row(job.id, "r1", owner="w1", outcome=dns, now=T0)
        # r2: retried (pending), taken over after its lease expired, then failed
        self.lease(store, "r2")
        assert store.finish_row(job.id, "r2", owner="w1", outcome=later, now=T0)
        self.lease(store, "r2", owner="w1", now=T0 + timedelta(seconds=1))
        late = T0 + timedelta(seconds=LEASE + 5)
        assert self.lease(store, "r2", owner="w2", now=late).status == LeaseStatus.LEASED
        assert not store.finish_row(job.id, "r2", owner="w1", outcome=done, now=late)
        assert store.finish_row(job.id, "r2", owner="w2", outcome=dns, now=late)
        # r3: attempts exhausted by leasing alone (a crashed worker each time)
        for n in range(4):
            self.lease(store, "r3", owner=f"w{n}", now=T0 + timedelta(seconds=n * (LEASE + 1)), max_attempts=3)
        # r4: done then skipped (its sheet row deleted); r5: skipped twice; r6 leased and left
        self.lease(store, "r4")
        store.finish_row(job.id, "r4", owner="w1", outcome=done, now=T0)
        store.skip_row(job.id, "r4", reason="row deleted")
        store.skip_row(job.id, "r5", reason="row deleted")
        store.skip_row(job.id, "r5", reason="row deleted")
        self.lease(store, "r6")
        store.mark_flushed(job.id, ["r0", "r1", "r4"])
        self.assert_counts_match_rows(store, job.id)
        counts = store.count_rows(job.id)
        assert (counts[RowState.DONE], counts[RowState.FAILED], counts[RowState.SKIPPED]) == (1, 3, 2)
        assert store.count_error_kinds(job.id) == {"dns": 2, "internal": 1}
        # retry-failed and refresh put rows back; twice is the same as once
        assert store.reset_rows(job.id, ["r0", "r1", "r3", "r5", "ghost"]) == 4
        store.reset_rows(job.id, ["r0", "r1"])
        self.assert_counts_match_rows(store, job.id)
        assert store.count_error_kinds(job.id) == {"dns": 1}
        self.lease(store, "r1", owner="w9")
        assert store.finish_row(job.id, "r1", owner="w9", outcome=done, now=T0)
        self.assert_counts_match_rows(store, job.id)
        assert sum(store.count_rows(job.id).values()) == 8

    def test_spent_usd_sums_each_rows_last_attempt(self, store: JobStore, job: Job) -> None:
        store.create_job(make_job("job-2"))
        store.add_rows(job.id, [make_row("a", 1), make_row("b", 2), make_row("c", 3)])
        store.add_rows("job-2", [make_row("a", 1)])
        assert store.spent_usd(job.id) == 0

        def finish(key: str, cost: float, owner: str = "w1", job_id: str = job.id) -> bool:
            outcome = RowOutcome(RowState.DONE, result=make_profile(), usage=Usage(cost_usd=cost))
            return store.finish_row(job_id, key, owner=owner, outcome=outcome, now=T0)

        self.lease(store, "a")
        assert finish("a", 0.01)
        assert not finish("a", 0.01)  # a duplicate delivery's late finish is refused and costs nothing
        self.lease(store, "b")
        failed = RowOutcome(RowState.FAILED, error_kind=ErrorKind.DNS, usage=Usage(cost_usd=0.002))
        assert store.finish_row(job.id, "b", owner="w1", outcome=failed, now=T0)
        store.lease_row("job-2", "a", owner="w1", now=T0, lease_seconds=LEASE, max_attempts=3)
        assert finish("a", 5.0, job_id="job-2")  # another job's spend is its own
        assert store.spent_usd(job.id) == pytest.approx(0.012)
        store.reset_rows(job.id, ["a"])  # retried: only its new attempt will count
        self.lease(store, "a", owner="w2")
        assert finish("a", 0.03, owner="w2")
        assert store.spent_usd(job.id) == pytest.approx(0.032)
        assert store.spent_usd("job-2") == pytest.approx(5.0)

    def test_counts_are_per_job_and_gone_with_the_job(self, store: JobStore, job: Job) -> None:
        store.create_job(make_job("job-2"))
        store.add_rows(job.id, [make_row("a", 1)])
        store.add_rows("job-2", [make_row("a", 1), make_row("b", 2)])
        store.skip_row("job-2", "a", reason="x")
        assert store.count_rows(job.id)[RowState.PENDING] == 1
        assert store.count_rows("job-2")[RowState.SKIPPED] == 1
        store.delete_job("job-2")
        assert store.count_rows("job-2") == {state: 0 for state in RowState}
        assert store.count_error_kinds("job-2") == {}

    # --- statistics (batch API) ----------------------------------------------

    def test_jobs_since_filters_by_update_time_and_owner(self, store: JobStore) -> None:
        for n, owner in enumerate(["ann", "bob", "ann", "ann"]):
            store.create_job(make_job(f"j{n}", owner=owner, created_at=T0 + timedelta(hours=n)))
        store.update_job("j0", now=T0 + timedelta(hours=5), name="touched")  # old job, recent update
        since = T0 + timedelta(hours=2)
        assert [j.id for j in store.jobs_since(since)] == ["j0", "j3", "j2"]
        assert [j.id for j in store.jobs_since(since, owner="ann", limit=2)] == ["j0", "j3"]
        assert store.jobs_since(since, owner="bob") == []
        assert store.jobs_since(T0 + timedelta(hours=6)) == []

    def test_rows_researched_since_only_finished_recent_rows(self, store: JobStore, job: Job) -> None:
        store.add_rows(job.id, [make_row(k, n) for n, k in enumerate("abcde", start=1)])
        outcomes = {
            "a": (RowOutcome(RowState.DONE, result=make_profile(), usage=Usage(seconds=1.5)), T0),
            "b": (RowOutcome(RowState.FAILED, error_kind=ErrorKind.TIMEOUT), T0 + timedelta(minutes=10)),
            "c": (RowOutcome(RowState.DONE, usage=Usage(seconds=2.25)), T0 + timedelta(minutes=20)),
            "d": (RowOutcome(RowState.PENDING, error_kind=ErrorKind.TIMEOUT), T0 + timedelta(minutes=30)),
        }
        for key, (outcome, at) in outcomes.items():
            self.lease(store, key, now=at)
            assert store.finish_row(job.id, key, owner="w1", outcome=outcome, now=at)
        found = store.rows_researched_since(job.id, T0 + timedelta(minutes=5))
        assert sorted(row.key for row in found) == ["b", "c"]
        by_key = {row.key: row for row in found}
        assert by_key["b"].error_kind == ErrorKind.TIMEOUT
        assert by_key["c"].usage == Usage(seconds=2.25)
        assert len(store.rows_researched_since(job.id, T0, limit=2)) == 2
        assert len(store.rows_researched_since(job.id, T0)) == 3
        assert store.rows_researched_since("other-job", T0) == []
