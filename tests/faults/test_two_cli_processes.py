"""Two CLI processes on one workspace: both finish, nothing is lost and nothing is researched twice.

Two real subprocesses share one SQLite workspace at the same time: one
researches file A while another researches file B, and a third ``resume``s
A's job while the first still works it. Leases keep the two workers of A
off each other's rows (a row leased by a live process is busy for the
other), so every company is researched exactly once and both outputs hold
every row.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.domain import JobState, RowState
from tests.faults.harness import CliWorkspace, finish, read_output_csv, write_companies

pytestmark = [pytest.mark.subprocess, pytest.mark.timeout(180)]


def test_two_jobs_and_a_second_worker_on_one_workspace(tmp_path: Path) -> None:
    ws = CliWorkspace(tmp_path, latency=0.05)
    names_a = write_companies(tmp_path / "a.csv", 300)  # ~7 s at concurrency 2: the resume joins in time
    names_b = [name.replace("Company", "Firm") for name in write_companies(tmp_path / "b.csv", 80)]
    (tmp_path / "b.csv").write_text((tmp_path / "b.csv").read_text().replace("Company ", "Firm "))
    first = ws.research(tmp_path / "a.csv", tmp_path / "a.out.csv", concurrency=2)
    job_a = ws.job_id()
    second = ws.spawn(
        "research", str(tmp_path / "b.csv"), "-o", str(tmp_path / "b.out.csv"), "--concurrency", "4",
        "--rate", "100000", "--no-progress", stderr_name="b.err",
    )  # fmt: skip
    helper = ws.resume(job_a)  # a second worker on the same job, while the first still runs it
    codes = [finish(process, timeout=150) for process in (first, second, helper)]
    assert codes == [0, 0, 0], (ws.stderr("research.err"), ws.stderr("b.err"), ws.stderr("resume1.err"))
    counts = ws.research_counts()
    assert sorted(counts) == sorted(names_a + names_b)  # every company researched...
    assert max(counts.values()) == 1  # ...exactly once
    store = ws.store()
    for job in store.list_jobs():
        assert job.state == JobState.COMPLETED
        assert store.count_rows(job.id)[RowState.DONE] == job.total_rows
    assert [row["Company"] for row in read_output_csv(tmp_path / "a.out.csv")] == names_a
    assert [row["Company"] for row in read_output_csv(tmp_path / "b.out.csv")] == names_b
    assert {row["Rowscout status"] for row in read_output_csv(tmp_path / "b.out.csv")} == {"done"}
