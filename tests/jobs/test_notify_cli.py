"""The command line's notices: `research --webhook-url` sends one signed notice; `notices secret` prints the key."""

from __future__ import annotations

import csv
import json

import pytest

from service.cli import main
from service.cli.exits import ExitCode
from service.jobs.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from tests.jobs.fakes import ScriptedResearcher
from tests.jobs.test_notify import Receiver
from tests.support.loopback import serving


@pytest.fixture(scope="module")
def receiver():
    server = Receiver()
    with serving(server):
        yield server


def _input(path):
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Company", "Website"], ["Acme", "acme.example"], ["Globex", "globex.example"]])
    return path


def test_research_with_a_webhook_sends_one_notice_signed_with_the_printed_secret(
    tmp_path, receiver, monkeypatch, capsys
):
    monkeypatch.setenv("ROWSCOUT_WEBHOOK_ALLOW_LOOPBACK", "1")
    receiver.reset()
    ws = str(tmp_path / "ws")
    argv = ["--workspace", ws, "research", str(_input(tmp_path / "in.csv")), "-o", str(tmp_path / "out.csv")]
    code = main(
        [*argv, "--no-progress", "--rate", "500", "--webhook-url", receiver.url], researcher=ScriptedResearcher()
    )
    assert code == ExitCode.OK
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    assert json.loads(body)["job"]["done"] == 2
    capsys.readouterr()
    assert main(["--workspace", ws, "notices", "secret"]) == ExitCode.OK
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert verify_signature(secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])


@pytest.mark.parametrize(
    "option",
    [
        ["--webhook-url", "ftp://example.com/x"],
        ["--webhook-url", "http://example.com/x"],
        ["--notification-email", "nobody"],
    ],
)
def test_bad_notice_options_are_refused_before_any_research(tmp_path, option, capsys):
    researcher = ScriptedResearcher()
    argv = ["--workspace", str(tmp_path / "ws"), "research", str(_input(tmp_path / "in.csv")), "--no-progress", *option]
    assert main(argv, researcher=researcher) == ExitCode.INPUT
    assert not researcher.calls
    assert option[0] in capsys.readouterr().err
