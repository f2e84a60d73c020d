"""InProcessQueue: rate, concurrency, retries and give-up, dedup, priorities, lifecycle.

Time logic (backoff, retry-after, schedule_at) runs on a hand-moved clock;
the rate and speed checks use the real clock with slack only in the
direction that cannot flake.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from service.domain.errors import QueueError
from service.domain.retry import RetryPolicy
from service.queue.port import Task, TaskDelivery, TaskKind, TaskResult
from tests.queue.conftest import ManualClock, Recorder

FAST_RETRY = RetryPolicy(max_attempts=3, min_backoff=0.001, max_backoff=0.005, jitter=0)


def research(row: int | str, job: str = "job1", **fields) -> Task:
    return Task(kind=TaskKind.RESEARCH, job_id=job, row_key=str(row), **fields)


def test_every_task_is_delivered_once_on_its_first_attempt(make_inprocess) -> None:
    recorder = Recorder()
    queue = make_inprocess(recorder, rate=math.inf, concurrency=4, retry=FAST_RETRY)
    assert queue.enqueue_many(research(i, payload={"i": i}) for i in range(30)) == 30
    queue.start()
    assert queue.join(timeout=5)
    assert sorted(d.task.payload["i"] for d in recorder.deliveries) == list(range(30))
    assert {d.attempt for d in recorder.deliveries} == {1}
    stats = queue.stats
    assert (stats.dispatched, stats.succeeded, stats.retried, stats.gave_up) == (30, 30, 0, 0)


def test_dispatch_rate_stays_within_the_limit(make_inprocess) -> None:
    rate, count = 100.0, 150
    queue = make_inprocess(Recorder(), rate=rate, concurrency=8, retry=FAST_RETRY)
    queue.enqueue_many(research(i) for i in range(count))
    queue.start()
    assert queue.join(timeout=10)
    times = queue.stats.dispatch_times
    assert len(times) == count
    burst = max(1.0, rate)
    assert times[-1] - times[0] >= (count - burst) / rate - 1e-6
    for i in range(count):  # any window holds at most burst + rate * width dispatches
        for j in range(i, count):
            assert j - i + 1 <= burst + rate * (times[j] - times[i]) + 1e-6
    assert times[-1] - times[0] < 5.0  # the limiter does not starve the queue


def test_in_flight_never_exceeds_concurrency(make_inprocess) -> None:
    concurrency = 5
    running, peak = 0, 0
    lock = threading.Lock()
    all_busy = threading.Event()

    def handler(delivery: TaskDelivery) -> TaskResult:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
            if running == concurrency:
                all_busy.set()
        all_busy.wait(timeout=5)
        with lock:
            running -= 1
        return TaskResult.done()

    queue = make_inprocess(handler, rate=math.inf, concurrency=concurrency, retry=FAST_RETRY)
    queue.enqueue_many(research(i) for i in range(40))
    queue.start()
    assert queue.join(timeout=10)
    assert all_busy.is_set()
    assert peak == concurrency
    assert queue.stats.max_in_flight == concurrency


def test_retries_back_off_then_give_up(make_inprocess, manual_clock: ManualClock) -> None:
    policy = RetryPolicy(max_attempts=3, min_backoff=10, max_backoff=100, max_doublings=2, jitter=0)
    recorder = Recorder(lambda _d: TaskResult.retry(), clock=manual_clock)
    gave_up: list[tuple[TaskDelivery, str]] = []
    queue = make_inprocess(
        recorder,
        rate=math.inf,
        concurrency=2,
        retry=policy,
        clock=manual_clock,
        on_give_up=lambda delivery, reason: gave_up.append((delivery, reason)),
    )
    queue.enqueue(research(1))
    queue.start()
    assert queue.settle(timeout=5)
    for step, expected_dispatches in [(9.99, 1), (0.01, 2), (19.99, 2), (0.01, 3)]:
        manual_clock.advance(step)
        queue.wake()
        assert queue.settle(timeout=5)
        assert queue.stats.dispatched == expected_dispatches
    assert queue.join(timeout=5)
    assert [d.attempt for d in recorder.deliveries] == [1, 2, 3]
    assert [t - recorder.times[0] for t in recorder.times] == pytest.approx([0, 10, 30])
    stats = queue.stats
    assert (stats.retried, stats.gave_up, stats.retry_delays) == (2, 1, (10.0, 20.0))
    assert len(gave_up) == 1
    assert gave_up[0][0].attempt == 3 and gave_up[0][0].task == research(1)
    assert "3 attempts" in gave_up[0][1]


def test_retry_after_hint_is_a_minimum_delay(make_inprocess, manual_clock: ManualClock) -> None:
    policy = RetryPolicy(max_attempts=3, min_backoff=1, max_backoff=5, jitter=0)
    recorder = Recorder(
        lambda d: TaskResult.retry(after=30) if d.attempt == 1 else TaskResult.done(), clock=manual_clock
    )
    queue = make_inprocess(recorder, rate=math.inf, concurrency=1, retry=policy, clock=manual_clock)
    queue.enqueue(research(1))
    queue.start()
    assert queue.settle(timeout=5)
    manual_clock.advance(29.9)
    queue.wake()
    assert queue.settle(timeout=5) and queue.stats.dispatched == 1
    manual_clock.advance(0.1)
    queue.wake()
    assert queue.join(timeout=5)
    assert queue.stats.retry_delays == (30.0,)
    assert [d.attempt for d in recorder.deliveries] == [1, 2]


def test_jittered_delays_stay_within_bounds(make_inprocess) -> None:
    policy = RetryPolicy(max_attempts=2, min_backoff=0.002, max_backoff=0.01, jitter=0.5)
    queue = make_inprocess(
        Recorder(lambda d: TaskResult.retry() if d.attempt == 1 else TaskResult.done()),
        rate=math.inf,
        concurrency=4,
        retry=policy,
    )
    queue.enqueue_many(research(i) for i in range(50))
    queue.start()
    assert queue.join(timeout=5)
    delays = queue.stats.retry_delays
    assert len(delays) == 50
    assert all(0.002 <= d <= 0.003 for d in delays)
    assert len(set(delays)) > 1


def test_handler_exceptions_are_retried_and_do_not_kill_workers(make_inprocess) -> None:
    def flaky(delivery: TaskDelivery) -> TaskResult:
        if delivery.attempt == 1:
            raise RuntimeError("boom")
        return TaskResult.done()

    queue = make_inprocess(flaky, rate=math.inf, concurrency=2, retry=FAST_RETRY)
    queue.enqueue_many(research(i) for i in range(20))
    queue.start()
    assert queue.join(timeout=5)
    stats = queue.stats
    assert (stats.succeeded, stats.errors, stats.retried, stats.gave_up) == (20, 20, 20, 0)


def test_give_up_reports_the_exception_and_survives_a_failing_callback(make_inprocess) -> None:
    reasons: list[str] = []

    def on_give_up(delivery: TaskDelivery, reason: str) -> None:
        reasons.append(reason)
        raise ValueError("the callback itself fails")

    def broken(_delivery: TaskDelivery) -> TaskResult:
        raise KeyError("no such row")

    policy = RetryPolicy(max_attempts=2, min_backoff=0.001, max_backoff=0.001, jitter=0)
    queue = make_inprocess(broken, rate=math.inf, concurrency=1, retry=policy, on_give_up=on_give_up)
    queue.enqueue_many([research(1), research(2)])
    queue.start()
    assert queue.join(timeout=5)
    assert reasons == ["KeyError: 'no such row'"] * 2
    assert queue.stats.gave_up == 2


def test_duplicate_names_are_dropped_while_queued_or_in_flight(make_inprocess) -> None:
    release = threading.Event()
    started = threading.Event()

    def handler(delivery: TaskDelivery) -> TaskResult:
        started.set()
        release.wait(timeout=5)
        return TaskResult.done()

    queue = make_inprocess(handler, rate=math.inf, concurrency=1, retry=FAST_RETRY)
    assert queue.enqueue_many([research(1), research(1), research(2)]) == 2
    queue.start()
    assert started.wait(timeout=5)
    assert queue.enqueue_many([research(1), research(2)]) == 0  # one in flight, one queued
    release.set()
    assert queue.join(timeout=5)
    assert queue.enqueue_many([research(1)]) == 1  # finished names may be queued again
    assert queue.join(timeout=5)
    stats = queue.stats
    assert (stats.dispatched, stats.deduplicated) == (3, 3)


def test_priorities_are_dispatched_high_first(make_inprocess) -> None:
    recorder = Recorder()
    queue = make_inprocess(recorder, rate=math.inf, concurrency=1, retry=FAST_RETRY)
    queue.enqueue_many([research("low", priority="low"), research("normal"), research("high", priority="high")])
    queue.start()
    assert queue.join(timeout=5)
    assert [d.task.row_key for d in recorder.deliveries] == ["high", "normal", "low"]


def test_schedule_at_is_not_dispatched_early(make_inprocess, manual_clock: ManualClock) -> None:
    wall = datetime(2030, 1, 1, tzinfo=UTC)
    recorder = Recorder(clock=manual_clock)
    queue = make_inprocess(
        recorder, rate=math.inf, concurrency=1, retry=FAST_RETRY, clock=manual_clock, wall_clock=lambda: wall
    )
    queue.enqueue(research(1, schedule_at=wall + timedelta(seconds=5)))
    queue.enqueue(research(2, schedule_at=(wall - timedelta(seconds=1)).replace(tzinfo=None)))
    queue.start()
    assert queue.settle(timeout=5)
    assert [d.task.row_key for d in recorder.deliveries] == ["2"]
    manual_clock.advance(5)
    queue.wake()
    assert queue.join(timeout=5)
    assert [d.task.row_key for d in recorder.deliveries] == ["2", "1"]


def test_join_times_out_while_work_remains(make_inprocess) -> None:
    release = threading.Event()
    queue = make_inprocess(
        lambda _d: TaskResult.done() if release.wait(timeout=5) else TaskResult.retry(),
        rate=math.inf,
        concurrency=1,
        retry=FAST_RETRY,
    )
    queue.enqueue(research(1))
    assert not queue.join(timeout=0.01)  # not started: nothing moves
    queue.start()
    assert not queue.join(timeout=0.01)
    release.set()
    assert queue.join(timeout=5)


def test_stop_lets_in_flight_finish_and_dispatches_nothing_new(make_inprocess) -> None:
    started = threading.Event()
    release = threading.Event()
    recorder = Recorder(lambda _d: (started.set(), release.wait(timeout=5), TaskResult.done())[-1])
    queue = make_inprocess(recorder, rate=math.inf, concurrency=1, retry=FAST_RETRY)
    queue.enqueue_many(research(i) for i in range(3))
    queue.start()
    assert started.wait(timeout=5)
    stopper = threading.Thread(target=queue.stop, kwargs={"wait": True, "timeout": 5})
    stopper.start()
    release.set()
    stopper.join(timeout=5)
    assert not stopper.is_alive()
    assert queue.stats.succeeded == 1 and len(recorder.deliveries) == 1
    assert not queue.join(timeout=1)  # stopped with work left: returns at once, False
    assert [t.row_key for t in queue.drain()] == ["1", "2"]
    assert queue.join(timeout=1)
    with pytest.raises(QueueError):
        queue.enqueue(research(9))
    with pytest.raises(QueueError):
        queue.start()


def test_stop_without_wait_returns_while_a_handler_runs(make_inprocess) -> None:
    started = threading.Event()
    release = threading.Event()

    def handler(_delivery: TaskDelivery) -> TaskResult:
        started.set()
        release.wait(timeout=5)
        return TaskResult.done()

    queue = make_inprocess(handler, rate=math.inf, concurrency=1, retry=FAST_RETRY)
    queue.enqueue(research(1))
    queue.start()
    assert started.wait(timeout=5)
    assert queue.stop(wait=False) is False
    release.set()
    assert queue.stop(wait=True, timeout=5) is True


@pytest.mark.parametrize("concurrency", [0, -1])
def test_concurrency_must_be_positive(concurrency: int) -> None:
    from service.queue.inprocess import InProcessQueue

    with pytest.raises(ValueError):
        InProcessQueue(Recorder(), rate=1, concurrency=concurrency, retry=FAST_RETRY)


def test_thousand_tasks_run_at_the_full_concurrency_and_never_above(make_inprocess) -> None:
    """All done, 50 at once at peak and never more (speed against the ideal: bench/bench_engine.py)."""
    rows, concurrency = 1000, 50
    lock = threading.Lock()
    in_flight, peak = [0], [0]

    def handler(_delivery: object) -> TaskResult:
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.02)  # simulated handler work, long enough for 50 to overlap
        with lock:
            in_flight[0] -= 1
        return TaskResult.done()

    queue = make_inprocess(handler, rate=math.inf, concurrency=concurrency, retry=FAST_RETRY)
    queue.enqueue_many(research(i) for i in range(rows))
    queue.start()
    assert queue.join(timeout=60)
    assert queue.stats.succeeded == rows
    assert peak[0] == concurrency
