"""``python -m service demo``: the main job, offline, against a bundled example.

Serves the bundled demo web (``service/examples/demo_web``: realistic company
sites plus broken ones) on loopback, turns ``service/examples/demo-companies.csv``
into an input whose websites point at it, and runs the ordinary research
flow on the embedded default (SQLite + in-process queue) with the real
research engine — only DNS is answered by the demo web, and loopback is
allowed for this run alone.

The example marks the rows that fail by design (column ``Designed to fail``:
the error kind they must fail with). The demo exits 0 only when exactly those
rows fail, each with its kind; any other failure (a broken engine) exits 4.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import replace
from pathlib import Path

from service.bootstrap import Embedded, build_local, build_researcher
from service.cli import render
from service.cli.commands import research
from service.cli.exits import ExitCode
from service.cli.inputs import InputSpec
from service.config import Settings
from service.domain import JobOptions, Row, RowState
from service.examples.demo_web import DemoWeb
from service.jobs import control

DEMO_INPUT = Path(__file__).resolve().parent.parent / "examples" / "demo-companies.csv"
DESIGNED_TO_FAIL = "Designed to fail"
DEMO_OPTIONS = JobOptions(concurrency=8, rate=20.0, timeout=20.0)


def cmd_demo(local: Embedded, args: argparse.Namespace) -> ExitCode:
    """The research flow on the bundled demo file, served by the local demo web."""
    with DemoWeb() as web:
        workspace = local.settings.embedded.workspace
        workspace.mkdir(parents=True, exist_ok=True)
        source = write_demo_input(web, workspace / "demo-companies.csv")
        settings = demo_settings(local.settings)
        researcher = build_researcher(settings, resolver=web.resolver(), site_port=web.port)
        demo = build_local(settings, store=local.store, researcher=researcher, sheets=local.sheets)
        output = str(Path(args.output).resolve())
        code = research(
            demo,
            InputSpec(str(source)),
            DEMO_OPTIONS,
            output=output,
            fmt=None,
            name="demo",
            progress=not args.no_progress,
        )
    if code not in (ExitCode.OK, ExitCode.ROWS_FAILED):
        return code
    return check_designed_failures(demo)


def check_designed_failures(local: Embedded) -> ExitCode:
    """OK when exactly the rows marked ``Designed to fail`` failed, each with its kind."""
    svc = local.services()
    surprises = [row for row in control.job_rows(svc, control.latest_job(svc).id) if _surprise(row)]
    for row in surprises:
        expected = row.input.extra.get(DESIGNED_TO_FAIL) or "not to fail"
        render.error(f"demo row {row.position} ({row.input.name}): expected {expected}, got {row.status_text}")
    return ExitCode.ROWS_FAILED if surprises else ExitCode.OK


def _surprise(row: Row) -> bool:
    expected = row.input.extra.get(DESIGNED_TO_FAIL, "").strip()
    failed_as = row.error_kind.value if row.state == RowState.FAILED and row.error_kind else ""
    return expected != failed_as


def write_demo_input(web: DemoWeb, target: Path) -> Path:
    """The demo CSV with each ``*.test`` website pointed at the running demo web."""
    with DEMO_INPUT.open(newline="", encoding="utf-8") as source, target.open("w", newline="", encoding="utf-8") as out:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        for row in reader:
            site = row["Website"]
            if site.endswith(".test"):
                row["Website"] = web.url(site)
            writer.writerow(row)
    return target


def demo_settings(settings: Settings) -> Settings:
    fetch = replace(settings.fetch, allow_loopback=True, site_tlds=(".test",))
    return replace(settings, fetch=fetch)
