"""Who calls the batch API: an API key (``X-API-Key``) or a Google ID token of an allow-listed account.

- ``X-API-Key: rsk_...``: a key made with ``python -m service keys create
  --owner NAME``; its owner is the caller. Keys are stored hashed
  (``service.domain.apikeys``); a wrong, unknown and revoked key get the same
  401.
- ``Authorization: Bearer <Google ID token>`` (``gcloud auth
  print-identity-token``): verified like the add-on's tokens (signature,
  issuer, expiry, verified email) with ``aud`` one of
  ``ROWSCOUT_API_AUDIENCES``; the email must be in ``ROWSCOUT_API_CALLERS``
  (users and service accounts). The email is the caller.

``serve`` accepts API keys only (no Google account is needed there). When
both headers are sent, the key decides. On Cloud Run the keys live in
Firestore (``build_cloud``; ``keys create --cloud``), read on every request
(``LazyKeyStore``: built with the cloud's adapters on the first key presented).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from service.api.auth import DEV_EMAIL, Identity, IdTokenVerifier, bearer_token
from service.api.errors import NotAuthenticated
from service.config import Settings
from service.domain.apikeys import ApiKey
from service.domain.errors import AuthError
from service.jobs.apikeys import key_owner
from service.store.port import ApiKeyStore

API_KEY_HEADER = "X-API-Key"
_NO_CREDENTIALS = f"send an API key as '{API_KEY_HEADER}: KEY' or a Google ID token as 'Authorization: Bearer TOKEN'"


class LazyKeyStore:
    """An ``ApiKeyStore`` built on first use (the cloud's Firestore keys, made with the cloud's adapters)."""

    def __init__(self, build: Callable[[], ApiKeyStore | None]) -> None:
        self._build = build

    def _store(self) -> ApiKeyStore:
        store = self._build()
        if store is None:
            raise NotAuthenticated("API keys are not enabled on this service; send a Google ID token")
        return store

    def add_key(self, key: ApiKey) -> None:
        self._store().add_key(key)

    def get_key(self, prefix: str) -> ApiKey | None:
        return self._store().get_key(prefix)

    def list_keys(self, *, owner: str | None = None) -> list[ApiKey]:
        return self._store().list_keys(owner=owner)

    def revoke_key(self, prefix: str, *, now: datetime) -> ApiKey | None:
        return self._store().revoke_key(prefix, now=now)


class BatchAuthenticator:
    """API keys (when a key store is given) and allow-listed Google ID tokens (when a verifier is given)."""

    def __init__(self, settings: Settings, *, keys: ApiKeyStore | None, verifier: IdTokenVerifier | None) -> None:
        self._keys = keys
        self._verifier = verifier
        self._callers = frozenset(settings.api.callers)
        self._audiences = tuple(settings.api.audiences)

    def authenticate_headers(self, headers: Mapping[str, str]) -> Identity:
        key = headers.get(API_KEY_HEADER)
        if key:
            return self._by_key(key)
        authorization = headers.get("Authorization")
        if authorization and self._verifier is not None:
            return self._by_token(authorization)
        raise NotAuthenticated(_NO_CREDENTIALS if self._verifier else f"send an API key as '{API_KEY_HEADER}: KEY'")

    def _by_key(self, key: str) -> Identity:
        if self._keys is None:
            raise NotAuthenticated("API keys are not enabled on this service; send a Google ID token")
        owner = key_owner(self._keys, key)
        if owner is None:
            raise NotAuthenticated("the API key is not valid (unknown, revoked or mistyped)")
        return Identity(email=owner)

    def _by_token(self, authorization: str) -> Identity:
        assert self._verifier is not None
        claims = self._verifier.verify(bearer_token(authorization), self._audiences)
        email = str(claims["email"]).lower()
        if email not in self._callers:
            raise AuthError(f"{email} may not use the batch API (ask an operator to add it to ROWSCOUT_API_CALLERS)")
        return Identity(email=email, subject=str(claims.get("sub", "")))


class DevBatchAuthenticator(BatchAuthenticator):
    """Local development with ``ROWSCOUT_AUTH_DISABLED`` (refused on Cloud Run): everyone is ``dev@localhost``."""

    def __init__(self) -> None:
        pass

    def authenticate_headers(self, headers: Mapping[str, str]) -> Identity:
        return Identity(email=DEV_EMAIL, domain="localhost")
