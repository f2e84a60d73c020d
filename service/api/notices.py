"""``GET /api/v1/notices/secret``: a batch API caller's own webhook signing secret (created on first use).

Receivers verify ``X-Rowscout-Signature`` with it (``service/notify/README.md``).
Callers authenticate as on the batch API (an API key, or a Google ID token of
an allowed account); each gets only the secret of the owner they are.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g

from service.api.batches import batch_caller
from service.api.context import api_context
from service.domain.errors import ConfigError
from service.jobs.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER

bp = Blueprint("notices", __name__, url_prefix="/api/v1")


@bp.before_request
def authenticate_batch_caller() -> None:
    g.identity = batch_caller()


@bp.get("/notices/secret")
def secret() -> dict[str, Any]:
    notices = api_context().services.notices
    if notices is None:
        raise ConfigError("completion notices are not set up on this service")
    owner = str(g.identity.email)
    return {
        "owner": owner,
        "secret": notices.store.secret(owner),
        "signature": f"{SIGNATURE_HEADER}: sha256=HMAC-SHA256(secret, {TIMESTAMP_HEADER} + '.' + raw body), hex",
    }
