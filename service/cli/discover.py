"""``python -m service discover JOB``: clusters of a job's companies and each one's most similar others.

Parses, calls ``service.jobs.discover.discover_similar``, renders: the
clusters with their labels and, per company, the most similar one (with
``--company NAME``, that company's ``--top`` ranking). ``-o FILE`` writes the
whole result as JSON (``.json``) or one row per company (``.csv``).
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from service.bootstrap import Embedded, build_search
from service.cli import render
from service.cli.exits import ExitCode
from service.domain.errors import InputError
from service.files.cells import csv_cell, to_text
from service.files.similarity_column import SIMILAR_HEADER, add_similar_column
from service.jobs.discover import Discovery, discover_similar, similar_cells


def add_discover(commands: argparse._SubParsersAction) -> None:
    discover = commands.add_parser("discover", help="group a job's companies and list the most similar ones")
    discover.add_argument("job")
    discover.add_argument("--company", help="only this company's most similar ones (its name)")
    discover.add_argument("--top", type=int, default=10, help="similar companies listed per company (default 10)")
    discover.add_argument("-o", "--output", help="write the result to FILE (.json or .csv)")
    discover.add_argument(
        "--competitors",
        action="store_true",
        help="also propose companies not in the list, from web search (ROWSCOUT_SEARCH_PROVIDER; billed per search)",
    )


def cmd_discover(local: Embedded, args: argparse.Namespace) -> ExitCode:
    if args.top < 1:
        raise InputError("--top must be at least 1")
    if args.output and Path(args.output).suffix.lower() not in (".json", ".csv"):
        raise InputError("discover writes .json or .csv files")
    search = None
    if args.competitors:
        search = build_search(local.settings)
        if search is None:
            raise InputError("--competitors needs a web search provider: set ROWSCOUT_SEARCH_PROVIDER")
    found = discover_similar(local.services(), args.job, company=args.company, top=args.top, search=search)
    show(found, ranking=bool(args.company))
    if args.output:
        write(found, Path(args.output))
        render.err.print(f"wrote {args.output}")
    return ExitCode.OK


def export_similar(local: Embedded, job_id: str, path: str, fmt: str | None) -> None:
    """``export JOB -o FILE --similar``: add the "Similar in this list" column to the file just exported."""
    values, order = similar_cells(local.services(), job_id)
    filled = add_similar_column(path, values, order, fmt)
    render.err.print(f"added '{SIMILAR_HEADER}' ({filled} of {len(order)} rows have similar companies in the list)")


def show(found: Discovery, *, ranking: bool) -> None:
    out = render.out
    out.print(f"{found.compared} researched companies in {len(found.clusters)} clusters")
    names = found.names
    if not ranking:
        for cluster in found.clusters:
            members = ", ".join(names.get(k, k) for k in cluster.keys)
            out.print(f"  {cluster.id}. {cluster.label} ({len(cluster.keys)}): {members}")
        out.print("most similar:")
    for company in found.companies:
        similar = company.similar if ranking else company.similar[:1]
        listed = "; ".join(f"{s.name} ({s.score:.2f}: {', '.join(s.shared)})" for s in similar) or "none"
        out.print(f"  {company.name} → {listed}")
    if found.proposals:
        out.print("not in the list (each one a web search result):")
    for p in found.proposals:
        out.print(f"  {p.name} — {p.website} (cluster {p.cluster}; search: {p.query})")


def write(found: Discovery, path: Path) -> None:
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(found.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    labels = {c.id: c.label for c in found.clusters}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["company", "cluster", "cluster label", "most similar", "score", "similar in this list"])
        for c in found.companies:
            best = c.similar[0] if c.similar else None
            others = "; ".join(f"{s.name} ({s.score:.2f})" for s in c.similar)
            row = [c.name, c.cluster, labels[c.cluster], best.name if best else "", best.score if best else "", others]
            writer.writerow([csv_cell(to_text(v)) for v in row])  # names come from the user's file
