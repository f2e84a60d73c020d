"""Who is calling: Google-signed ID tokens for the add-on, OIDC tokens for Cloud Tasks / Scheduler.

Both kinds of caller send ``Authorization: Bearer <JWT>`` signed by Google.
``IdTokenVerifier`` checks the signature against Google's certificates (from
an injectable ``CertsSource``: tests serve their own on loopback), the issuer,
the audience, the expiry and ``email_verified``. Then:

- ``AddonAuthenticator``: ``aud`` must be one of the add-on's OAuth client
  ids (``ScriptApp.getIdentityToken()``), and the user's domain one of
  ``allowed_domains`` when that list is set. The verified email is the owner.
- ``TaskAuthenticator``: ``aud`` must be ``tasks_audience`` and ``email`` the
  ``tasks_service_account`` Cloud Tasks and Cloud Scheduler sign tokens as.

``auth_disabled`` (local development only) replaces both by ``DevAuthenticator``;
``build_authenticators`` refuses it on Cloud Run (``K_SERVICE`` set), so the
service does not start there with authentication off. A missing audience or
tasks identity is a ``ConfigError`` (503 ``misconfigured``), not the caller's fault.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from google.auth import exceptions as google_exceptions
from google.auth import jwt

from service.api.errors import NotAuthenticated
from service.api.numbers import strict_int
from service.config import Settings
from service.domain import ErrorKind
from service.domain.errors import AuthError, ConfigError

log = logging.getLogger(__name__)

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})
DEV_EMAIL = "dev@localhost"
_DEFAULT_CERTS_TTL = 3600.0


@dataclass(frozen=True)
class Identity:
    email: str
    subject: str = ""
    domain: str = ""


class CertsSource(Protocol):
    def certs(self, *, refresh: bool = False) -> Mapping[str, str]:
        """Key id → PEM certificate of the keys that sign tokens."""
        ...


class HttpCertsSource:
    """Google's PEM certificates over HTTPS, cached for the response's ``max-age``."""

    def __init__(
        self,
        url: str = GOOGLE_CERTS_URL,
        *,
        timeout: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._certs: Mapping[str, str] = {}
        self._expires = 0.0

    def certs(self, *, refresh: bool = False) -> Mapping[str, str]:
        with self._lock:
            if refresh or not self._certs or self._clock() >= self._expires:
                self._certs, ttl = self._fetch()
                self._expires = self._clock() + ttl
            return self._certs

    def _fetch(self) -> tuple[Mapping[str, str], float]:
        try:
            response = httpx.get(self.url, timeout=self.timeout)
            response.raise_for_status()
            certs = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AuthError("could not fetch Google's signing keys", kind=ErrorKind.BACKEND) from exc
        if not isinstance(certs, dict) or not all(isinstance(v, str) for v in certs.values()):
            raise AuthError("Google's signing keys came back in an unknown format", kind=ErrorKind.BACKEND)
        return certs, _max_age(response.headers.get("cache-control", ""))


def _max_age(cache_control: str) -> float:
    for part in cache_control.split(","):
        name, _, value = part.strip().partition("=")
        seconds = strict_int(value)
        if name.lower() == "max-age" and seconds is not None:
            return float(seconds)
    return _DEFAULT_CERTS_TTL


class IdTokenVerifier:
    """Verify a Google-signed JWT: signature, issuer, audience, expiry, verified email."""

    def __init__(self, certs: CertsSource, *, clock_skew_seconds: int = 10) -> None:
        self._certs = certs
        self._skew = clock_skew_seconds

    def verify(self, token: str, audiences: Sequence[str]) -> dict[str, Any]:
        if not audiences:
            raise ConfigError("no token audience is configured (set ROWSCOUT_ADDON_CLIENT_IDS)")
        claims = self._decode(token, list(audiences))
        if claims.get("iss") not in GOOGLE_ISSUERS:
            raise NotAuthenticated("the token was not issued by Google")
        if not claims.get("email") or claims.get("email_verified") not in (True, "true"):
            raise NotAuthenticated("the token carries no verified email address")
        return claims

    def _decode(self, token: str, audiences: list[str]) -> dict[str, Any]:
        try:
            return _decode_with(token, audiences, self._certs.certs(), self._skew)
        except _UnknownKey:
            pass  # Google rotated its keys since we cached them: fetch once more
        try:
            return _decode_with(token, audiences, self._certs.certs(refresh=True), self._skew)
        except _UnknownKey as exc:
            raise NotAuthenticated("the token was signed by an unknown key") from exc


class _UnknownKey(Exception):
    pass


def _decode_with(token: str, audiences: list[str], certs: Mapping[str, str], skew: int) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, certs=certs, audience=audiences, clock_skew_in_seconds=skew)
    except (ValueError, google_exceptions.GoogleAuthError) as exc:
        if "Certificate for key id" in str(exc):
            raise _UnknownKey(str(exc)) from exc
        raise NotAuthenticated(f"the token is not valid: {_reason(exc)}") from exc
    return dict(claims)


def _reason(exc: Exception) -> str:
    text = str(exc).split("\n", 1)[0]
    return text[:200] or type(exc).__name__


def bearer_token(header: str | None) -> str:
    """The token of an ``Authorization: Bearer <token>`` header."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("send a Google ID token as 'Authorization: Bearer <token>'")
    return token.strip()


class Authenticator(Protocol):
    def authenticate(self, authorization: str | None) -> Identity: ...


class AddonAuthenticator:
    """Add-on users: ID tokens minted for the add-on's OAuth client, from allowed domains."""

    def __init__(self, verifier: IdTokenVerifier, settings: Settings) -> None:
        self._verifier = verifier
        self._client_ids = settings.cloud.addon_client_ids
        self._domains = tuple(d.lower() for d in settings.cloud.allowed_domains)

    def authenticate(self, authorization: str | None) -> Identity:
        claims = self._verifier.verify(bearer_token(authorization), self._client_ids)
        email = str(claims["email"]).lower()
        domain = str(claims.get("hd") or email.rpartition("@")[2]).lower()
        if self._domains and domain not in self._domains:
            raise AuthError(f"users from {domain} may not use this Rowscout service")
        return Identity(email=email, subject=str(claims.get("sub", "")), domain=domain)


class TaskAuthenticator:
    """Cloud Tasks and Cloud Scheduler: OIDC tokens of the one tasks service account."""

    def __init__(self, verifier: IdTokenVerifier, settings: Settings) -> None:
        self._verifier = verifier
        self._audience = settings.cloud.tasks_audience
        self._account = settings.cloud.tasks_service_account.lower()

    def authenticate(self, authorization: str | None) -> Identity:
        if not self._account or not self._audience:
            raise ConfigError(
                "task endpoints are not configured (set ROWSCOUT_TASKS_SERVICE_ACCOUNT and ROWSCOUT_TASKS_AUDIENCE)"
            )
        claims = self._verifier.verify(bearer_token(authorization), [self._audience])
        email = str(claims["email"]).lower()
        if email != self._account:
            raise AuthError("only the Rowscout tasks service account may call task endpoints")
        return Identity(email=email, subject=str(claims.get("sub", "")))


class DevAuthenticator:
    """Local development without Google: everyone is ``dev@localhost``. Never on Cloud Run."""

    def authenticate(self, authorization: str | None) -> Identity:
        return Identity(email=DEV_EMAIL, domain="localhost")


def build_authenticators(settings: Settings, certs: CertsSource | None = None) -> tuple[Authenticator, Authenticator]:
    """(add-on authenticator, task authenticator) for these settings.

    Raises:
        ConfigError: authentication is disabled on Cloud Run (``K_SERVICE`` is set).
    """
    if settings.cloud.auth_disabled:
        cloud_run_service = os.environ.get("K_SERVICE")
        if cloud_run_service:
            raise ConfigError(
                f"ROWSCOUT_AUTH_DISABLED is set on Cloud Run (service {cloud_run_service!r}): refusing to start "
                "with authentication off. Unset ROWSCOUT_AUTH_DISABLED; it is for local development only."
            )
        log.warning(
            "AUTHENTICATION IS DISABLED (ROWSCOUT_AUTH_DISABLED): anyone can call every endpoint. "
            "Use this for local development only, never on a reachable server."
        )
        return DevAuthenticator(), DevAuthenticator()
    verifier = IdTokenVerifier(certs or HttpCertsSource())
    return AddonAuthenticator(verifier, settings), TaskAuthenticator(verifier, settings)
