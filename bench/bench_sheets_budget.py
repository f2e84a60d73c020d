"""Benchmark: N concurrent sheet jobs under ONE shared Sheets budget vs a limiter per job (today's design).

Both runs use the real Sheets adapter (``GoogleSheetGateway`` over
google-api-python-client) against the loopback fake server, whose quota
(``--quota`` writes and reads per minute) counts every request of the one
service account, on a fake clock shared by server and clients. The run is a
discrete-event simulation in simulated seconds: each job's rows finish one
every ``1 / --rate`` seconds; a finished row schedules its job's flush for
the end of the current ``--window`` (one named flush task per job and window,
as in the cloud); a flush writes every finished, not yet written row through
a fresh writer (as ``flush_sheet_job`` does). Nothing sleeps: a flush that
cannot go now is a flush task coming back later.

- shared budget (Rowscout): every job's client (one per job, like separate
  Cloud Run instances) takes slots of the same read and write budgets,
  longest-waiting sheet first; a call waits at most ``IN_CALL_WAIT`` seconds
  (the follow-up calls of a flush under way), else the flush reschedules
  itself for the time the budget names (``reschedule_flush``). Waiting moves
  the shared clock, so other events of that moment run that much later.
- per-job limiter (baseline): each job's client has its own 60/min limiters,
  as before the shared budget; a flush that fails (Google's 429) is retried
  by the queue after its backoff (``--backoff`` seconds), as Cloud Tasks would.

Figures: quota errors surfaced (a flush failing with Google's 429), the most
writes (and reads) the server saw in any rolling minute, and the time from a
row finishing to its cells appearing (p50 / p95 / max, simulated seconds).

Run: ``.venv/bin/python -m bench.bench_sheets_budget [--jobs 20 --rows 500]``;
writes ``bench/results/sheets_budget.json``.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from google.oauth2.credentials import Credentials  # noqa: E402

from service.domain import CompanyInput, Job, JobOptions, JobState, Row  # noqa: E402
from service.domain.errors import SheetsError  # noqa: E402
from service.domain.retry import RetryPolicy  # noqa: E402
from service.domain.sources import SheetSource  # noqa: E402
from service.sheets.budget import MemorySheetsBudget, SheetsBudget  # noqa: E402
from service.sheets.gateway import GoogleSheetGateway  # noqa: E402
from service.sheets.google_api import GoogleSheetsApi  # noqa: E402
from tests.fakes.sheets_server import FakeClock, FakeSheetsServer  # noqa: E402
from tests.sheets.helpers import NOW, done_row  # noqa: E402

FIELDS = ["industry", "description"]
TOKEN = "rowscout-sa"  # every job writes as the one service account
IN_CALL_WAIT = 5.0  # a flush waits this long at most inside a call (its follow-up calls), else reschedules


@dataclass
class JobSim:
    index: int
    job: Job
    gateway: GoogleSheetGateway
    keys: list[str]
    finished: dict[str, float] = field(default_factory=dict)  # row key -> finish time
    appeared: dict[str, float] = field(default_factory=dict)  # row key -> time its cells were written
    scheduled: set[int] = field(default_factory=set)  # flush windows with a task queued


@dataclass
class Outcome:
    quota_errors: int = 0  # flushes that failed with Google's 429
    other_errors: int = 0
    reschedules: int = 0  # flushes the budget sent back for later (not errors)
    flushes: int = 0
    refused: int = 0


def _companies(n: int) -> list[list[str]]:
    return [["Company", "Website"]] + [[f"Company {i:05d}", f"https://c{i}.example"] for i in range(n)]


def _client(server: FakeSheetsServer, clock: FakeClock, budgets: tuple[SheetsBudget, SheetsBudget] | None):
    reads, writes = budgets if budgets else (None, None)
    return GoogleSheetsApi(
        Credentials(token=TOKEN),
        endpoint=server.endpoint,
        clock=clock,
        sleep=clock.sleep,
        retry=RetryPolicy(max_attempts=1),  # a failed call fails the flush; the queue retries the task
        read_budget=reads,
        write_budget=writes,
        max_budget_wait=IN_CALL_WAIT if budgets else 600.0,
    )


def _prepare(server: FakeSheetsServer, clock: FakeClock, name: str, j: int, rows: int, budgets) -> JobSim:
    spreadsheet = f"{name}-{j:02d}"
    server.create_spreadsheet(spreadsheet, {"Leads": _companies(rows)}, owner=TOKEN, rows=rows + 10)
    api = _client(server, clock, budgets)
    gateway = GoogleSheetGateway(lambda: api)
    job_id = f"{name}{j:02d}"
    while True:  # set-up: wait out the budget, like the add-on's submit would be told to
        try:
            prepared = gateway.prepare(SheetSource(spreadsheet, sheet_name="Leads"), fields=FIELDS, job_id=job_id)
            break
        except SheetsError as exc:
            clock.sleep(exc.retry_after or 10.0)
    options = JobOptions(fields=tuple(FIELDS))
    job = Job(job_id, "owner", "bench", prepared.source, options, JobState.RUNNING, NOW, NOW)
    return JobSim(j, job, gateway, [r.key for r in prepared.table.records])


def _rows(sim: JobSim, keys: list[str]) -> list[Row]:
    """Done rows whose input is what the sheet holds (the flush checks it before writing)."""
    positions = {key: i for i, key in enumerate(sim.keys)}
    rows = []
    for key in keys:
        i = positions[key]
        row = done_row(key, f"Company {i:05d}", position=i + 1)
        company = CompanyInput(f"Company {i:05d}", f"https://c{i}.example")
        rows.append(replace(row, job_id=sim.job.id, input=company))
    return rows


def simulate(
    server: FakeSheetsServer,
    clock: FakeClock,
    *,
    name: str,
    jobs: int,
    rows: int,
    rate: float,
    window: float,
    backoff: float,
    budgets: tuple[SheetsBudget, SheetsBudget] | None,
) -> dict[str, Any]:
    sims = [_prepare(server, clock, name, j, rows, budgets) for j in range(jobs)]
    start = math.ceil(clock() / window) * window
    writes_before, reads_before = len(server.writes), len(server.reads)
    events: list[tuple[float, int, str, int, str]] = []
    seq = 0

    def push(at: float, kind: str, j: int, key: str = "") -> None:
        nonlocal seq
        seq += 1
        heapq.heappush(events, (at, seq, kind, j, key))

    def schedule_flush(sim: JobSim, at: float) -> None:
        window_index = math.floor(at / window)  # the task named for this window runs at its end
        if window_index not in sim.scheduled:
            sim.scheduled.add(window_index)
            push((window_index + 1) * window, "flush", sim.index)

    for sim in sims:
        for i, key in enumerate(sim.keys):
            push(start + (i + 1) / rate + sim.index * 0.01, "finish", sim.index, key)
    outcome = Outcome()
    wall = time.perf_counter()
    while events:
        at, _, kind, j, key = heapq.heappop(events)
        clock.advance(max(0.0, at - clock()))
        sim = sims[j]
        if kind == "finish":
            sim.finished[key] = at
            schedule_flush(sim, at)
            continue
        sim.scheduled.discard(math.floor(at / window) - 1)
        _flush(sim, at, outcome, lambda when, s=sim: schedule_flush(s, when), backoff)
    report = _report(server, sims, outcome, writes_before, reads_before, time.perf_counter() - wall, start)
    for sim in sims:
        sim.gateway.close()
    return report


def _flush(sim: JobSim, now: float, outcome: Outcome, again: Callable[[float], None], backoff: float) -> None:
    pending = [key for key in sim.finished if key not in sim.appeared]
    if not pending:
        return
    outcome.flushes += 1
    writer = sim.gateway.writer(sim.job)
    try:
        writer.write(sim.job, _rows(sim, pending))
        outcome.refused += len(writer.commit())  # keys the sink could not write (must stay 0 here)
        writer.close()  # nothing left buffered: no call (a failed writer is dropped, its rows stay pending)
    except SheetsError as exc:
        told = "quota shared by every job" in exc.message
        if told:
            outcome.reschedules += 1
        elif exc.status == 429:
            outcome.quota_errors += 1
        else:
            outcome.other_errors += 1
        again(now + (exc.retry_after if told and exc.retry_after else backoff))
        return
    for key in pending:
        sim.appeared[key] = now


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] if ordered else 0.0


def _max_in_minute(times: list[float]) -> int:
    ordered, best, lo = sorted(times), 0, 0
    for hi, t in enumerate(ordered):
        while ordered[lo] <= t - 60.0:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def _report(server, sims, outcome: Outcome, writes_before: int, reads_before: int, wall: float, start: float):
    latencies = [s.appeared[k] - s.finished[k] for s in sims for k in s.finished if k in s.appeared]
    unwritten = sum(1 for s in sims for k in s.finished if k not in s.appeared)
    writes = [w.at for w in server.writes[writes_before:]]
    reads = [r.at for r in server.reads[reads_before:]]
    end = max((max(s.appeared.values(), default=start) for s in sims), default=start)
    return {
        "quota_errors_surfaced": outcome.quota_errors,
        "other_errors": outcome.other_errors,
        "rows_never_written": unwritten,
        "rows_refused_by_the_sheet": outcome.refused,
        "budget_reschedules": outcome.reschedules,
        "flushes": outcome.flushes,
        "write_calls": len(writes),
        "read_calls": len(reads),
        "max_writes_in_any_minute": _max_in_minute(writes),
        "max_reads_in_any_minute": _max_in_minute(reads),
        "latency_p50_s": round(_percentile(latencies, 0.50), 1),
        "latency_p95_s": round(_percentile(latencies, 0.95), 1),
        "latency_max_s": round(max(latencies, default=0.0), 1),
        "simulated_minutes": round((end - start) / 60, 1),
        "wall_seconds": round(wall, 1),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    common = {"jobs": args.jobs, "rows": args.rows, "rate": args.rate, "window": args.window, "backoff": args.backoff}
    clock = FakeClock()
    with FakeSheetsServer(clock=clock, read_quota=args.quota, write_quota=args.quota) as server:
        shared = (MemorySheetsBudget(args.quota, clock=clock), MemorySheetsBudget(args.quota, clock=clock))
        rowscout = simulate(server, clock, name="shared", budgets=shared, **common)
        clock.advance(120.0)  # let the minute window empty between the runs
        baseline = simulate(server, clock, name="perjob", budgets=None, **common)
    return {
        "settings": {**common, "quota_per_minute": args.quota},
        "shared_budget": rowscout,
        "per_job_limiter": baseline,
        "targets": {
            "quota_errors_surfaced": "0",
            "max_writes_in_any_minute": f"<= {args.quota}",
            "latency_p95_s": "<= 60",
        },
        "targets_met": (
            rowscout["quota_errors_surfaced"] == 0
            and rowscout["max_writes_in_any_minute"] <= args.quota
            and rowscout["latency_p95_s"] <= 60
            and rowscout["rows_never_written"] == 0
            and rowscout["rows_refused_by_the_sheet"] == 0
        ),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=20)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--rate", type=float, default=1.0, help="rows finishing per second, per job")
    parser.add_argument("--window", type=float, default=5.0, help="flush window per job, seconds")
    parser.add_argument("--quota", type=int, default=60, help="Sheets reads and writes per minute")
    parser.add_argument("--backoff", type=float, default=10.0, help="queue retry delay after a failed flush")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "sheets_budget.json"))
    args = parser.parse_args(argv)
    result = run(args)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"{args.jobs} jobs x {args.rows} rows, quota {args.quota}/min, window {args.window:g} s")
    for label, key in (("shared budget", "shared_budget"), ("per-job limiter", "per_job_limiter")):
        r = result[key]
        print(
            f"{label:16} quota errors {r['quota_errors_surfaced']:5}  max writes/min {r['max_writes_in_any_minute']:4}"
            f"  max reads/min {r['max_reads_in_any_minute']:4}  latency p50/p95/max "
            f"{r['latency_p50_s']}/{r['latency_p95_s']}/{r['latency_max_s']} s  unwritten {r['rows_never_written']}"
            f"  reschedules {r['budget_reschedules']}  sim {r['simulated_minutes']} min  wall {r['wall_seconds']} s"
        )
    print(f"targets met: {result['targets_met']}")


if __name__ == "__main__":
    main()
