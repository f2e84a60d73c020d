"""The ``SheetsBudget`` contract on the in-memory and SQLite adapters, and what only SQLite adds."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from service.sheets.budget import MemorySheetsBudget, SheetsBudget
from service.sheets.budget_sqlite import SqliteSheetsBudget
from tests.contract.write_budget_contract import T0, BudgetContract


class TestMemorySheetsBudget(BudgetContract):
    @pytest.fixture(autouse=True)
    def _handles(self) -> None:
        self.budgets: dict[str, MemorySheetsBudget] = {}

    def make_budget(self, name="writes", limit=5, period=60.0, grace=30.0, follow_up=10.0):
        if name not in self.budgets:  # one process: every handle is the same object
            self.budgets[name] = MemorySheetsBudget(limit, period, grace=grace, follow_up=follow_up)
        return self.budgets[name]


class TestSqliteSheetsBudget(BudgetContract):
    @pytest.fixture(autouse=True)
    def _file(self, tmp_path: Path) -> None:
        self.path = tmp_path / "sheets-budget.sqlite3"

    def make_budget(self, name="writes", limit=5, period=60.0, grace=30.0, follow_up=10.0):
        return SqliteSheetsBudget(self.path, name, limit, period, grace=grace, follow_up=follow_up)


def _take_in_another_process(path: str, times: list[float], out: multiprocessing.Queue) -> None:
    budget = SqliteSheetsBudget(path, "writes", 3)
    out.put([budget.try_take(claimant="other", now=t) for t in times])


def test_sqlite_budget_is_shared_with_another_process(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    mine: SheetsBudget = SqliteSheetsBudget(path, "writes", 3)
    assert mine.try_take(now=T0) == 0.0
    out: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_take_in_another_process, args=(str(path), [T0 + 1, T0 + 2, T0 + 3], out)
    )
    process.start()
    answers = out.get(timeout=60)
    process.join(timeout=60)
    assert answers[:2] == [0.0, 0.0] and answers[2] > 0  # my slot counted in the other process
    assert mine.try_take(now=T0 + 4) > 0


def test_the_clock_is_used_when_no_time_is_given() -> None:
    now = [T0]
    budget = MemorySheetsBudget(1, 60.0, clock=lambda: now[0])
    assert budget.try_take() == 0.0
    now[0] += 30
    assert budget.try_take() == pytest.approx(30.0, abs=0.01)
    now[0] += 30.01
    assert budget.try_take() == 0.0
