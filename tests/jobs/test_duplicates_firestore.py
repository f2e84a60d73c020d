"""Repeated companies on every job store, Firestore's emulator included.

``service/jobs/duplicates.py`` fills a later row of a company from its first
row through the store's reset/lease/finish calls; ``test_duplicates.py`` runs
that on the memory store. Here the same tests run on the SQLite store and the
real Firestore emulator (``tests/conftest.py``), through the store fixture of
``test_spend.py``, plus the one-pass lookup of a first row flushed earlier;
after each, the store's counts must match its rows (Firestore keeps them in
counter shards, which the copy's reset/lease/finish move).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from service.domain import RowState
from service.jobs.duplicates import copied_from
from service.jobs.flush import flush_results
from service.jobs.submit import submit_job
from service.store.port import JobStore
from tests.jobs import test_duplicates as same
from tests.jobs.fakes import SOURCE, RecordingSink, make_services
from tests.jobs.test_spend import store  # noqa: F401  # the fixture: memory, sqlite, firestore (emulator)

BEHAVIOUR = [
    same.test_a_repeated_company_is_researched_once_and_gets_the_first_rows_result,
    same.test_a_repeat_waits_unflushed_until_its_first_row_is_finished,
    same.test_a_failed_first_row_fails_its_repeats_with_the_same_kind_and_retry_failed_takes_both,
    same.test_a_cancelled_first_row_leaves_its_repeat_skipped_and_flushed,
    same.test_a_sheet_gets_the_result_in_every_row_of_the_company,
]


@pytest.mark.parametrize("behaviour", BEHAVIOUR, ids=lambda test: test.__name__.removeprefix("test_"))
def test_repeated_companies_on_the_store(
    behaviour: Callable[[], None],
    store: JobStore,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def on_this_store(*args, **kwargs):  # type: ignore[no-untyped-def]
        svc, queue, research, clock = make_services(*args, **kwargs)
        svc.store = store
        return svc, queue, research, clock

    monkeypatch.setattr(same, "make_services", on_this_store)
    behaviour()
    # the copies went through reset/lease/finish: the store's counts (Firestore: counter shards) follow the rows
    [job] = store.list_jobs()
    rows = list(store.iter_rows(job.id))
    counts = store.count_rows(job.id)
    assert {state: n for state, n in counts.items() if n} == dict(Counter(row.state for row in rows))
    assert all(row.flushed for row in rows if row.state.is_final and copied_from(row) is not None)


def test_a_repeat_whose_first_row_was_flushed_before_is_filled_once_nothing_is_left(
    store: JobStore,  # noqa: F811
) -> None:
    """Row N flushed by an earlier flush (a sheet chunk planned later brings its repeat): the one-pass lookup."""
    svc, queue, research, _ = make_services()
    svc.store = store
    job = submit_job(svc, owner="ann", name="j", source=SOURCE, rows=same._rows(*same.ACME_TWICE), options=same.OPTIONS)
    same._work(svc, queue, only={"r000001"})
    store.mark_flushed(job.id, ["r000001"])  # flushed before this repeat was known to wait for it
    held = RecordingSink()
    flush_results(svc, job.id, [held])
    assert set(same._written(held)) == set()  # Globex still pending: row 3 waits, row 1 is not read again yet
    same._work(svc, queue)
    sink = RecordingSink()
    report = flush_results(svc, job.id, [sink])
    assert set(same._written(sink)) == {"r000002", "r000003"} and report.written == 2
    repeat = store.get_row(job.id, "r000003")
    assert repeat is not None and repeat.state == RowState.DONE and repeat.flushed
    assert repeat.status_text == "done — same company as row 1" and repeat.usage is None
    assert research.calls == {"Acme": 1, "Globex": 1}
    counts = store.count_rows(job.id)
    assert counts[RowState.DONE] == 3 and counts[RowState.SKIPPED] == 0
