"""Completion notices: when a job ends (completed, failed, cancelled), tell whoever asked, once.

A job whose options carry a ``webhook_url`` or a ``notification_email`` gets
one notice task per final state it reaches (``enqueue_notice``, called where
the job's state changes, in ``control``). The task goes through the job's
queue (Cloud Tasks, or the embedded runner's in-process queue), so delivery is
retried with the queue's backoff; ``handle_notice_task`` is idempotent: the
delivery id (job, final state, moment it was reached) of each channel
(webhook, email) is claimed in the ``NoticeStore`` before sending and marked
sent after, so a duplicate delivery sends nothing.

The webhook body is JSON; the request carries ``X-Rowscout-Event``,
``X-Rowscout-Delivery`` (the idempotency id), ``X-Rowscout-Timestamp`` and
``X-Rowscout-Signature: sha256=HEX``, the HMAC-SHA256 of
``f"{timestamp}.{body}"`` under the owner's secret (created on first use,
kept by the ``NoticeStore``). Adapters: ``service/notify`` (HTTP sender with
the crawler's SSRF guard, SMTP, secret stores).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from service.domain import Job, JobState, RowState
from service.domain.errors import RowscoutError
from service.jobs.ports import Services
from service.queue.port import Task, TaskDelivery, TaskKind, TaskResult

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Rowscout-Signature"
DELIVERY_HEADER = "X-Rowscout-Delivery"
TIMESTAMP_HEADER = "X-Rowscout-Timestamp"
EVENT_HEADER = "X-Rowscout-Event"
CLAIM_SECONDS = 120.0  # a claimed delivery not marked sent within this may be taken over (its sender died)


class NoticeStore(Protocol):
    """Per-owner webhook secrets and which notices were sent."""

    def secret(self, owner: str) -> str:
        """The owner's signing secret, created (random) on first use; the same for ever after."""
        ...

    def claim(self, delivery_id: str, *, now: datetime, hold_seconds: float) -> bool:
        """True if this caller may send ``delivery_id`` now: never sent, and no live claim by another sender."""
        ...

    def release(self, delivery_id: str) -> None:
        """Drop a claim after a failed attempt (the next delivery tries again)."""
        ...

    def mark_sent(self, delivery_id: str, *, now: datetime) -> None: ...


class NoticeSender(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        """POST ``body``; raises ``RowscoutError`` (retryable for 5xx, 429, timeouts; permanent for refused URLs)."""
        ...

    def email(self, to: str, subject: str, text: str) -> None:
        """Send a plain-text email; raises ``RowscoutError`` (``ConfigError`` without SMTP settings)."""
        ...


@dataclass
class Notices:
    """What delivering notices needs: the secret/sent store and the sender (built by ``service.bootstrap``)."""

    store: NoticeStore
    sender: NoticeSender


def wants_notice(job: Job) -> bool:
    return bool(job.options.webhook_url or job.options.notification_email)


def notice_task(job: Job) -> Task | None:
    """The one notice task of the final state ``job`` is in now (None: not final, or nobody to tell)."""
    if not job.state.is_final or not wants_notice(job):
        return None
    stamp = int((job.finished_at or job.updated_at).timestamp() * 1000)
    key = f"{job.state.value}-{stamp}"
    return Task(
        kind=TaskKind.NOTICE,
        job_id=job.id,
        row_key=key,
        payload={"delivery": f"{job.id}-{key}", "state": job.state.value},
        priority=job.options.priority.value,
    )


def enqueue_notice(svc: Services, job: Job) -> bool:
    """Queue the notice of ``job``'s final state; never fails the state change (a lost notice is logged)."""
    task = notice_task(job)
    if task is None:
        return False
    try:
        svc.queue.enqueue(task)
    except RowscoutError as exc:
        log.warning("could not queue the job's notice: %s", exc.user_message, extra={"job_id": job.id})
        return False
    return True


def handle_notice_task(svc: Services, notices: Notices, delivery: TaskDelivery) -> TaskResult:
    """Send one notice — the webhook and the email, each once per delivery id.

    Each channel is claimed on its own (``DELIVERY:webhook``, ``DELIVERY:email``),
    so a retry after a failed email does not post the webhook again.

    Returns:
        done when every channel is sent, was sent already, or cannot be sent for good (logged);
        retry when a channel failed in a way that may pass (the queue backs off).
    """
    task = delivery.task
    job = svc.store.get_job(task.job_id)
    if job is None or not wants_notice(job):
        return TaskResult.done()
    delivery_id = str(task.payload.get("delivery") or f"{task.job_id}-{task.row_key}")
    state = str(task.payload.get("state") or job.state.value)
    channels = {"webhook": _post_webhook, "email": _send_email}
    wanted = [c for c, on in (("webhook", job.options.webhook_url), ("email", job.options.notification_email)) if on]
    retry: RowscoutError | None = None
    for channel in wanted:
        key = f"{delivery_id}:{channel}"
        if not notices.store.claim(key, now=svc.clock(), hold_seconds=CLAIM_SECONDS):
            continue  # sent already, or another delivery of it is sending now
        try:
            channels[channel](svc, notices, job, delivery_id, state)
        except RowscoutError as exc:
            notices.store.release(key)
            if exc.retryable:
                log.warning("%s notice not delivered yet: %s", channel, exc.user_message, extra={"job_id": job.id})
                retry = exc
                continue
            log.error("%s notice cannot be delivered: %s", channel, exc.user_message, extra={"job_id": job.id})
        notices.store.mark_sent(key, now=svc.clock())  # sent, or permanently refused: never again
    return TaskResult.retry(retry.retry_after) if retry else TaskResult.done()


def _post_webhook(svc: Services, notices: Notices, job: Job, delivery_id: str, state: str) -> None:
    now = svc.clock()
    body = notice_body(job, svc.store.count_rows(job.id), delivery_id, state, now)
    raw = json.dumps(body, separators=(",", ":")).encode()
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        EVENT_HEADER: f"job.{state}",
        DELIVERY_HEADER: delivery_id,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(notices.store.secret(job.owner), timestamp, raw),
    }
    notices.sender.post(job.options.webhook_url, raw, headers)


def _send_email(svc: Services, notices: Notices, job: Job, delivery_id: str, state: str) -> None:
    subject = f"Rowscout: job {job.name or job.id} {state}"
    notices.sender.email(job.options.notification_email, subject, notice_text(job, svc.store.count_rows(job.id)) + "\n")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``timestamp.body``: what a receiver recomputes and compares."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(secret: str, timestamp: str, body: bytes, header: str) -> bool:
    """For receivers (and tests): does ``header`` sign ``timestamp.body`` with ``secret``?"""
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def notice_body(job: Job, counts: dict[RowState, int], delivery_id: str, state: str, now: datetime) -> dict[str, Any]:
    return {
        "event": f"job.{state}",
        "delivery_id": delivery_id,
        "sent_at": now.isoformat(),
        "job": {
            "id": job.id,
            "name": job.name,
            "state": state,
            "total": job.total_rows,
            "done": counts.get(RowState.DONE, 0),
            "failed": counts.get(RowState.FAILED, 0),
            "skipped": counts.get(RowState.SKIPPED, 0),
            "created_at": job.created_at.isoformat(),
            "finished_at": job.finished_at.isoformat() if job.finished_at else None,
            "error": getattr(job.source, "error", "") or "",
        },
        "text": notice_text(job, counts),
    }


def notice_text(job: Job, counts: dict[RowState, int]) -> str:
    """One line for people: ``Job NAME completed at 2026-12-02 01:50 UTC: 48 done, 2 failed``."""
    if not job.state.is_final:
        return ""
    when = (job.finished_at or job.updated_at).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"{counts.get(RowState.DONE, 0)} done", f"{counts.get(RowState.FAILED, 0)} failed"]
    if counts.get(RowState.SKIPPED, 0):
        parts.append(f"{counts[RowState.SKIPPED]} skipped")
    text = f"Job {job.name or job.id} {job.state.value} at {when}: {', '.join(parts)}"
    error = getattr(job.source, "error", "")
    return f"{text} ({error})" if job.state == JobState.FAILED and error else text
