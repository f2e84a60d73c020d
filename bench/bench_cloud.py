"""Cloud path overhead per row: the /tasks/research handler on the Firestore emulator vs in memory.

Each row task goes through the whole web path a Cloud Tasks delivery takes
(Flask routing, task auth stub, JSON body, lease transaction, research,
finish transaction, flush enqueue) with a researcher of fixed tiny latency.
Eight threads call the handler at once, as ``gunicorn --workers 1 --threads 8``
does on one Cloud Run instance. Reported per store: rows/s per instance and the
per-row overhead (request time minus research latency: median and p95).

Run: ``.venv/bin/python -m bench.bench_cloud [--rows 400] [--latency 0.02] [--threads 8] [--quick] [--out FILE]``
Writes ``bench/results/cloud.json``; it also runs ``bench_cloud_ops`` (operations per row and the
cost per 1,000 companies, today's store beside the one before issue 18) and includes its result.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore

from bench import bench_cloud_ops
from service.api import create_app
from service.api.access import AllowAllAccess
from service.api.auth import DevAuthenticator
from service.config import Settings
from service.domain import CompanyInput, JobOptions, RowState
from service.domain.sources import SheetColumns, SheetSource
from service.jobs.submit import submit_job
from service.queue.port import Task
from service.store.firestore import FirestoreJobStore
from service.store.memory import MemoryJobStore
from service.store.port import JobStore
from tests.fakes.sheet_gateway import MemorySheetGateway
from tests.support.firestore_emulator import start_firestore_emulator
from tests.support.researchers import LatencyResearcher

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "bench" / "results" / "cloud.json"
# a sheet job already planned (its output columns exist): every finished row schedules a flush window
PREPARED_SHEET = SheetSource(
    "bench-sheet", sheet_name="Leads", sheet_id=0, layout=SheetColumns(sheet_id=0, header_row=1, columns={"status": 2})
)


class _CountingQueue:
    """Accepts tasks and counts them (research tasks are driven by the benchmark itself)."""

    def __init__(self) -> None:
        self.count = 0

    def enqueue(self, task: Task) -> None:
        self.count += 1

    def enqueue_many(self, tasks: Iterable[Task]) -> int:
        n = sum(1 for _ in tasks)
        self.count += n
        return n


def measure(store: JobStore, rows: int, latency: float, threads: int) -> dict[str, Any]:
    """Submit ``rows`` rows, then POST one /tasks/research per row from ``threads`` threads."""
    adapters = {
        "store": store,
        "queue": _CountingQueue(),
        "researcher": LatencyResearcher(latency),
        "sheets": MemorySheetGateway(),
        "access": AllowAllAccess(),
        "worker_id": "bench",
    }
    app = create_app({"TESTING": True, "SETTINGS": Settings(), "ADAPTERS": adapters, "TASK_AUTH": DevAuthenticator()})
    services = app.extensions["rowscout"].services  # what build_cloud made of the overrides
    companies = [(f"r{i:06d}", i, CompanyInput(name=f"Company {i}", website=f"c{i}.example")) for i in range(rows)]
    job = submit_job(services, owner="bench", name="bench", source=PREPARED_SHEET, rows=companies, options=JobOptions())
    client = app.test_client()

    def one(key: str) -> float:
        started = time.perf_counter()
        response = client.post("/tasks/research", json={"job_id": job.id, "row_key": key})
        assert response.status_code == 200, response.get_data(as_text=True)
        return time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        durations = list(pool.map(one, [key for key, _, _ in companies]))
    wall = time.perf_counter() - started
    done = store.count_rows(job.id)
    overhead = sorted(max(0.0, d - latency) for d in durations)
    return {
        "rows": rows,
        "done": done[RowState.DONE],
        "wall_seconds": round(wall, 3),
        "rows_per_second": round(rows / wall, 1),
        "overhead_ms_median": round(statistics.median(overhead) * 1000, 2),
        "overhead_ms_p95": round(overhead[int(0.95 * (len(overhead) - 1))] * 1000, 2),
        "ideal_rows_per_second": round(threads / latency, 1) if latency else None,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="100 rows (as `python -m bench --quick` asks)")
    parser.add_argument("--out", default=str(RESULT))
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = min(args.rows, 100)
    memory = measure(MemoryJobStore(), args.rows, args.latency, args.threads)
    emulator = start_firestore_emulator()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    try:
        client = firestore.Client(project="rowscout-bench", credentials=AnonymousCredentials())
        cloud = measure(FirestoreJobStore(client, collection_prefix="bench_"), args.rows, args.latency, args.threads)
    finally:
        emulator.stop()
    # issue 18: operations per row and the cost per 1,000 companies, today's store beside the old one
    operations = bench_cloud_ops.main(["--quick"] if args.quick else [])
    result = {
        "benchmark": "cloud",
        "when": datetime.now(UTC).isoformat(),
        "settings": vars(args),
        "firestore_emulator": cloud,
        "memory_store": memory,
        "overhead_ratio_median": round(cloud["overhead_ms_median"] / max(memory["overhead_ms_median"], 0.01), 1),
        "operations": operations,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
