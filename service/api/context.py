"""What a request needs, kept in ``app.extensions["rowscout"]``: settings, authenticators, adapters.

The adapters (Firestore, Cloud Tasks, Sheets, Drive, the researcher) come
from ``service.bootstrap.build_cloud``, built lazily on first use, never at
import or app creation, so ``gunicorn main:app`` starts fast and without
network calls. Tests pass fakes as ``test_config["ADAPTERS"]``, the keyword
overrides of ``build_cloud``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from service.api.access import SpreadsheetAccess
from service.api.auth import Authenticator, HttpCertsSource, IdTokenVerifier, build_authenticators
from service.api.keys import BatchAuthenticator, DevBatchAuthenticator, LazyKeyStore
from service.bootstrap import Cloud, build_cloud
from service.config import Settings
from service.jobs.ports import Services

EXTENSION = "rowscout"


@dataclass
class ApiContext:
    settings: Settings
    addon_auth: Authenticator
    task_auth: Authenticator
    cloud_factory: Callable[[], Cloud]
    batch_auth: BatchAuthenticator | None = None  # the batch API's callers (issue 16)
    _cloud: Cloud | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def cloud(self) -> Cloud:
        with self._lock:
            if self._cloud is None:
                self._cloud = self.cloud_factory()
            return self._cloud

    @property
    def services(self) -> Services:
        return self.cloud.services

    @property
    def access(self) -> SpreadsheetAccess:
        access: SpreadsheetAccess = self.cloud.access
        return access


def build_context(settings: Settings, config: dict[str, Any]) -> ApiContext:
    """The context for ``settings``; ``config`` (from test_config) may carry ``ADAPTERS``,
    ``CERTS_SOURCE``, ``ADDON_AUTH`` and ``TASK_AUTH``."""
    addon_auth, task_auth = build_authenticators(settings, config.get("CERTS_SOURCE"))
    adapters = dict(config.get("ADAPTERS") or {})
    context = ApiContext(
        settings=settings,
        addon_auth=config.get("ADDON_AUTH", addon_auth),
        task_auth=config.get("TASK_AUTH", task_auth),
        cloud_factory=lambda: build_cloud(settings, **adapters),
    )
    if "API_KEYS" not in config:  # the cloud's keys (Firestore), built with the cloud's adapters on first use
        config = {**config, "API_KEYS": LazyKeyStore(lambda: context.cloud.keys)}
    context.batch_auth = config.get("BATCH_AUTH") or _batch_auth(settings, config)
    return context


def _batch_auth(settings: Settings, config: dict[str, Any]) -> BatchAuthenticator:
    """API keys from ``API_KEYS`` (a key store; ``serve`` passes the workspace's), Google ID tokens of
    ``ROWSCOUT_API_CALLERS`` unless ``API_KEYS_ONLY`` (``serve``: no Google account needed)."""
    if settings.cloud.auth_disabled and not config.get("API_KEYS_ONLY"):
        return DevBatchAuthenticator()  # build_authenticators refused this on Cloud Run
    verifier = None
    if settings.api.callers and not config.get("API_KEYS_ONLY"):
        verifier = IdTokenVerifier(config.get("CERTS_SOURCE") or HttpCertsSource())
    return BatchAuthenticator(settings, keys=config.get("API_KEYS"), verifier=verifier)


def api_context() -> ApiContext:
    """The context of the running app (inside a request)."""
    context: ApiContext = current_app.extensions[EXTENSION]
    return context
