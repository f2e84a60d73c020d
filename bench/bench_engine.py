"""Orchestration efficiency and memory of the embedded engine (issue: the job engine).

1. 1,000 rows, research of fixed latency, concurrency 50, rate unlimited:
   Rowscout's embedded path (SQLite store + in-process queue + LocalRun with
   checkpoints) vs a seed-style processor (a ThreadPoolExecutor that writes
   status and result per row to a SQLite table). Prints wall ÷ ideal, where
   ideal = rows × latency ÷ concurrency (target ≤ 1.10).
2. Peak RSS of the real CLI (a subprocess: ``tests.support.cli_runner``)
   researching a 100,000-row CSV with an instant researcher (target ≤ 300 MB),
   and its rows/s.

The embedded path is built by ``service.bootstrap.build_local`` with the
fixed-latency researcher as its ``researcher=`` override, as the CLI builds it.

Run: ``.venv/bin/python -m bench.bench_engine [--rows 1000] [--latency 0.2] [--big-rows 100000]``
Writes ``bench/results/engine.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

from service.bootstrap import build_local
from service.config import EmbeddedSettings, Settings
from service.domain import CompanyInput, JobOptions, ResearchOptions
from service.domain.sources import FileSource
from service.jobs.submit import submit_job
from tests.support.cli_runner import runner_command, runner_env
from tests.support.researchers import LatencyResearcher

ROOT = Path(__file__).resolve().parents[1]


def _companies(n: int) -> list[tuple[str, int, CompanyInput]]:
    return [(f"r{i:07d}", i, CompanyInput(name=f"Company {i}", website=f"c{i}.example")) for i in range(1, n + 1)]


def run_rowscout(rows: int, latency: float, concurrency: int, workdir: Path) -> float:
    settings = Settings(embedded=EmbeddedSettings(workspace=workdir / "ws"))
    local = build_local(settings, researcher=LatencyResearcher(latency), checkpoint_seconds=2.0)
    options = JobOptions(concurrency=concurrency, rate=1e9, max_attempts=3)
    source = FileSource(path=str(workdir / "bench.csv"))
    try:
        job = submit_job(
            local.services(), owner="bench", name="bench", source=source, rows=_companies(rows), options=options
        )
        start = time.perf_counter()
        progress = local.run(job)
        elapsed = time.perf_counter() - start
    finally:
        local.close()
    assert progress.finished == rows, progress.counts
    return elapsed


def run_seed_style(rows: int, latency: float, concurrency: int, workdir: Path) -> float:
    """The seeds' enhanced processor: a thread pool; per row, write 'processing', research, write result."""
    db = sqlite3.connect(workdir / "seed.sqlite3", check_same_thread=False)
    db.execute("CREATE TABLE rows (k TEXT PRIMARY KEY, status TEXT, result TEXT)")
    db.executemany("INSERT INTO rows VALUES (?, 'pending', '')", [(k,) for k, _, _ in _companies(rows)])
    db.commit()
    lock = threading.Lock()
    researcher = LatencyResearcher(latency)

    def write(key: str, status: str, result: str) -> None:
        with lock:
            db.execute("UPDATE rows SET status = ?, result = ? WHERE k = ?", (status, result, key))
            db.commit()

    def process(item: tuple[str, int, CompanyInput]) -> None:
        key, _, company = item
        write(key, "processing", "")
        outcome = researcher.research(company, ResearchOptions())
        write(key, "done", json.dumps(outcome.profile.to_dict()))

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(process, _companies(rows)))
    return time.perf_counter() - start


def run_big_cli(rows: int, workdir: Path) -> dict[str, float]:
    """Peak RSS of the real CLI on a big CSV (polled every 50 ms, children included)."""
    src = workdir / "big.csv"
    with src.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Company", "Website", "Notes"])
        for i in range(rows):
            writer.writerow([f"Company {i}", f"company{i}.com", "x" * 40])
    env = runner_env(latency=0.0, research_log=None, home=workdir / "ws")
    cmd = runner_command(
        "research",
        str(src),
        "-o",
        str(workdir / "big.out.csv"),
        "--concurrency",
        "16",
        "--rate",
        "100000",
        "--no-progress",
        "--fields",
        "industry,hq_country",
    )
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    watched = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"CLI failed ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
    return {
        "rows": rows,
        "peak_rss_mb": round(peak / 2**20, 1),
        "seconds": round(elapsed, 1),
        "rows_per_second": round(rows / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--big-rows", type=int, default=100_000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "engine.json"))
    args = parser.parse_args()
    ideal = args.rows * args.latency / args.concurrency
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rowscout = run_rowscout(args.rows, args.latency, args.concurrency, work)
        seed = run_seed_style(args.rows, args.latency, args.concurrency, work)
        big = run_big_cli(args.big_rows, work) if args.big_rows else {}
    result = {
        "rows": args.rows,
        "latency_s": args.latency,
        "concurrency": args.concurrency,
        "ideal_s": round(ideal, 2),
        "rowscout_s": round(rowscout, 2),
        "rowscout_wall_over_ideal": round(rowscout / ideal, 3),
        "seed_style_s": round(seed, 2),
        "seed_wall_over_ideal": round(seed / ideal, 3),
        "big_input": big,
    }
    print(f"{'':28}{'wall s':>10}{'÷ ideal':>10}   (ideal {ideal:.2f} s; target ≤ 1.10)")
    print(f"{'Rowscout (embedded)':28}{rowscout:>10.2f}{rowscout / ideal:>10.3f}")
    print(f"{'seed-style thread pool':28}{seed:>10.2f}{seed / ideal:>10.3f}")
    if big:
        print(f"100k-row CLI run: peak RSS {big['peak_rss_mb']} MB (target ≤ 300), {big['rows_per_second']} rows/s")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
