"""kill -9 of the CLI worker at random points, again and again, then resume until done.

After every kill: no row finished in the store before it was lost or changed,
and the output file parses (the atomic snapshot is never half written). At
the end: every row is done or failed, researched once after it was first
seen finished, and the output is complete. A kill while a snapshot is being
written (its temporary file exists) leaves the previous output intact.
"""

from __future__ import annotations

import random
import subprocess
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from service.domain import Row, RowState
from tests.faults.harness import CliWorkspace, finish, kill_9, read_output_csv, wait_for, write_companies

pytestmark = [pytest.mark.subprocess, pytest.mark.slow]

ROWS = 200
KILLS = 5
CONCURRENCY = 4
FAILING = {7, 42, 99}  # rows whose company name makes the test researcher fail permanently


def _fingerprint(row: Row) -> tuple[str, object, object]:
    result = row.result.to_dict() if row.result else None
    return (row.state.value, result, row.error_kind)


def _write_input(path: Path) -> list[str]:
    names = write_companies(path, ROWS)
    text = path.read_text(encoding="utf-8")
    for i in FAILING:
        text = text.replace(f"{names[i]},", f"fail-{names[i]},", 1)
        names[i] = f"fail-{names[i]}"
    path.write_text(text, encoding="utf-8")
    return names


def _check_output(out: Path, names: list[str]) -> None:
    if out.exists():  # before the first checkpoint there is no file yet
        rows = read_output_csv(out)
        assert [r["Company"] for r in rows] == names


def test_five_random_kills_then_resume_lose_nothing(tmp_path: Path) -> None:
    rng = random.Random(20250101)
    ws = CliWorkspace(tmp_path, latency=0.02)
    names = _write_input(tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    process = ws.research(tmp_path / "in.csv", out, concurrency=CONCURRENCY)
    job_id = ws.job_id()
    seen: dict[str, tuple[str, object, object]] = {}  # key -> fingerprint when first seen finished
    counts_when_seen: dict[str, int] = {}
    for kill in range(1, KILLS + 1):
        _work_a_little(ws, process, new_rows=rng.randint(1, 20), jitter=rng.uniform(0.0, 0.03))
        kill_9(process)
        finished = ws.finished_rows(job_id)
        assert {k: fp for k, fp in seen.items()} == {k: _fingerprint(finished[k]) for k in seen}, "a result changed"
        counts = ws.research_counts()
        for key, row in finished.items():
            if key not in seen:
                seen[key] = _fingerprint(row)
                counts_when_seen[row.input.name] = counts[row.input.name]
        _check_output(out, names)
        process = ws.resume(job_id, attempt=kill)
    assert finish(process, timeout=60) == 4, ws.stderr(f"resume{KILLS}.err")  # 4: some rows failed
    final = ws.finished_rows(job_id)
    assert len(final) == ROWS
    assert {row.input.name for row in final.values() if row.state == RowState.FAILED} == {names[i] for i in FAILING}
    counts = ws.research_counts()
    assert set(counts) == set(names)
    assert {n: counts[n] for n in counts_when_seen} == counts_when_seen, "a finished row was researched again"
    assert sum(c - 1 for c in counts.values()) <= KILLS * CONCURRENCY  # only rows in flight at a kill
    rows = read_output_csv(out)
    assert [r["Company"] for r in rows] == names
    for row in rows:
        failing = row["Company"].startswith("fail-")
        if failing:
            assert row["Rowscout status"] == "failed" and row["Error"].startswith("blocked"), row
        else:
            assert row["Rowscout status"] == "done", row
    assert seen, "no row had finished before any kill: the kills came too early to test anything"


def _work_a_little(ws: CliWorkspace, process: subprocess.Popen[bytes], *, new_rows: int, jitter: float) -> None:
    """Let the process research ``new_rows`` more companies, plus ``jitter`` seconds, so kills land mid-work."""
    target = len(ws.researched()) + new_rows
    wait_for(lambda: len(ws.researched()) >= target or process.poll() is not None, timeout=30)
    assert process.poll() is None, "the job ended before the kill: make it longer"
    time.sleep(jitter)  # a random point between two finished rows, not a time-logic wait


def test_kill_during_a_snapshot_leaves_a_valid_file(tmp_path: Path) -> None:
    rows = 1500  # a styled snapshot of 1,500 rows takes seconds: the kill lands inside one
    ws = CliWorkspace(tmp_path, latency=0.0)
    names = write_companies(tmp_path / "in.csv", rows)
    out = tmp_path / "out.xlsx"
    process = ws.research(tmp_path / "in.csv", out, concurrency=8, extra=["--fields", "industry"])
    job_id = ws.job_id()

    def temps() -> list[Path]:
        return list(tmp_path.glob(".out.xlsx.*.tmp"))

    try:
        wait_for(lambda: bool(temps()), timeout=60, poll=0.001)
    finally:
        kill_9(process)
    assert temps(), "the kill did not land during a snapshot"
    if out.exists():
        _assert_xlsx(out, names, complete=False)
    resumed = ws.resume(job_id)
    assert finish(resumed, timeout=90) == 0, ws.stderr("resume1.err")
    _assert_xlsx(out, names, complete=True)
    assert not temps()  # the killed writer's half-written file was cleaned up


def _assert_xlsx(path: Path, names: list[str], *, complete: bool) -> None:
    book = load_workbook(path, read_only=True)
    try:
        sheet = book.worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    header, *body = values
    column = {name: i for i, name in enumerate(header)}
    assert [r[column["Company"]] for r in body] == names
    if complete:
        assert all(r[column["Rowscout status"]] == "done" for r in body)
