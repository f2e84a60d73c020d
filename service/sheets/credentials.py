"""Google credentials for the Sheets API, from the environment.

Order: ``ROWSCOUT_SHEETS_ACCESS_TOKEN`` (a short-lived OAuth access token, e.g.
from ``gcloud auth print-access-token``); ``GOOGLE_APPLICATION_CREDENTIALS`` naming a service-account key or an
authorized-user (OAuth) JSON file; else ``ROWSCOUT_OAUTH_CREDENTIALS`` naming an
authorized-user JSON file; else application default credentials (on Cloud Run:
the service's own identity). Nothing touches the network here, except
``account_email``'s one short metadata-server request on Cloud Run (see there).
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any

import google.auth
from google.auth.credentials import Credentials
from google.auth.exceptions import DefaultCredentialsError
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from service.domain.errors import ConfigError

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)


def _default(scopes: tuple[str, ...]) -> Credentials:
    creds, _project = google.auth.default(scopes=list(scopes))
    return creds


def credentials_from_env(
    env: Mapping[str, str] | None = None,
    *,
    scopes: tuple[str, ...] = SCOPES,
    default_loader: Callable[[tuple[str, ...]], Credentials] = _default,
) -> Credentials:
    """The credentials to call Sheets with; raises ``ConfigError`` with a clear message for the operator."""
    env = os.environ if env is None else env
    token = env.get("ROWSCOUT_SHEETS_ACCESS_TOKEN")
    if token:  # a short-lived token, e.g. from `gcloud auth print-access-token` (and the tests)
        return user_credentials.Credentials(token=token)
    path = env.get("GOOGLE_APPLICATION_CREDENTIALS") or env.get("ROWSCOUT_OAUTH_CREDENTIALS")
    if path:
        return credentials_from_file(path, scopes=scopes)
    try:
        return default_loader(scopes)
    except DefaultCredentialsError as exc:
        raise ConfigError(
            "no Google credentials: set GOOGLE_APPLICATION_CREDENTIALS to a key file or run on Cloud Run"
        ) from exc


def credentials_from_file(path: str, *, scopes: tuple[str, ...] = SCOPES) -> Credentials:
    """A service-account key or an authorized-user JSON file."""
    info = _load(path)
    kind = info.get("type")
    try:
        if kind == "service_account":
            return service_account.Credentials.from_service_account_info(info, scopes=list(scopes))
        if kind == "authorized_user":
            return user_credentials.Credentials.from_authorized_user_info(info, scopes=list(scopes))
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"credentials file {path} is incomplete: {exc}") from exc
    raise ConfigError(f"credentials file {path} has unsupported type {kind!r}")


METADATA_EMAIL_PATH = "/computeMetadata/v1/instance/service-accounts/default/email"
METADATA_TIMEOUT = 1.0  # seconds: the metadata server answers in milliseconds where it exists


def account_email(
    creds: Credentials,
    env: Mapping[str, str] | None = None,
    *,
    lookup: Callable[[Mapping[str, str]], str] | None = None,
) -> str:
    """Who the sheet must be shared with, for messages ("share the sheet with ...").

    Order: the ``ROWSCOUT_SERVICE_ACCOUNT_EMAIL`` setting (infra/deploy.sh sets it); the
    credentials' own email; for Cloud Run's credentials, which say ``"default"`` until
    refreshed, the metadata server (``GCE_METADATA_HOST`` or ``metadata.google.internal``,
    one short request); else a generic name.
    """
    env = os.environ if env is None else env
    configured = env.get("ROWSCOUT_SERVICE_ACCOUNT_EMAIL", "").strip()
    if configured:
        return configured
    email = getattr(creds, "service_account_email", None) or getattr(creds, "signer_email", None)
    if email and email != "default":
        return str(email)
    if email == "default":
        found = (lookup or metadata_email)(env)
        if found:
            return found
    return "the Rowscout service account"


def metadata_email(env: Mapping[str, str], *, timeout: float = METADATA_TIMEOUT) -> str:
    """The instance's default service account from the metadata server ("" when it does not answer)."""
    host = env.get("GCE_METADATA_HOST") or "metadata.google.internal"
    request = urllib.request.Request(f"http://{host}{METADATA_EMAIL_PATH}", headers={"Metadata-Flavor": "Google"})
    try:
        with _NO_PROXY.open(request, timeout=timeout) as response:
            if response.headers.get("Metadata-Flavor") != "Google":
                return ""  # not the metadata server (a captive proxy, a stray service)
            text = response.read(320).decode("ascii", "replace").strip()
    except (OSError, ValueError):
        return ""
    return text if "@" in text and " " not in text else ""


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read credentials file {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise ConfigError(f"credentials file {path} is not valid JSON") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"credentials file {path} is not a JSON object")
    return data
