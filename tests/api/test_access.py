"""``DriveSpreadsheetAccess`` against a loopback Drive v3 server (the real googleapiclient on the wire)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from service.api.access import DriveSpreadsheetAccess
from service.api.errors import NotAuthenticated
from service.domain.errors import AuthError

# user token -> file id -> canEdit
PERMISSIONS = {"tok-editor": {"sheet1": True}, "tok-viewer": {"sheet1": False}}


class DriveHandler(BaseHTTPRequestHandler):
    requests: list[tuple[str, str]] = []

    def do_GET(self) -> None:  # noqa: N802
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        file_id = self.path.split("?")[0].rsplit("/", 1)[1]
        DriveHandler.requests.append((token, self.path))
        if token == "tok-expired":
            return self._send(401, {"error": {"code": 401, "message": "Invalid Credentials"}})
        if token == "tok-broken":
            return self._send(500, {"error": {"code": 500, "message": "backend"}})
        files = PERMISSIONS.get(token, {})
        if file_id not in files:
            return self._send(404, {"error": {"code": 404, "message": "File not found"}})
        return self._send(200, {"capabilities": {"canEdit": files[file_id]}})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def drive() -> Iterator[DriveSpreadsheetAccess]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), DriveHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield DriveSpreadsheetAccess(api_endpoint=f"http://127.0.0.1:{server.server_address[1]}/drive/v3/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_editor_passes_and_asks_only_for_can_edit(drive: DriveSpreadsheetAccess) -> None:
    drive.require_edit("sheet1", "tok-editor")
    token, path = DriveHandler.requests[-1]
    assert token == "tok-editor" and "/drive/v3/files/sheet1" in path and "capabilities%2FcanEdit" in path


@pytest.mark.parametrize(
    ("token", "file_id"), [("tok-viewer", "sheet1"), ("tok-editor", "other"), ("nobody", "sheet1")]
)
def test_viewers_and_strangers_are_forbidden(drive: DriveSpreadsheetAccess, token: str, file_id: str) -> None:
    with pytest.raises(AuthError) as caught:
        drive.require_edit(file_id, token)
    assert not isinstance(caught.value, NotAuthenticated) and not caught.value.retryable


def test_missing_token_is_forbidden_without_a_call(drive: DriveSpreadsheetAccess) -> None:
    before = len(DriveHandler.requests)
    with pytest.raises(AuthError, match="X-Rowscout-User-Token"):
        drive.require_edit("sheet1", None)
    assert len(DriveHandler.requests) == before


def test_expired_token_is_unauthenticated_and_outage_is_retryable(drive: DriveSpreadsheetAccess) -> None:
    with pytest.raises(NotAuthenticated):
        drive.require_edit("sheet1", "tok-expired")
    with pytest.raises(AuthError) as caught:
        drive.require_edit("sheet1", "tok-broken")
    assert caught.value.retryable
