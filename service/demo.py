"""``python -m service demo``: the main job, offline, against a bundled example.

Serves the repository's fixture web (``tests/fixture_web``: realistic company
sites plus broken ones) on loopback, turns ``service/examples/demo-companies.csv``
into an input whose websites point at it, and runs the ordinary ``research``
command on the embedded default (SQLite + in-process queue) with the real
research engine — only DNS is answered by the fixture web, and loopback is
allowed for this run alone. Needs a checkout of the repository (the fixture
web is test data, not shipped in the container image).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from service.config import Settings
from service.errors import InputError

DEMO_INPUT = Path(__file__).parent / "examples" / "demo-companies.csv"


@contextmanager
def demo_web() -> Iterator[Any]:
    """The fixture web, started on a free loopback port."""
    try:
        from tests.fixture_web.server import FixtureWeb
    except ImportError:
        raise InputError(
            "the demo needs the repository checkout (tests/fixture_web); run it from the repo root"
        ) from None
    with FixtureWeb() as web:
        yield web


def write_demo_input(web: Any, target: Path) -> Path:
    """The demo CSV with each ``*.test`` website pointed at the running fixture web."""
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
    return replace(settings, allow_loopback=True, site_tlds=(".test",))


def research_args(input_path: Path, output: str, workspace: Path) -> argparse.Namespace:
    from service.cli import build_parser

    return build_parser().parse_args(
        [
            "--workspace",
            str(workspace),
            "research",
            str(input_path),
            "-o",
            output,
            "--concurrency",
            "8",
            "--rate",
            "20",
            "--timeout",
            "20",
            "--job-name",
            "demo",
        ]
    )
