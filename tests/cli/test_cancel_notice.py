"""`cancel JOB` from the command line delivers the job's 'cancelled' notice before it exits (no runner is there).

A research job with ``--webhook-url`` is paused mid-way from "another shell",
then cancelled with the CLI: the loopback receiver gets exactly one signed
``job.cancelled`` delivery. A receiver that keeps failing is retried the
runner's way, and the command says so on stderr, exit code unchanged.
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest

from service.bootstrap import build_local
from service.cli import main
from service.cli.exits import ExitCode
from service.config import EmbeddedSettings, Settings
from service.domain import CompanyInput
from service.jobs import control
from service.jobs.notify import EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.jobs.fakes import ScriptedResearcher
from tests.jobs.test_notify import Receiver
from tests.support.loopback import serving


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    with serving(server):
        yield server


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("ROWSCOUT_WEBHOOK_ALLOW_LOOPBACK", "1")
    return tmp_path / "ws"


def _input(path, n=4):
    with path.open("w", newline="", encoding="utf-8") as handle:
        rows = [[f"Company {i}", f"company{i}.example"] for i in range(1, n + 1)]
        csv.writer(handle).writerows([["Company", "Website"], *rows])
    return path


def _latest_job(workspace):
    settings = replace(Settings.from_env(), embedded=EmbeddedSettings(workspace=workspace))
    local = build_local(settings, researcher=ScriptedResearcher())
    try:
        return control.latest_job(local.services())
    finally:
        local.close()


def _pause_after_first_row(workspace):
    """A researcher whose second call pauses the job, as `pause` from another shell would."""

    def pause_elsewhere(company: CompanyInput) -> None:
        if company.name == "Company 2":
            assert main(["--workspace", str(workspace), "pause", _latest_job(workspace).id]) == ExitCode.OK

    return ScriptedResearcher(on_call=pause_elsewhere)


def _research_paused(tmp_path, workspace, receiver):
    argv = ["--workspace", str(workspace), "research", str(_input(tmp_path / "in.csv")), "-o", str(tmp_path / "o.csv")]
    argv += ["--no-progress", "--concurrency", "1", "--rate", "500", "--webhook-url", receiver.url]
    assert main(argv, researcher=_pause_after_first_row(workspace)) == ExitCode.INTERRUPTED
    job = _latest_job(workspace)
    assert job.state.value == "paused"
    assert receiver.requests == []  # a pause is no final state: no notice yet
    return job


def test_cancel_of_a_paused_job_sends_one_signed_cancelled_notice(tmp_path, workspace, receiver, capsys):
    receiver.reset()
    job = _research_paused(tmp_path, workspace, receiver)
    assert main(["--workspace", str(workspace), "cancel", job.id]) == ExitCode.OK
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    notice = json.loads(body)
    assert headers[EVENT_HEADER] == "job.cancelled"
    assert notice["job"]["id"] == job.id and notice["job"]["state"] == "cancelled"
    assert notice["job"]["skipped"] >= 1 and notice["job"]["done"] + notice["job"]["skipped"] == 4
    capsys.readouterr()
    assert main(["--workspace", str(workspace), "notices", "secret"]) == ExitCode.OK
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert verify_signature(secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    # cancelling again changes nothing and sends nothing more
    assert main(["--workspace", str(workspace), "cancel", job.id]) == ExitCode.OK
    assert len(receiver.requests) == 1


def test_a_failing_receiver_is_retried_and_the_cancel_still_succeeds(tmp_path, workspace, receiver, capsys):
    receiver.reset(answers=[503])  # the first delivery fails, the runner's retry succeeds
    job = _research_paused(tmp_path, workspace, receiver)
    capsys.readouterr()
    assert main(["--workspace", str(workspace), "cancel", job.id]) == ExitCode.OK
    assert len(receiver.requests) == 2
    assert receiver.requests[0][0]["X-Rowscout-Delivery"] == receiver.requests[1][0]["X-Rowscout-Delivery"]
    assert "could not be delivered" not in capsys.readouterr().err


def test_a_notice_that_cannot_be_delivered_is_reported_on_stderr(tmp_path, workspace, receiver, capsys):
    receiver.reset(answers=[404])  # permanent: not retried
    job = _research_paused(tmp_path, workspace, receiver)
    capsys.readouterr()
    assert main(["--workspace", str(workspace), "cancel", job.id]) == ExitCode.OK
    err = " ".join(capsys.readouterr().err.split())
    assert len(receiver.requests) == 1
    assert "cannot be delivered" in err and "404" in err
    assert f"Job {job.id} is now cancelled" in err


def test_a_notice_still_failing_after_the_retries_is_reported_on_stderr(
    tmp_path, workspace, receiver, capsys, monkeypatch
):
    monkeypatch.setattr("service.bootstrap.NOTICE_ATTEMPTS", 2)  # the runner's policy, fewer attempts: a fast test
    receiver.reset(answers=[503, 503])
    job = _research_paused(tmp_path, workspace, receiver)
    capsys.readouterr()
    assert main(["--workspace", str(workspace), "cancel", job.id]) == ExitCode.OK
    err = " ".join(capsys.readouterr().err.split())
    assert len(receiver.requests) == 2
    assert f"the cancelled notice of job {job.id} could not be delivered" in err
    assert f"Job {job.id} is now cancelled" in err
