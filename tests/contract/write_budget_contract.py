"""The one contract suite for the ``SheetsBudget`` port (service/sheets/budget.py).

Subclass ``BudgetContract`` in a ``Test...`` class and implement
``make_budget(name="writes", limit=…, period=…, grace=…)``: a handle on the
budget called ``name``. Calling it twice with the same name must give two
handles on the SAME budget (two instances of the service), as the SQLite
file and the Firestore document are. Memory, SQLite and Firestore (on the
emulator) pass every test here. Time never passes by sleeping: tests hand
the budget a ``now``.
"""

from __future__ import annotations

import threading
from collections import deque

import pytest

from service.sheets.budget import SheetsBudget

T0 = 1_800_000_000.0  # seconds since the epoch


class BudgetContract:
    race_threads = 8

    def make_budget(
        self, name: str = "writes", limit: int = 5, period: float = 60.0, grace: float = 30.0, follow_up: float = 10.0
    ) -> SheetsBudget:
        raise NotImplementedError

    def test_takes_up_to_the_limit_then_says_when_the_oldest_slot_frees(self) -> None:
        budget = self.make_budget(limit=3)
        assert [budget.try_take(now=T0 + i) for i in range(3)] == [0.0, 0.0, 0.0]
        wait = budget.try_take(now=T0 + 10)
        assert wait == pytest.approx(50.0, abs=0.01)  # the slot taken at T0 leaves the window at T0 + 60
        assert budget.try_take(now=T0 + 10 + wait) == 0.0

    def test_no_rolling_window_ever_holds_more_than_the_limit(self) -> None:
        budget = self.make_budget(limit=4, period=60.0)
        granted: list[float] = []
        now = T0
        while now < T0 + 300:  # one caller asking every 7 s, obeying the waits it is told
            wait = budget.try_take(claimant="s", now=now)
            if wait == 0:
                granted.append(now)
                now += 7.0
            else:
                now += wait
        assert len(granted) >= 4 * 300 / 60 - 1  # the budget is used, not just rationed
        assert all(sum(1 for t in granted if start <= t < start + 60) <= 4 for start in granted)

    def test_taking_several_slots_counts_each(self) -> None:
        budget = self.make_budget(limit=5)
        assert budget.try_take(3, now=T0) == 0.0
        assert budget.try_take(3, now=T0 + 1) > 0
        assert budget.try_take(2, now=T0 + 1) == 0.0
        with pytest.raises(ValueError):
            budget.try_take(6, now=T0 + 2)

    def test_the_claimant_that_waited_longest_goes_first(self) -> None:
        budget = self.make_budget(limit=2)
        assert budget.try_take(claimant="busy", now=T0) == 0.0
        assert budget.try_take(claimant="busy", now=T0 + 1) == 0.0
        first = budget.try_take(claimant="sheet-b", now=T0 + 5)
        second = budget.try_take(claimant="sheet-c", now=T0 + 6)
        assert first == pytest.approx(55.0, abs=0.01)  # the T0 slot
        assert second == pytest.approx(55.0, abs=0.01)  # the T0 + 1 slot, one place behind
        # at T0 + 60 one slot is free: it is b's, not the newcomer's and not c's
        assert budget.try_take(claimant="newcomer", now=T0 + 60.5) > 0
        assert budget.try_take(claimant="sheet-c", now=T0 + 60.5) > 0
        assert budget.try_take(claimant="sheet-b", now=T0 + 60.5) == 0.0
        assert budget.try_take(claimant="sheet-c", now=T0 + 61.5) == 0.0
        assert budget.try_take(claimant="newcomer", now=T0 + 61.5) > 0  # two taken in the last minute

    def test_a_waiter_that_never_comes_back_loses_its_place(self) -> None:
        budget = self.make_budget(limit=1, grace=30.0)
        assert budget.try_take(claimant="a", now=T0) == 0.0
        wait = budget.try_take(claimant="gone", now=T0 + 1)
        assert budget.try_take(claimant="b", now=T0 + 1 + wait + 1) > 0  # within grace: gone's turn
        assert budget.try_take(claimant="b", now=T0 + 1 + wait + 31) == 0.0  # grace over

    def test_every_sheet_gets_a_slot_within_a_period_while_one_job_hammers(self) -> None:
        budget = self.make_budget(limit=6, period=60.0)
        hammer_at, now, first_ask = T0, T0, {}
        returns: deque[tuple[float, str]] = deque(sorted((T0 + 2 * i, f"sheet-{i}") for i in range(5)))
        served: dict[str, float] = {}
        while now < T0 + 400 and len(served) < 5:
            if returns and returns[0][0] <= hammer_at:
                now, claimant = returns.popleft()
                first_ask.setdefault(claimant, now)
                wait = budget.try_take(claimant=claimant, now=now)
                if wait == 0:
                    served[claimant] = now
                else:
                    returns.append((now + wait, claimant))
                    returns = deque(sorted(returns))
            else:
                now = hammer_at
                budget.try_take(claimant="hammer", now=now)  # asks every second, never waits its turn
                hammer_at += 1.0
        assert sorted(served) == [f"sheet-{i}" for i in range(5)]
        assert max(served[c] - first_ask[c] for c in served) <= 60.0

    def test_two_handles_on_one_budget_share_it_and_names_are_separate(self) -> None:
        one, other = self.make_budget(limit=2), self.make_budget(limit=2)
        reads = self.make_budget(name="reads", limit=2)
        assert one.try_take(now=T0) == 0.0
        assert other.try_take(now=T0 + 1) == 0.0
        assert one.try_take(now=T0 + 2) > 0 and other.try_take(now=T0 + 2) > 0
        assert reads.try_take(now=T0 + 2) == 0.0

    def test_concurrent_callers_never_take_more_than_the_limit(self) -> None:
        limit = 4
        budget = self.make_budget(limit=limit)
        taken: list[float] = []
        lock = threading.Lock()
        barrier = threading.Barrier(self.race_threads)

        def worker(i: int) -> None:
            handle = self.make_budget(limit=limit)
            barrier.wait()
            for j in range(2):
                if handle.try_take(claimant=f"s{i}", now=T0 + j * 0.01) == 0:
                    with lock:
                        taken.append(T0)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(self.race_threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(taken) == limit
        assert budget.try_take(now=T0 + 1) > 0

    def test_the_calls_of_one_flush_keep_their_place_but_only_for_the_follow_up_time(self) -> None:
        budget = self.make_budget(limit=2, follow_up=10.0)
        assert budget.try_take(claimant="a", now=T0) == 0.0  # a's flush: first call
        assert budget.try_take(claimant="b", now=T0 + 1) == 0.0
        assert budget.try_take(claimant="b", now=T0 + 1) > 0  # b waits for the next slot (since T0 + 1)
        # a's next call of the same flush comes while b waits: a keeps its place (since T0), ahead of b
        assert budget.try_take(claimant="a", now=T0 + 2) > 0
        assert budget.try_take(claimant="b", now=T0 + 60) > 0  # the T0 slot is a's
        assert budget.try_take(claimant="a", now=T0 + 60) == 0.0
        assert budget.try_take(claimant="b", now=T0 + 61) == 0.0
        # long after its run began, a sheet that keeps calling queues like anyone else
        assert budget.try_take(claimant="c", now=T0 + 72) > 0
        assert budget.try_take(claimant="a", now=T0 + 73) > 0  # a's run began at T0 + 60: its place lapsed
        assert budget.try_take(claimant="a", now=T0 + 120) > 0  # the slot freed at T0 + 120 is c's
        assert budget.try_take(claimant="c", now=T0 + 120) == 0.0
