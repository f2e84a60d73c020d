"""Benchmark research on real company websites: the engine beside a fair baseline, per half.

Run: ``.venv/bin/python -m bench.bench_realweb`` (from the repo root; ~1 min).

The corpus is 64 real small-business websites (``tests/realweb``: pages as
their owners committed them, labels of what a careful reader finds on them,
including fields that must stay empty). It is split once, by a hash of the
host, into a development half (rules were tuned on it) and a frozen test half
(never looked at while tuning): the test half's figures are the held-out ones.
The baseline — extruct's JSON-LD / microdata / OpenGraph plus ``mailto:``,
``tel:`` and social links over the same crawled pages — runs in the same
process, on the same pages. Scoring: ``tests/realweb/scoring.py`` (precision
over every field filled; strict matching).

Writes ``bench/results/realweb.json``; exits 2 when the corpus is not built
(see ``tests/realweb/README.md``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from tests.realweb.runner import LABELS, hosts_of, run
from tests.realweb.scoring import score
from tests.realweb.web import sites_dir

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench/results/realweb.json"


def measure(split: str, sites: Path) -> dict[str, Any]:
    hosts = hosts_of(split)
    out: dict[str, Any] = {"sites": len(hosts)}
    for kind in ("engine", "baseline"):
        started = time.monotonic()
        results = run(kind, sites, hosts)
        out[kind] = score(results, LABELS, sites).as_dict()
        out[kind]["seconds"] = round(time.monotonic() - started, 1)
        if split == "test":  # the held-out half stays unseen: counts only, no values to tune on
            for tally in out[kind]["fields"].values():
                tally["wrong"] = len(tally["wrong"])
    return out


def report(results: dict[str, Any]) -> str:
    lines = []
    for split in ("dev", "test"):
        data = results[split]
        eng, base = data["engine"], data["baseline"]
        title = "held-out test half" if split == "test" else "development half (in-sample)"
        lines.append(f"== {title}: {data['sites']} sites")
        lines.append(f"{'field':14} {'labels':>6} {'coverage':>9} {'precision':>10} {'base cov':>9} {'base prec':>10}")
        for name, t in eng["fields"].items():
            b = base["fields"][name]
            lines.append(
                f"{name:14} {t['labelled']:>6} {t['coverage']:>9.0%} {t['precision']:>10.0%}"
                f" {b['coverage']:>9.0%} {b['precision']:>10.0%}"
            )
        lines.append(
            f"{'all fields':14} {'':>6} {eng['coverage']:>9.1%} {eng['precision']:>10.1%}"
            f" {base['coverage']:>9.1%} {base['precision']:>10.1%}"
        )
        lines.append(f"failed sites: {eng['failed_sites'] or 'none'}; unscored fields filled: {eng['unscored_filled']}")
    return "\n".join(lines)


def main() -> int:
    sites = sites_dir()
    if sites is None:
        print("the real-web corpus is not built: see tests/realweb/README.md", file=sys.stderr)
        return 2
    results = {split: measure(split, sites) for split in ("dev", "test")}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
