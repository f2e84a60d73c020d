"""Benchmark: from a real company name to its real domain, offline — today's candidates vs the new ones.

Run: ``.venv/bin/python -m bench.bench_name_to_domain`` (seconds; no network).

Data: the ``pytickersymbols`` package (PyPI, MIT licence, pinned in
requirements-bench.txt), whose ``indices_data.INDICES`` lists the member
companies of 20 stock indices (AEX, BEL 20, CAC 40/Mid 60, DAX/MDAX/SDAX/
TecDAX, Dow Jones, EURO STOXX 50, FTSE 100, IBEX 35, NASDAQ 100, Nikkei 225,
OMX Helsinki 25 / Stockholm 30, S&P 100/500/600, SMI) with each company's
name, country and website as its Wikipedia infobox gives them. It is read
from the installed package at run time; nothing is copied into the repository.
A name counts when its website is a plain host (``abnamro.com``,
``www.sap.de``); the labels are Wikipedia's, a few are wrong (e.g. a website
of a former parent), and both generators face the same ones.

Figure: **hit rate** — the share of names whose true registered domain
(tldextract, offline suffix list) is among the generator's candidate hosts
with the engine's default TLDs. Generators:

- ``before``: today's generator, kept verbatim below (``old_candidate_domains``);
- ``after``: ``service.research.discover_site`` capped at what ``SiteFinder``
  fetches (``MAX_CANDIDATES``), without and with the country column as a
  ccTLD hint (the dataset's country where it names a country; for the US
  indices, whose rows give a city and state, "United States");
- ``after@20``: the new list cut to 20 hosts, about the old generator's mean
  (``MAX_CANDIDATES`` is 30, the old maximum), so the gain is not bought with
  more fetches alone.

Mean candidates per name are printed beside each. Writes
``bench/results/name_to_domain.json``.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from service.research.discover_site import DEFAULT_TLDS, MAX_CANDIDATES, candidate_domains

RESULTS = Path(__file__).resolve().parent / "results" / "name_to_domain.json"
US_INDICES = ("DOW JONES", "NASDAQ 100", "S&P 100", "S&P 500", "S&P 600")

# --- today's generator, as it was before the name normalisation (the baseline) ----------------

_OLD_LEGAL = re.compile(
    r"\b(inc|incorporated|ltd|limited|llc|llp|plc|corp|corporation|co|company|gmbh|ag|kg|ug|mbh|sas|sarl|sa"
    r"|s\.a|sl|s\.l|srl|spa|bv|nv|ab|oy|as|aps|pty|group|holding|holdings)\b\.?",
    re.IGNORECASE,
)


def old_name_words(name: str) -> list[str]:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    ascii_name = _OLD_LEGAL.sub(" ", ascii_name.replace("&", " and "))
    return re.findall(r"[a-z0-9]+", ascii_name)


def old_candidate_domains(name: str, tlds: Sequence[str]) -> list[str]:
    words = old_name_words(name)
    if not words:
        return []
    bases = ["".join(words), "-".join(words)]
    if len(words) > 1 and len(words[0]) >= 4:
        bases.append(words[0])
    unique = list(dict.fromkeys(bases))
    return [f"{base}{tld}" for base in unique for tld in tlds]


# --- the dataset --------------------------------------------------------------------------------


@functools.cache
def _extractor() -> Any:
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.cache
def _registered(host: str) -> str:
    parts = _extractor()(host)
    return f"{parts.domain}.{parts.suffix}".lower() if parts.domain and parts.suffix else host.lower()


def _country(value: str, index: str) -> str:
    import pycountry

    try:
        return str(pycountry.countries.lookup(value.strip()).name)
    except LookupError:
        return "United States" if index in US_INDICES else ""


def load_companies() -> list[dict[str, str]]:
    """(name, domain, country) of every index member with a plain-host website, one row per name."""
    from pytickersymbols.indices_data import INDICES

    seen: dict[str, dict[str, str]] = {}
    for index, data in INDICES.items():
        for company in data.get("companies", []):
            website = str((company.get("metadata") or {}).get("website") or "").strip().lower()
            website = re.sub(r"^https?://", "", website).split("/")[0].removeprefix("www.")
            if not re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", website) or company["name"] in seen:
                continue
            country = _country(str(company.get("country") or ""), index)
            seen[company["name"]] = {"name": company["name"], "domain": _registered(website), "country": country}
    return sorted(seen.values(), key=lambda row: row["name"])


# --- measuring ----------------------------------------------------------------------------------

Generator = Callable[[dict[str, str]], list[str]]


def measure(rows: list[dict[str, str]], generate: Generator) -> dict[str, Any]:
    hits, sizes = 0, []
    started = time.perf_counter()
    for row in rows:
        hosts = generate(row)
        sizes.append(len(hosts))
        hits += row["domain"] in {_registered(host) for host in hosts}
    return {
        "hit_rate": round(hits / len(rows), 4),
        "hits": hits,
        "mean_candidates": round(statistics.fmean(sizes), 1),
        "max_candidates": max(sizes),
        "ms_per_name": round((time.perf_counter() - started) * 1000 / len(rows), 3),
    }


GENERATORS: dict[str, Generator] = {
    "before (today's generator)": lambda row: old_candidate_domains(row["name"], DEFAULT_TLDS),
    "after, no country": lambda row: candidate_domains(row["name"], DEFAULT_TLDS)[:MAX_CANDIDATES],
    "after, country hint": lambda row: candidate_domains(row["name"], DEFAULT_TLDS, country=row["country"])[
        :MAX_CANDIDATES
    ],
    "after@20, country hint": lambda row: candidate_domains(row["name"], DEFAULT_TLDS, country=row["country"])[:20],
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=0, help="only the first N names (0: all)")
    args = parser.parse_args(argv)
    rows = load_companies()
    if args.limit:
        rows = rows[: args.limit]
    results = {label: measure(rows, generate) for label, generate in GENERATORS.items()}
    countries = sum(1 for row in rows if row["country"])
    print(
        f"name → domain candidates: {len(rows)} real companies (pytickersymbols {_version()}),"
        f" {countries} with a country; TLDs {', '.join(DEFAULT_TLDS)}"
    )
    print(f"{'generator':<28} {'hit rate':>9} {'hits':>6} {'mean cands':>11} {'max':>5}")
    for label, figures in results.items():
        print(
            f"{label:<28} {figures['hit_rate']:>9.1%} {figures['hits']:>6} "
            f"{figures['mean_candidates']:>11} {figures['max_candidates']:>5}"
        )
    summary = {
        "dataset": {"source": "pytickersymbols indices_data (Wikipedia infobox websites)", "names": len(rows)},
        "version": _version(),
        "max_candidates": MAX_CANDIDATES,
        "results": results,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0


def _version() -> str:
    from importlib.metadata import version

    return version("pytickersymbols")


if __name__ == "__main__":
    sys.exit(main())
