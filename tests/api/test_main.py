"""``main:app`` builds without touching the network, and gunicorn serves it as on Cloud Run."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLOUD_ENV = {
    "GOOGLE_CLOUD_PROJECT": "proj",
    "ROWSCOUT_ADDON_CLIENT_IDS": "c.apps.googleusercontent.com",
    "ROWSCOUT_TASKS_SERVICE_ACCOUNT": "tasks@proj.iam.gserviceaccount.com",
    "ROWSCOUT_SERVICE_URL": "https://rowscout.example",
}


def test_importing_main_makes_no_network_call(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in CLOUD_ENV.items():
        monkeypatch.setenv(key, value)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network call at import time")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    sys.modules.pop("main", None)
    main = importlib.import_module("main")
    sys.modules.pop("main", None)
    rules = {str(rule) for rule in main.app.url_map.iter_rules()}
    assert {"/healthz", "/api/v1/jobs", "/tasks/research", "/cron/refresh"} <= rules


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.subprocess
def test_gunicorn_serves_main_app() -> None:
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        f"--bind=127.0.0.1:{port}",
        "--workers=1",
        "--threads=8",
        "--timeout=0",
        "main:app",
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **CLOUD_ENV}, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert _get_when_up(f"http://127.0.0.1:{port}/healthz") == {"status": "ok"}
        denied = httpx.get(f"http://127.0.0.1:{port}/api/v1/jobs", timeout=5)
        assert denied.status_code == 401 and denied.json()["error"]["code"] == "unauthenticated"
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert process.returncode == 0  # a clean shutdown on SIGTERM, as Cloud Run sends it


def _get_when_up(url: str, timeout: float = 20.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2).json()
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
