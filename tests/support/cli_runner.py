"""Run the real CLI with the fixed-latency test researcher: ``python -m tests.support.cli_runner ARGS...``.

Subprocess tests (kill -9, then ``resume``) and ``bench/bench_resume.py`` start
this module instead of ``python -m service``. It builds the
``LatencyResearcher`` of ``tests.support.researchers`` from
``ROWSCOUT_TEST_LATENCY`` (seconds per company) and
``ROWSCOUT_TEST_RESEARCH_LOG`` (a file that gets one company name per
completed research), then calls ``service.cli.main(ARGS, researcher=...)``,
so everything else is the ordinary embedded default (SQLite + in-process queue).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from service.cli import main
from tests.support.researchers import latency_researcher

ROOT = Path(__file__).resolve().parents[2]


def runner_command(*args: str) -> list[str]:
    """The command line that runs the CLI with ``args`` through this module."""
    return [sys.executable, "-m", "tests.support.cli_runner", *args]


def runner_env(*, latency: float, research_log: Path | None, home: Path, **extra: str) -> dict[str, str]:
    """The environment for ``runner_command``: this process's, plus the researcher's knobs and the workspace."""
    env = dict(os.environ)
    env.update(
        ROWSCOUT_TEST_LATENCY=str(latency),
        ROWSCOUT_TEST_RESEARCH_LOG=str(research_log or ""),
        ROWSCOUT_HOME=str(home),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def run(argv: list[str], environ: Mapping[str, str] | None = None) -> int:
    return main(argv, researcher=latency_researcher(os.environ if environ is None else environ))


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))
