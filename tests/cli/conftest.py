"""Fixtures for CLI tests: a workspace, and ``cli(argv)``: ``main`` with a fast, recording researcher."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence

import pytest

from service.cli import main
from tests.support.researchers import LatencyResearcher

Cli = Callable[[Sequence[str]], int]


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    monkeypatch.setenv("ROWSCOUT_HOME", str(tmp_path / "ws"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def cli(cli_env) -> Cli:
    """``main(argv)`` in this process with the latency researcher, which logs to ``cli_env/research.log``."""

    def run(argv: Sequence[str]) -> int:
        return main(list(argv), researcher=LatencyResearcher(0.001, str(cli_env / "research.log")))

    return run


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
