"""``serve`` and ``keys``: the batch API on one machine, and the API keys its callers send.

``python -m service serve [--host 127.0.0.1] [--port 8080]`` runs the web
service on the embedded default: SQLite job state in the workspace, one
in-process queue researching every batch's rows in the same process, API keys
from the workspace (no Google account). The WSGI server is gunicorn (one
worker process, so the queue and its rows live in one place; threads answer
requests). It binds loopback only unless ``--allow-remote`` is given: the
server speaks plain HTTP, so a key sent over a network could be read on the
way; put a TLS proxy in front before allowing remote callers.

``keys create --owner NAME`` prints the new key alone on its last line (it is
shown once and stored only as a hash); ``keys list`` and ``keys revoke PREFIX``.
With ``--cloud`` they manage the cloud deployment's keys instead (Firestore of
``GOOGLE_CLOUD_PROJECT`` and ``ROWSCOUT_FIRESTORE_DATABASE``, with the caller's
Google credentials; ``FIRESTORE_EMULATOR_HOST`` for the emulator).
"""

from __future__ import annotations

import argparse
import ipaddress
from dataclasses import replace
from typing import Any

from service.bootstrap import Embedded, build_key_store, build_serve
from service.cli import render
from service.cli.exits import ExitCode
from service.domain.errors import InputError
from service.jobs import apikeys
from service.jobs.ports import utc_now

LOOPBACK_NAMES = frozenset({"localhost"})


def add_serve_commands(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser("serve", help="run the batch API on this machine (SQLite, API keys)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    serve.add_argument("--port", type=int, default=8080, help="port (default: %(default)s)")
    serve.add_argument("--threads", type=int, default=8, help="request threads (default: %(default)s)")
    serve.add_argument(
        "--allow-remote", action="store_true", help="listen on a non-loopback address (plain HTTP: use a TLS proxy)"
    )
    keys = commands.add_parser("keys", help="create, list and revoke API keys for `serve` (or the cloud: --cloud)")
    actions = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument(
        "--cloud",
        action="store_true",
        help="the cloud deployment's keys (Firestore of GOOGLE_CLOUD_PROJECT) instead of the workspace's",
    )
    create = actions.add_parser("create", parents=[where], help="a new key; printed once, alone on the last line")
    create.add_argument("--owner", required=True, help="who the key belongs to (an email or a team name)")
    listing = actions.add_parser("list", parents=[where], help="keys (prefix, owner, created, revoked)")
    listing.add_argument("--owner", help="only this owner's keys")
    revoke = actions.add_parser("revoke", parents=[where], help="revoke a key by its prefix")
    revoke.add_argument("prefix")


def is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def cmd_serve(local: Embedded, args: argparse.Namespace) -> ExitCode:
    """Run the API until Ctrl-C (or SIGTERM)."""
    if not is_loopback(args.host) and not args.allow_remote:
        raise InputError(
            f"refusing to listen on {args.host}: serve speaks plain HTTP; use --allow-remote behind a TLS proxy"
        )
    if not 0 < args.port < 65536:
        raise InputError("--port must be 1-65535")
    settings = replace(local.settings, cloud=replace(local.settings.cloud, auth_disabled=False))
    researcher = local.researcher
    render.out.print(f"Rowscout batch API on http://{args.host}:{args.port}/api/v1/batches (Ctrl-C stops)")
    render.out.print("Callers send 'X-API-Key: KEY'; make one with: python -m service keys create --owner NAME")

    def make_app() -> Any:  # in gunicorn's worker process: the queue's threads must start there
        from service.api import create_app

        served = build_serve(settings, researcher=researcher)
        served.start()
        svc = served.services
        adapters = {"store": svc.store, "queue": served.queue, "researcher": researcher, "notices": svc.notices}
        config = {"SETTINGS": settings, "ADAPTERS": adapters, "API_KEYS": served.keys, "API_KEYS_ONLY": True}
        return create_app({**config, "KEEP_LOGGING": True})  # log lines through the CLI (--verbose for more)

    try:
        _Gunicorn(make_app, bind=f"{args.host}:{args.port}", threads=args.threads).run()
    except SystemExit as stop:
        return ExitCode.OK if not stop.code else ExitCode.INTERRUPTED
    return ExitCode.OK


class _Gunicorn:
    """gunicorn's ``BaseApplication`` with one worker (``gthread``), the app made in the worker."""

    def __new__(cls, make_app: Any, *, bind: str, threads: int) -> Any:
        from gunicorn.app.base import BaseApplication

        class Application(BaseApplication):
            def load_config(self) -> None:
                options = {
                    "bind": bind,
                    "workers": 1,
                    "worker_class": "gthread",
                    "threads": max(1, threads),
                    "timeout": 120,
                    "graceful_timeout": 10,
                    "accesslog": None,
                    "preload_app": False,
                    "control_socket_disable": True,  # no socket in $HOME: several serve processes may run
                }
                for key, value in options.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return make_app()

        return Application()


def cmd_keys(local: Embedded, args: argparse.Namespace) -> ExitCode:
    keys = build_key_store(local.settings, cloud=args.cloud)
    if args.keys_command == "create":
        record, key = apikeys.create_key(keys, owner=args.owner, now=utc_now())
        render.out.print(f"API key {record.prefix} for {record.owner}; it is shown only now:", soft_wrap=True)
        print(key, flush=True)  # alone on the last line, no markup, for scripts
    elif args.keys_command == "revoke":
        record = apikeys.revoke_key(keys, args.prefix, now=utc_now())
        render.out.print(f"revoked API key {record.prefix} of {record.owner}")
    else:
        for record in apikeys.list_keys(keys, owner=args.owner):
            revoked = f"revoked {record.revoked_at.isoformat()}" if record.revoked_at else "active"
            render.out.print(f"{record.prefix}  {record.owner}  created {record.created_at.isoformat()}  {revoked}")
    return ExitCode.OK


SERVE_COMMANDS = {"serve": cmd_serve, "keys": cmd_keys}
