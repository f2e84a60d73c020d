"""The batch API's parts without HTTP: key stores, key format, statistics and owner limits on a moved clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from service.domain import CompanyInput, ErrorKind, JobOptions, JobState, RowOutcome, RowState, Usage
from service.domain.apikeys import ApiKey, key_digest, new_key, prefix_of
from service.domain.errors import InputError, JobNotFound, QuotaError
from service.domain.notices import check_email, check_webhook_url
from service.domain.retry import RetryPolicy
from service.jobs.apikeys import create_key, key_owner, list_keys, revoke_key
from service.jobs.batches import OwnerLimits, batch_stats, submit_batch
from service.jobs.ports import Services
from service.store.keys import MemoryApiKeyStore, SqliteApiKeyStore
from service.store.memory import MemoryJobStore
from service.store.port import ApiKeyStore
from tests.api.fakes import FakeResearcher
from tests.support.fakes import FakeQueue

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def keys(request: pytest.FixtureRequest, tmp_path: Path) -> ApiKeyStore:
    return MemoryApiKeyStore() if request.param == "memory" else SqliteApiKeyStore(tmp_path / "keys.sqlite3")


def test_key_stores_keep_digests_and_revocations(keys: ApiKeyStore) -> None:
    ann, ann_key = create_key(keys, owner="ann@example.com", now=T0)
    bob, _ = create_key(keys, owner="bob", now=T0 + timedelta(seconds=1))
    assert key_owner(keys, ann_key) == "ann@example.com"
    assert keys.get_key(ann.prefix) == ann and ann.digest == key_digest(ann_key)
    assert [k.prefix for k in list_keys(keys)] == [ann.prefix, bob.prefix]
    assert [k.owner for k in list_keys(keys, owner="bob")] == ["bob"]
    revoked = revoke_key(keys, ann.prefix, now=T0 + timedelta(hours=1))
    assert revoked.revoked_at == T0 + timedelta(hours=1) and not revoked.active
    again = revoke_key(keys, ann.prefix, now=T0 + timedelta(hours=2))
    assert again.revoked_at == T0 + timedelta(hours=1)  # the first revocation stands
    assert key_owner(keys, ann_key) is None
    with pytest.raises(JobNotFound):
        revoke_key(keys, "00000000", now=T0)


def test_only_an_exact_active_key_names_its_owner(keys: ApiKeyStore) -> None:
    record, key = create_key(keys, owner="ann", now=T0)
    other_secret = f"rsk_{record.prefix}_{new_key()[1].split('_')[2]}"
    for wrong in ("", key[:-1], key + "x", other_secret, key.upper(), "Bearer " + key):
        assert key_owner(keys, wrong) is None, wrong


def test_key_format_and_owner_rules() -> None:
    prefix, key = new_key()
    assert prefix_of(key) == prefix and len(key) == len("rsk_") + 8 + 1 + 43
    assert prefix_of("rsk_zzzzzzzz_" + "a" * 43) is None
    assert ApiKey(prefix, "o", key_digest(key), T0).matches(key)
    assert len({new_key()[1] for _ in range(100)}) == 100
    for owner in ("", " ", "two words", "x" * 201, "tab\tname"):
        with pytest.raises(InputError):
            create_key(MemoryApiKeyStore(), owner=owner, now=T0)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://hooks.example/x?y=1", True),
        ("http://127.0.0.1:8080/hook", True),
        ("http://localhost/hook", True),
        ("http://[::1]:9000/hook", True),
        ("http://hooks.example/x", False),
        ("http://127.0.0.2/x", False),
        ("https://user:pw@hooks.example/", False),
        ("https:///nohost", False),
        ("https://hooks.example:99999/", False),
        ("javascript:alert(1)", False),
        ("https://hooks.example/a b", False),
    ],
)
def test_webhook_urls(url: str, ok: bool) -> None:
    if ok:
        assert check_webhook_url(url) == url
    else:
        with pytest.raises(InputError):
            check_webhook_url(url)


def test_email_syntax() -> None:
    assert check_email(" ops@example.co.uk ") == "ops@example.co.uk"
    for bad in ("ops", "ops@", "@example.com", "ops@localhost", "a b@example.com", "ops@exa mple.com"):
        with pytest.raises(InputError):
            check_email(bad)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _services(clock: Clock) -> Services:
    return Services(store=MemoryJobStore(), queue=FakeQueue(), researcher=FakeResearcher(), clock=clock)


LIMITS = OwnerLimits(max_active_batches=10, max_rows_per_day=100)


def _finish(svc: Services, job_id: str, key: str, outcome: RowOutcome) -> None:
    lease = svc.store.lease_row(job_id, key, owner="w", now=svc.clock(), lease_seconds=60, max_attempts=3)
    assert lease.row is not None
    assert svc.store.finish_row(job_id, key, owner="w", outcome=outcome, now=svc.clock())


def test_stats_over_a_timeframe() -> None:
    clock = Clock()
    svc = _services(clock)
    companies = [CompanyInput(name=f"C{n}") for n in range(1, 11)]
    old, _ = submit_batch(svc, owner="ann", name="old", companies=companies[:2], options=JobOptions(), limits=LIMITS)
    _finish(svc, old.id, "r1", RowOutcome(RowState.DONE, usage=Usage(seconds=50.0)))
    clock.now = T0 + timedelta(hours=3)
    new, _ = submit_batch(svc, owner="ann", name="new", companies=companies, options=JobOptions(), limits=LIMITS)
    seconds = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
    for n, value in enumerate(seconds, start=1):
        _finish(svc, new.id, f"r{n}", RowOutcome(RowState.DONE, usage=Usage(seconds=value)))
    _finish(svc, new.id, "r8", RowOutcome(RowState.FAILED, error_kind=ErrorKind.TIMEOUT, usage=Usage(seconds=9.0)))
    _finish(svc, new.id, "r9", RowOutcome(RowState.FAILED, error_kind=ErrorKind.TIMEOUT, usage=Usage(seconds=10.0)))
    _finish(svc, new.id, "r10", RowOutcome(RowState.FAILED, error_kind=ErrorKind.BLOCKED, usage=Usage(seconds=20.0)))
    submit_batch(svc, owner="bob", name="bob's", companies=companies[:1], options=JobOptions(), limits=LIMITS)

    stats = batch_stats(svc, owner="ann", timeframe="1h")
    assert stats["companies_processed"] == 10 and (stats["succeeded"], stats["failed"]) == (7, 3)
    assert stats["success_rate"] == 0.7
    assert stats["processing_seconds_per_company"] == {"average": 6.7, "p95": 20.0}
    assert stats["top_error_kinds"] == [
        {"kind": "timeout", "count": 2, "share": 0.6667},
        {"kind": "blocked", "count": 1, "share": 0.3333},
    ]
    assert stats["batches"]["total"] == 2  # the new one, and the old one still active (1 row left)
    assert stats["queue_depth"] == 1  # the old batch's second row
    everything = batch_stats(svc, owner="ann", timeframe="24h")
    assert everything["companies_processed"] == 11
    assert batch_stats(svc, owner="carl", timeframe="30d")["companies_processed"] == 0


def test_rows_per_day_come_back_as_the_oldest_batches_age_out() -> None:
    clock = Clock()
    svc = _services(clock)
    names = [CompanyInput(name=f"N{n}") for n in range(60)]
    limits = OwnerLimits(max_active_batches=10, max_rows_per_day=100)
    submit_batch(svc, owner="ann", name="a", companies=names[:60], options=JobOptions(), limits=limits)
    clock.now = T0 + timedelta(hours=5)
    submit_batch(svc, owner="ann", name="b", companies=names[:30], options=JobOptions(), limits=limits)
    clock.now = T0 + timedelta(hours=6)
    with pytest.raises(QuotaError) as refused:
        submit_batch(svc, owner="ann", name="c", companies=names[:20], options=JobOptions(), limits=limits)
    assert refused.value.retry_after == timedelta(hours=18).total_seconds()  # when batch "a" leaves the window
    submit_batch(svc, owner="bob", name="bob", companies=names[:20], options=JobOptions(), limits=limits)  # own quota
    clock.now = T0 + timedelta(hours=24, seconds=1)
    submit_batch(svc, owner="ann", name="c", companies=names[:20], options=JobOptions(), limits=limits)


def test_active_batches_limit_counts_queued_and_processing_only() -> None:
    svc = _services(Clock())
    limits = OwnerLimits(max_active_batches=2, max_rows_per_day=1000)
    one = [CompanyInput(name="A")]
    first, _ = submit_batch(svc, owner="ann", name="1", companies=one, options=JobOptions(), limits=limits)
    submit_batch(svc, owner="ann", name="2", companies=one, options=JobOptions(), limits=limits)
    with pytest.raises(QuotaError) as refused:
        submit_batch(svc, owner="ann", name="3", companies=one, options=JobOptions(), limits=limits)
    assert refused.value.retry_after == 60.0
    svc.store.set_job_state(first.id, JobState.CANCELLED, now=svc.clock())
    submit_batch(svc, owner="ann", name="3", companies=one, options=JobOptions(), limits=limits)


def test_urgent_goes_to_its_own_queue_else_to_high() -> None:
    from tests.queue.test_cloudtasks import QUEUES, make_queue

    assert make_queue().queue_path("urgent").endswith(f"/queues/{QUEUES['high']}")
    with_urgent = make_queue(queues={**QUEUES, "urgent": "rs-urgent"})
    assert with_urgent.queue_path("urgent").endswith("/queues/rs-urgent")
    assert with_urgent.queue_path("low").endswith(f"/queues/{QUEUES['low']}")


def test_urgent_rows_are_dispatched_before_high_ones_in_process() -> None:
    from service.queue.inprocess import InProcessQueue
    from service.queue.port import Task, TaskDelivery, TaskKind, TaskResult

    order: list[str] = []

    def handle(delivery: TaskDelivery) -> TaskResult:
        order.append(delivery.task.priority)
        return TaskResult.done()

    queue = InProcessQueue(handle, rate=1000.0, concurrency=1, retry=RetryPolicy(max_attempts=1))
    for n, priority in enumerate(["low", "normal", "high", "urgent", "normal"]):
        queue.enqueue(Task(kind=TaskKind.RESEARCH, job_id="j", row_key=f"r{n}", priority=priority))
    queue.start()
    assert queue.join(timeout=10)
    queue.stop()
    assert order == ["urgent", "high", "normal", "normal", "low"]


def test_serve_researches_batches_left_unfinished_by_an_earlier_process() -> None:
    from service.bootstrap import build_serve
    from service.config import Settings

    clock = Clock()
    svc = _services(clock)  # its queue never runs: the process "died" after submit
    names = [CompanyInput(name=f"Left {n}") for n in range(3)]
    job, _ = submit_batch(svc, owner="ann", name="left", companies=names, options=JobOptions(), limits=LIMITS)
    researcher = FakeResearcher()
    served = build_serve(Settings(), store=svc.store, researcher=researcher, keys=MemoryApiKeyStore())
    try:
        assert served.start() == 3
        assert served.queue.join(timeout=30)
    finally:
        served.close()
    assert sorted(researcher.calls) == ["Left 0", "Left 1", "Left 2"]
    finished = svc.store.get_job(job.id)
    assert finished is not None and finished.state == JobState.COMPLETED
