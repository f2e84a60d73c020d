"""Cloud operations per researched row and the cost per 1,000 companies, measured on the emulators.

The real clients are wrapped, not replaced: the Firestore client's GAPIC
stub (``client._firestore_api``) counts documents read (``get``,
``batch_get``, query results; a query or lookup that finds nothing still
bills one read; an aggregation bills one read per 1,000 index entries),
documents written and deleted (``commit``), transactions begun and
aggregation queries run; the Cloud Tasks client counts ``create_task``
calls (an ``AlreadyExists`` answer is still a billed API call). Each row
goes through the real web path of a Cloud Tasks delivery
(``POST /tasks/research``) with ``time.process_time`` around the handler
(CPU seconds of this process: the emulators run in their own processes),
and every ``window`` rows the job's flush runs (``flush_results``: the
store's side of a sheet flush; the Sheets API is free and its calls are
measured by ``bench_sheets``). A progress poll is measured at two job
sizes to show whether it grows with the job.

Two stores run in the same process on the same emulators: today's
``FirestoreJobStore`` and the one of commit ``BEFORE_COMMIT`` (loaded from
git), so the figure before the change is measured in the same run.

Run: ``.venv/bin/python -m bench.bench_cloud_ops [--rows 200] [--window 20] [--quick]``
Writes ``bench/results/cloud_ops.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import subprocess
import sys
import threading
import time
import types
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from google.api_core import exceptions as gexc
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore
from werkzeug.serving import WSGIRequestHandler, make_server

from service.api import create_app
from service.api.access import AllowAllAccess
from service.api.auth import DevAuthenticator
from service.config import CloudSettings, Limits, Settings
from service.domain import CompanyInput, JobOptions, RowState
from service.domain.sources import SheetColumns, SheetSource
from service.jobs.cloudcost import GOAL, MEASURED_OPS_PER_ROW, OpsPerRow, cost_per_1000
from service.jobs.flush import flush_results
from service.jobs.progress import job_progress
from service.jobs.submit import submit_job
from service.queue.cloudtasks import CloudTasksQueue
from service.store.firestore import FirestoreJobStore
from tests.fakes.sheet_gateway import MemorySheetGateway
from tests.support.firestore_emulator import start_firestore_emulator
from tests.support.loopback import serving
from tests.support.researchers import LatencyResearcher
from tests.support.tasks_emulator import start_emulator

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "bench" / "results" / "cloud_ops.json"
BEFORE_COMMIT = "ae7e2a3"  # the store before issue 18 (count() per state, transactions for lease and finish)
PROJECT, LOCATION = "rowscout-ops", "europe-west1"
SHEET = SheetSource(
    "ops-sheet", sheet_name="Leads", sheet_id=0, layout=SheetColumns(sheet_id=0, header_row=1, columns={"status": 2})
)


class OpCounter:
    """Billable operations seen by the wrapped clients (thread-safe)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counts[name] += n

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.counts)


class CountingFirestoreApi:
    """Wraps the GAPIC Firestore client: every call passes through to the emulator, counted."""

    def __init__(self, inner: Any, counter: OpCounter) -> None:
        self._inner = inner
        self._counter = counter

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def get_document(self, *args: Any, **kwargs: Any) -> Any:
        self._counter.add("firestore_reads")
        return self._inner.get_document(*args, **kwargs)

    def batch_get_documents(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for response in self._inner.batch_get_documents(*args, **kwargs):
            if response._pb.HasField("found") or response._pb.missing:
                self._counter.add("firestore_reads")  # a missing document is billed as a read too
            yield response

    def run_query(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        found = 0
        for response in self._inner.run_query(*args, **kwargs):
            found += int(response._pb.HasField("document"))
            yield response
        self._counter.add("firestore_reads", max(found, 1))  # an empty result bills one read
        self._counter.add("firestore_queries")

    def run_aggregation_query(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        for response in self._inner.run_aggregation_query(*args, **kwargs):
            if response._pb.HasField("result"):
                values = [v.integer_value for v in response._pb.result.aggregate_fields.values()]
                counted = max(
                    [v for k, v in zip(response._pb.result.aggregate_fields, values, strict=True) if k == "n"] or [0]
                )  # count() answers: 1 read per 1,000 entries
                self._counter.add("firestore_reads", max(1, math.ceil(counted / 1000)))
                self._counter.add("firestore_aggregations")
            yield response

    def begin_transaction(self, *args: Any, **kwargs: Any) -> Any:
        self._counter.add("firestore_transactions")
        return self._inner.begin_transaction(*args, **kwargs)

    def commit(self, *args: Any, **kwargs: Any) -> Any:
        request = kwargs.get("request") or (args[0] if args else {})
        writes = request.get("writes", []) if isinstance(request, dict) else list(request.writes)
        deletes = sum(1 for w in writes if _is_delete(w))
        self._counter.add("firestore_writes", len(writes) - deletes)
        self._counter.add("firestore_deletes", deletes)
        self._counter.add("firestore_commits")
        return self._inner.commit(*args, **kwargs)


def _is_delete(write: Any) -> bool:
    pb = getattr(write, "_pb", write)
    return bool(pb.delete) if hasattr(pb, "delete") else False


class CountingTasksClient:
    """Wraps the Cloud Tasks client: ``create_task`` calls are billed even when the name exists."""

    def __init__(self, inner: Any, counter: OpCounter) -> None:
        self._inner = inner
        self._counter = counter

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def create_task(self, *args: Any, **kwargs: Any) -> Any:
        self._counter.add("task_creates")
        try:
            return self._inner.create_task(*args, **kwargs)
        except gexc.AlreadyExists:
            self._counter.add("task_creates_already_existing")
            raise


def counting_client(counter: OpCounter) -> firestore.Client:
    client = firestore.Client(project=PROJECT, credentials=AnonymousCredentials())
    client._firestore_api_internal = CountingFirestoreApi(client._firestore_api, counter)
    return client


def old_module(path: str, name: str) -> types.ModuleType:
    """A module of the repository as of ``BEFORE_COMMIT`` (read from git), importing today's other modules."""
    source = subprocess.run(
        ["git", "show", f"{BEFORE_COMMIT}:{path}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = types.ModuleType(spec.name)
    sys.modules[spec.name] = module
    exec(compile(source, f"{BEFORE_COMMIT}:{path}", "exec"), module.__dict__)  # noqa: S102
    return module


def old_store_class() -> type:
    """``FirestoreJobStore`` as of ``BEFORE_COMMIT``, with the old progress's error-kind scan."""
    base: type = old_module("service/store/firestore.py", "bench_old_firestore").FirestoreJobStore

    class BeforeStore(base):  # type: ignore[misc, valid-type]
        def count_error_kinds(self, job_id: str) -> dict[str, int]:
            """What progress did before: read every failed row."""
            kinds: Counter[str] = Counter()
            for row in self.iter_rows(job_id, states=(RowState.FAILED,)):
                kinds[row.error_kind.value if row.error_kind else "unknown"] += 1
            return dict(kinds)

    return BeforeStore


def measure(
    label: str, store: Any, counter: OpCounter, queue: CloudTasksQueue, rows: int, window: int
) -> dict[str, Any]:
    settings = Settings(limits=Limits(flush_window_seconds=3600.0), cloud=CloudSettings(project=PROJECT))
    adapters = {
        "store": store,
        "queue": queue,
        "researcher": LatencyResearcher(0.0),
        "sheets": MemorySheetGateway(),
        "access": AllowAllAccess(),
        "worker_id": f"ops-{label}",
    }
    app = create_app({"TESTING": True, "SETTINGS": settings, "ADAPTERS": adapters, "TASK_AUTH": DevAuthenticator()})
    services = app.extensions["rowscout"].services
    client = app.test_client()
    # every 10th company fails for good (a blocked site): failed rows are what the old poll scanned
    companies = [
        (f"r{i:06d}", i, CompanyInput(name=f"{'fail-' if i % 10 == 9 else ''}Company {i}", website=f"c{i}.example"))
        for i in range(rows)
    ]
    before = counter.snapshot()
    job = submit_job(services, owner="bench", name=label, source=SHEET, rows=companies, options=JobOptions())
    submitted = counter.snapshot()
    cpu = 0.0
    polls: dict[int, Counter[str]] = {}
    for n, (key, _, _) in enumerate(companies, start=1):
        started = time.process_time()
        response = client.post("/tasks/research", json={"job_id": job.id, "row_key": key})
        cpu += time.process_time() - started
        assert response.status_code == 200, response.get_data(as_text=True)
        if n % window == 0 or n == rows:
            flush_results(services, job.id, [])  # the store's side of one flush window
        if n in (rows // 4, rows):
            getattr(store, "_job_cache", {}).clear()  # a poll's worst case: its job read is not cached
            ahead = counter.snapshot()
            progress = job_progress(services, job.id)
            polls[n] = counter.snapshot() - ahead
            assert progress.finished == n, (progress.counts, n)
    done = counter.snapshot()
    counts = store.count_rows(job.id)
    assert counts[RowState.DONE] + counts[RowState.FAILED] == rows, counts
    research = done - submitted
    for poll in polls.values():
        research.subtract(poll)
    submit = submitted - before
    per_row = {name: round((research[name] + submit[name]) / rows, 3) for name in sorted(set(research) | set(submit))}
    steady = {k: round(v / rows, 3) for k, v in sorted(research.items())}
    ops = OpsPerRow(
        firestore_reads=per_row.get("firestore_reads", 0.0),
        firestore_writes=per_row.get("firestore_writes", 0.0),
        firestore_deletes=per_row.get("firestore_deletes", 0.0) + 1.0,  # the TTL's delete (not emulated)
        task_creates=per_row.get("task_creates", 0.0),
        cpu_seconds=round(cpu / rows, 5),
    )
    return {
        "store": label,
        "rows": rows,
        "flush_every_rows": window,
        "per_row": per_row,  # the whole life of a row: submit + research task + flush
        "submit_per_row": {k: round(v / rows, 3) for k, v in sorted(submit.items())},
        "steady_state_per_row": steady,  # research task + its share of a flush (what the goal counts)
        "handler_cpu_seconds_per_row": round(cpu / rows, 5),
        "poll": {str(n): dict(sorted(c.items())) for n, c in polls.items()},
        "ops": ops.to_dict(),
        "cost_per_1000_usd": cost_per_1000(ops).to_dict(),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--window", type=int, default=20, help="rows finished per flush window")
    parser.add_argument("--quick", action="store_true", help="80 rows")
    parser.add_argument("--out", default=str(RESULT))
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = min(args.rows, 80)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    emulator = start_firestore_emulator()
    os.environ["FIRESTORE_EMULATOR_HOST"] = emulator.host
    tasks = start_emulator(max_retries=0)
    sink = make_server("127.0.0.1", 0, app=_accept_all, threaded=True, request_handler=_Quiet)
    results = []
    try:
        with serving(sink):
            old_queue = old_module("service/queue/cloudtasks.py", "bench_old_cloudtasks").CloudTasksQueue
            variants = (("before", old_store_class(), old_queue), ("now", _now_store, CloudTasksQueue))
            for label, factory, queue_class in variants:
                counter = OpCounter()
                queue_ids = {p: f"ops-{label}-{p}" for p in ("high", "normal", "low")}
                for queue_id in queue_ids.values():
                    tasks.create_queue(project=PROJECT, location=LOCATION, queue_id=queue_id)
                queue = queue_class(
                    CountingTasksClient(tasks.client(), counter),  # type: ignore[arg-type]
                    project=PROJECT,
                    location=LOCATION,
                    queues=queue_ids,
                    target_base_url=f"http://127.0.0.1:{sink.server_port}",
                    service_account_email=None,
                )
                store = factory(counting_client(counter), collection_prefix=f"{label}_")
                results.append(measure(label, store, counter, queue, args.rows, args.window))
    finally:
        tasks.stop()
        emulator.stop()
    before, now = results
    result = {
        "benchmark": "cloud_ops",
        "when": datetime.now(UTC).isoformat(),
        "commit": commit.strip(),
        "before_commit": BEFORE_COMMIT,
        "settings": vars(args),
        "goal": GOAL.to_dict(),
        "recorded_in_service": MEASURED_OPS_PER_ROW.to_dict(),
        "before": before,
        "now": now,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


def _now_store(client: firestore.Client, *, collection_prefix: str) -> FirestoreJobStore:
    return FirestoreJobStore(client, collection_prefix=collection_prefix, job_cache_seconds=1.0)


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """The emulator's deliveries are not news."""


def _accept_all(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Where the emulator delivers tasks: this benchmark drives the handler itself."""
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


if __name__ == "__main__":
    main()
