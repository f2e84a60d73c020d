"""Benchmark: time and peak memory per hostile input, beside a plain parse of the same bytes.

The hostile tests (``tests/hostile/``) check what happens to each hostile
input (read, or refused with a clear kind); how long it takes is measured
here instead, so a loaded machine cannot fail a test. Nothing is asserted:
the figures are printed and written to JSON.

- **files**: every file of the hostile corpus of ``test_hostile_files.py``
  through ``read_table`` (all records read), beside a plain read of the same
  bytes: stdlib ``csv`` (UTF-8, errors replaced), ``openpyxl`` in read-only
  mode, or stdlib ``json``.
- **markup**: every page of ``test_hostile_html.MARKUP`` through
  ``extract_page``, beside a plain ``LexborHTMLParser`` parse.
- **nesting**: ``<div>`` nesting 6,000 and 24,000 deep: how the time grows
  for 4x the depth (linear is 4), beside the plain parse.
- **sites** (not with ``--no-sites``): one research per hostile site of
  ``test_hostile_html.SITES`` on a loopback ``DemoWeb`` (no baseline).

Seconds are the best of ``--repeat`` untraced runs; peak memory is the
Python heap peak of one more run under ``tracemalloc`` (memory held by C
parsers such as lexbor is not counted). The outcome column says what each
side did (``ok`` or the exception's class).

Run: ``.venv/bin/python -m bench.bench_hostile [--repeat 2] [--no-sites]``
Writes ``bench/results/hostile.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from selectolax.lexbor import LexborHTMLParser

from service.files.readers import read_table
from service.research.extract import extract_page
from tests.hostile import test_hostile_files as hostile_files
from tests.hostile import test_hostile_html as hostile_html

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "hostile.json"
DEPTHS = (6_000, 24_000)
HEADERS = {"content-type": "text/html"}


def measure(work: Callable[[], object], repeat: int) -> dict[str, Any]:
    """Best wall seconds of ``repeat`` runs, then one traced run for the peak; never raises for ``work``."""
    best, outcome = float("inf"), "ok"
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        outcome = _outcome(work)
        best = min(best, time.perf_counter() - started)
    tracemalloc.start()
    try:
        _outcome(work)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {"seconds": round(best, 4), "peak_mb": round(peak / 2**20, 2), "outcome": outcome}


def _outcome(work: Callable[[], object]) -> str:
    try:
        work()
    except (Exception, RecursionError) as exc:  # the baseline may fail in any way; that is a figure too
        return type(exc).__name__
    return "ok"


def rowscout_read(path: Path) -> None:
    table = read_table(path)
    for _ in table.records:
        pass


def plain_read(path: Path) -> None:
    """What a script without Rowscout's guards would do with the same file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        book = load_workbook(path, read_only=True, data_only=True)
        for _ in book.active.iter_rows(values_only=True):
            pass
        book.close()
    elif suffix == ".jsonl":
        for line in path.read_text(encoding="utf-8").splitlines():
            json.loads(line)
    elif suffix == ".json":
        json.loads(path.read_text(encoding="utf-8"))
    else:
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            for _ in csv.reader(handle):
                pass


def bench_files(folder: Path, repeat: int) -> list[dict[str, Any]]:
    cases = []
    for name, value in sorted(hostile_files.CORPUS.items()):
        maker = value.values[0][0] if hasattr(value, "marks") else value[0]  # type: ignore[attr-defined,index]
        path = maker(folder)
        cases.append(
            {
                "case": name,
                "bytes": path.stat().st_size,
                "rowscout": measure(lambda p=path: rowscout_read(p), repeat),
                "baseline": measure(lambda p=path: plain_read(p), repeat),
            }
        )
    return cases


def bench_markup(repeat: int) -> list[dict[str, Any]]:
    return [
        {
            "case": name,
            "bytes": len(html.encode()),
            "rowscout": measure(lambda h=html: extract_page("http://hostile.example/", h, HEADERS), repeat),
            "baseline": measure(lambda h=html: _plain_parse(h), repeat),
        }
        for name, html in hostile_html.MARKUP.items()
    ]


def _deep_page(depth: int) -> str:
    return hostile_html._page("Deep", "<div>" * depth + "<p>Deep Co.</p>" + "</div>" * depth)


def _plain_parse(html: str) -> object:
    return LexborHTMLParser(html).css_first("title")


def _extract(html: str) -> object:
    return extract_page("http://deep.example/", html, HEADERS)


def bench_nesting(repeat: int) -> dict[str, Any]:
    pages = [_deep_page(depth) for depth in DEPTHS]
    rows: dict[str, Any] = {"depths": list(DEPTHS)}
    for side, work in (("rowscout", _extract), ("baseline", _plain_parse)):
        figures = [measure(lambda h=page, w=work: w(h), max(repeat, 3)) for page in pages]
        small, large = figures[0]["seconds"], figures[-1]["seconds"]
        rows[side] = {"runs": figures, "growth_for_4x_depth": round(large / small, 2) if small else None}
    return rows


def bench_sites(folder: Path) -> list[dict[str, Any]]:
    from service.domain import CompanyInput, ResearchOptions
    from service.examples.demo_web import DemoWeb
    from service.research.engine import WebResearcher
    from tests.fixture_web.conftest_helpers import fixture_fetch_settings

    for host, (files, config, _) in hostile_html.SITES.items():
        site = folder / host
        site.mkdir(parents=True)
        for name, text in files.items():
            (site / name).write_text(text, encoding="utf-8")
        if config is not None:
            (site / "_site.json").write_text(json.dumps(config), encoding="utf-8")
    cases = []
    with DemoWeb(folder) as web:
        researcher = WebResearcher(fixture_fetch_settings(page_timeout=3.0), resolver=web.resolver())
        for host in sorted(hostile_html.SITES):
            company = CompanyInput(host.split(".")[0], web.url(host))
            kinds: list[str] = []

            def research(c: CompanyInput = company, kinds: list[str] = kinds) -> None:
                kinds.append(str(researcher.research(c, ResearchOptions(timeout=10)).error_kind or "ok"))

            figures = measure(research, 1)
            cases.append({"case": host, "rowscout": {**figures, "outcome": kinds[-1]}, "baseline": None})
    return cases


def worst(cases: list[dict[str, Any]], side: str, key: str) -> dict[str, Any]:
    """The case with the largest ``key`` on ``side``, with the other side's figure for the same case."""
    measured = [c for c in cases if c.get(side)]
    if not measured:
        return {}
    top = max(measured, key=lambda c: c[side][key])
    other = "baseline" if side == "rowscout" else "rowscout"
    return {"case": top["case"], side: top[side][key], other: (top.get(other) or {}).get(key)}


def summary(result: dict[str, Any]) -> dict[str, Any]:
    groups = {name: result[name] for name in ("files", "markup", "sites") if result.get(name)}
    return {
        name: {"seconds": worst(cases, "rowscout", "seconds"), "peak_mb": worst(cases, "rowscout", "peak_mb")}
        for name, cases in groups.items()
    }


def print_table(result: dict[str, Any]) -> None:
    side = f"{'s':>10} {'peak MB':>8} {'outcome':>16}"
    print(f"{'group':7} {'case (Rowscout, then plain parse)':26} {side}  {side}")
    for group in ("files", "markup", "sites"):
        for case in result.get(group) or []:
            r, b = case["rowscout"], case["baseline"] or {"seconds": "—", "peak_mb": "—", "outcome": "—"}
            print(
                f"{group:7} {case['case'][:26]:26} {r['seconds']:>10} {r['peak_mb']:>8} {r['outcome'][:16]:>16}  "
                f"{b['seconds']:>10} {b['peak_mb']:>8} {b['outcome'][:16]:>16}"
            )
    nesting = result["nesting"]
    print(
        f"nesting {nesting['depths'][0]:,} -> {nesting['depths'][-1]:,} deep: time x"
        f"{nesting['rowscout']['growth_for_4x_depth']} (plain parse x{nesting['baseline']['growth_for_4x_depth']})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="untraced runs per case (best is kept)")
    parser.add_argument("--no-sites", action="store_true", help="skip the hostile sites (the slowest group)")
    parser.add_argument("--out", default=str(RESULTS))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "files").mkdir()
        result: dict[str, Any] = {
            "settings": {"repeat": args.repeat, "sites": not args.no_sites},
            "files": bench_files(folder / "files", args.repeat),
            "markup": bench_markup(args.repeat),
            "nesting": bench_nesting(args.repeat),
            "sites": [] if args.no_sites else bench_sites(folder / "sites"),
        }
    result["worst"] = summary(result)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)


if __name__ == "__main__":
    main()
