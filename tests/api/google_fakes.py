"""A loopback stand-in for Google's token info endpoint and Drive v3 ``files.get``.

``GET /tokeninfo?access_token=T`` answers as https://oauth2.googleapis.com/tokeninfo
does for access tokens: every value a string (``expires_in``, ``email_verified``),
400 ``invalid_request`` for a token it does not know. ``GET
/drive/v3/files/ID?fields=capabilities/canEdit`` answers as Drive does: 401 for
an unknown token, 404 for a file the user cannot see, else the capability.
Every request is recorded, so tests count what reached "Google".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback import serving

DRIVE_SCOPE = "https://www.googleapis.com/auth/drive.metadata.readonly"


@dataclass
class Grant:
    """An access token Google issued: to whom, for which client, for how long, and the files it can edit."""

    sub: str
    email: str
    client: str
    expires_in: str = "3599"
    files: dict[str, bool] = field(default_factory=dict)  # file id -> canEdit

    def tokeninfo(self) -> dict[str, str]:
        return {
            "azp": self.client,
            "aud": self.client,
            "sub": self.sub,
            "scope": f"openid https://www.googleapis.com/auth/userinfo.email {DRIVE_SCOPE}",
            "exp": "1999999999",
            "expires_in": self.expires_in,
            "email": self.email,
            "email_verified": "true",
            "access_type": "online",
        }


class FakeGoogle:
    """Token info + Drive on one loopback server (``running()`` starts it)."""

    def __init__(self) -> None:
        self.grants: dict[str, Grant] = {}
        self.tokeninfo_hits: list[str] = []
        self.drive_hits: list[tuple[str, str]] = []
        self.tokeninfo_status = 200  # set to 503 to simulate an outage
        self.drive_status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                if parts.path == "/tokeninfo":
                    return self._send(*outer.tokeninfo(parse_qs(parts.query).get("access_token", [""])[0]))
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                return self._send(*outer.drive(token, parts.path.rsplit("/", 1)[1]))

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.tokeninfo_url = f"{base}/tokeninfo"
        self.drive_endpoint = f"{base}/drive/v3/"

    def reset(self) -> None:
        """Forget every grant and recorded request (one server serves many tests)."""
        self.grants.clear()
        self.tokeninfo_hits.clear()
        self.drive_hits.clear()
        self.tokeninfo_status = self.drive_status = 200

    def grant(self, token: str, *, sub: str, email: str, client: str, **options: Any) -> Grant:
        self.grants[token] = Grant(sub=sub, email=email, client=client, **options)
        return self.grants[token]

    def tokeninfo(self, token: str) -> tuple[int, dict[str, Any]]:
        self.tokeninfo_hits.append(token)
        if self.tokeninfo_status != 200:
            return self.tokeninfo_status, {"error": "backend_error"}
        grant = self.grants.get(token)
        if grant is None:
            return 400, {"error": "invalid_request", "error_description": "Invalid Credentials"}
        return 200, grant.tokeninfo()

    def drive(self, token: str, file_id: str) -> tuple[int, dict[str, Any]]:
        self.drive_hits.append((token, file_id))
        if self.drive_status != 200:
            return self.drive_status, {"error": {"code": self.drive_status, "message": "backend"}}
        grant = self.grants.get(token)
        if grant is None:
            return 401, {"error": {"code": 401, "message": "Invalid Credentials"}}
        if file_id not in grant.files:
            return 404, {"error": {"code": 404, "message": f"File not found: {file_id}."}}
        return 200, {"capabilities": {"canEdit": grant.files[file_id]}}

    @contextmanager
    def running(self) -> Iterator[FakeGoogle]:
        with serving(self.server):
            yield self
