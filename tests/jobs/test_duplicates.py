"""Repeated companies: researched once, their result written to every row of that company (files and sheets).

Also the identity rule behind "the same company": a port makes another site,
and so does another path prefix on a shared host.
"""

from __future__ import annotations

import pytest

from service.domain import CompanyInput, ErrorKind, JobOptions, RowState
from service.domain.companies import RowScreen, company_identity, screen_rows
from service.domain.sources import SheetSource
from service.domain.websites import normalize_website, website_identity
from service.jobs import control
from service.jobs.estimate import estimate_job
from service.jobs.flush import flush_results, flush_sheet_job
from service.jobs.plan import submit_sheet_job
from service.jobs.rowtask import handle_research_task
from service.jobs.submit import submit_job
from service.queue.port import TaskDelivery, TaskKind
from tests.fakes.sheet_gateway import MemorySheetGateway

from .fakes import SOURCE, RecordingSink, ScriptedResearcher, make_services

OPTIONS = JobOptions(fields=("industry",), max_attempts=1)


def _rows(*pairs: tuple[str, str]) -> list[tuple[str, int, CompanyInput]]:
    return [(f"r{i:06d}", i, CompanyInput(name=name, website=site)) for i, (name, site) in enumerate(pairs, 1)]


def _work(svc, queue, *, only=None) -> None:  # type: ignore[no-untyped-def]
    for task in [t for t in queue.enqueued if t.kind == TaskKind.RESEARCH]:
        if only is None or task.row_key in only:
            handle_research_task(svc, TaskDelivery(task, 1))
            queue.enqueued.remove(task)


def _written(sink: RecordingSink) -> dict[str, object]:
    return {row.key: row for batch in sink.writes for row in batch}


ACME_TWICE = (("Acme", "acme.com"), ("Globex", "globex.com"), ("Acme Europe", "https://www.ACME.com/en/"))


def test_a_repeated_company_is_researched_once_and_gets_the_first_rows_result() -> None:
    svc, queue, research, _ = make_services()
    job = submit_job(svc, owner="ann", name="j", source=SOURCE, rows=_rows(*ACME_TWICE), options=OPTIONS)
    assert [t.row_key for t in queue.enqueued] == ["r000001", "r000002"]  # row 3 is never researched
    _work(svc, queue)
    sink = RecordingSink()
    report = flush_results(svc, job.id, [sink])
    repeat = svc.store.get_row(job.id, "r000003")
    assert repeat is not None and repeat.state == RowState.DONE and repeat.flushed
    assert repeat.status_text == "done — same company as row 1"
    assert repeat.result is not None and repeat.result.industry == "Software"
    assert repeat.usage is None  # the research was paid once, by row 1
    assert report.written == 3 and _written(sink)["r000003"].status_text == "done — same company as row 1"  # type: ignore[attr-defined]
    assert research.calls == {"Acme": 1, "Globex": 1}


def test_a_repeat_waits_unflushed_until_its_first_row_is_finished() -> None:
    svc, queue, _, _ = make_services()
    job = submit_job(svc, owner="ann", name="j", source=SOURCE, rows=_rows(*ACME_TWICE), options=OPTIONS)
    _work(svc, queue, only={"r000002"})  # Globex done, Acme still pending
    first = RecordingSink()
    flush_results(svc, job.id, [first])
    assert set(_written(first)) == {"r000002"}
    held = svc.store.get_row(job.id, "r000003")
    assert held is not None and not held.flushed and held.state == RowState.SKIPPED
    _work(svc, queue)
    second = RecordingSink()
    flush_results(svc, job.id, [second])
    assert set(_written(second)) == {"r000001", "r000003"}
    assert svc.store.get_row(job.id, "r000003").state == RowState.DONE  # type: ignore[union-attr]


def test_a_failed_first_row_fails_its_repeats_with_the_same_kind_and_retry_failed_takes_both() -> None:
    research = ScriptedResearcher(failures={"Acme": [ErrorKind.TIMEOUT]})
    svc, queue, _, _ = make_services(research)
    job = submit_job(svc, owner="ann", name="j", source=SOURCE, rows=_rows(*ACME_TWICE), options=OPTIONS)
    _work(svc, queue)
    flush_results(svc, job.id, [RecordingSink()])
    control.complete_if_finished(svc, job.id)
    repeat = svc.store.get_row(job.id, "r000003")
    assert repeat is not None and repeat.state == RowState.FAILED and repeat.error_kind == ErrorKind.TIMEOUT
    assert repeat.error_message.startswith("same company as row 1: ")
    control.retry_failed(svc, job.id)
    assert [t.row_key for t in queue.enqueued if t.kind == TaskKind.RESEARCH] == ["r000001"]  # researched once
    assert svc.store.get_row(job.id, "r000003").state == RowState.SKIPPED  # type: ignore[union-attr]  # waits again
    _work(svc, queue)
    flush_results(svc, job.id, [RecordingSink()])
    assert svc.store.get_row(job.id, "r000003").status_text == "done — same company as row 1"  # type: ignore[union-attr]
    assert research.calls["Acme"] == 2 and research.calls["Acme Europe"] == 0


def test_a_cancelled_first_row_leaves_its_repeat_skipped_and_flushed() -> None:
    svc, queue, _, _ = make_services()
    job = submit_job(svc, owner="ann", name="j", source=SOURCE, rows=_rows(*ACME_TWICE), options=OPTIONS)
    control.cancel_job(svc, job.id)
    sink = RecordingSink()
    flush_results(svc, job.id, [sink])
    assert _written(sink)["r000003"].status_text == "skipped: duplicate of row 1"  # type: ignore[attr-defined]
    assert svc.store.get_row(job.id, "r000003").flushed  # type: ignore[union-attr]


def test_a_sheet_gets_the_result_in_every_row_of_the_company() -> None:
    sheet = "dup-sheet-0001"
    grid = [["Company", "Website"], ["Acme", "acme.com"], ["Globex", "globex.com"], ["Acme again", "www.acme.com"]]
    gateway = MemorySheetGateway({sheet: {"Leads": grid}})
    svc, queue, research, _ = make_services()
    svc.sheets = gateway
    job = submit_sheet_job(svc, owner="ann", name="j", source=SheetSource(sheet, "Leads"), options=OPTIONS)
    _work(svc, queue)
    flush_sheet_job(svc, job.id)
    values = gateway.values(sheet, "Leads")
    status, industry = (values[0].index(h) for h in values[0][2:4])
    assert values[3][status] == "done — same company as row 1" and values[3][industry] == values[1][industry] != ""
    assert research.calls == {"Acme": 1, "Globex": 1}


def test_estimate_counts_repeats_as_research_will_and_says_so() -> None:
    pairs = [(i, CompanyInput(name=n, website=w)) for i, (n, w) in enumerate(ACME_TWICE, 1)]
    counted = screen_rows([*pairs, (4, CompanyInput(name="", website=""))])
    assert (counted.research, counted.duplicates, counted.skipped) == (2, 1, 1)
    estimate = estimate_job(counted.research, JobOptions(concurrency=3, rate=2.0), duplicates=counted.duplicates)
    text = " ".join(estimate.assumptions())
    assert "3 companies at once" in text and "2 started per second" in text and "6 s per company" in text
    assert "pages" in text and "$0 without an LLM" in text and estimate.to_dict()["duplicates"] == 1


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("acme.com", "https://www.acme.com/about/", True),  # a page of the site is the site
        ("acme.com:8080", "acme.com:8081", False),  # two ports: two sites
        ("http://acme.com:80/", "acme.com", True),  # the default port is no port
        ("sites.google.com/view/alpha", "sites.google.com/view/beta/home", False),
        ("sites.google.com/view/alpha", "https://sites.google.com/view/Alpha/contact", True),
        ("alice.github.io/tool-a", "alice.github.io/tool-b", False),
        ("alice.github.io", "bob.github.io", False),
        ("linktr.ee/alpha", "linktr.ee/beta", False),
        ("linkedin.com/company/acme", "linkedin.com/company/globex/about", False),
        ("youtube.com/c/acme", "youtube.com/c/globex", False),
    ],
)
def test_identity_separates_ports_and_sites_on_shared_hosts(first: str, second: str, same: bool) -> None:
    assert (website_identity(normalize_website(first)) == website_identity(normalize_website(second))) is same
    screen = RowScreen()
    screen.skip_reason(1, CompanyInput(name="A", website=first))
    repeat = screen.skip_reason(2, CompanyInput(name="B", website=second))
    assert (repeat == "duplicate of row 1") is same
    assert company_identity(CompanyInput(name="A", website=first)) is not None
