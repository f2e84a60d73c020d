"""Resume after ``kill -9``: how fast work continues and what is researched twice.

The real CLI runs in a subprocess (SQLite store + in-process queue) through
``tests.support.cli_runner``, which passes it the fixed-latency test
researcher (``main(argv, researcher=...)``); that researcher logs every
completed research. Once a
third of the rows are researched the process is killed with SIGKILL. Then:

- **Rowscout**: ``resume JOB`` in the same workspace. Measured: seconds from
  spawning ``resume`` to the first new row DONE in the store (target < 2 s),
  and rows researched again among those DONE in the store before the kill
  (target 0); rows that were in flight at the kill may be researched again
  and are reported separately.
- **Baseline**: a fresh restart of the same input from scratch (new
  workspace), as a tool without durable job state would do: the same two
  figures, measured in the same run.

Run: ``.venv/bin/python -m bench.bench_resume [--rows 400] [--latency 0.05] [--concurrency 8] [--trials 3]``
Writes ``bench/results/resume.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from service.domain import RowState
from tests.faults.harness import CliWorkspace, finish, kill_9, wait_for, write_companies

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "resume.json"
RUN_TIMEOUT = 300.0


@dataclass
class Restart:
    """What one way of continuing after the kill did."""

    seconds_to_first_new_row: float
    seconds_to_finish: float
    done_before_kill: int
    researched_twice: int  # rows DONE before the kill that were researched again
    in_flight_redone: int  # rows not DONE at the kill that were researched more than once


@dataclass
class Trial:
    rowscout: Restart
    baseline: Restart


def crash(ws: CliWorkspace, source: Path, *, rows: int, concurrency: int) -> tuple[str, set[str]]:
    """Run the job until a third of the rows are researched, SIGKILL it; returns (job id, names DONE)."""
    process = ws.research(source, ws.root / "out.csv", concurrency=concurrency)
    try:
        job_id = ws.job_id()
        wait_for(lambda: len(ws.researched()) >= rows // 3, timeout=RUN_TIMEOUT)
    finally:
        kill_9(process)
    store = ws.store()
    return job_id, {row.input.name for row in store.iter_rows(job_id, states=(RowState.DONE,))}


def timed_until_done(
    ws: CliWorkspace, process_start: float, job_id: str, already: int, rows: int
) -> tuple[float, float]:
    """Seconds from ``process_start`` to the first new DONE row, and to every row DONE."""
    store = ws.store()

    def done() -> int:
        return store.count_rows(job_id)[RowState.DONE]

    wait_for(lambda: done() > already, timeout=RUN_TIMEOUT, poll=0.005)
    first = time.perf_counter() - process_start
    wait_for(lambda: done() >= rows, timeout=RUN_TIMEOUT, poll=0.05)
    return first, time.perf_counter() - process_start


def twice(ws: CliWorkspace, names: set[str], *, baseline_log: list[str] | None = None) -> tuple[int, int]:
    """(rows of ``names`` researched again, other rows researched more than once)."""
    counts = ws.research_counts()
    if baseline_log is not None:  # a restart: anything it researched that was already done counts
        again = sum(1 for name in set(baseline_log) if name in names)
        return again, sum(1 for name, n in counts.items() if n > 1)
    return sum(1 for name in names if counts[name] > 1), sum(1 for n, c in counts.items() if c > 1 and n not in names)


def resume_after_crash(
    root: Path, source: Path, *, rows: int, latency: float, concurrency: int
) -> tuple[Restart, set[str]]:
    ws = CliWorkspace(root / "resume", latency=latency)
    ws.root.mkdir(parents=True)
    job_id, done_before = crash(ws, source, rows=rows, concurrency=concurrency)
    start = time.perf_counter()
    process = ws.resume(job_id)
    try:
        first, total = timed_until_done(ws, start, job_id, len(done_before), rows)
    finally:
        finish(process, RUN_TIMEOUT)
    again, in_flight = twice(ws, done_before)
    return Restart(round(first, 3), round(total, 2), len(done_before), again, in_flight), done_before


def restart_from_scratch(
    root: Path, source: Path, done_before: set[str], *, rows: int, latency: float, concurrency: int
) -> Restart:
    ws = CliWorkspace(root / "restart", latency=latency)
    ws.root.mkdir(parents=True)
    start = time.perf_counter()
    process = ws.research(source, ws.root / "out.csv", concurrency=concurrency)
    try:
        first, total = timed_until_done(ws, start, ws.job_id(), 0, rows)
    finally:
        finish(process, RUN_TIMEOUT)
    again, _ = twice(ws, done_before, baseline_log=ws.researched())
    return Restart(round(first, 3), round(total, 2), len(done_before), again, 0)


def run_trial(root: Path, *, rows: int, latency: float, concurrency: int) -> Trial:
    root.mkdir(parents=True)
    source = root / "companies.csv"
    write_companies(source, rows)
    rowscout, done_before = resume_after_crash(root, source, rows=rows, latency=latency, concurrency=concurrency)
    baseline = restart_from_scratch(root, source, done_before, rows=rows, latency=latency, concurrency=concurrency)
    return Trial(rowscout, baseline)


def summarize(trials: list[Trial], args: argparse.Namespace) -> dict[str, object]:
    def side(name: str) -> dict[str, float]:
        restarts = [getattr(t, name) for t in trials]
        return {
            "seconds_to_first_new_row": round(statistics.median(r.seconds_to_first_new_row for r in restarts), 3),
            "seconds_to_first_new_row_max": max(r.seconds_to_first_new_row for r in restarts),
            "seconds_to_finish": round(statistics.median(r.seconds_to_finish for r in restarts), 2),
            "researched_twice": max(r.researched_twice for r in restarts),
            "in_flight_redone": max(r.in_flight_redone for r in restarts),
            "done_before_kill": min(r.done_before_kill for r in restarts),
        }

    rowscout = side("rowscout")
    return {
        "settings": {
            "rows": args.rows,
            "latency_s": args.latency,
            "concurrency": args.concurrency,
            "trials": args.trials,
        },
        "rowscout": rowscout,
        "baseline_restart": side("baseline"),
        "trials": [asdict(t) for t in trials],
        "target_met": rowscout["seconds_to_first_new_row_max"] < 2.0 and rowscout["researched_twice"] == 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trials = [
            run_trial(Path(tmp) / f"t{n}", rows=args.rows, latency=args.latency, concurrency=args.concurrency)
            for n in range(args.trials)
        ]
    result = summarize(trials, args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    r, b = result["rowscout"], result["baseline_restart"]
    print(f"{'':22}{'first new row s':>16}{'finish s':>10}{'redone (done before kill)':>27}")
    print(
        f"{'resume (Rowscout)':22}{r['seconds_to_first_new_row']:>16.3f}{r['seconds_to_finish']:>10.2f}"
        f"{r['researched_twice']:>27}"
    )
    print(
        f"{'restart from scratch':22}{b['seconds_to_first_new_row']:>16.3f}{b['seconds_to_finish']:>10.2f}"
        f"{b['researched_twice']:>27}"
    )
    print(
        f"in-flight rows researched again on resume: {r['in_flight_redone']} (≤ concurrency {args.concurrency}); "
        f"target: first row < 2 s, 0 redone → {'met' if result['target_met'] else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
