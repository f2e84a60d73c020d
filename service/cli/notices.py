"""Completion notices on the command line: ``research --webhook-url/--notification-email``, ``notices secret``.

``python -m service notices secret --owner NAME`` prints the owner's webhook
signing secret (created on first use) alone on its last line: receivers
verify ``X-Rowscout-Signature`` with it (see ``service/jobs/notify.py``). Jobs
run from the command line belong to the owner ``local``.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from service.bootstrap import Embedded
from service.cli import render
from service.cli.exits import ExitCode
from service.domain import Job
from service.domain.errors import ConfigError, InputError
from service.domain.notices import check_email, check_webhook_url
from service.jobs import control
from service.jobs.local_run import LocalRun
from service.jobs.ports import Services
from service.queue.port import Task, TaskKind, TaskQueue

LOCAL_OWNER = "local"


def add_notice_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--webhook-url", help="POST a signed JSON notice here when the job ends (https)")
    parser.add_argument("--notification-email", help="email this address when the job ends (ROWSCOUT_SMTP_*)")


def notice_options(args: argparse.Namespace) -> dict[str, Any]:
    """``webhook_url`` and ``notification_email`` for ``JobOptions``, checked (empty when not given)."""
    return {
        "webhook_url": check_webhook_url(getattr(args, "webhook_url", None) or "", name="--webhook-url"),
        "notification_email": check_email(getattr(args, "notification_email", None) or "", name="--notification-email"),
    }


def add_notices_command(commands: argparse._SubParsersAction) -> None:
    notices = commands.add_parser("notices", help="completion notices: the webhook signing secret")
    actions = notices.add_subparsers(dest="notices_action", required=True, metavar="ACTION")
    secret = actions.add_parser("secret", help="print an owner's webhook signing secret (created on first use)")
    secret.add_argument("--owner", default=LOCAL_OWNER, help=f"whose secret (default: {LOCAL_OWNER}, the CLI's jobs)")


def cmd_notices(local: Embedded, args: argparse.Namespace) -> ExitCode:
    if local.notices is None:
        raise ConfigError("completion notices are not set up in this workspace")
    owner = args.owner.strip()
    if not owner:
        raise InputError("--owner must name someone")
    render.err.print(f"webhook signing secret of {owner} (verify X-Rowscout-Signature with it):")
    render.out.print(local.notices.store.secret(owner), soft_wrap=True)
    return ExitCode.OK


# --- cancel's notice: delivered before the command exits --------------------------


class _NoticesTo:
    """A queue that hands notice tasks to ``notices`` and every other task to ``rest``."""

    def __init__(self, notices: TaskQueue, rest: TaskQueue) -> None:
        self.notices, self.rest = notices, rest

    def enqueue(self, task: Task) -> None:
        (self.notices if task.kind == TaskKind.NOTICE else self.rest).enqueue(task)

    def enqueue_many(self, tasks: Iterable[Task]) -> int:
        count = 0
        for task in tasks:
            self.enqueue(task)
            count += 1
        return count


def cancel_with_notice(local: Embedded, svc: Services, job_id: str) -> Job:
    """Cancel the job and deliver its notice now: no runner is there to deliver the task cancelling adds.

    The notice goes through ``Embedded.notice_queue`` (``handle_notice_task``,
    the runner's bounded retries), awaited as long as a run's end awaits its
    notice; a notice still undelivered then is reported on stderr. The
    cancel itself stands either way.
    """
    job = control.get_job(svc, job_id)
    queue = local.notice_queue(job, svc)
    if queue is None:
        return control.cancel_job(svc, job_id)
    queue.start()
    try:
        job = control.cancel_job(replace(svc, queue=_NoticesTo(queue, svc.queue)), job_id)
        settled = queue.join(timeout=LocalRun.notice_seconds)
    finally:
        queue.stop(wait=False)
    if not settled or queue.stats.gave_up:
        render.notice_undelivered(job)
    return job
