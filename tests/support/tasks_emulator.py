"""The Cloud Tasks emulator for tests, and a loopback HTTP bridge to a task handler.

``gcloud-tasks-emulator`` pins an old protobuf, so it lives in its own venv
(``$ROWSCOUT_TASKS_EMULATOR_VENV``, default ``<repo>/.venv-tasks``), created
on first use. CI pre-creates it with::

    python3 -m venv .venv-tasks
    .venv-tasks/bin/pip install -r tests/support/requirements-tasks-emulator.txt

``start_emulator()`` runs it on a free loopback port; the main venv's
``google-cloud-tasks`` talks to it over an insecure gRPC channel. The emulator
POSTs each HTTP task to its URL with ``X-CloudTasks-*`` headers, one at a
time per queue, retrying failures with no backoff, no OIDC and no name
de-duplication. ``TaskHttpBridge`` is the other end: a threaded
``http.server`` that turns those requests back into ``TaskDelivery`` objects
and answers 200 (done) or 503 (retry).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import grpc
from google.cloud import tasks_v2
from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

from service.queue.port import Task, TaskDelivery, TaskHandler, TaskKind

REPO = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).with_name("requirements-tasks-emulator.txt")  # the pinned version
INSTALL_TIMEOUT = 600.0


class EmulatorUnavailable(RuntimeError):
    """The emulator could not be installed or started; the message says why."""


def emulator_venv() -> Path:
    return Path(os.environ.get("ROWSCOUT_TASKS_EMULATOR_VENV") or REPO / ".venv-tasks")


def ensure_emulator(venv: Path | None = None) -> Path:
    """The emulator's executable, installing it into its own venv first if missing."""
    venv = venv or emulator_venv()
    executable = venv / "bin" / "gcloud-tasks-emulator"
    if executable.exists():
        return executable
    try:
        venv.parent.mkdir(parents=True, exist_ok=True)
        with open(venv.parent / f".{venv.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another test process may be installing it
            if not executable.exists():
                _install(venv)
    except OSError as exc:
        raise EmulatorUnavailable(f"cannot create the emulator venv at {venv}: {exc}") from exc
    return executable


def _install(venv: Path) -> None:
    steps = [
        [sys.executable, "-m", "venv", str(venv)],
        [str(venv / "bin" / "pip"), "install", "--quiet", "-r", str(REQUIREMENTS)],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EmulatorUnavailable(f"could not run {step[:3]}: {exc}") from exc
        if done.returncode != 0:
            raise EmulatorUnavailable(f"installing {REQUIREMENTS.name} into {venv} failed:\n{done.stderr[-2000:]}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def emulator_client(host: str) -> tasks_v2.CloudTasksClient:
    """A real ``CloudTasksClient`` on an insecure channel to ``host`` ("127.0.0.1:PORT")."""
    transport = CloudTasksGrpcTransport(channel=grpc.insecure_channel(host))
    return tasks_v2.CloudTasksClient(transport=transport)


@dataclass
class TasksEmulator:
    """A running emulator process."""

    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def client(self) -> tasks_v2.CloudTasksClient:
        return emulator_client(self.host)

    def create_queue(self, *, project: str, location: str, queue_id: str) -> str:
        name = tasks_v2.CloudTasksClient.queue_path(project, location, queue_id)
        parent = tasks_v2.CloudTasksClient.common_location_path(project, location)
        self.client().create_queue(parent=parent, queue=tasks_v2.Queue(name=name), timeout=10)
        return name

    def delete_queue(self, name: str) -> None:
        self.client().delete_queue(name=name, timeout=10)

    def log_tail(self, chars: int = 2000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.log_path.unlink(missing_ok=True)


def start_emulator(*, max_retries: int = 5, timeout: float = 30.0) -> TasksEmulator:
    """Start the emulator on a free loopback port and wait until it answers.

    ``max_retries`` bounds re-dispatches of a failing task (the emulator
    retries forever by default).
    """
    executable = ensure_emulator()
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="tasks-emulator-", suffix=".log", delete=False)
    command = [str(executable), "start", "--port", str(port), "--quiet", "--max-retries", str(max_retries)]
    environment = {**os.environ, "PYTHONWARNINGS": "ignore"}  # its google libs warn about Python 3.11
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True)
    log.close()
    emulator = TasksEmulator(port=port, process=process, log_path=Path(log.name))
    try:
        _wait_ready(emulator, timeout)
    except BaseException:
        emulator.stop()
        raise
    return emulator


def _wait_ready(emulator: TasksEmulator, timeout: float) -> None:
    with grpc.insecure_channel(emulator.host) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=timeout)
        except grpc.FutureTimeoutError as exc:
            status = emulator.process.poll()
            raise EmulatorUnavailable(
                f"the Cloud Tasks emulator did not answer within {timeout:g} s "
                f"(exit status {status}):\n{emulator.log_tail()}"
            ) from exc


@contextlib.contextmanager
def running_emulator(*, max_retries: int = 5, timeout: float = 30.0) -> Iterator[TasksEmulator]:
    emulator = start_emulator(max_retries=max_retries, timeout=timeout)
    try:
        yield emulator
    finally:
        emulator.stop()


def delivery_from_request(path: str, headers: dict[str, str], body: bytes) -> TaskDelivery:
    """Rebuild the ``TaskDelivery`` from a Cloud Tasks HTTP request to ``/tasks/{kind}``."""
    kind = TaskKind(path.rstrip("/").rsplit("/", 1)[-1])
    data = json.loads(body or b"{}")
    retries = int(headers.get("x-cloudtasks-taskretrycount") or 0)
    task = Task(kind=kind, job_id=data["job_id"], row_key=data.get("row_key", ""), payload=data["payload"])
    return TaskDelivery(task=task, attempt=retries + 1)


class TaskHttpBridge:
    """A loopback HTTP server that runs ``handler`` for each task request: 200 done, 503 retry."""

    def __init__(self, handler: TaskHandler) -> None:
        self.handler = handler
        self.requests: list[dict[str, str]] = []  # the headers of every request, in order
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._request_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> TaskHttpBridge:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _request_class(self) -> type[BaseHTTPRequestHandler]:
        bridge = self

        class _Request(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                headers = {key.lower(): value for key, value in self.headers.items()}
                body = self.rfile.read(int(headers.get("content-length") or 0))
                bridge.requests.append(headers)
                result = bridge.handler(delivery_from_request(self.path, headers, body))
                self.send_response(200 if result.ok else 503)
                if result.retry_after is not None:
                    self.send_header("Retry-After", str(int(result.retry_after)))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return  # keep test output quiet

        return _Request
