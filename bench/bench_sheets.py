"""Benchmark: Rowscout's batched Sheets write-back vs a naive per-row writer, on the fake server.

Both run through the real google-api-python-client against the loopback fake
(``tests/fakes/sheets_server.py``) with the same 60 writes/min/user quota and a
shared fake clock: the client's limiter "sleeps" by moving the clock, so the
time each approach needs under the quota is measured in simulated seconds,
without waiting for real minutes. Rows finish at ``--rate`` rows per second.

- rowscout: prepare (read, output columns, tag rows), ``queued`` statuses, then
  the ``SheetResultSink`` with a ``--flush-interval`` window.
- naive: like the seeds' enhanced processor, two ``values.update``-style calls
  per row (status, then result), each its own request.

Run: ``.venv/bin/python bench/bench_sheets.py [--rows 1000]``; writes ``bench/results/sheets.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from google.oauth2.credentials import Credentials  # noqa: E402

from service.domain.sources import SheetSource  # noqa: E402
from service.sheets.a1 import cell_range  # noqa: E402
from service.sheets.google_api import GoogleSheetsApi  # noqa: E402
from service.sheets.prepare import prepare_sheet  # noqa: E402
from service.sheets.sink import SheetResultSink  # noqa: E402
from tests.fakes.sheets_server import FakeClock, FakeSheetsServer  # noqa: E402
from tests.sheets.helpers import done_row, job, pending_row  # noqa: E402

FIELDS = ["industry", "description"]


def _companies(n: int) -> list[list[str]]:
    return [["Company", "Website"]] + [[f"Company {i:05d}", f"https://c{i}.example"] for i in range(n)]


def _api(server: FakeSheetsServer, clock: FakeClock, token: str) -> GoogleSheetsApi:
    return GoogleSheetsApi(Credentials(token=token), endpoint=server.endpoint, clock=clock, sleep=clock.sleep)


def _write_calls(server: FakeSheetsServer, user: str) -> int:
    return sum(1 for w in server.writes if w.user == user)


def run_rowscout(server: FakeSheetsServer, clock: FakeClock, rows: int, rate: float, window: float) -> dict[str, Any]:
    server.create_spreadsheet("rowscout", {"Sheet1": _companies(rows)}, owner="rs", rows=rows + 10)
    api = _api(server, clock, "rs")
    started, wall = clock(), time.perf_counter()
    prepared = prepare_sheet(api, SheetSource("rowscout", sheet_name="Sheet1"), FIELDS, key_prefix="bench")
    sink = SheetResultSink(api, prepared.source, flush_interval=window, clock=clock)
    records = list(prepared.table.records)
    columns = prepared.table.columns
    queued = [replace(pending_row(r.key, r.cells["Company"]), input=r.company(columns)) for r in records]
    sink.write(job(), queued)  # "queued"
    sink.flush()
    for record in records:
        clock.advance(1.0 / rate)
        sink.write(job(), [replace(done_row(record.key, record.cells["Company"]), input=record.company(columns))])
    sink.close()
    assert len(sink.written) == rows and not sink.skipped, "every row must reach its cells"
    api.close()
    return _report(server, "rs", rows, clock() - started, time.perf_counter() - wall)


def run_naive(server: FakeSheetsServer, clock: FakeClock, rows: int, rate: float) -> dict[str, Any]:
    server.create_spreadsheet("naive", {"Sheet1": _companies(rows)}, owner="nv", rows=rows + 10)
    api = _api(server, clock, "nv")
    started, wall = clock(), time.perf_counter()
    for i in range(rows):
        clock.advance(1.0 / rate)
        row = done_row(f"k{i}", f"Company {i:05d}")
        assert row.result is not None
        status = [{"range": cell_range("Sheet1", i + 1, 2, i + 2, 3), "values": [[row.status_text]]}]
        api.batch_update_values("naive", status)
        values = [[row.result.cell_value(f) for f in FIELDS]]
        api.batch_update_values("naive", [{"range": cell_range("Sheet1", i + 1, 3, i + 2, 5), "values": values}])
    api.close()
    return _report(server, "nv", rows, clock() - started, time.perf_counter() - wall)


def _report(server: FakeSheetsServer, user: str, rows: int, simulated: float, wall: float) -> dict[str, Any]:
    writes = _write_calls(server, user)
    reads = sum(1 for r in server.reads if r.user == user)
    return {
        "rows": rows,
        "write_calls": writes,
        "read_calls": reads,
        "write_calls_per_row": round(writes / rows, 4),
        "rows_per_write_call": round(rows / writes, 1),
        "simulated_seconds_under_quota": round(simulated, 1),
        "min_seconds_for_these_writes_at_60_per_min": float(max(0, writes - 60)),
        "max_writes_in_any_minute": server.max_writes_in_any_minute(user),
        "wall_seconds": round(wall, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=5.0, help="rows finishing per second")
    parser.add_argument("--flush-interval", type=float, default=5.0)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "sheets.json"))
    args = parser.parse_args()
    clock = FakeClock()
    with FakeSheetsServer(clock=clock) as server:
        rowscout = run_rowscout(server, clock, args.rows, args.rate, args.flush_interval)
        naive = run_naive(server, clock, args.rows, args.rate)
        result = {
            "settings": {
                "rows": args.rows,
                "rate_rows_per_s": args.rate,
                "flush_interval_s": args.flush_interval,
                "write_quota_per_min": server.write_quota,
            },
            "rowscout": rowscout,
            "naive": naive,
            "rejected_429": server.rejected[429],
            "target_met": rowscout["write_calls_per_row"] <= 1 / 20,
        }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    for name in ("rowscout", "naive"):
        r = result[name]
        print(
            f"{name:9} write calls {r['write_calls']:5}  per row {r['write_calls_per_row']:.4f}  "
            f"time under quota {r['simulated_seconds_under_quota'] / 60:6.1f} min  wall {r['wall_seconds']} s"
        )
    print(
        f"max writes in any minute per user: rowscout {rowscout['max_writes_in_any_minute']}, "
        f"naive {naive['max_writes_in_any_minute']} (quota 60); 429s: {result['rejected_429']}"
    )


if __name__ == "__main__":
    main()
