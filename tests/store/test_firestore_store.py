"""The ``JobStore`` contract on ``FirestoreJobStore``, on the real Firestore emulator.

Beyond the contract: row ids are safe and reversible, documents carry
``expire_at`` for TTL, deleting a job removes more rows than one batch holds,
and two stores with different collection prefixes do not see each other.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from google.cloud import firestore

from service.domain import JobState, Row, RowOutcome, RowState
from service.domain.errors import JobError
from service.store.firestore import FirestoreJobStore, decode_key, encode_key
from tests.contract.store_contract import LEASE, T0, StoreContract, make_job, make_row

pytestmark = pytest.mark.emulator


class TestFirestoreJobStore(StoreContract):
    race_threads = 3  # the emulator serialises contended transactions slowly

    @pytest.fixture(autouse=True)
    def _client(self, firestore_client: firestore.Client) -> None:
        self.client = firestore_client

    def make_store(self) -> FirestoreJobStore:
        return FirestoreJobStore(self.client)


@pytest.mark.parametrize("key", ["sheet/12", ".", "..", "__name__", "a%2Fb", "ä ö", "-", "ok-Key-9"])
def test_row_ids_are_safe_and_reversible(key: str) -> None:
    encoded = encode_key(key)
    assert "/" not in encoded and encoded not in (".", "..") and "__" not in encoded
    assert decode_key(encoded) == key


def test_empty_or_huge_keys_are_refused() -> None:
    with pytest.raises(JobError):
        encode_key("")
    with pytest.raises(JobError):
        encode_key("/" * 600)


def test_documents_follow_the_data_model(firestore_client: firestore.Client) -> None:
    store = FirestoreJobStore(firestore_client, collection_prefix="t_")
    job = make_job()
    store.create_job(job)
    store.add_rows(job.id, [make_row("sheet/1", 1)])
    job_doc = firestore_client.collection("t_jobs").document(job.id).get()
    row_doc = firestore_client.document(f"t_jobs/{job.id}/rows/{encode_key('sheet/1')}").get()
    assert job_doc.get("expire_at") == job.expire_at
    assert row_doc.get("expire_at") == job.expire_at
    assert (row_doc.get("key"), row_doc.get("state"), row_doc.get("flushed")) == ("sheet/1", "pending", False)


def test_new_expiry_reaches_the_rows(firestore_client: firestore.Client) -> None:
    store = FirestoreJobStore(firestore_client)
    store.create_job(make_job())
    store.add_rows("job-1", [make_row(f"r{n}", n) for n in range(3)])
    later = T0 + timedelta(days=90)
    store.update_job("job-1", now=T0, expire_at=later)
    rows = firestore_client.collection("jobs/job-1/rows").stream()
    assert [doc.get("expire_at") for doc in rows] == [later] * 3


def test_delete_job_spans_several_batches(firestore_client: firestore.Client) -> None:
    store = FirestoreJobStore(firestore_client)
    store.create_job(make_job())
    store.add_rows("job-1", (make_row(f"r{n:04d}", n) for n in range(1203)))
    store.delete_job("job-1")
    assert list(firestore_client.collection("jobs/job-1/rows").limit(1).stream()) == []
    assert store.get_job("job-1") is None


def test_collection_prefixes_are_isolated(firestore_client: firestore.Client) -> None:
    blue = FirestoreJobStore(firestore_client, collection_prefix="blue_")
    green = FirestoreJobStore(firestore_client, collection_prefix="green_")
    blue.create_job(make_job())
    assert green.get_job("job-1") is None
    assert green.list_jobs() == []
    blue.set_job_state("job-1", JobState.RUNNING, now=T0)
    assert blue.get_job("job-1").state == JobState.RUNNING  # type: ignore[union-attr]


class InterferingStore(FirestoreJobStore):
    """Leases row "a" (as w2) after the bulk update read it and before it commits: a real race."""

    interfered = False

    def _commit_guarded(self, job_id: str, seen: Any, change: Any) -> int:
        if not self.interfered:
            self.interfered = True
            self.lease_row("job-1", "a", owner="w2", now=T0, lease_seconds=LEASE, max_attempts=5)
        return super()._commit_guarded(job_id, seen, change)


def test_bulk_update_never_writes_a_stale_row(firestore_client: firestore.Client) -> None:
    store = InterferingStore(firestore_client)
    store.create_job(make_job())
    store.add_rows("job-1", [make_row("a", 1)])
    store.lease_row("job-1", "a", owner="w1", now=T0, lease_seconds=LEASE, max_attempts=5)
    store.finish_row("job-1", "a", owner="w1", outcome=RowOutcome(RowState.PENDING), now=T0)
    assert store.reset_rows("job-1", ["a"], reset_attempts=False) == 1
    row = store.get_row("job-1", "a")
    assert store.interfered and isinstance(row, Row)
    assert (row.state, row.attempts, row.lease_owner) == (RowState.PENDING, 2, None)  # the fresh row, reset


class RacingClient:
    """A real client that lets a competitor create row "b" just before our batch of creates commits."""

    def __init__(self, real: firestore.Client) -> None:
        self.real = real
        self.raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def batch(self) -> Any:
        if not self.raced:
            self.raced = True
            competitor = FirestoreJobStore(self.real)
            competitor.add_rows("job-1", [make_row("b", 2, name="Competitor")])
        return self.real.batch()


def test_racing_add_rows_never_overwrites(firestore_client: firestore.Client) -> None:
    racing = RacingClient(firestore_client)
    store = FirestoreJobStore(racing)  # type: ignore[arg-type]
    store.create_job(make_job())
    assert store.add_rows("job-1", [make_row(k, n) for n, k in enumerate("abc")]) == 2
    assert racing.raced
    assert store.get_row("job-1", "b").input.name == "Competitor"  # type: ignore[union-attr]
    assert [r.key for r in store.iter_rows("job-1")] == ["a", "b", "c"]


# --- issue 18: operations per row and the job read cache -------------------------------------


class _Calls:
    """Counts the GAPIC calls a store makes (the real client underneath)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.names: list[str] = []

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            self.names.append(name)
            return attribute(*args, **kwargs)

        return call


def _counted(client: firestore.Client) -> _Calls:
    calls = _Calls(client._firestore_api)
    client._firestore_api_internal = calls
    return calls


def test_a_lease_reads_once_and_a_finish_reads_nothing(firestore_client: firestore.Client) -> None:
    store = FirestoreJobStore(firestore_client)
    store.create_job(make_job())
    store.add_rows("job-1", [make_row("a", 1)])
    calls = _counted(firestore_client)
    store.lease_row("job-1", "a", owner="w1", now=T0, lease_seconds=LEASE, max_attempts=3)
    assert calls.names == ["batch_get_documents", "commit"]  # the peek, then one guarded write
    calls.names.clear()
    assert store.finish_row("job-1", "a", owner="w1", outcome=RowOutcome(RowState.DONE), now=T0)
    assert calls.names == ["commit"]  # guarded by the lease's own update time: no read, no transaction


def test_a_finish_after_someone_else_changed_the_row_is_decided_on_a_fresh_read(
    firestore_client: firestore.Client,
) -> None:
    store, other = FirestoreJobStore(firestore_client), FirestoreJobStore(firestore_client)
    store.create_job(make_job())
    store.add_rows("job-1", [make_row("a", 1)])
    store.lease_row("job-1", "a", owner="w1", now=T0, lease_seconds=LEASE, max_attempts=3)
    other.reset_rows("job-1", ["a"])  # retry-failed elsewhere: the lease is void
    assert not store.finish_row("job-1", "a", owner="w1", outcome=RowOutcome(RowState.DONE), now=T0)
    assert store.count_rows("job-1")[RowState.PENDING] == 1 and store.count_rows("job-1")[RowState.DONE] == 0


def test_progress_counts_cost_the_same_reads_for_any_job_size(firestore_client: firestore.Client) -> None:
    store = FirestoreJobStore(firestore_client)
    store.create_job(make_job())
    calls = _counted(firestore_client)
    store.add_rows("job-1", [make_row("a", 1)])
    calls.names.clear()
    store.count_rows("job-1")
    small = list(calls.names)
    store.add_rows("job-1", (make_row(f"r{n:04d}", n) for n in range(1200)))
    calls.names.clear()
    assert store.count_rows("job-1")[RowState.PENDING] == 1201
    assert calls.names == small == ["run_aggregation_query", "run_aggregation_query"]


def test_the_job_cache_serves_reads_and_forgets_on_its_own_writes(firestore_client: firestore.Client) -> None:
    cached = FirestoreJobStore(firestore_client, job_cache_seconds=60.0)
    other = FirestoreJobStore(firestore_client)
    cached.create_job(make_job())
    assert cached.get_job("job-1").state == JobState.QUEUED  # type: ignore[union-attr]
    other.set_job_state("job-1", JobState.CANCELLED, now=T0)
    assert cached.get_job("job-1").state == JobState.QUEUED  # type: ignore[union-attr]  # within its 60 s
    cached.set_job_state("job-1", JobState.RUNNING, now=T0)
    assert cached.get_job("job-1").state == JobState.RUNNING  # type: ignore[union-attr]
    assert FirestoreJobStore(firestore_client).get_job("job-1").state == JobState.RUNNING  # type: ignore[union-attr]


def test_counter_shards_expire_with_their_job(firestore_client: firestore.Client) -> None:
    store = FirestoreJobStore(firestore_client)
    job = make_job()
    store.create_job(job)
    store.add_rows("job-1", [make_row(f"r{n}", n) for n in range(6)])
    for n in range(6):
        store.lease_row("job-1", f"r{n}", owner="w1", now=T0, lease_seconds=LEASE, max_attempts=3)
        store.finish_row("job-1", f"r{n}", owner="w1", outcome=RowOutcome(RowState.DONE), now=T0)
    shards = list(firestore_client.collection("jobs/job-1/counters").stream())
    assert shards and {doc.get("expire_at") for doc in shards} == {job.expire_at}
    later = T0 + timedelta(days=90)
    store.update_job("job-1", now=T0, expire_at=later)
    assert {doc.get("expire_at") for doc in firestore_client.collection("jobs/job-1/counters").stream()} == {later}
    assert store.count_rows("job-1")[RowState.DONE] == 6
