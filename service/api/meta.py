"""Public endpoints: ``/healthz`` and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.api.context import api_context
from service.api.openapi import openapi_document

bp = Blueprint("meta", __name__)


@bp.get("/healthz")
def healthz() -> dict[str, Any]:
    return {"status": "ok"}


@bp.get("/api/v1/openapi.json")
def openapi() -> dict[str, Any]:
    return openapi_document(api_context().settings.cloud.service_url)
