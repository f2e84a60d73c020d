"""kill -9 in the middle of a run, then `resume`: every row finished once, nothing lost.

Runs the real CLI in a subprocess (the embedded default: SQLite + in-process
queue) through ``tests.support.cli_runner``, which plugs in a researcher of
fixed latency that logs every completed research.
"""

from __future__ import annotations

import csv
import re
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from service.domain import RowState
from service.store.sqlite import SqliteJobStore
from tests.support.cli_runner import runner_command, runner_env

from .conftest import write_csv

ROWS = 120
CONCURRENCY = 4


def _env(tmp: Path) -> dict[str, str]:
    return runner_env(latency=0.03, research_log=tmp / "research.log", home=tmp / "ws")


def _cli(*args: str) -> list[str]:
    return runner_command(*args)


def _wait_for(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def _log_lines(tmp: Path) -> list[str]:
    path = tmp / "research.log"
    return path.read_text().split("\n")[:-1] if path.exists() else []


@pytest.mark.subprocess
def test_kill_9_then_resume_finishes_every_row_once(tmp_path):
    rows = [[f"Company {i:03d}", f"company{i}.com"] for i in range(ROWS)]
    src = write_csv(tmp_path / "in.csv", ["Company", "Website"], rows)
    out = tmp_path / "out.csv"
    env = _env(tmp_path)
    stderr = (tmp_path / "run1.err").open("w")
    first = subprocess.Popen(
        _cli(
            "research", str(src), "-o", str(out), "--concurrency", str(CONCURRENCY), "--rate", "1000", "--no-progress"
        ),
        cwd=tmp_path,
        env=env,
        stderr=stderr,
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: len(_log_lines(tmp_path)) >= ROWS // 3, timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    stderr.close()
    job_id = re.search(r"Job ([0-9a-f]{12})", (tmp_path / "run1.err").read_text()).group(1)

    store = SqliteJobStore(tmp_path / "ws" / "rowscout.sqlite3")
    done_before = {row.input.name for row in store.iter_rows(job_id, states=(RowState.DONE,))}
    assert 0 < len(done_before) < ROWS
    if out.exists():  # a checkpoint written before the kill is a valid file
        with out.open(newline="", encoding="utf-8-sig") as handle:
            assert len(list(csv.DictReader(handle))) == ROWS

    second = subprocess.run(
        _cli("resume", job_id, "--no-progress"), cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 0, second.stderr

    with out.open(newline="", encoding="utf-8-sig") as handle:
        result = list(csv.DictReader(handle))
    assert [r["Company"] for r in result] == [r[0] for r in rows]
    assert all(r["Rowscout status"] == "done" and r["Industry"] == "Software" for r in result)
    counts = Counter(_log_lines(tmp_path))
    assert set(counts) == {r[0] for r in rows}
    assert all(counts[name] == 1 for name in done_before), "a stored result was researched again"
    twice = [name for name, n in counts.items() if n > 1]
    assert len(twice) <= CONCURRENCY  # only rows in flight at the kill can be researched again
    assert store.count_rows(job_id)[RowState.DONE] == ROWS
