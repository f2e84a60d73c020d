"""Fixtures for CLI tests: a workspace and a fast, recording researcher plugged in by env."""

from __future__ import annotations

import pytest


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    log = tmp_path / "research.log"
    monkeypatch.setenv("ROWSCOUT_RESEARCHER", "tests.support.researchers:latency_researcher")
    monkeypatch.setenv("ROWSCOUT_TEST_LATENCY", "0.001")
    monkeypatch.setenv("ROWSCOUT_TEST_RESEARCH_LOG", str(log))
    monkeypatch.setenv("ROWSCOUT_HOME", str(tmp_path / "ws"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_csv(path, header, rows):
    import csv

    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
