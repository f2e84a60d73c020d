"""Run every Rowscout benchmark and print one table: figure, Rowscout, baseline, ratio, target, met?

Each benchmark module runs as its own subprocess, one after the other (so
they do not compete for the CPU), and writes its JSON under
``bench/results/``; a benchmark that fails, times out, is missing or leaves
no fresh JSON is reported in the table instead of stopping the run.
Every baseline comes from the same run.

Run: ``.venv/bin/python -m bench [--quick] [--only NAME ...]``
Writes ``bench/results/summary.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SUMMARY = RESULTS / "summary.json"


@dataclass
class Figure:
    """One line of the table."""

    bench: str
    figure: str
    rowscout: float | str | None
    baseline: float | str | None = None
    target: str = "—"
    met: bool | None = None
    ratio: float | None = None


@dataclass(frozen=True)
class Bench:
    name: str
    command: tuple[str, ...]  # after the Python interpreter
    quick: tuple[str, ...]
    result: str  # JSON file under bench/results/, or "" when the JSON is the last stdout line
    figures: Callable[[dict[str, Any]], list[Figure]]
    timeout: float = 900.0
    module_file: str = ""  # a bench/*.py that must exist (benchmarks that may land later)


@dataclass
class Outcome:
    name: str
    status: str  # ok | failed | timeout | missing | stale
    seconds: float = 0.0
    detail: str = ""
    figures: list[Figure] = field(default_factory=list)


def ratio(value: Any, base: Any) -> float | None:
    if isinstance(value, int | float) and isinstance(base, int | float) and base:
        return round(value / base, 3)
    return None


def at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


def engine_figures(data: dict[str, Any]) -> list[Figure]:
    title = f"orchestration ({data['rows']:,} rows, c={data['concurrency']})"
    r, b = data["rowscout_wall_over_ideal"], data["seed_wall_over_ideal"]
    figures = [Figure(title, "wall ÷ ideal (vs seed-style pool)", r, b, "≤ 1.10", r <= 1.10)]
    big = data.get("big_input") or {}
    if big:
        figures.append(
            Figure(
                f"memory ({big['rows']:,}-row CLI job)",
                "peak RSS MB (baseline: 1,000 rows)",
                big["peak_rss_mb"],
                None,
                "≤ 300",
                big["peak_rss_mb"] <= 300,
            )
        )
        figures.append(Figure(f"memory ({big['rows']:,}-row CLI job)", "rows/s", big["rows_per_second"]))
    return figures


def rss_baseline_figures(data: dict[str, Any]) -> list[Figure]:
    return [Figure("memory (1,000-row CLI job)", "peak RSS MB", data["peak_rss_mb"])]


def sheets_figures(data: dict[str, Any]) -> list[Figure]:
    r, n = data["rowscout"], data["naive"]
    title = f"sheets write-back ({data['settings']['rows']:,} rows)"
    per_row = r["write_calls_per_row"]
    return [
        Figure(
            title,
            "write calls per row (vs per-row writer)",
            per_row,
            n["write_calls_per_row"],
            "≤ 0.05",
            per_row <= 1 / 20,
        ),
        Figure(
            title,
            "minutes under 60 writes/min quota",
            round(r["simulated_seconds_under_quota"] / 60, 1),
            round(n["simulated_seconds_under_quota"] / 60, 1),
        ),
        Figure(
            title,
            "max writes in any minute",
            r["max_writes_in_any_minute"],
            n["max_writes_in_any_minute"],
            "≤ 60",
            r["max_writes_in_any_minute"] <= 60,
        ),
    ]


def resume_figures(data: dict[str, Any]) -> list[Figure]:
    r, b = data["rowscout"], data["baseline_restart"]
    title = f"resume after kill -9 ({data['settings']['rows']} rows)"
    first = r["seconds_to_first_new_row_max"]
    return [
        Figure(title, "s to first new row (max; vs restart)", first, b["seconds_to_first_new_row"], "< 2", first < 2),
        Figure(
            title,
            "done rows researched twice (vs restart)",
            r["researched_twice"],
            b["researched_twice"],
            "0",
            r["researched_twice"] == 0,
        ),
        Figure(title, "s to finish the job (vs restart)", r["seconds_to_finish"], b["seconds_to_finish"]),
    ]


def research_figures(data: dict[str, Any]) -> list[Figure]:
    eng, base = data["engine"], data["baseline"]
    tp, tb = data["throughput"]["engine"], data["throughput"]["baseline"]
    title = "research (fixture web)"
    figures = [
        Figure(title, "companies/hour @ c=20, 1 s latency", tp["per_hour"], tb["per_hour"]),
        Figure(title, "coverage (all fields)", round(eng["coverage"], 3), round(base["coverage"], 3)),
        Figure(title, "precision (all fields)", round(eng["precision"], 3), round(base["precision"], 3)),
        Figure(title, "success rate", round(eng["success_rate"], 3), round(base["success_rate"], 3)),
    ]
    for name, field_stats in sorted(eng["fields"].items()):
        other = base["fields"].get(name, {"filled": 0, "correct": 0})
        figures.append(Figure(title, f"{name}: coverage / precision", _cov_prec(field_stats), _cov_prec(other)))
    return figures


def realweb_figures(data: dict[str, Any]) -> list[Figure]:
    """Real company websites: the held-out test half (and the in-sample development half), beside the baseline."""
    figures = []
    halves = (("test", "research (real sites, held-out half)"), ("dev", "research (real sites, in-sample half)"))
    for split, title in halves:
        eng, base = data[split]["engine"], data[split]["baseline"]
        title = f"{title}, {data[split]['sites']} sites"
        figures.append(Figure(title, "coverage (all fields)", eng["coverage"], base["coverage"], "≥ 0.90"))
        figures.append(Figure(title, "precision (every filled field)", eng["precision"], base["precision"], "≥ 0.97"))
        figures[-2].met, figures[-1].met = eng["coverage"] >= 0.90, eng["precision"] >= 0.97
    return figures


def _cov_prec(stats: dict[str, int]) -> str:
    expected, filled = stats.get("expected", 0), stats["filled"]
    coverage = filled / expected if expected else 0.0
    precision = stats["correct"] / filled if filled else 0.0
    return f"{coverage:.0%} / {precision:.0%}"


def cloud_figures(data: dict[str, Any]) -> list[Figure]:
    """Firestore emulator vs the in-memory store, through the same /tasks/research web path."""
    fs, mem = data["firestore_emulator"], data["memory_store"]
    title = f"cloud path ({fs['rows']} rows, {data['settings']['threads']} threads)"
    return [
        Figure(title, "overhead ms/row median (vs memory store)", fs["overhead_ms_median"], mem["overhead_ms_median"]),
        Figure(title, "overhead ms/row p95 (vs memory store)", fs["overhead_ms_p95"], mem["overhead_ms_p95"]),
        Figure(title, "rows/s per instance (vs memory store)", fs["rows_per_second"], mem["rows_per_second"]),
        *cloud_ops_figures(data.get("operations") or {}),
    ]


def cloud_ops_figures(data: dict[str, Any]) -> list[Figure]:
    """Operations per researched row and the cost per 1,000 companies: today vs the store before issue 18."""
    if not data:
        return []
    now, before, goal = data["now"], data["before"], data["goal"]
    title = f"cloud operations ({now['rows']} rows; baseline: {data['before_commit']})"
    steady, old_steady = now["steady_state_per_row"], before["steady_state_per_row"]
    whole, old_whole = now["per_row"], before["per_row"]
    polls = [int(n) for n in now["poll"]]
    small, large = (str(n) for n in (min(polls), max(polls)))
    figures = []
    for name, label in (("firestore_writes", "Firestore writes/row"), ("firestore_reads", "Firestore reads/row")):
        limit, value = goal[name], steady.get(name, 0.0)
        figures.append(
            Figure(title, f"{label} (whole life: submit+task+flush)", whole.get(name, 0.0), old_whole.get(name, 0.0))
        )
        figures.append(
            Figure(
                title,
                f"{label}, steady state (task+flush)",
                value,
                old_steady.get(name, 0.0),
                f"≤ {limit:g}",
                value <= limit,
            )
        )
    creates, flush_share = whole.get("task_creates", 0.0), 1 / now["flush_every_rows"]
    figures.append(
        Figure(
            title,
            f"task creations/row (one flush per {now['flush_every_rows']} rows)",
            creates,
            old_whole.get("task_creates", 0.0),
            f"≤ {goal['task_creates']:g} + {flush_share:g}",
            creates <= goal["task_creates"] + flush_share,
        )
    )
    poll, old_poll = now["poll"], before["poll"]
    figures.append(
        Figure(
            title,
            f"reads per progress poll at {small} → {large} rows",
            f"{poll[small]['firestore_reads']} → {poll[large]['firestore_reads']}",
            f"{old_poll[small]['firestore_reads']} → {old_poll[large]['firestore_reads']}",
            "constant",
            poll[small]["firestore_reads"] == poll[large]["firestore_reads"],
        )
    )
    figures.append(
        Figure(
            title,
            "handler CPU ms/row",
            round(now["handler_cpu_seconds_per_row"] * 1000, 2),
            round(before["handler_cpu_seconds_per_row"] * 1000, 2),
        )
    )
    as_of = now["cost_per_1000_usd"]["prices_as_of"]
    figures.append(
        Figure(
            title,
            f"USD per 1,000 companies (list prices {as_of})",
            now["cost_per_1000_usd"]["total_usd"],
            before["cost_per_1000_usd"]["total_usd"],
        )
    )
    figures.append(
        Figure(
            title,
            "  of which Firestore + Cloud Tasks USD",
            round(now["cost_per_1000_usd"]["firestore_usd"] + now["cost_per_1000_usd"]["cloud_tasks_usd"], 6),
            round(before["cost_per_1000_usd"]["firestore_usd"] + before["cost_per_1000_usd"]["cloud_tasks_usd"], 6),
        )
    )
    return figures


def hostile_figures(data: dict[str, Any]) -> list[Figure]:
    """Worst time and memory per group of hostile inputs, beside a plain parse of the same input (no targets)."""
    names = {
        "files": "hostile files (vs plain csv/openpyxl/json)",
        "markup": "hostile markup (vs plain lexbor parse)",
        "streams": "hostile site bodies (vs plain httpx + lexbor)",
    }
    figures = []
    for group, worst in data["worst"].items():
        title = names.get(group, f"hostile {group} (no baseline)")
        for key, label in (("seconds", "slowest s"), ("peak_mb", "largest Python heap peak MB")):
            top = worst[key]
            figures.append(Figure(title, f"{label}: {top['case']}", top["rowscout"], top.get("baseline")))
    nesting = data["nesting"]
    growth = (nesting["rowscout"]["growth_for_4x_depth"], nesting["baseline"]["growth_for_4x_depth"])
    figures.append(Figure("hostile markup (vs plain lexbor parse)", "time growth for 4x <div> depth", *growth))
    if "all_within" in data:
        limit = f"every case ≤ {data['settings']['company_timeout']:g} + 2 s, ≤ 300 MB"
        figures.append(Figure("hostile inputs", limit, str(data["all_within"]), None, "True", data["all_within"]))
    return figures


def sheets_budget_figures(data: dict[str, Any]) -> list[Figure]:
    """One shared Sheets budget vs a limiter per job, same fake server and quota, same run."""
    r, b, cfg = data["shared_budget"], data["per_job_limiter"], data["settings"]
    title = f"sheets budget ({cfg['jobs']} jobs x {cfg['rows']} rows, {cfg['quota_per_minute']}/min)"
    quota = cfg["quota_per_minute"]
    return [
        Figure(
            title,
            "quota errors surfaced (vs per-job limiter)",
            r["quota_errors_surfaced"],
            b["quota_errors_surfaced"],
            "0",
            r["quota_errors_surfaced"] == 0,
        ),
        Figure(
            title,
            "max writes in any minute",
            r["max_writes_in_any_minute"],
            b["max_writes_in_any_minute"],
            f"≤ {quota}",
            r["max_writes_in_any_minute"] <= quota,
        ),
        Figure(title, "max reads in any minute", r["max_reads_in_any_minute"], b["max_reads_in_any_minute"]),
        Figure(
            title,
            "p95 s from row done to cells written",
            r["latency_p95_s"],
            b["latency_p95_s"],
            "≤ 60",
            r["latency_p95_s"] <= 60,
        ),
        Figure(
            title,
            "rows never written",
            r["rows_never_written"],
            b["rows_never_written"],
            "0",
            r["rows_never_written"] == 0,
        ),
    ]


def name_to_domain_figures(data: dict[str, Any]) -> list[Figure]:
    results = data["results"]
    before = results["before (today's generator)"]
    title = f"name → domain ({data['dataset']['names']:,} real companies)"
    return [
        Figure(
            title,
            f"true domain among candidates (≤{data['max_candidates']}; vs today's generator)",
            results["after, country hint"]["hit_rate"],
            before["hit_rate"],
            "> baseline",
            results["after, country hint"]["hit_rate"] > before["hit_rate"],
        ),
        Figure(title, "same, at 20 candidates", results["after@20, country hint"]["hit_rate"], before["hit_rate"]),
    ]


RSS_BASELINE = (
    "-c",
    "import json, pathlib, tempfile\n"
    "from bench.bench_engine import run_big_cli\n"
    "with tempfile.TemporaryDirectory() as tmp:\n"
    "    print(json.dumps(run_big_cli(1000, pathlib.Path(tmp))))\n",
)

BENCHES = (
    Bench(
        "engine",
        ("-m", "bench.bench_engine"),
        ("--rows", "300", "--latency", "0.2", "--big-rows", "20000"),
        "engine.json",
        engine_figures,
    ),
    Bench("rss-baseline", RSS_BASELINE, (), "", rss_baseline_figures, timeout=300),
    Bench("sheets", ("-m", "bench.bench_sheets"), ("--rows", "300"), "sheets.json", sheets_figures),
    Bench(
        "sheets-budget",
        ("-m", "bench.bench_sheets_budget"),
        ("--jobs", "20", "--rows", "100"),
        "sheets_budget.json",
        sheets_budget_figures,
        module_file="bench/bench_sheets_budget.py",
    ),
    Bench("resume", ("-m", "bench.bench_resume"), ("--rows", "150", "--trials", "1"), "resume.json", resume_figures),
    Bench("research", ("-m", "bench.bench_research"), (), "research.json", research_figures),
    Bench(
        "realweb",
        ("-m", "bench.bench_realweb"),
        (),
        "realweb.json",
        realweb_figures,
        module_file="bench/bench_realweb.py",
    ),
    Bench(
        "hostile",
        ("-m", "bench.bench_hostile"),
        ("--repeat", "1", "--no-sites"),
        "hostile.json",
        hostile_figures,
        module_file="bench/bench_hostile.py",
    ),
    Bench(
        "name-to-domain",
        ("-m", "bench.bench_name_to_domain"),
        (),
        "name_to_domain.json",
        name_to_domain_figures,
        module_file="bench/bench_name_to_domain.py",
    ),
    Bench(
        "cloud",
        ("-m", "bench.bench_cloud"),
        ("--quick",),
        "cloud.json",
        cloud_figures,
        module_file="bench/bench_cloud.py",
    ),
)


def run_bench(bench: Bench, *, quick: bool) -> Outcome:
    """Run one benchmark in a subprocess and read its figures; never raises for the bench's failure."""
    if bench.module_file and not (ROOT / bench.module_file).exists():
        return Outcome(bench.name, "missing", detail=f"{bench.module_file} not found")
    command = [sys.executable, *bench.command, *(bench.quick if quick else ())]
    started = time.time()
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=bench.timeout)
    except subprocess.TimeoutExpired:
        return Outcome(bench.name, "timeout", bench.timeout, f"no answer within {bench.timeout:.0f} s")
    seconds = round(time.time() - started, 1)
    if done.returncode != 0:
        return Outcome(bench.name, "failed", seconds, _tail(done.stderr or done.stdout))
    try:
        data = _result(bench, done.stdout, started)
        return Outcome(bench.name, "ok", seconds, figures=bench.figures(data))
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        return Outcome(bench.name, "stale" if isinstance(exc, _Stale) else "failed", seconds, f"{exc!r}"[:300])


class _Stale(ValueError):
    """The benchmark exited 0 but did not rewrite its JSON."""


def _result(bench: Bench, stdout: str, started: float) -> dict[str, Any]:
    if not bench.result:
        data: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
        return data
    path = RESULTS / bench.result
    if not path.exists() or path.stat().st_mtime < started - 1:
        raise _Stale(f"{path.name} was not written by this run")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def _tail(text: str, lines: int = 6) -> str:
    return " | ".join(text.strip().splitlines()[-lines:])[-600:]


def link_rss_baseline(outcomes: list[Outcome]) -> None:
    """Put the 1,000-row RSS run in the baseline column of the 100k-row figure."""
    base = next((o.figures[0].rowscout for o in outcomes if o.name == "rss-baseline" and o.figures), None)
    for outcome in outcomes:
        for figure in outcome.figures:
            if figure.figure.startswith("peak RSS MB (baseline"):
                figure.baseline = base


def render(outcomes: list[Outcome]) -> str:
    header = ("benchmark", "figure", "Rowscout", "baseline", "ratio", "target", "met?")
    rows = [header]
    for outcome in outcomes:
        for f in outcome.figures:
            f.ratio = ratio(f.rowscout, f.baseline)
            met = "—" if f.met is None else ("yes" if f.met else "NO")
            rows.append((f.bench, f.figure, _fmt(f.rowscout), _fmt(f.baseline), _fmt(f.ratio), f.target, met))
        if outcome.status != "ok":
            rows.append((outcome.name, f"{outcome.status.upper()}: {outcome.detail}"[:90], "", "", "", "", "NO"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    widths[1] = min(widths[1], 90)
    lines = ["  ".join(str(cell).ljust(widths[i])[: max(widths[i], 1)] for i, cell in enumerate(row)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def merged_summary(fresh: dict[str, Any], rerun: set[str]) -> dict[str, Any]:
    """``--only``: the fresh figures of ``rerun`` over the last summary's others (kept, with a note saying so)."""
    try:
        old = json.loads(SUMMARY.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return fresh
    kept = [b for b in old.get("benchmarks", []) if b.get("name") not in rerun]
    if not kept:
        return fresh
    labels = {f["bench"] for f in fresh["figures"]}
    notes = [n for n in (old.get("note"),) if n]
    notes.append(f"{', '.join(sorted(rerun))} re-run alone at {fresh['finished_at']} (--only)")
    return {
        **fresh,
        "finished_at": old.get("finished_at", fresh["finished_at"]),
        "benchmarks": kept + fresh["benchmarks"],
        "figures": [f for f in old.get("figures", []) if not _rerun(f, rerun, labels)] + fresh["figures"],
        "note": "; ".join(notes),
    }


def _rerun(figure: dict[str, Any], rerun: set[str], labels: set[str]) -> bool:
    """Is this old figure replaced? By its benchmark's name (``of``), or by its label in summaries older than ``of``."""
    return figure["of"] in rerun if "of" in figure else figure.get("bench") in labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a few minutes in all)")
    parser.add_argument("--only", nargs="+", choices=[b.name for b in BENCHES], help="run only these")
    args = parser.parse_args(argv)
    chosen = [b for b in BENCHES if not args.only or b.name in args.only]
    outcomes = []
    for bench in chosen:
        print(f"running {bench.name} ...", file=sys.stderr, flush=True)
        outcomes.append(run_bench(bench, quick=args.quick))
    link_rss_baseline(outcomes)
    table = render(outcomes)
    print(table)
    summary = {
        "mode": "quick" if args.quick else "full",
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "benchmarks": [{k: v for k, v in asdict(o).items() if k != "figures"} for o in outcomes],
        "figures": [{**asdict(f), "of": o.name} for o in outcomes for f in o.figures],
    }
    if args.only:
        summary = merged_summary(summary, {o.name for o in outcomes})
    RESULTS.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if all(o.status == "ok" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
