"""Benchmark the research engine against the fixture web's ground truth.

Run: ``.venv/bin/python -m bench.bench_research`` (from the repo root; ~1 min).

1. **Accuracy** (no added latency): every ground-truth entry through
   ``WebResearcher`` without an LLM. Per field: coverage = filled / expected
   and precision = correct / filled, on reachable content sites; success rate
   (ok when no error is expected, the right kind when one is); expected-error
   accuracy. The same for a naive baseline (home page only, ``<title>`` +
   meta description, like the seed prototype).
2. **Throughput**: the reachable content sites, repeated, through 20 worker
   threads while every fixture response waits 1 s (a ``DemoWeb`` whose
   site config adds ``delay: 1.0``); companies/hour for the engine and the
   baseline.

Prints a table and writes ``bench/results/research.json``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from service.domain import (
    CompanyInput,
    CompanyProfile,
    ErrorKind,
    FieldMethod,
    FieldSource,
    ResearchOptions,
    ResearchOutcome,
)
from service.domain.errors import ResearchError
from service.examples.demo_web import DemoWeb
from service.research.discover_site import SiteFinder
from service.research.engine import WebResearcher
from service.research.extract.document import Document
from service.research.fetch import FetchSettings, SafeFetcher
from tests.fixture_web.conftest_helpers import fixture_fetch_settings

ROOT = Path(__file__).resolve().parents[1]
TRUTH = json.loads((ROOT / "tests/fixture_web/ground_truth.json").read_text(encoding="utf-8"))
RESULTS = ROOT / "bench/results/research.json"
CONCURRENCY = 20
LATENCY = 1.0
THROUGHPUT_COMPANIES = 100
Research = Callable[[CompanyInput, ResearchOptions], ResearchOutcome]


class SlowDemoWeb(DemoWeb):
    """The fixture web with ``LATENCY`` seconds before every response (unless a site sets its own)."""

    def site_config(self, host: str) -> dict[str, Any]:
        return {"delay": LATENCY, **super().site_config(host)}


class NaiveResearcher:
    """The baseline: the home page's title and meta description, nothing else."""

    def __init__(self, settings: FetchSettings, resolver: Any) -> None:
        self.settings, self.resolver = settings, resolver

    def research(self, company: CompanyInput, options: ResearchOptions) -> ResearchOutcome:
        try:
            page = asyncio.run(self._fetch(company.website))
        except ResearchError as exc:
            return ResearchOutcome(
                profile=CompanyProfile(name=company.name), error_kind=exc.kind, error_message=exc.message
            )
        doc = Document.parse(page.text, page.final_url)
        profile = CompanyProfile(name=company.name, website=page.final_url)
        if doc.meta.get("description"):
            profile.description = doc.meta["description"]
            profile.sources["description"] = FieldSource(page.final_url, FieldMethod.META)
        return ResearchOutcome(profile=profile)

    async def _fetch(self, url: str) -> Any:
        if not url:
            raise ResearchError("no website", kind=ErrorKind.NO_WEBSITE_FOUND)
        async with SafeFetcher(self.settings, resolver=self.resolver) as fetcher:
            return await fetcher.fetch(url)


def company_for(web: DemoWeb, entry: dict[str, Any]) -> CompanyInput:
    return CompanyInput(name=entry["name"], website=web.url(entry["host"]) if entry["website_given"] else "")


def matches(field: str, want: Any, got: Any) -> bool:
    if field in ("description", "logo_url"):
        return bool(got) and str(want).lower() in str(got).lower()
    if isinstance(want, list):
        return sorted(want) == sorted(got)
    return bool(want == got)


def score(outcomes: list[tuple[dict[str, Any], ResearchOutcome]]) -> dict[str, Any]:
    fields: dict[str, dict[str, int]] = {}
    right = errors_right = errors_total = 0
    for entry, outcome in outcomes:
        want_error = entry["expected_error"]
        got_error = outcome.error_kind.value if outcome.error_kind else None
        right += got_error == want_error
        if want_error:
            errors_total += 1
            errors_right += got_error == want_error
        if want_error or entry.get("fault_site"):
            continue
        for field, want in entry["expected"].items():
            tally = fields.setdefault(field, {"expected": 0, "filled": 0, "correct": 0})
            got = outcome.profile.value(field)
            tally["expected"] += 1
            tally["filled"] += got not in ("", None, [])
            tally["correct"] += matches(field, want, got)
    expected = sum(t["expected"] for t in fields.values())
    filled = sum(t["filled"] for t in fields.values())
    correct = sum(t["correct"] for t in fields.values())
    return {
        "fields": fields,
        "coverage": filled / expected if expected else 0.0,
        "precision": correct / filled if filled else 0.0,
        "success_rate": right / len(outcomes),
        "expected_error_accuracy": errors_right / errors_total if errors_total else 1.0,
        "companies": len(outcomes),
    }


def accuracy(make: Callable[[DemoWeb], Research]) -> dict[str, Any]:
    with DemoWeb() as web:
        research = make(web)
        options = ResearchOptions(timeout=15)
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(lambda e: (e, research(company_for(web, e), options)), TRUTH))
    return score(outcomes)


def throughput(make: Callable[[DemoWeb], Research]) -> dict[str, float]:
    sites = [e for e in TRUTH if e["website_given"] and not e["expected_error"] and not e.get("fault_site")]
    batch = [sites[i % len(sites)] for i in range(THROUGHPUT_COMPANIES)]
    with SlowDemoWeb() as web:
        research = make(web)
        options = ResearchOptions(timeout=30)
        started = time.monotonic()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            outcomes = list(pool.map(lambda e: research(company_for(web, e), options), batch))
        elapsed = time.monotonic() - started
    ok = sum(o.ok for o in outcomes)
    return {
        "companies": len(batch),
        "ok": ok,
        "seconds": round(elapsed, 2),
        "per_hour": round(len(batch) / elapsed * 3600),
    }


def engine(web: DemoWeb) -> Research:
    finder = SiteFinder(tlds=[".test"], scheme="http", port=web.port)
    return WebResearcher(fixture_fetch_settings(), resolver=web.resolver(), site_finder=finder).research


def naive(web: DemoWeb) -> Research:
    return NaiveResearcher(fixture_fetch_settings(), web.resolver()).research


def report(results: dict[str, Any]) -> str:
    eng, base = results["engine"], results["baseline"]
    lines = [f"{'field':16} {'expected':>8} {'coverage':>9} {'precision':>10} {'baseline cov':>13}"]
    for field, t in sorted(eng["fields"].items()):
        b = base["fields"].get(field, {"filled": 0})
        cov, prec = t["filled"] / t["expected"], (t["correct"] / t["filled"] if t["filled"] else 0.0)
        lines.append(f"{field:16} {t['expected']:>8} {cov:>9.0%} {prec:>10.0%} {b['filled'] / t['expected']:>13.0%}")
    for key in ("coverage", "precision", "success_rate", "expected_error_accuracy"):
        lines.append(f"{key:28} engine {eng[key]:>6.1%}   baseline {base[key]:>6.1%}")
    tp, tb = results["throughput"]["engine"], results["throughput"]["baseline"]
    lines.append(
        f"throughput @ {CONCURRENCY} threads, {LATENCY:g} s latency: engine {tp['per_hour']:,}/h "
        f"({tp['ok']}/{tp['companies']} ok, {tp['seconds']} s), baseline {tb['per_hour']:,}/h"
    )
    lines.append(f"coverage ratio engine/baseline: {eng['coverage'] / max(base['coverage'], 1e-9):.1f}x")
    return "\n".join(lines)


def main() -> int:
    results = {
        "engine": accuracy(engine),
        "baseline": accuracy(naive),
        "throughput": {"engine": throughput(engine), "baseline": throughput(naive)},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
