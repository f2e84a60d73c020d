"""Completion notices: a signed webhook per job end, through the queue with retries, once; email over SMTP.

A webhook receiver and an SMTP server (aiosmtpd) run on loopback for the module.
"""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from service.bootstrap import build_local
from service.config import EmbeddedSettings, NotifySettings, Settings
from service.domain import ErrorKind, JobOptions, JobState, RowOutcome, RowState
from service.jobs.control import cancel_job, complete_if_finished, fail_job
from service.jobs.notify import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Notices,
    handle_notice_task,
    notice_task,
    notice_text,
    verify_signature,
)
from service.jobs.submit import submit_job
from service.notify.sender import NoticeSender
from service.notify.store import MemoryNoticeStore, SqliteNoticeStore
from service.queue.port import TaskDelivery, TaskKind
from tests.jobs.fakes import SOURCE, ScriptedResearcher, companies, make_services
from tests.support.loopback import serving


class Receiver(ThreadingHTTPServer):
    """Records every POST; answers the statuses in ``answers`` first, then 200."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.answers: list[int] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"

    def reset(self, answers=()) -> None:
        with self.lock:
            self.requests.clear()
            self.answers = list(answers)


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            self.server.requests.append((dict(self.headers.items()), body))
            status = self.server.answers.pop(0) if self.server.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    with serving(server):
        yield server


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox()
    with socket.socket() as probe:  # a free loopback port (aiosmtpd checks its own readiness on the port it is given)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


def _local(tmp_path, **notify):
    settings = Settings(
        embedded=EmbeddedSettings(workspace=tmp_path / "ws"),
        notify=NotifySettings(allow_loopback=True, timeout=5.0, **notify),
    )
    return build_local(settings, researcher=ScriptedResearcher(), checkpoint_seconds=0.05)


def _job(local, options, names=("Acme", "Globex")):
    return submit_job(local.services(), owner="ann", name="t", source=SOURCE, rows=companies(*names), options=options)


def test_a_finished_job_sends_one_signed_webhook_after_a_500_retry(tmp_path, receiver):
    receiver.reset(answers=[500])
    local = _local(tmp_path)
    job = _job(local, JobOptions(rate=1000.0, webhook_url=receiver.url))
    local.run(job)
    assert local.services().store.get_job(job.id).state == JobState.COMPLETED
    assert len(receiver.requests) == 2  # the 500, then the retry the queue made
    (first_headers, first_body), (headers, body) = receiver.requests
    assert first_headers[DELIVERY_HEADER] == headers[DELIVERY_HEADER]  # one notice, delivered twice
    assert json.loads(first_body)["job"] == json.loads(body)["job"]
    secret = local.notices.store.secret("ann")
    assert verify_signature(secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify_signature(secret + "x", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify_signature(secret, headers[TIMESTAMP_HEADER], body + b" ", headers[SIGNATURE_HEADER])
    sent = json.loads(body)
    assert sent["event"] == "job.completed" and sent["job"]["id"] == job.id
    assert (sent["job"]["done"], sent["job"]["failed"], sent["job"]["total"]) == (2, 0, 2)
    assert headers["X-Rowscout-Event"] == "job.completed"


def test_a_duplicate_delivery_sends_nothing_and_the_secret_is_the_owners_for_good(tmp_path, receiver):
    receiver.reset()
    local = _local(tmp_path)
    job = _job(local, JobOptions(rate=1000.0, webhook_url=receiver.url))
    local.run(job)
    assert len(receiver.requests) == 1
    svc = local.services()
    task = notice_task(svc.store.get_job(job.id))
    assert task is not None and task.kind == TaskKind.NOTICE
    for attempt in (1, 2):  # the same task delivered again (at-least-once queues): nothing more is sent
        assert handle_notice_task(svc, local.notices, TaskDelivery(task, attempt)).ok
    assert len(receiver.requests) == 1
    again = SqliteNoticeStore(tmp_path / "ws" / "notices.sqlite3")
    assert again.secret("ann") == local.notices.store.secret("ann") != again.secret("bob")


def test_each_final_state_is_one_notice_and_not_final_states_none():
    svc, queue, *_ = make_services()
    options = JobOptions(webhook_url="https://hooks.example/x")

    def new_job():
        return submit_job(svc, owner="ann", name="t", source=SOURCE, rows=companies("A"), options=options)

    job = new_job()
    assert notice_task(job) is None  # queued: not final
    complete_if_finished(svc, job.id)  # a row is still pending: nothing
    assert queue.of_kind("notice") == []
    svc.store.lease_row(job.id, "r000001", owner="w", now=svc.clock(), lease_seconds=60, max_attempts=3)
    svc.store.finish_row(job.id, "r000001", owner="w", outcome=RowOutcome(state=RowState.DONE), now=svc.clock())
    for _ in range(3):  # the last row task delivered three times: one completion, one notice
        complete_if_finished(svc, job.id)
    failing = new_job()
    fail_job(svc, failing.id, "the tab was deleted")
    fail_job(svc, failing.id, "the tab was deleted")  # twice: still one notice
    cancel_job(svc, new_job().id)
    assert [t.payload["state"] for t in queue.of_kind("notice")] == ["completed", "failed", "cancelled"]
    assert len({t.name for t in queue.of_kind("notice")}) == 3
    quiet = submit_job(svc, owner="ann", name="q", source=SOURCE, rows=companies("B"), options=JobOptions())
    cancel_job(svc, quiet.id)
    assert len(queue.of_kind("notice")) == 3  # nobody to tell: no task


def test_webhooks_to_private_addresses_are_refused_for_good(tmp_path, receiver):
    receiver.reset()
    svc, *_ = make_services()
    notices = Notices(MemoryNoticeStore(), NoticeSender(NotifySettings(allow_loopback=False)))
    for url in (receiver.url, "http://169.254.169.254/latest/meta-data"):
        job = submit_job(
            svc, owner="ann", name="t", source=SOURCE, rows=companies("A"), options=JobOptions(webhook_url=url)
        )
        task = notice_task(cancel_job(svc, job.id))
        assert task is not None
        assert handle_notice_task(svc, notices, TaskDelivery(task, 1)).ok  # permanent: the queue stops
        assert task.payload["delivery"] + ":webhook" in notices.store.sent
    assert receiver.requests == []


def test_a_failed_row_and_an_email_notice_reach_the_local_smtp_server(tmp_path, mailbox):
    box, port = mailbox
    local = _local(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_from="rowscout@localhost", smtp_starttls=False)
    local.researcher = ScriptedResearcher(failures={"Globex": [ErrorKind.BLOCKED]})
    job = _job(local, JobOptions(rate=1000.0, max_attempts=1, notification_email="ann@example.com"))
    local.run(job)
    assert len(box.messages) == 1
    sender, recipients, content = box.messages[0]
    assert sender == "rowscout@localhost" and recipients == ["ann@example.com"]
    assert "Subject: Rowscout: job t completed" in content
    assert "1 done, 1 failed" in content


def test_the_notice_text_says_what_happened():
    svc, *_ = make_services()
    job = submit_job(svc, owner="ann", name="Leads", source=SOURCE, rows=companies("A"), options=JobOptions())
    assert notice_text(job, svc.store.count_rows(job.id)) == ""
    done = cancel_job(svc, job.id)
    text = notice_text(replace(done), svc.store.count_rows(job.id))
    assert text.startswith("Job Leads cancelled at 2026-01-05 09:00 UTC: 0 done, 0 failed, 1 skipped")


def test_a_failed_email_is_retried_without_posting_the_webhook_again(receiver, mailbox):
    box, port = mailbox
    receiver.reset()
    box.messages.clear()
    svc, *_ = make_services()
    options = JobOptions(webhook_url=receiver.url, notification_email="ann@example.com")
    job = submit_job(svc, owner="ann", name="t", source=SOURCE, rows=companies("A"), options=options)
    task = notice_task(cancel_job(svc, job.id))
    assert task is not None
    with socket.socket() as closed:  # a port nothing listens on: the mail server is down
        closed.bind(("127.0.0.1", 0))
        down = closed.getsockname()[1]
    smtp = {"smtp_host": "127.0.0.1", "smtp_from": "rowscout@localhost", "smtp_starttls": False, "timeout": 5.0}
    store = MemoryNoticeStore()
    failing = Notices(store, NoticeSender(NotifySettings(allow_loopback=True, smtp_port=down, **smtp)))
    assert not handle_notice_task(svc, failing, TaskDelivery(task, 1)).ok  # the queue will deliver it again
    assert not handle_notice_task(svc, failing, TaskDelivery(task, 2)).ok
    working = Notices(store, NoticeSender(NotifySettings(allow_loopback=True, smtp_port=port, **smtp)))
    assert handle_notice_task(svc, working, TaskDelivery(task, 3)).ok
    assert len(receiver.requests) == 1 and len(box.messages) == 1  # each channel once
    assert handle_notice_task(svc, working, TaskDelivery(task, 4)).ok
    assert len(receiver.requests) == 1 and len(box.messages) == 1
