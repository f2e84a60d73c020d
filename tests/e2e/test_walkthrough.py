"""The local cloud walkthrough of infra/README.md, followed step by step as written.

The bash blocks of "Running the cloud path locally" are read from the README and run with bash
from the repository root. Fixed ports are swapped for free ones (8681 Firestore, 8123 Cloud Tasks,
8080 the app) so the test can run beside others; steps 1–2 are the e2e emulator fixtures (the same
jar and emulator, started the same way), after checking the README starts them on the ports the
later steps use. Background ``&`` is left to the test, which owns and stops every process it starts.
Step 3's printed ``export`` line is applied, as the README says. The outcome is the researched row
that step 7 reads from the fake Sheets server.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.firestore_emulator import free_port
from tests.support.tasks_emulator import TasksEmulator

pytestmark = [pytest.mark.emulator, pytest.mark.subprocess, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "infra" / "README.md"
SECTION = "## Running the cloud path locally"
WAIT_SECONDS = 60.0


def readme_steps(text: str) -> dict[int, str]:
    """Step number → its bash block, from the walkthrough section (each block starts "# N. ")."""
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    steps: dict[int, str] = {}
    for block in re.findall(r"```bash\n(.*?)```", section, re.S):
        match = re.match(r"# (\d+)\. ", block)
        assert match, f"a walkthrough block without its '# N.' line: {block[:60]!r}"
        steps[int(match.group(1))] = block
    return steps


def test_the_steps_are_read_from_the_readme() -> None:
    steps = readme_steps(README.read_text(encoding="utf-8"))
    assert sorted(steps) == [1, 2, 3, 4, 5, 6, 7]
    assert "ROWSCOUT_DEMO_WEB_PORT=$WEB_PORT" in steps[5] and "ROWSCOUT_SHEETS_ACCESS_TOKEN=local" in steps[5]


class Walkthrough:
    """Runs README blocks with bash; keeps the background ones to stop them."""

    def __init__(self, ports: dict[str, int], logs: Path) -> None:
        self.ports = ports  # README port -> the free port used instead
        self.logs = logs  # what background steps print goes to files here (a pipe nobody reads fills up)
        self.env = {**os.environ}
        self.env.pop("K_SERVICE", None)
        self.background: list[tuple[subprocess.Popen[str], Path]] = []

    def script(self, block: str) -> str:
        for fixed, port in self.ports.items():
            block = re.sub(rf"\b{fixed}\b", str(port), block)
        return block

    def run(self, block: str, **env: str) -> str:
        done = subprocess.run(
            ["bash", "-c", self.script(block)],
            cwd=ROOT,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, f"step failed ({done.returncode}): {done.stderr[-2000:]}"
        return done.stdout

    def start(self, block: str) -> subprocess.Popen[str]:
        log = self.logs / f"step-{len(self.background) + 1}.log"
        with open(log, "w") as out:
            process = subprocess.Popen(
                ["bash", "-c", self.script(block)],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # its own process group: bash and what it started stop together
            )
        self.background.append((process, log))
        return process

    def first_line(self, process: subprocess.Popen[str]) -> str:
        """The first line a background step printed (waits for it)."""
        log = dict((id(p), path) for p, path in self.background)[id(process)]
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            text = log.read_text()
            if "\n" in text:
                return text.split("\n", 1)[0]
            assert process.poll() is None, f"the step exited: {text}"
            time.sleep(0.1)
        raise AssertionError("the step printed nothing")

    def log(self, process: subprocess.Popen[str]) -> str:
        """What a background step printed (after stopping every step)."""
        self.stop()
        return dict((id(p), path) for p, path in self.background)[id(process)].read_text()[-5000:]

    def stop(self) -> None:
        for process, _ in self.background:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: gunicorn's quick shutdown, Python's KeyboardInterrupt
        for process, _ in self.background:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)


@pytest.fixture
def walkthrough(firestore_client: object, tasks_emulator: TasksEmulator, tmp_path: Path) -> Iterator[Walkthrough]:
    firestore_port = int(os.environ["FIRESTORE_EMULATOR_HOST"].rsplit(":", 1)[1])  # set by firestore_client
    walk = Walkthrough({"8681": firestore_port, "8123": tasks_emulator.port, "8080": free_port()}, tmp_path)
    try:
        yield walk
    finally:
        walk.stop()


def _wait_healthy(url: str, app: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert app.poll() is None, "the app exited"
        try:
            if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the app did not answer /healthz")


@pytest.mark.timeout(240)  # two emulators, a gunicorn app and a research: ~30 s idle, more on a loaded machine
def test_the_walkthrough_researches_the_demo_web_end_to_end(walkthrough: Walkthrough) -> None:
    steps = readme_steps(README.read_text(encoding="utf-8"))
    # 1-2: the emulators are the e2e fixtures; the README starts them on the ports the later steps use
    assert "--port=8681" in steps[1] and "127.0.0.1:8681" in steps[5]
    assert "--port=8123" in steps[2] and '"127.0.0.1:8123"' in steps[4] and "127.0.0.1:8123" in steps[5]

    # 3: fake Sheets server + demo web, in the background; apply the export line it prints
    fakes = walkthrough.start(steps[3].replace("<<'PY' &", "<<'PY'"))
    exported = walkthrough.first_line(fakes).strip()
    match = re.fullmatch(r"export SHEETS_PORT=(\d+) WEB_PORT=(\d+)", exported)
    assert match, f"step 3 printed {exported!r}"
    walkthrough.env.update(SHEETS_PORT=match.group(1), WEB_PORT=match.group(2))

    walkthrough.run(steps[4])  # 4: queues

    app = walkthrough.start(steps[5])  # 5: the app under gunicorn
    _wait_healthy(f"http://127.0.0.1:{walkthrough.ports['8080']}", app)

    # 6: submit, then repeat the last line until the job is completed
    job = json.loads(walkthrough.run(steps[6]))["job"]
    watch = steps[6].strip().splitlines()[-1]
    deadline = time.monotonic() + WAIT_SECONDS
    while job["state"] != "completed" and time.monotonic() < deadline:
        assert job["state"] in ("planning", "queued", "running"), job
        time.sleep(0.5)
        job = json.loads(walkthrough.run(watch, JOB=job["id"]))["job"]
    finished = job["state"] == "completed" and job["counts"]["done"] == 1
    assert finished, f"{json.dumps(job)[:2000]}\nthe app's log:\n{walkthrough.log(app)}"

    # 7: the researched row, as written into the fake sheet
    values = json.loads(walkthrough.run(steps[7]))["values"]
    header, row = values[0], dict(zip(values[0], values[1], strict=False))
    assert header[:2] == ["Company", "Website"] and "Rowscout status" in header
    assert row["Rowscout status"] == "done", row
    assert row["Website (found)"].startswith("http://acme-robotics.test:")
    assert row["Industry"] and row["HQ city"] and row["HQ country"], row
