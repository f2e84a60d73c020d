"""What a request needs, kept in ``app.extensions["rowscout"]``: settings, services, ports.

Everything heavy (Firestore and Cloud Tasks clients, the Sheets client, the
researcher) is built lazily on first use, never at import or app creation, so
``gunicorn main:app`` starts fast and without network calls. Tests inject
ready-made fakes through ``create_app(test_config)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app

from service.api.access import AllowAllAccess, DriveSpreadsheetAccess, SpreadsheetAccess
from service.api.auth import Authenticator, CertsSource, build_authenticators
from service.api.sheets import GoogleSheetGateway, SheetGateway
from service.config import Settings
from service.jobs.context import Services, utc_now

EXTENSION = "rowscout"
PLAN_THRESHOLD = 1_000  # selections larger than this are read by a /tasks/plan task
FLUSH_WINDOW_SECONDS = 5.0


@dataclass
class ApiContext:
    settings: Settings
    addon_auth: Authenticator
    task_auth: Authenticator
    access: SpreadsheetAccess
    sheets: SheetGateway
    services_factory: Callable[[], Services]
    clock: Callable[[], datetime] = utc_now
    plan_threshold: int = PLAN_THRESHOLD
    flush_window_seconds: float = FLUSH_WINDOW_SECONDS
    _services: Services | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def services(self) -> Services:
        with self._lock:
            if self._services is None:
                self._services = self.services_factory()
            return self._services


def build_context(settings: Settings, overrides: dict[str, Any]) -> ApiContext:
    """The context for ``settings``; ``overrides`` (from test_config) replace any part."""
    addon_auth, task_auth = build_authenticators(settings, _certs(overrides))
    services = overrides.get("SERVICES")
    context = ApiContext(
        settings=settings,
        addon_auth=overrides.get("ADDON_AUTH", addon_auth),
        task_auth=overrides.get("TASK_AUTH", task_auth),
        access=overrides.get("SPREADSHEET_ACCESS") or _access(settings),
        sheets=overrides.get("SHEETS") or GoogleSheetGateway(settings),
        services_factory=(lambda: services) if services is not None else _cloud_services(settings),
        clock=overrides.get("CLOCK", utc_now),
        plan_threshold=overrides.get("PLAN_THRESHOLD", PLAN_THRESHOLD),
        flush_window_seconds=overrides.get("FLUSH_WINDOW_SECONDS", FLUSH_WINDOW_SECONDS),
    )
    return context


def _certs(overrides: dict[str, Any]) -> CertsSource | None:
    return overrides.get("CERTS_SOURCE")


def _access(settings: Settings) -> SpreadsheetAccess:
    return AllowAllAccess() if settings.auth_disabled else DriveSpreadsheetAccess()


def _cloud_services(settings: Settings) -> Callable[[], Services]:
    def build() -> Services:
        from service.bootstrap import build_cloud_services

        return build_cloud_services(settings)

    return build


def api_context() -> ApiContext:
    """The context of the running app (inside a request)."""
    context: ApiContext = current_app.extensions[EXTENSION]
    return context
