"""Drive the real CLI in subprocesses: start a job, kill it with SIGKILL, resume it, read what it did.

Shared by the fault-injection tests and ``bench/bench_resume.py``. The CLI
runs the embedded default (SQLite + in-process queue) through
``tests.support.cli_runner`` with the fixed-latency researcher of
``tests.support.researchers``, which appends each company name
to a log after every completed research, so callers can count how often
each company was researched across processes. Every wait is bounded.
"""

from __future__ import annotations

import csv
import re
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from service.domain import Row, RowState
from service.store.sqlite import SqliteJobStore
from tests.support.cli_runner import runner_command, runner_env

_JOB_ID = re.compile(r"Job ([0-9a-f]{12})")


def wait_for(predicate: Callable[[], bool], *, timeout: float, poll: float = 0.01) -> float:
    """Poll ``predicate`` until true; returns the seconds waited, raises TimeoutError past ``timeout``."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"condition not met within {timeout:.0f} s")
        time.sleep(poll)
    return time.monotonic() - start


def write_companies(path: Path, count: int) -> list[str]:
    """A CSV of ``count`` companies (name, website); returns the names in order."""
    names = [f"Company {i:05d}" for i in range(count)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Company", "Website"])
        writer.writerows([name, f"company{i}.example"] for i, name in enumerate(names))
    return names


def read_output_csv(path: Path) -> list[dict[str, str]]:
    """Parse a CSV output strictly (raises on a malformed file)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle, strict=True))


@dataclass
class CliWorkspace:
    """One workspace (SQLite store + research log) in which CLI processes run."""

    root: Path
    latency: float = 0.03
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.root / "ws"

    @property
    def log_path(self) -> Path:
        return self.root / "research.log"

    def env(self) -> dict[str, str]:
        return runner_env(latency=self.latency, research_log=self.log_path, home=self.home, **self.extra_env)

    def spawn(self, *args: str, stderr_name: str) -> subprocess.Popen[bytes]:
        """Start the CLI with ``ARGS`` (``python -m tests.support.cli_runner``); stderr goes to ``root/stderr_name``."""
        with (self.root / stderr_name).open("wb") as stderr:
            return subprocess.Popen(
                runner_command(*args),
                cwd=self.root,
                env=self.env(),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )

    def research(
        self, source: Path, output: Path, *, concurrency: int, extra: Sequence[str] = ()
    ) -> subprocess.Popen[bytes]:
        args = ["research", str(source), "-o", str(output), "--concurrency", str(concurrency)]
        return self.spawn(*args, "--rate", "100000", "--no-progress", *extra, stderr_name="research.err")

    def resume(self, job_id: str, *, attempt: int = 1) -> subprocess.Popen[bytes]:
        return self.spawn("resume", job_id, "--no-progress", stderr_name=f"resume{attempt}.err")

    def job_id(self, timeout: float = 30.0) -> str:
        """The job id the ``research`` process printed (waits until it appears)."""
        err = self.root / "research.err"
        found: list[str] = []

        def printed() -> bool:
            match = _JOB_ID.search(err.read_text(errors="replace")) if err.exists() else None
            found.extend([match.group(1)] if match else [])
            return bool(found)

        wait_for(printed, timeout=timeout, poll=0.02)
        return found[0]

    def stderr(self, name: str) -> str:
        path = self.root / name
        return path.read_text(errors="replace") if path.exists() else ""

    def researched(self) -> list[str]:
        """Every completed research so far, in order (one company name per line)."""
        if not self.log_path.exists():
            return []
        return self.log_path.read_text().split("\n")[:-1]

    def research_counts(self) -> Counter[str]:
        return Counter(self.researched())

    def store(self) -> SqliteJobStore:
        return SqliteJobStore(self.home / "rowscout.sqlite3")

    def finished_rows(self, job_id: str) -> dict[str, Row]:
        """Rows DONE or FAILED in the store, by key."""
        store = self.store()
        states = (RowState.DONE, RowState.FAILED)
        return {row.key: row for row in store.iter_rows(job_id, states=states)}


def kill_9(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGKILL a process we started and reap it."""
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.wait(timeout=timeout)


def finish(process: subprocess.Popen[bytes], timeout: float) -> int:
    """Wait for a process to exit (SIGKILL it past ``timeout``); returns its exit code."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_9(process)
        raise
