"""``research FILE --ask QUESTION`` end to end: the real engine on the fixture web, with and without an LLM.

Without a key the question's column holds an evidence passage (labelled) and
its URL is in ``sources``; with the fake OpenAI-compatible server the column
holds the typed answer whose quote was found in the cited page, and an answer
with a fabricated quote is dropped (the column falls back to evidence).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.bootstrap import build_researcher
from service.cli import main
from service.cli.demo import demo_settings
from service.cli.exits import ExitCode
from service.config import Settings
from service.examples.demo_web import DemoWeb
from tests.fakes.openai_server import FakeOpenAI

from .conftest import write_csv

API = "Do they offer an API?"
SIZE = "How many companies use their software?"
TRUE_QUOTE = "Nimbus is a weather API and dashboard for developers"


@pytest.fixture(scope="module")
def web() -> Iterator[DemoWeb]:
    with DemoWeb() as demo:
        yield demo


def _research(web: DemoWeb, path: Path, *args: str) -> int:
    write_csv(path / "in.csv", ["Company", "Website"], [["Nimbus", web.url("nimbus-app.test")]])
    researcher = build_researcher(demo_settings(Settings.from_env()), resolver=web.resolver(), site_port=web.port)
    argv = ["research", str(path / "in.csv"), "-o", str(path / "out.csv"), "--no-progress", "--timeout", "20"]
    return main([*argv, *args], researcher=researcher)


def _row(path: Path) -> dict[str, str]:
    with open(path / "out.csv", newline="", encoding="utf-8-sig") as handle:
        return next(csv.DictReader(handle))


def test_without_a_key_the_column_holds_an_evidence_passage_and_its_url(web, cli_env):
    assert _research(web, cli_env, "--ask", API) == ExitCode.OK
    row = _row(cli_env)
    assert row["Rowscout status"] == "done"
    assert row[API].startswith("Evidence: “") and TRUE_QUOTE in row[API]
    assert f"{API}: {web.url('nimbus-app.test')} (evidence)" in row["Sources"]


def _answers(request: dict[str, Any]) -> dict[str, Any] | None:
    """The fake LLM: answers the questions call from the prompt it was sent; the fill call gets ``{}``."""
    schema = request["response_format"]["json_schema"]["schema"]
    if "q1" not in schema["properties"]:
        return None
    url = re.search(r"^### (\S+)$", request["messages"][0]["content"], re.MULTILINE).group(1)  # type: ignore[union-attr]
    return {
        "q1": {"value": True, "source_url": url, "quote": TRUE_QUOTE.upper() + "."},  # case and dot do not matter
        "q2": {"value": 40000, "source_url": url, "quote": "Nimbus is trusted by 40,000 companies worldwide."},
    }


@pytest.fixture
def fake_llm(monkeypatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        monkeypatch.setenv("ROWSCOUT_LLM_PROVIDER", "openai")
        monkeypatch.setenv("ROWSCOUT_LLM_BASE_URL", fake.base_url)
        monkeypatch.setenv("ROWSCOUT_LLM_MODEL", "gpt-4o-mini")
        fake.answer_with(_answers)
        yield fake


def test_with_an_llm_a_verified_yes_no_answer_and_a_fabricated_quote_dropped(web, cli_env, fake_llm, capsys):
    assert _research(web, cli_env, "--llm", "--ask", API, "--ask", SIZE) == ExitCode.OK
    job_id = re.search(r"Job (\w+) ", capsys.readouterr().out).group(1)  # type: ignore[union-attr]
    assert main(["export", job_id, "-o", str(cli_env / "out.json")]) == ExitCode.OK
    row = _row(cli_env)
    assert row[API] == "Yes"
    assert f"{API}: {web.url('nimbus-app.test')} (llm)" in row["Sources"]
    assert "40000" not in row[SIZE] and "40,000" not in row[SIZE]  # the quote is not on the page: dropped
    asked = [r for r in fake_llm.requests if "q1" in r["response_format"]["json_schema"]["schema"]["properties"]]
    assert asked and SIZE in asked[0]["messages"][0]["content"]
    record = json.loads((cli_env / "out.json").read_text(encoding="utf-8"))[0]
    assert record["answers"][API] == {
        "value": True,
        "url": f"{web.url('nimbus-app.test')}",
        "quote": TRUE_QUOTE.upper() + ".",
        "method": "llm",
        "kind": "yes_no",
    }
    assert record["answers"].get(SIZE, {}).get("method") != "llm"


@pytest.mark.parametrize(
    ("asks", "message"),
    [
        (["x" * 201], "question too long"),
        ([API, "do they offer an  api?"], "question asked twice"),
        (["Offices::count"], "unknown answer kind"),
        ([f"Question {i}?" for i in range(21)], "too many questions"),
    ],
)
def test_bad_questions_are_refused_with_a_clear_message(cli, cli_env, capsys, asks, message):
    write_csv(cli_env / "in.csv", ["Company", "Website"], [["Acme", "acme.com"]])
    argv = ["research", "in.csv", "--no-progress"]
    for ask in asks:
        argv += ["--ask", ask]
    assert cli(argv) == ExitCode.INPUT
    assert message in capsys.readouterr().err


def test_dry_run_shows_each_question_with_its_kind(cli, cli_env, capsys):
    write_csv(cli_env / "in.csv", ["Company", "Website"], [["Acme", "acme.com"]])
    argv = [
        "research",
        "in.csv",
        "--dry-run",
        "--ask",
        API,
        "--ask",
        "Number of [bold]locations[/]",
        "--ask",
        "CEO::list",
    ]
    assert cli(argv) == ExitCode.OK
    out = capsys.readouterr().out
    assert f"Question (yes_no): {API}" in out
    assert "Question (number): Number of [bold]locations[/]" in out  # the user's text, not rich markup
    assert "Question (list): CEO" in out
