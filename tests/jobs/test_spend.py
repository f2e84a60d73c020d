"""Spend caps (issue 15 part 5): the stores' cost sum, ``check_spend``, and the estimate's cost split.

The cost sum is kept by each store in the row's own commit, so it stays right
under duplicate delivery, late finishes and retries (memory, SQLite and
Firestore on its emulator; and Firestore's counter deltas through its
``tally``, the function every one of its row writes uses). The end-to-end run with the fake LLM and search servers
is in ``test_spend_run.py``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    JobOptions,
    ResearchOptions,
    ResearchOutcome,
    RowOutcome,
    RowState,
    Usage,
)
from service.domain.hints import hint_for
from service.domain.question_specs import parse_questions
from service.domain.questions import Question
from service.jobs.enqueue import research_task
from service.jobs.estimate import QUESTION_TOKENS, estimate_job
from service.jobs.ports import Services
from service.jobs.rowtask import handle_research_task
from service.jobs.spend import cap_note, check_spend
from service.queue.port import TaskDelivery
from service.research.search.pricing import price_per_search
from service.store.firestore import FirestoreJobStore, tally
from service.store.memory import MemoryJobStore
from service.store.port import JobStore
from service.store.sqlite import SqliteJobStore
from tests.contract.store_contract import LEASE, T0, make_job, make_row
from tests.support.fakes import FakeQueue


@pytest.fixture(params=["memory", "sqlite", pytest.param("firestore", marks=pytest.mark.emulator)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStore]:
    built: JobStore
    if request.param == "firestore":  # the real emulator (tests/conftest.py): the counter shards' sum
        built = FirestoreJobStore(request.getfixturevalue("firestore_client"))
    else:
        built = MemoryJobStore() if request.param == "memory" else SqliteJobStore(tmp_path / "jobs.db")
    yield built


def _lease(store: JobStore, key: str, owner: str = "w1", *, later: float = 0.0) -> RowState | None:
    lease = store.lease_row(
        "job-1", key, owner=owner, now=T0 + timedelta(seconds=later), lease_seconds=LEASE, max_attempts=5
    )
    return lease.row.state if lease.row else None


def _done(cost: float) -> RowOutcome:
    return RowOutcome(RowState.DONE, usage=Usage(cost_usd=cost))


def test_spent_cost_counts_each_row_once_whatever_the_deliveries(store: JobStore) -> None:
    store.create_job(make_job())
    store.add_rows("job-1", [make_row(f"r{n}", n) for n in range(3)])
    assert store.spent_usd("job-1") == 0
    _lease(store, "r0")
    assert store.finish_row("job-1", "r0", owner="w1", outcome=_done(0.25), now=T0)
    assert not store.finish_row("job-1", "r0", owner="w1", outcome=_done(0.25), now=T0)  # a duplicate delivery
    _lease(store, "r1", "w1")
    _lease(store, "r1", "w2", later=LEASE + 1)  # taken over: the first worker's late finish is refused
    assert not store.finish_row("job-1", "r1", owner="w1", outcome=_done(9.0), now=T0)
    assert store.finish_row("job-1", "r1", owner="w2", outcome=_done(0.5), now=T0)
    _lease(store, "r2")
    retry = RowOutcome(RowState.PENDING, usage=Usage(cost_usd=0.125), error_message="slow")
    assert store.finish_row("job-1", "r2", owner="w1", outcome=retry, now=T0)
    assert store.spent_usd("job-1") == pytest.approx(0.875)
    _lease(store, "r2", later=1)
    assert store.finish_row("job-1", "r2", owner="w1", outcome=_done(0.0625), now=T0)  # its last attempt counts
    assert store.spent_usd("job-1") == pytest.approx(0.8125)
    assert store.spent_usd("other-job") == 0


def test_firestore_counter_deltas_move_a_rows_cost_in_its_own_write() -> None:
    pending = make_row("r", 1)
    leased = dataclasses.replace(pending, state=RowState.LEASED)
    done = dataclasses.replace(pending, state=RowState.DONE, usage=Usage(cost_usd=0.0123))
    again = dataclasses.replace(done, state=RowState.PENDING)  # refresh: the row keeps its usage until replaced
    redone = dataclasses.replace(done, usage=Usage(cost_usd=0.002))
    assert "cost_micro_usd" not in tally(pending, leased)
    assert tally(leased, done)["cost_micro_usd"] == 12_300
    assert "cost_micro_usd" not in tally(done, again)
    assert tally(again, redone)["cost_micro_usd"] == 2_000 - 12_300


def _job(store: JobStore, cap: float | None, **options: object) -> None:
    job = dataclasses.replace(make_job(), options=JobOptions(max_cost_usd=cap, **options))  # type: ignore[arg-type]
    store.create_job(job)
    store.add_rows("job-1", [make_row(f"r{n}", n) for n in range(4)])


def test_without_a_cap_paid_calls_are_always_allowed(store: JobStore) -> None:
    _job(store, None)
    job = store.get_job("job-1")
    assert job is not None and check_spend(store, job).allowed and check_spend(store, job).stop_reason == ""


def test_a_cap_stops_paid_calls_when_spent_reaches_it(store: JobStore) -> None:
    _job(store, 1.0, use_llm=True)
    job = store.get_job("job-1")
    assert job is not None
    _lease(store, "r0")
    assert check_spend(store, job).allowed  # nothing spent, nothing else in flight
    store.finish_row("job-1", "r0", owner="w1", outcome=_done(0.6), now=T0)
    _lease(store, "r1")
    assert check_spend(store, job).allowed  # 0.6 < 1.0
    store.finish_row("job-1", "r1", owner="w1", outcome=_done(0.6), now=T0)
    _lease(store, "r2")
    check = check_spend(store, job)
    assert not check.allowed and check.spent_usd == pytest.approx(1.2)
    assert check.stop_reason == cap_note(1.0) == "not asked: spend cap of $1 reached"


def test_rows_in_flight_count_at_the_average_cost_so_far(store: JobStore) -> None:
    _job(store, 1.0, use_llm=True)
    job = store.get_job("job-1")
    assert job is not None
    _lease(store, "r0")
    store.finish_row("job-1", "r0", owner="w1", outcome=_done(0.3), now=T0)
    _lease(store, "r1", "w1")
    _lease(store, "r2", "w2")
    check = check_spend(store, job)  # 0.3 spent + one other row in flight at 0.3
    assert check.allowed and check.in_flight_usd == pytest.approx(0.3)
    _lease(store, "r3", "w3")
    check = check_spend(store, job)  # 0.3 + two others at 0.3 each = 0.9 < 1.0
    assert check.allowed
    store.finish_row("job-1", "r1", owner="w1", outcome=_done(0.45), now=T0)  # 0.75 spent, 0.375 a row
    check = check_spend(store, job)  # r2 and r3 in flight: for either, the other one counts
    assert not check.allowed and check.in_flight_usd == pytest.approx(0.375)  # 0.75 + 0.375 >= 1.0


def test_a_cap_of_zero_allows_no_paid_call(store: JobStore) -> None:
    _job(store, 0.0)
    job = store.get_job("job-1")
    assert job is not None
    _lease(store, "r0")
    assert check_spend(store, job).stop_reason == "not asked: spend cap of $0 reached"


def test_estimate_splits_the_cost_and_counts_question_searches() -> None:
    questions = (Question("Do they offer an API?"), Question("Pricing model"))
    options = JobOptions(use_llm=True, questions=questions, max_cost_usd=2.5)
    price = (0.5, 2.0)
    estimate = estimate_job(10, options, name_only=3, search_price=0.01, llm_price_per_mtok=price, cloud=True)
    asked_in, asked_out = QUESTION_TOKENS[0], QUESTION_TOKENS[1] * 2
    assert estimate.questions_llm_usd == pytest.approx(10 * (asked_in * 0.5 + asked_out * 2.0) / 1e6)
    assert estimate.question_searches == 20  # one per question per company
    assert estimate.search_queries == 3 + 10 + 20  # name-only sites, CEO/funding/employees, questions
    assert estimate.search_usd == pytest.approx(0.33)
    total = estimate.research_llm_usd + estimate.questions_llm_usd + estimate.search_usd
    assert estimate.cost_usd == pytest.approx(total) and estimate.cost_per_company == pytest.approx(total / 10)
    assert estimate.cloud_usd is not None and estimate.cloud_usd > 0
    data = estimate.to_dict()
    assert set(data["cost_split"]) == {"research_llm_usd", "questions_llm_usd", "search_usd", "cloud_usd"}
    assert data["max_cost_usd"] == 2.5
    text = " ".join(estimate.assumptions())
    assert "questions LLM" in text and "one per question per company: 20" in text
    assert "spend cap $2.5" in text and "cloud" in text


def test_without_an_llm_questions_cost_nothing_and_are_not_searched() -> None:
    options = JobOptions(fields=("industry",), questions=(Question("Pricing model"),))
    estimate = estimate_job(10, options, search_price=0.01)
    assert (estimate.cost_usd, estimate.question_searches, estimate.search_queries) == (0, 0, 0)
    assert estimate.to_dict()["cost_split"]["cloud_usd"] is None


def test_the_sidebar_fixture_is_what_the_estimate_answers() -> None:
    """``apps_script/tests/fixtures/estimate_split.json`` (the sidebar test's backend answer) is the real thing."""
    fixture = Path(__file__).parents[2] / "apps_script" / "tests" / "fixtures" / "estimate_split.json"
    options = JobOptions(
        fields=("industry",), use_llm=True, questions=parse_questions(["Do they offer an API?"]), max_cost_usd=1.5
    )
    real = estimate_job(40, options, search_price=price_per_search("brave"), cloud=True).to_dict()
    assert json.loads(fixture.read_text(encoding="utf-8")) == json.loads(json.dumps(real))


class _PaidResearcher:
    """Each company costs $0.4 of paid calls unless told to stop; a name-only row finds no site without search."""

    def __init__(self) -> None:
        self.stops: dict[str, str] = {}

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        self.stops[company.name] = options.spend_stop
        usage = Usage(cost_usd=0.0 if options.spend_stop else 0.4)
        if not company.website and options.spend_stop:
            return ResearchOutcome(CompanyProfile(name=company.name), usage, ErrorKind.NO_WEBSITE_FOUND, "no site")
        return ResearchOutcome(CompanyProfile(name=company.name, website=company.website or "x.example"), usage)


def test_row_tasks_stop_paying_at_the_cap_and_say_so() -> None:
    store = MemoryJobStore()
    researcher = _PaidResearcher()
    svc = Services(store=store, queue=FakeQueue(), researcher=researcher, clock=lambda: T0, worker_id="w")
    job = dataclasses.replace(make_job(), options=JobOptions(max_cost_usd=1.0, use_llm=True, max_attempts=1))
    store.create_job(job)
    names = ["A", "B", "C", "D", "Nameonly"]
    rows = [
        dataclasses.replace(make_row(f"r{i}", i), input=CompanyInput(n, "" if n == "Nameonly" else f"{n}.example"))
        for i, n in enumerate(names)
    ]
    store.add_rows(job.id, rows)
    for row in rows:
        assert handle_research_task(svc, TaskDelivery(research_task(job, row.key), 1)).ok
    note = "not asked: spend cap of $1 reached"
    assert researcher.stops == {"A": "", "B": "", "C": "", "D": note, "Nameonly": note}  # 0, 0.4, 0.8 < 1.0
    stored = {row.input.name: row for row in store.iter_rows(job.id)}
    assert [stored[n].status_text for n in "ABC"] == ["done"] * 3
    assert stored["D"].status_text == f"done — {note}"
    assert stored["Nameonly"].status_text == (
        f"failed: no_website_found — no site ({note}). What to do: {hint_for(ErrorKind.NO_WEBSITE_FOUND)}"
    )
    assert store.spent_usd(job.id) == pytest.approx(1.2)
