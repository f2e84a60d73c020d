"""Similar companies over HTTP: ``GET /api/v1/jobs/{id}/similar`` (add-on) and ``/api/v1/batches/{id}/similar``.

Two blueprints, one per audience, each with its caller's authentication
(add-on users; batch API callers with an API key or a Google ID token); both
parse ``company``, ``top`` and ``competitors`` (propose companies not in
the list from web search, when a provider is configured), call ``service.jobs.discover.discover_similar``
for the caller's own job and answer its ``Discovery`` as JSON: the clusters
(label, size, companies) and, per company, its most similar others with
their score (0–1) and the terms both profiles share.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, g, request

from service.api.batches import batch_caller
from service.api.context import api_context
from service.api.numbers import strict_int
from service.api.requests import JOB_ID
from service.bootstrap import build_search
from service.domain.errors import InputError
from service.jobs.discover import discover_similar

addon_bp = Blueprint("discover_addon", __name__, url_prefix="/api/v1")
batch_bp = Blueprint("discover_batches", __name__, url_prefix="/api/v1")

MAX_TOP = 50
_JOB_ID_RE = re.compile(JOB_ID)


@addon_bp.before_request
def authenticate_addon_user() -> None:
    g.identity = api_context().addon_auth.authenticate(request.headers.get("Authorization"))


@batch_bp.before_request
def authenticate_batch_caller() -> None:
    g.identity = batch_caller()


@addon_bp.get("/jobs/<job_id>/similar")
def similar_in_job(job_id: str) -> dict[str, Any]:
    return _similar(job_id)


@batch_bp.get("/batches/<batch_id>/similar")
def similar_in_batch(batch_id: str) -> dict[str, Any]:
    return _similar(batch_id)


def _similar(job_id: str) -> dict[str, Any]:
    if not _JOB_ID_RE.fullmatch(job_id):
        raise InputError("that is not a Rowscout job id")
    company = request.args.get("company")
    if company is not None and not company.strip():
        raise InputError("company must name a company of the job")
    ctx = api_context()
    search = None
    if _flag("competitors"):
        search = build_search(ctx.settings)
        if search is None:
            raise InputError("competitors needs a web search provider, and this service has none configured")
    owner = str(g.identity.email)
    found = discover_similar(ctx.services, job_id, owner=owner, company=company, top=_top(), search=search)
    return found.to_dict()


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise InputError(f"{name} must be true or false")
    return value in ("true", "1")


def _top() -> int:
    text = request.args.get("top")
    if text is None:
        return 10
    value = strict_int(text)
    if value is None or not 1 <= value <= MAX_TOP:
        raise InputError(f"top must be a whole number from 1 to {MAX_TOP}")
    return value
