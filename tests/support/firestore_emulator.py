"""Start and stop the real Firestore emulator for tests.

``start_firestore_emulator()`` launches the preinstalled emulator jar on a free
loopback port, waits (bounded) until it answers, and returns an
``EmulatorHandle`` with ``.host`` ("127.0.0.1:PORT"), ``.reset(project)`` (drop
every document of a project) and ``.stop()`` (end the process it started, by
PID). ``firestore_emulator()`` is the same as a context manager. A missing jar
or Java raises ``EmulatorUnavailable`` so tests fail loudly instead of skipping.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PACKAGE = "google-cloud-cli-firestore-emulator"
FALLBACK_JAR = Path("/usr/lib/google-cloud-sdk/platform/cloud-firestore-emulator/cloud-firestore-emulator.jar")
MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"
SKIP_ENV = "ROWSCOUT_SKIP_EMULATOR_TESTS"


class EmulatorUnavailable(RuntimeError):
    """The emulator could not be found or did not start."""


def skip_requested() -> bool:
    """True when the environment asks to skip emulator tests (ROWSCOUT_SKIP_EMULATOR_TESTS=1)."""
    return os.environ.get(SKIP_ENV, "") == "1"


def find_jar() -> Path:
    """The emulator jar from the Debian package, or the SDK's default path."""
    listed = _dpkg_jars()
    for jar in [*listed, FALLBACK_JAR]:
        if jar.is_file():
            return jar
    raise EmulatorUnavailable(
        f"Firestore emulator jar not found (install {PACKAGE}; looked in dpkg and {FALLBACK_JAR})"
    )


def _dpkg_jars() -> list[Path]:
    if shutil.which("dpkg") is None:
        return []
    done = subprocess.run(["dpkg", "-L", PACKAGE], capture_output=True, text=True, timeout=10, check=False)
    return [Path(line) for line in done.stdout.splitlines() if line.endswith(".jar")]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmulatorHandle:
    """A running emulator process started by this module."""

    host: str
    process: subprocess.Popen[bytes]
    log_path: Path
    _stopped: bool = field(default=False, repr=False)

    def reset(self, project: str) -> None:
        """Delete every document of ``project`` (the emulator's reset endpoint)."""
        url = f"http://{self.host}/emulator/v1/projects/{project}/databases/(default)/documents"
        response = httpx.delete(url, timeout=10.0)
        response.raise_for_status()

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the emulator process (by its PID) and wait for it to exit."""
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)

    def log_tail(self, chars: int = 2000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""


def start_firestore_emulator(*, port: int | None = None, ready_timeout: float = 30.0) -> EmulatorHandle:
    """Start the emulator on 127.0.0.1 and wait until it answers; raises EmulatorUnavailable."""
    jar = find_jar()
    java = shutil.which("java")
    if java is None:
        raise EmulatorUnavailable("java not found: the Firestore emulator needs a Java runtime")
    host = f"127.0.0.1:{port or free_port()}"
    log_path = Path(tempfile.mkstemp(prefix="firestore-emulator-", suffix=".log")[1])
    command = [java, "-cp", str(jar), MAIN_CLASS, "start", "--host=127.0.0.1", f"--port={host.split(':')[1]}"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    handle = EmulatorHandle(host=host, process=process, log_path=log_path)
    try:
        _wait_ready(handle, ready_timeout)
    except BaseException:
        handle.stop()
        raise
    return handle


def _wait_ready(handle: EmulatorHandle, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if handle.process.poll() is not None:
            raise EmulatorUnavailable(f"Firestore emulator exited early:\n{handle.log_tail()}")
        if _answers(handle.host):
            return
        time.sleep(0.2)
    raise EmulatorUnavailable(f"Firestore emulator not ready after {timeout:.0f}s:\n{handle.log_tail()}")


def _answers(host: str) -> bool:
    try:
        return httpx.get(f"http://{host}/", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def firestore_emulator(*, port: int | None = None, ready_timeout: float = 30.0) -> Iterator[EmulatorHandle]:
    """``with firestore_emulator() as emu:`` starts the emulator and always stops it."""
    handle = start_firestore_emulator(port=port, ready_timeout=ready_timeout)
    try:
        yield handle
    finally:
        handle.stop()
