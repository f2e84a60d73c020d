"""The Flask app: ``create_app(test_config=None)`` wires blueprints, errors, logging and services.

Nothing heavy happens here: adapters come from ``service.bootstrap.build_cloud``
on first use (see ``context.ApiContext``). ``test_config`` may carry
``SETTINGS`` (a ``Settings``), ``ADAPTERS`` (keyword overrides of
``build_cloud``: store, queue, researcher, sheets, access, clock, worker_id),
``CERTS_SOURCE``, ``ADDON_AUTH``, ``TASK_AUTH``, the batch API's ``API_KEYS`` (a key
store), ``API_KEYS_ONLY`` and ``BATCH_AUTH``, and ordinary Flask keys.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from service.api import addon, batches, discover, meta, notices, tasks
from service.api.context import EXTENSION, build_context
from service.api.errors import register_error_handlers
from service.api.logs import configure_logging
from service.config import Settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """The Rowscout web service (add-on API, task handlers, cron, health)."""
    config = dict(test_config or {})
    app = Flask(__name__)
    app.config.from_prefixed_env("FLASK")
    settings: Settings = config.pop("SETTINGS", None) or Settings.from_env()
    app.config.update(MAX_CONTENT_LENGTH=settings.limits.max_body_bytes, JSON_SORT_KEYS=False)
    app.config.update({k: v for k, v in config.items() if k.isupper()})
    if not app.testing and not app.config.get("KEEP_LOGGING"):  # KEEP_LOGGING: `serve` logs through the CLI
        configure_logging(settings.cloud.project)
    app.extensions[EXTENSION] = build_context(settings, config)
    register_error_handlers(app)
    for blueprint in (meta.bp, addon.bp, tasks.bp, batches.bp):  # batches: the batch API (issue 16)
        app.register_blueprint(blueprint)
    app.register_blueprint(discover.addon_bp)  # similar companies (issue 16)
    app.register_blueprint(discover.batch_bp)
    app.register_blueprint(notices.bp)  # completion notices' signing secret (issue 16)
    return app
