"""The service account's email for "share the sheet with ..." messages, on Cloud Run's credentials.

Cloud Run's credentials (``google.auth.compute_engine.Credentials``) report
``service_account_email == "default"`` until refreshed; the email comes from
the setting infra/deploy.sh passes, else from the metadata server: here a fake
one on loopback (``GCE_METADATA_HOST``), which insists on the
``Metadata-Flavor: Google`` header as the real one does.
"""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from google.auth import compute_engine

from service.sheets.credentials import METADATA_EMAIL_PATH, account_email
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.translate import api_error
from tests.support.loopback import serving

EMAIL = "rowscout-run@demo-proj.iam.gserviceaccount.com"


class _Metadata(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        self.requests.append(self.path)
        if self.path != METADATA_EMAIL_PATH or self.headers.get("Metadata-Flavor") != "Google":
            self.send_response(403 if self.path == METADATA_EMAIL_PATH else 404)
            self.end_headers()
            return
        body = EMAIL.encode()
        self.send_response(200)
        self.send_header("Metadata-Flavor", "Google")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def metadata_host() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metadata)
    with serving(server):
        yield f"127.0.0.1:{server.server_port}"


def test_cloud_run_credentials_say_default_until_refreshed() -> None:
    assert compute_engine.Credentials().service_account_email == "default"  # the reason for all this


def test_the_metadata_server_names_the_account(metadata_host: str) -> None:
    creds = compute_engine.Credentials()
    assert account_email(creds, {"GCE_METADATA_HOST": metadata_host}) == EMAIL
    assert _Metadata.requests[-1] == METADATA_EMAIL_PATH


def test_the_setting_wins_without_any_request(metadata_host: str) -> None:
    before = len(_Metadata.requests)
    env = {"GCE_METADATA_HOST": metadata_host, "ROWSCOUT_SERVICE_ACCOUNT_EMAIL": "ops@p.iam.gserviceaccount.com"}
    assert account_email(compute_engine.Credentials(), env) == "ops@p.iam.gserviceaccount.com"
    assert len(_Metadata.requests) == before


def test_no_metadata_server_gives_the_generic_name_quickly() -> None:
    import socket

    with socket.socket() as sock:  # a loopback port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {"GCE_METADATA_HOST": f"127.0.0.1:{port}"}
    assert account_email(compute_engine.Credentials(), env) == "the Rowscout service account"


def test_a_server_that_is_not_the_metadata_server_is_not_believed() -> None:
    class Impostor(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = b"attacker@example.com"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Impostor)
    with serving(server):
        env = {"GCE_METADATA_HOST": f"127.0.0.1:{server.server_port}"}
        assert account_email(compute_engine.Credentials(), env) == "the Rowscout service account"


def test_key_file_credentials_need_no_lookup() -> None:
    creds = SimpleNamespace(service_account_email="key@p.iam.gserviceaccount.com")  # as a key file's credentials
    assert account_email(creds, {}, lookup=_never) == "key@p.iam.gserviceaccount.com"  # type: ignore[arg-type]


def test_the_sheets_client_messages_name_the_resolved_account(
    metadata_host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GCE_METADATA_HOST", metadata_host)
    monkeypatch.delenv("ROWSCOUT_SERVICE_ACCOUNT_EMAIL", raising=False)
    api = GoogleSheetsApi(compute_engine.Credentials(), endpoint="http://127.0.0.1:9")
    assert api.account == EMAIL
    body = '{"error": {"code": 403, "status": "PERMISSION_DENIED", "message": "The caller does not have permission"}}'
    assert f"share the sheet with {EMAIL} as Editor" in api_error(403, body, write=True, account=api.account).message


def _never(env: object) -> str:
    raise AssertionError("no lookup expected")
