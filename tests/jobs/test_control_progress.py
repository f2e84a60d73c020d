"""Pause/resume/cancel/retry-failed, progress and summaries, estimate, flush and refresh."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.domain import ErrorKind, JobOptions, JobState, RowState
from service.domain.errors import JobNotFound, JobStateError
from service.domain.sources import FileSource, SheetSource
from service.jobs import control
from service.jobs.estimate import estimate_job
from service.jobs.flush import flush_results, show_queued
from service.jobs.progress import job_progress, size_bucket, summarize_job
from service.jobs.refresh import refresh_stale_rows
from service.jobs.rowtask import handle_research_task
from service.jobs.submit import create_job, submit_job
from service.queue.port import TaskDelivery, TaskKind

from .fakes import SOURCE, RecordingSink, ScriptedResearcher, companies, make_services

OWNER = "ana@example.com"


def _submit(svc, names, **options):
    return submit_job(svc, owner=OWNER, name="t", source=SOURCE, rows=companies(*names), options=JobOptions(**options))


def _work(svc, queue):
    for task in list(queue.enqueued):
        handle_research_task(svc, TaskDelivery(task, 1))
    queue.enqueued.clear()


def test_another_users_job_is_not_found():
    svc, _, _, _ = make_services()
    job = _submit(svc, ["Acme"])
    with pytest.raises(JobNotFound):
        control.get_job(svc, job.id, owner="eve@example.com")
    with pytest.raises(JobNotFound):
        control.pause_job(svc, job.id, owner="eve@example.com")
    assert control.get_job(svc, job.id, owner=OWNER).id == job.id


def test_pause_then_resume_re_enqueues_only_unfinished_rows():
    svc, queue, researcher, _ = make_services()
    job = _submit(svc, ["Acme", "Globex", "Initech"])
    handle_research_task(svc, TaskDelivery(queue.enqueued[0], 1))
    first_names = {t.name for t in queue.enqueued}
    queue.enqueued.clear()
    assert control.pause_job(svc, job.id).state == JobState.PAUSED
    assert control.pause_job(svc, job.id).state == JobState.PAUSED  # idempotent
    resumed = control.resume_job(svc, job.id)
    assert resumed.state == JobState.RUNNING
    assert sorted(t.row_key for t in queue.enqueued) == ["r000002", "r000003"]
    # new task names: Cloud Tasks keeps names of tasks that ran reserved for about an hour
    assert not first_names & {t.name for t in queue.enqueued}
    _work(svc, queue)
    assert control.complete_if_finished(svc, job.id).state == JobState.COMPLETED
    assert researcher.calls == {"Acme": 1, "Globex": 1, "Initech": 1}


def test_cancel_skips_rows_not_started_and_keeps_results():
    svc, queue, _, _ = make_services()
    job = _submit(svc, ["Acme", "Globex"])
    handle_research_task(svc, TaskDelivery(queue.enqueued[0], 1))
    cancelled = control.cancel_job(svc, job.id)
    assert cancelled.state == JobState.CANCELLED and cancelled.finished_at is not None
    rows = {r.key: r for r in svc.store.iter_rows(job.id)}
    assert rows["r000001"].state == RowState.DONE
    assert rows["r000002"].state == RowState.SKIPPED and rows["r000002"].status_text == "skipped: job cancelled"
    with pytest.raises(JobStateError):
        control.resume_job(svc, job.id)


def test_retry_failed_resets_failed_rows_with_fresh_attempts():
    research = ScriptedResearcher(failures={"Globex": [ErrorKind.TIMEOUT]})  # retryable: retry-failed takes it
    svc, queue, _, _ = make_services(research)
    job = _submit(svc, ["Acme", "Globex"], max_attempts=1)
    _work(svc, queue)
    assert control.complete_if_finished(svc, job.id).state == JobState.COMPLETED
    again = control.retry_failed(svc, job.id)
    assert again.state == JobState.RUNNING and [t.row_key for t in queue.enqueued] == ["r000002"]
    _work(svc, queue)
    assert svc.store.get_row(job.id, "r000002").state == RowState.DONE


def test_resume_of_a_job_paused_while_planning_goes_back_to_planning_and_enqueues_a_plan_task():
    svc, queue, _, _ = make_services()
    source = SheetSource("sheet-1", sheet_name="Leads")  # not prepared: a plan task reads its rows
    job = create_job(svc, owner=OWNER, name="big sheet", source=source, options=JobOptions(), state=JobState.PLANNING)
    assert control.awaits_plan(job)
    assert control.pause_job(svc, job.id).state == JobState.PAUSED
    resumed = control.resume_job(svc, job.id)
    assert resumed.state == JobState.PLANNING
    assert [(t.kind, t.job_id, t.row_key) for t in queue.enqueued] == [(TaskKind.PLAN, job.id, "")]
    assert svc.store.count_rows(job.id)[RowState.PENDING] == 0  # still no rows: the plan task adds them


def _finished(svc, queue, names):
    job = _submit(svc, names)
    _work(svc, queue)
    return control.complete_if_finished(svc, job.id)


def test_clean_deletes_only_final_or_paused_jobs_older_than_the_cutoff():
    svc, queue, _, clock = make_services()
    old_done = _finished(svc, queue, ["Acme"])
    old_paused = control.pause_job(svc, _submit(svc, ["Globex"]).id)
    queue.enqueued.clear()
    old_running = _submit(svc, ["Initech"])
    old_cancelled = control.cancel_job(svc, _submit(svc, ["Umbrella"]).id)
    clock.advance(days=8)
    recent_done = _finished(svc, queue, ["Hooli"])
    clock.advance(hours=1)
    assert {old_done.state, old_paused.state, old_cancelled.state} == {
        JobState.COMPLETED,
        JobState.PAUSED,
        JobState.CANCELLED,
    }
    assert control.clean_jobs(svc, older_than=timedelta(days=7)) == 3
    assert {job.id for job in svc.store.list_jobs()} == {old_running.id, recent_done.id}
    assert list(svc.store.iter_rows(old_done.id)) == []  # rows go with their job
    assert control.clean_jobs(svc, older_than=timedelta(days=7)) == 0
    assert control.clean_jobs(svc, older_than=timedelta(minutes=30)) == 1  # the recent job, an hour old
    assert [job.id for job in svc.store.list_jobs()] == [old_running.id]


def test_latest_job_overall_and_for_one_input_file(tmp_path, monkeypatch):
    svc, _, _, clock = make_services()
    monkeypatch.chdir(tmp_path)

    def file_job(name: str):
        clock.advance(minutes=1)
        source = FileSource(path=str((tmp_path / name).resolve()))
        return submit_job(svc, owner=OWNER, name=name, source=source, rows=companies("Acme"), options=JobOptions())

    with pytest.raises(JobNotFound):
        control.latest_job(svc)
    first_a, b, second_a = file_job("a.csv"), file_job("b.csv"), file_job("a.csv")
    clock.advance(minutes=1)
    sheet = create_job(svc, owner=OWNER, name="sheet", source=SheetSource("sheet-1"), options=JobOptions())
    assert control.latest_job(svc).id == sheet.id
    assert control.latest_job(svc, input_path="a.csv").id == second_a.id != first_a.id  # relative to the cwd
    assert control.latest_job(svc, input_path=str(tmp_path / "b.csv")).id == b.id
    with pytest.raises(JobNotFound, match="c.csv"):
        control.latest_job(svc, input_path="c.csv")


def test_list_jobs_and_job_rows_are_scoped_to_their_owner():
    svc, queue, _, clock = make_services()
    first = _submit(svc, ["Acme", "Globex"])
    clock.advance(minutes=1)
    second = _submit(svc, ["Initech"])
    clock.advance(minutes=1)
    other = submit_job(
        svc, owner="eve@example.com", name="e", source=SOURCE, rows=companies("Umbrella"), options=JobOptions()
    )
    assert [job.id for job in control.list_jobs(svc, owner=OWNER)] == [second.id, first.id]
    assert [job.id for job in control.list_jobs(svc, limit=2)] == [other.id, second.id]
    handle_research_task(svc, TaskDelivery(queue.enqueued[0], 1))
    assert [row.key for row in control.job_rows(svc, first.id, owner=OWNER)] == ["r000001", "r000002"]
    assert [row.key for row in control.job_rows(svc, first.id, states=(RowState.PENDING,))] == ["r000002"]
    with pytest.raises(JobNotFound):
        control.job_rows(svc, first.id, owner="eve@example.com")


def test_progress_reports_counts_rate_eta_and_error_kinds():
    research = ScriptedResearcher(failures={"Globex": [ErrorKind.BOT_CHALLENGE]})
    svc, queue, _, clock = make_services(research)
    job = _submit(svc, ["Acme", "Globex", "Initech", "Umbrella"])
    for task in queue.enqueued[:2]:
        handle_research_task(svc, TaskDelivery(task, 1))
    clock.advance(minutes=2)
    progress = job_progress(svc, job.id)
    assert progress.counts[RowState.DONE] == 1 and progress.counts[RowState.FAILED] == 1
    assert progress.rate_per_minute == pytest.approx(1.0)
    assert progress.eta_seconds == pytest.approx(120.0)
    data = progress.to_dict()
    assert data["error_kinds"] == {"bot_challenge": 1} and data["remaining"] == 2 and data["total"] == 4


def test_summary_has_success_rate_distributions_and_cost():
    research = ScriptedResearcher(failures={"Globex": [ErrorKind.DNS]})
    svc, queue, _, _ = make_services(research)
    job = _submit(svc, ["Acme", "Globex", "Initech"])
    _work(svc, queue)
    summary = summarize_job(svc, job.id).to_dict()
    assert summary["success_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert summary["industries"] == {"Software": 2} and summary["countries"] == {"France": 2}
    assert summary["sizes"] == {"51-200": 2}
    assert summary["cost_usd"] == pytest.approx(0.003) and summary["pages_fetched"] == 9


@pytest.mark.parametrize(
    ("text", "bucket"),
    [
        ("7", "1-10"),
        ("11-50", "11-50"),
        ("120", "51-200"),
        ("1,000+", "201-1000"),
        ("12000", "5000+"),
        ("", "(unknown)"),
    ],
)
def test_size_buckets(text, bucket):
    assert size_bucket(text) == bucket


def test_estimate_is_bounded_by_concurrency_and_rate_and_prices_the_llm():
    by_concurrency = estimate_job(100, JobOptions(concurrency=10, rate=100.0), seconds_per_company=6.0)
    assert by_concurrency.seconds == pytest.approx(60.0) and by_concurrency.cost_usd == 0.0
    by_rate = estimate_job(100, JobOptions(concurrency=100, rate=1.0), seconds_per_company=6.0)
    assert by_rate.seconds == pytest.approx(106.0)
    with_llm = estimate_job(1000, JobOptions(use_llm=True), llm_price_per_mtok=(1.0, 2.0))
    assert with_llm.cost_usd == pytest.approx(1000 * (6000 * 1.0 + 600 * 2.0) / 1e6)
    empty = estimate_job(0, JobOptions(), skipped=3).to_dict()
    assert {k: empty[k] for k in ("rows", "skipped", "duplicates", "seconds", "cost_usd")} == {
        "rows": 0,
        "skipped": 3,
        "duplicates": 0,
        "seconds": 0,
        "cost_usd": 0.0,
    }


def test_flush_writes_each_finished_row_once_and_skips_rows_the_sink_lost():
    svc, queue, _, _ = make_services()
    job = _submit(svc, ["Acme", "Globex", "Initech"])
    _work(svc, queue)
    sink = RecordingSink(missing=["r000002"])
    report = flush_results(svc, job.id, [sink], batch_size=2)
    assert report.written == 2 and report.missing_keys == ["r000002"]
    assert [len(w) for w in sink.writes] == [2, 1]
    assert svc.store.get_row(job.id, "r000002").state == RowState.SKIPPED
    assert flush_results(svc, job.id, [RecordingSink()]).written == 0  # nothing new


def test_refresh_re_enqueues_rows_older_than_the_policy():
    svc, queue, researcher, clock = make_services()
    job = _submit(svc, ["Acme", "Globex"], refresh_days=30)
    other = _submit(svc, ["Initech"])
    _work(svc, queue)
    control.complete_if_finished(svc, job.id)
    clock.advance(days=10)
    assert refresh_stale_rows(svc) == {}
    clock.advance(days=21)
    assert refresh_stale_rows(svc) == {job.id: 2}
    assert control.get_job(svc, job.id).state == JobState.RUNNING
    assert {t.job_id for t in queue.enqueued} == {job.id} and other.id != job.id
    _work(svc, queue)
    assert researcher.calls["Acme"] == 2


def test_show_queued_writes_pending_rows_without_marking_them_flushed():
    svc, queue, _, _ = make_services()
    job = _submit(svc, ["Acme", "Globex", "Initech"])
    handle_research_task(svc, TaskDelivery(queue.enqueued[0], 1))
    sink = RecordingSink()
    assert show_queued(svc, job.id, sink) == 2
    assert [row.status_text for row in sink.writes[0]] == ["queued", "queued"]
    assert flush_results(svc, job.id, [RecordingSink()]).written == 1  # the done row is still unflushed
