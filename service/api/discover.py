"""Similar companies over HTTP: ``GET /api/v1/jobs/{id}/similar`` (add-on) and ``/api/v1/batches/{id}/similar``.

Two blueprints, one per audience, each with its caller's authentication
(add-on users; batch API callers with an API key or a Google ID token); both
parse ``company`` and ``top``, call ``service.jobs.discover.discover_similar``
for the caller's own job and answer its ``Discovery`` as JSON: the clusters
(label, size, companies) and, per company, its most similar others with
their score (0–1) and the terms both profiles share.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, g, request

from service.api.context import api_context
from service.api.numbers import strict_int
from service.api.requests import JOB_ID
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
    auth = api_context().batch_auth
    assert auth is not None  # build_context always sets it
    g.identity = auth.authenticate_headers(request.headers)


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
    found = discover_similar(api_context().services, job_id, owner=str(g.identity.email), company=company, top=_top())
    return found.to_dict()


def _top() -> int:
    text = request.args.get("top")
    if text is None:
        return 10
    value = strict_int(text)
    if value is None or not 1 <= value <= MAX_TOP:
        raise InputError(f"top must be a whole number from 1 to {MAX_TOP}")
    return value
