"""Benchmark: time and peak memory per hostile input, beside a plain parse of the same bytes.

The hostile tests (``tests/hostile/``) check what happens to each hostile
input (read, or refused with a clear kind); how long it takes is measured
here instead, so a loaded machine cannot fail a test. Nothing is asserted:
the figures are printed and written to JSON, with ``within`` saying whether
Rowscout's side stayed within ``--company-timeout`` + 2 s and 300 MB.

- **files**: every file of the hostile corpus of ``test_hostile_files.py``
  (zip bombs, 2,000,000 empty ``<row/>``s, 200,000 rows numbered 2, ...) and
  a sparse 1 GB CSV through ``read_table`` (all records read), beside a plain
  read of the same bytes: stdlib ``csv`` (UTF-8, errors replaced),
  ``openpyxl`` in read-only mode, or stdlib ``json``.
- **markup**: every page of ``test_hostile_html.MARKUP``, 150,000 nested
  ``<div>``s and a 3 MB page of 79,000 links through ``extract_page``
  plus ``page_links``/``pick_pages``, beside a plain ``LexborHTMLParser``
  parse plus a walk over its links.
- **nesting**: ``<div>`` nesting 6,000 and 24,000 deep: how the time grows
  for 4x the depth (linear is 4), beside the plain parse.
- **streams** (not with ``--no-sites``): one company researched by
  ``WebResearcher`` (timeout ``--company-timeout``) on a loopback site whose
  homepage dribbles bytes, never ends, is a gzip/deflate bomb, is 150,000
  nested divs or a link flood, beside a plain fetch (httpx, no caps, body
  decoded by httpx) plus a plain lexbor parse.
- **sites** (not with ``--no-sites``): one research per hostile site of
  ``test_hostile_html.SITES`` on a loopback ``DemoWeb`` (no baseline).

Every case runs in a fresh child process (``--child``), so the memory figure
is that child's peak RSS (``ru_maxrss`` of the child and of any worker
process it started, whichever is larger; it includes the interpreter, its
imports and the tests' hostile corpus, ~130 MB, and the making of the input
before the timer starts: the zip-bomb workbook is built in memory); seconds are the child's wall time for the work
alone. A child that runs past ``--company-timeout`` + ``CHILD_GRACE`` s is
killed and shown as ``killed``: a plain parser's figure is then a lower bound.

Run: ``.venv/bin/python -m bench.bench_hostile [--no-sites] [--company-timeout 10]``
Writes ``bench/results/hostile.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from selectolax.lexbor import LexborHTMLParser

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "hostile.json"
DEPTHS = (6_000, 24_000)
HEADERS = {"content-type": "text/html"}
CHILD_GRACE = 5.0  # seconds past the company timeout before a child is killed
LIMIT_EXTRA_SECONDS, LIMIT_MB = 2.0, 300.0
Work = Callable[[], object]


# -- the cases ------------------------------------------------------------------------------------------------------


def _page(title: str, body: str) -> str:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"


def _nested(depth: int) -> str:
    return _page("Deep", "<div>" * depth + "<p>Deep Co.</p>" + "</div>" * depth)


def _link_flood() -> str:
    return _page("Links", "".join(f'<a href="/about/p{i}">about p{i}</a>' for i in range(79_000)))


def markup_cases() -> dict[str, Callable[[], str]]:
    from tests.hostile import test_hostile_html as hostile_html

    cases: dict[str, Callable[[], str]] = {name: (lambda h=html: h) for name, html in hostile_html.MARKUP.items()}
    cases["nested-150k-divs"] = lambda: _nested(150_000)
    cases["link-flood-79k"] = _link_flood
    return cases


def _sparse_csv(folder: Path) -> Path:
    path = folder / "sparse-1gb.csv"
    with path.open("wb") as handle:
        handle.write(b"Company,Website\nAcme,acme.example\n")
        handle.truncate(2**30)
    return path


def file_cases() -> dict[str, Callable[[Path], Path]]:
    from tests.hostile import test_hostile_files as hostile_files

    cases: dict[str, Callable[[Path], Path]] = {}
    for name, value in sorted(hostile_files.CORPUS.items()):
        cases[name] = value.values[0][0] if hasattr(value, "marks") else value[0]  # type: ignore[attr-defined,index]
    cases["csv-1gb-sparse"] = _sparse_csv
    return cases


def _bomb(wbits: int, size: int = 2**30) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = b"\0" * 2**20
    return b"".join(packer.compress(zeros) for _ in range(size // len(zeros))) + packer.flush()


def stream_routes() -> dict[str, Callable[[], Any]]:
    from tests.hostile import rawweb

    return {
        "slowloris": lambda: rawweb.dribble(0.05),
        "endless-body": lambda: rawweb.endless(),
        "gzip-bomb-1gb": lambda: rawweb.encoded("gzip", _bomb(31)),
        "deflate-bomb-1gb": lambda: rawweb.encoded("deflate", _bomb(15)),
        "nested-150k-divs": lambda: rawweb.page(_nested(150_000)),
        "link-flood-79k": lambda: rawweb.page(_link_flood()),
    }


# -- the two sides ---------------------------------------------------------------------------------------------------


def rowscout_read(path: Path) -> None:
    from service.files.readers import read_table

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


def rowscout_markup(html: str) -> None:
    from service.research.extract import extract_page
    from service.research.fetch.discovery import page_links, pick_pages

    extract_page("http://hostile.example/", html, HEADERS)
    pick_pages("http://hostile.example/", page_links(html, "http://hostile.example/"), [], limit=7)


def plain_markup(html: str) -> None:
    tree = LexborHTMLParser(html)
    tree.css_first("title")
    for node in tree.css("a[href]"):
        node.attributes.get("href")


def rowscout_research(url: str, timeout: float) -> str:
    from service.domain import CompanyInput, ResearchOptions
    from service.research.engine import WebResearcher
    from service.research.fetch import FetchSettings

    researcher = WebResearcher(FetchSettings(allow_loopback=True))
    outcome = researcher.research(CompanyInput("Hostile", url), ResearchOptions(timeout=timeout))
    return str(outcome.error_kind or "ok")


def plain_fetch(url: str) -> None:
    import httpx

    response = httpx.get(url, follow_redirects=True, timeout=30.0)
    plain_markup(response.text)


# -- running one case in a child process ----------------------------------------------------------------------------


def _peak_mb() -> float:
    from service.research.workers import shared_pool

    shared_pool().close()  # reaped workers count in RUSAGE_CHILDREN
    peaks = (resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return round(max(peaks) / 1024, 1)  # KiB on Linux


def child(group: str, case: str, side: str, timeout: float, folder: Path) -> dict[str, Any]:
    """Prepare the input (not timed), run one side on it, report seconds, peak RSS and outcome."""
    work: Work
    if group == "files":
        path = file_cases()[case](folder)
        work = (lambda: rowscout_read(path)) if side == "rowscout" else (lambda: plain_read(path))
    elif group == "markup":
        html = markup_cases()[case]()
        work = (lambda: rowscout_markup(html)) if side == "rowscout" else (lambda: plain_markup(html))
    elif group == "streams":
        return _stream_child(case, side, timeout)
    else:
        return _site_child(case, timeout, folder)
    return _run(work)


def _run(work: Work) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = work()
        outcome = result if isinstance(result, str) else "ok"
    except (Exception, RecursionError) as exc:  # the baseline may fail in any way; that is a figure too
        outcome = type(exc).__name__
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "peak_mb": _peak_mb(), "outcome": outcome}


def _stream_child(case: str, side: str, timeout: float) -> dict[str, Any]:
    from tests.hostile.rawweb import RawWeb

    route = stream_routes()[case]()
    with RawWeb({"/": route}) as web:
        url = web.url("/")
        work: Work = (lambda: rowscout_research(url, timeout)) if side == "rowscout" else (lambda: plain_fetch(url))
        return _run(work)


def _site_child(host: str, timeout: float, folder: Path) -> dict[str, Any]:
    from service.examples.demo_web import DemoWeb
    from tests.hostile import test_hostile_html as hostile_html

    files, config, _ = hostile_html.SITES[host]
    site = folder / host
    site.mkdir(parents=True)
    for name, text in files.items():
        (site / name).write_text(text, encoding="utf-8")
    if config is not None:
        (site / "_site.json").write_text(json.dumps(config), encoding="utf-8")
    with DemoWeb(folder) as web:
        from service.domain import CompanyInput, ResearchOptions
        from service.research.engine import WebResearcher
        from tests.fixture_web.conftest_helpers import fixture_fetch_settings

        researcher = WebResearcher(fixture_fetch_settings(page_timeout=3.0), resolver=web.resolver())
        company = CompanyInput(host.split(".")[0], web.url(host))
        return _run(lambda: str(researcher.research(company, ResearchOptions(timeout=timeout)).error_kind or "ok"))


def in_child(group: str, case: str, side: str, timeout: float) -> dict[str, Any]:
    """Run one case in a fresh interpreter; killed past ``timeout + CHILD_GRACE`` seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "bench.bench_hostile", "--child", group, case, side]
        command += ["--company-timeout", str(timeout), "--folder", tmp]
        limit = timeout + CHILD_GRACE
        try:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            return {"seconds": f">{limit:g}", "peak_mb": None, "outcome": "killed"}
    if done.returncode != 0:
        return {"seconds": None, "peak_mb": None, "outcome": f"crashed ({done.returncode})"}
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def within(figures: dict[str, Any], timeout: float) -> bool:
    seconds, peak = figures.get("seconds"), figures.get("peak_mb")
    if not isinstance(seconds, int | float) or not isinstance(peak, int | float):
        return False
    return seconds <= timeout + LIMIT_EXTRA_SECONDS and peak <= LIMIT_MB


def bench_group(group: str, cases: list[str], timeout: float, *, baseline: bool = True) -> list[dict[str, Any]]:
    rows = []
    for case in cases:
        print(f"  {group}: {case}", file=sys.stderr, flush=True)
        mine = in_child(group, case, "rowscout", timeout)
        base = in_child(group, case, "baseline", timeout) if baseline else None
        rows.append({"case": case, "rowscout": mine, "baseline": base, "within": within(mine, timeout)})
    return rows


# -- nesting growth (in process: small depths, best of several runs) ------------------------------------------------


def _best(work: Work, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return round(best, 4)


def bench_nesting(repeat: int) -> dict[str, Any]:
    from service.research.extract import extract_page

    pages = [_nested(depth) for depth in DEPTHS]
    rows: dict[str, Any] = {"depths": list(DEPTHS)}
    sides: dict[str, Callable[[str], object]] = {
        "rowscout": lambda h: extract_page("http://deep.example/", h, HEADERS),
        "baseline": lambda h: LexborHTMLParser(h).css_first("title"),
    }
    for side, work in sides.items():
        runs = [{"seconds": _best(lambda h=page, w=work: w(h), max(repeat, 3))} for page in pages]
        small, large = runs[0]["seconds"], runs[-1]["seconds"]
        rows[side] = {"runs": runs, "growth_for_4x_depth": round(large / small, 2) if small else None}
    return rows


# -- report ----------------------------------------------------------------------------------------------------------


def _number(value: Any) -> float:
    return value if isinstance(value, int | float) else float("inf")


def worst(cases: list[dict[str, Any]], side: str, key: str) -> dict[str, Any]:
    """The case with the largest ``key`` on ``side``, with the other side's figure for the same case."""
    measured = [c for c in cases if c.get(side)]
    if not measured:
        return {}
    top = max(measured, key=lambda c: _number(c[side][key]))
    other = "baseline" if side == "rowscout" else "rowscout"
    return {"case": top["case"], side: top[side][key], other: (top.get(other) or {}).get(key)}


GROUPS = ("files", "markup", "streams", "sites")


def summary(result: dict[str, Any]) -> dict[str, Any]:
    groups = {name: result[name] for name in GROUPS if result.get(name)}
    return {
        name: {"seconds": worst(cases, "rowscout", "seconds"), "peak_mb": worst(cases, "rowscout", "peak_mb")}
        for name, cases in groups.items()
    }


def print_table(result: dict[str, Any]) -> None:
    timeout = result["settings"]["company_timeout"]
    side = f"{'s':>8} {'peak MB':>8} {'outcome':>14}"
    print(f"peak MB = child peak RSS; limit {timeout:g} + {LIMIT_EXTRA_SECONDS:g} s and {LIMIT_MB:g} MB")
    print(f"{'group':7} {'case':32} {side}  {side}  within")
    print(f"{'':7} {'':32} {'Rowscout':>32}  {'plain parser / fetch':>32}")
    for group in GROUPS:
        for case in result.get(group) or []:
            r = case["rowscout"]
            b = case["baseline"] or {"seconds": "-", "peak_mb": "-", "outcome": "-"}
            print(
                f"{group:7} {case['case'][:32]:32} {_cell(r['seconds']):>8} {_cell(r['peak_mb']):>8} "
                f"{str(r['outcome'])[:14]:>14}  {_cell(b['seconds']):>8} {_cell(b['peak_mb']):>8} "
                f"{str(b['outcome'])[:14]:>14}  {'yes' if case['within'] else 'NO'}"
            )
    nesting = result["nesting"]
    print(
        f"nesting {nesting['depths'][0]:,} -> {nesting['depths'][-1]:,} deep: time x"
        f"{nesting['rowscout']['growth_for_4x_depth']} (plain parse x{nesting['baseline']['growth_for_4x_depth']})"
    )


def _cell(value: Any) -> str:
    return "-" if value is None else str(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs per nesting depth (best is kept)")
    parser.add_argument("--no-sites", action="store_true", help="skip the loopback sites (streams and sites)")
    parser.add_argument("--company-timeout", type=float, default=10.0, help="seconds per company")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--child", nargs=3, metavar=("GROUP", "CASE", "SIDE"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    timeout = args.company_timeout
    if args.child:
        print(json.dumps(child(*args.child, timeout, Path(args.folder))))
        return
    from tests.hostile import test_hostile_html as hostile_html

    result: dict[str, Any] = {
        "settings": {"company_timeout": timeout, "sites": not args.no_sites, "memory": "child peak RSS (MB)"},
        "files": bench_group("files", list(file_cases()), timeout),
        "markup": bench_group("markup", list(markup_cases()), timeout),
        "nesting": bench_nesting(args.repeat),
        "streams": [] if args.no_sites else bench_group("streams", list(stream_routes()), timeout),
        "sites": [] if args.no_sites else bench_group("sites", sorted(hostile_html.SITES), timeout, baseline=False),
    }
    result["worst"] = summary(result)
    result["all_within"] = all(c["within"] for g in GROUPS for c in result.get(g) or [])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print_table(result)


if __name__ == "__main__":
    main()
