"""``python -m service serve`` as a real subprocess on loopback, researching the demo web; ``keys``.

One server per module (gunicorn, SQLite workspace, in-process queue); the
demo web runs in this process and the server's researcher reaches it through
``tests/cli/serve_runner.py``. A webhook receiver on loopback gets the
batch's signed completion notice (``ROWSCOUT_WEBHOOK_ALLOW_LOOPBACK=1``). The
curl examples of ``service/api/README.md`` run as written, with only
``ROWSCOUT_URL`` and ``ROWSCOUT_KEY`` set.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from service.cli import main
from service.cli.exits import ExitCode
from service.examples.demo_web import DemoWeb
from service.jobs.notify import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.jobs.test_notify import Receiver
from tests.support.loopback import serving

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "service" / "api" / "README.md"
COMPANIES = ["Acme Robotics", "Ledgerly", "Kaffeerösterei Braun", "Nordlicht Design GmbH", "Parked Domain Inc"]
HINTS = {
    "Acme Robotics": "acme-robotics.test",
    "Ledgerly": "ledgerly.test",
    "Kaffeerösterei Braun": "kaffee-braun.test",
    "Parked Domain Inc": "parked-domain.test",
}
FINAL = ("completed", "failed", "cancelled")


@dataclass
class Server:
    url: str
    key: str
    workspace: Path
    env: dict[str, str]
    receiver: Receiver

    def call(self, method: str, path: str, key: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"X-API-Key": key or self.key}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def wait_until_final(self, batch: str, limit: float = 90.0) -> dict[str, Any]:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            status = self.call("GET", f"/api/v1/batches/{batch}").json()
            if status["status"] in FINAL:
                return dict(status)
            time.sleep(0.2)
        raise AssertionError(f"batch {batch} did not end: {status}")

    def wait_for_webhooks(self, count: int, limit: float = 30.0) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + limit
        while len(self.receiver.requests) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        with self.receiver.lock:
            return list(self.receiver.requests)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cli(workspace: Path, *args: str) -> str:
    """``python -m service --workspace W ARGS`` in this process (the server reads the same key file): its stdout."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--workspace", str(workspace), *args])
    assert code == ExitCode.OK, out.getvalue()
    return out.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workspace = tmp_path_factory.mktemp("serve") / "ws"
    receiver = Receiver()
    with DemoWeb() as web, serving(receiver):
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ROWSCOUT_TEST_DEMO_PORT": str(web.port),
            "ROWSCOUT_WEBHOOK_ALLOW_LOOPBACK": "1",  # the receiver is on 127.0.0.1
        }
        key = _cli(workspace, "keys", "create", "--owner", "e2e@example.com").strip().splitlines()[-1]
        port = _free_port()
        command = [sys.executable, "-m", "tests.cli.serve_runner", "--workspace", str(workspace), "serve"]
        log = workspace.parent / "serve.log"
        with log.open("w") as output:
            process = subprocess.Popen([*command, "--port", str(port)], env=env, stdout=output, stderr=output)
            url = f"http://127.0.0.1:{port}"
            try:
                _wait_for(url, process, log)
                yield Server(url, key, workspace, env, receiver)
            finally:
                process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("serve did not answer /healthz")


def test_a_batch_of_names_with_domain_hints_end_to_end(server: Server) -> None:
    server.receiver.reset()
    body = {
        "name": "e2e",
        "company_names": COMPANIES,
        "domain_hints": HINTS,
        "fields": ["website", "industry"],
        "webhook_url": server.receiver.url,
    }
    accepted = server.call("POST", "/api/v1/batches", json=body)
    assert accepted.status_code == 202, accepted.text
    batch = accepted.json()["batch_id"]
    assert accepted.json()["total"] == 5
    status = server.wait_until_final(batch)
    assert status["status"] == "completed"
    assert status["progress"]["total"] == 5 and status["progress"]["remaining"] == 0
    assert (status["progress"]["completed"], status["progress"]["failed"]) == (4, 1)

    results = server.call("GET", f"/api/v1/batches/{batch}/results", params={"format": "json"}).json()
    by_name = {r["name"]: r for r in results["results"]}
    assert by_name["Parked Domain Inc"]["error"]["kind"] == "parked_domain"
    assert "acme-robotics.test" in by_name["Acme Robotics"]["result"]["website"]
    assert "nordlicht-design.test" in by_name["Nordlicht Design GmbH"]["result"]["website"]  # found from the name
    assert results["summary"]["by_error_kind"] == {"parked_domain": 1}
    assert sum(results["summary"]["by_industry"].values()) == 4

    table = server.call("GET", f"/api/v1/batches/{batch}/results", params={"format": "csv"}).text
    lines = list(csv.reader(io.StringIO(table)))
    assert len(lines) == 6 and any("parked_domain" in cell for cell in lines[5])
    workbook = server.call("GET", f"/api/v1/batches/{batch}/results", params={"format": "xlsx"}).content
    rows = list(load_workbook(io.BytesIO(workbook), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 6 and "Acme Robotics" in rows[1]

    stats = server.call("GET", "/api/v1/stats", params={"timeframe": "1h"}).json()
    assert stats["batches"]["by_status"].get("completed", 0) >= 1
    assert stats["companies_processed"] >= 5 and stats["succeeded"] >= 4
    assert any(k["kind"] == "parked_domain" for k in stats["top_error_kinds"])
    assert stats["processing_seconds_per_company"]["p95"] > 0

    (headers, raw), *more = server.wait_for_webhooks(1)
    assert more == []  # one notice for the one completion (results and stats calls gave it time to repeat)
    secret = server.call("GET", "/api/v1/notices/secret").json()  # as the caller gets it
    assert secret["owner"] == "e2e@example.com"
    assert verify_signature(secret["secret"], headers[TIMESTAMP_HEADER], raw, headers[SIGNATURE_HEADER])
    assert not verify_signature(secret["secret"], headers[TIMESTAMP_HEADER], raw + b" ", headers[SIGNATURE_HEADER])
    notice = json.loads(raw)
    assert notice["event"] == "job.completed" and headers[DELIVERY_HEADER] == notice["delivery_id"]
    assert notice["job"]["id"] == batch and (notice["job"]["done"], notice["job"]["failed"]) == (4, 1)


def test_keys_made_by_the_cli_are_checked_by_serve(server: Server) -> None:
    other = _cli(server.workspace, "keys", "create", "--owner", "other@example.com").strip().splitlines()[-1]
    assert re.fullmatch(r"rsk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", other)
    assert server.call("GET", "/api/v1/batches", key=other).json() == {"batches": []}  # not e2e's batches
    prefix = other.split("_")[1]
    listed = _cli(server.workspace, "keys", "list")
    assert prefix in listed and "other@example.com" in listed and other not in listed
    _cli(server.workspace, "keys", "revoke", prefix)
    assert server.call("GET", "/api/v1/batches", key=other).status_code == 401
    assert "revoked" in _cli(server.workspace, "keys", "list", "--owner", "other@example.com")
    assert httpx.get(server.url + "/api/v1/batches", timeout=10).status_code == 401


def readme_blocks() -> list[str]:
    """The ``bash`` blocks of the README's batch API examples, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- batch-api: begin", 1)[1].split("<!-- batch-api: end -->", 1)[0]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_curl_examples_run_as_written(server: Server, tmp_path: Path) -> None:
    blocks = readme_blocks()
    declared = blocks[0]  # sets ROWSCOUT_URL and ROWSCOUT_KEY: the test sets them to its server instead
    assert "export ROWSCOUT_URL=" in declared and "export ROWSCOUT_KEY=" in declared
    script = "set -euo pipefail\n" + "\n".join(blocks[1:])
    env = {**server.env, "ROWSCOUT_URL": server.url, "ROWSCOUT_KEY": server.key, "PATH": os.environ["PATH"]}
    done = subprocess.run(
        ["bash", "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert '"status":"completed"' in done.stdout.replace(" ", "")
    assert "parked_domain" in done.stdout and "Acme Robotics" in done.stdout
    workbook = load_workbook(io.BytesIO((tmp_path / "results.xlsx").read_bytes()), read_only=True)
    assert len(list(workbook.worksheets[0].iter_rows(values_only=True))) == 5  # header + 4 companies
    assert '"timeframe":"1h"' in done.stdout.replace(" ", "")


def test_serve_refuses_a_non_loopback_address_without_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--workspace", str(tmp_path / "ws"), "serve", "--host", "0.0.0.0", "--port", "18080"])
    assert code == ExitCode.INPUT
    assert "--allow-remote" in capsys.readouterr().err


def test_keys_create_prints_the_key_alone_on_its_last_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    workspace = str(tmp_path / "ws")
    assert main(["--workspace", workspace, "keys", "create", "--owner", "ann@example.com"]) == ExitCode.OK
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert re.fullmatch(r"rsk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}", key)
    stored = (tmp_path / "ws" / "api-keys.sqlite3").read_bytes()
    assert key.encode() not in stored and key.split("_", 2)[2].encode() not in stored
    assert main(["--workspace", workspace, "keys", "create", "--owner", "has space"]) != ExitCode.OK
    assert main(["--workspace", workspace, "keys", "revoke", "ffffffff"]) != ExitCode.OK
