"""Credentials from the environment (no network) and the summary tab."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth.credentials import AnonymousCredentials
from google.auth.exceptions import DefaultCredentialsError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from service.domain.errors import ConfigError
from service.sheets.credentials import SCOPES, account_email, credentials_from_env
from service.sheets.google_api import GoogleSheetsApi
from service.sheets.summary import SUMMARY_TITLE, write_summary_tab
from tests.fakes.sheets_server import FakeSheetsServer


def _key_file(tmp_path: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    info = {
        "type": "service_account",
        "project_id": "p",
        "private_key_id": "1",
        "private_key": pem,
        "client_email": "rowscout@p.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    path = tmp_path / "key.json"
    path.write_text(json.dumps(info))
    return path


def test_service_account_key_file(tmp_path: Path) -> None:
    creds = credentials_from_env({"GOOGLE_APPLICATION_CREDENTIALS": str(_key_file(tmp_path))})
    assert isinstance(creds, service_account.Credentials)
    assert account_email(creds) == "rowscout@p.iam.gserviceaccount.com"
    assert tuple(creds.scopes or ()) == SCOPES


def test_authorized_user_file(tmp_path: Path) -> None:
    path = tmp_path / "user.json"
    info = {"type": "authorized_user", "client_id": "c", "client_secret": "s", "refresh_token": "r"}
    path.write_text(json.dumps(info))
    creds = credentials_from_env({"ROWSCOUT_OAUTH_CREDENTIALS": str(path)})
    assert isinstance(creds, user_credentials.Credentials) and creds.refresh_token == "r"
    assert account_email(creds) == "the Rowscout service account"


def test_application_default_credentials_are_the_fallback() -> None:
    anonymous = AnonymousCredentials()
    assert credentials_from_env({}, default_loader=lambda scopes: anonymous) is anonymous

    def missing(scopes: tuple[str, ...]) -> AnonymousCredentials:
        raise DefaultCredentialsError("none")

    with pytest.raises(ConfigError, match="no Google credentials"):
        credentials_from_env({}, default_loader=missing)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "external_account"}', "unsupported type"),
        ('{"type": "service_account"}', "incomplete"),
    ],
)
def test_bad_credentials_files_are_clear(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        credentials_from_env({"GOOGLE_APPLICATION_CREDENTIALS": str(path)})
    with pytest.raises(ConfigError, match="cannot read"):
        credentials_from_env({"GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "missing.json")})


def test_anonymous_credentials_reach_the_fake(server: FakeSheetsServer) -> None:
    server.create_spreadsheet("s", {"Sheet1": [["a"]]}, owner="anonymous")
    api = GoogleSheetsApi(AnonymousCredentials(), endpoint=server.endpoint)
    assert api.batch_get_values("s", ["Sheet1!A1"])[0]["values"] == [["a"]]
    api.close()


def test_summary_tab_is_created_then_refreshed_in_one_write(server: FakeSheetsServer, api: GoogleSheetsApi) -> None:
    server.create_spreadsheet("s", {"Sheet1": []})
    summary = {"rows": 120, "done": 110, "failed": {"timeout": 7, "blocked": 3}, "note": "=not a formula"}
    write_summary_tab(api, "s", summary)
    assert server.calls["spreadsheets.batchUpdate"] == 1
    assert server.values("s", SUMMARY_TITLE) == [
        ["rows", "120"],
        ["done", "110"],
        ["failed"],
        ["  timeout", "7"],
        ["  blocked", "3"],
        ["note", "=not a formula"],
    ]
    write_summary_tab(api, "s", {"rows": 5})
    assert server.calls["spreadsheets.batchUpdate"] == 2
    assert server.values("s", SUMMARY_TITLE) == [["rows", "5"]]
    assert [s.title for s in server.model.book("s").sheets] == ["Sheet1", SUMMARY_TITLE]
