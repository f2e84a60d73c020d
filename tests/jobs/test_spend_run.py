"""A job with a spend cap on the fixture web, the fake OpenAI-compatible LLM and the fake Brave search (issue 15).

``research --llm --ask Q --max-cost USD --concurrency 1``: each company costs
one or two LLM calls (the fill call and the questions call, 100 + 20 tokens
each at gpt-4o-mini's price) and one search (the question, at Brave's
price). A cap above one company's most but below two companies' least lets
exactly two companies make paid calls; the others are researched for free
and say so in their status and question cells. A cap of 0 makes no paid call.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.cli import main
from service.cli.exits import ExitCode
from service.examples.demo_web import DemoWeb
from service.research.llm.pricing import DEFAULT_PRICES, cost_of
from service.research.search.pricing import price_per_search
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.search_server import GOOD_KEY, FakeSearchServer
from tests.support.loopback import serving

QUESTION = "Do they offer an API?"
HOSTS = {  # in research order (concurrency 1): Nimbus, whose pages mention an API, comes after the cap
    "Acme Robotics": "acme-robotics.test",
    "FibreNet": "fibrenet-uk.test",
    "Ledgerly": "ledgerly.test",
    "Nimbus": "nimbus-app.test",
}
LLM_CALL = cost_of(DEFAULT_PRICES, "gpt-4o-mini", 100, 20)  # what the fake charges per call (its token counts)
SEARCH = price_per_search("brave")


def _answer(request: dict[str, Any]) -> dict[str, Any]:
    """Every call is answered (and billed): the questions call with 'not stated', the fill call with nothing."""
    schema = request["response_format"]["json_schema"]["schema"]
    if "q1" in schema["properties"]:
        return {"q1": {"value": None, "source_url": "", "quote": ""}}
    return {}


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[DemoWeb, FakeOpenAI, FakeSearchServer]]:
    search = FakeSearchServer()
    with DemoWeb() as web, FakeOpenAI() as llm, serving(search.server):
        llm.answer_with(_answer)
        yield web, llm, search


@pytest.fixture
def run(servers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    web, llm, search = servers
    for name, value in {
        "ROWSCOUT_HOME": str(tmp_path / "ws"),
        "ROWSCOUT_DEMO_WEB_PORT": str(web.port),
        "ROWSCOUT_LLM_PROVIDER": "openai",
        "ROWSCOUT_LLM_BASE_URL": llm.base_url,
        "ROWSCOUT_LLM_MODEL": "gpt-4o-mini",
        "ROWSCOUT_SEARCH_PROVIDER": "brave",
        "ROWSCOUT_SEARCH_API_KEY": GOOD_KEY,
        "ROWSCOUT_SEARCH_ENDPOINT": search.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    source = tmp_path / "in.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Company", "Website"])
        writer.writerows([name, web.url(host)] for name, host in HOSTS.items())

    def research(cap: str) -> tuple[dict[str, dict[str, str]], list[str], int]:
        llm.requests.clear()
        search.requests.clear()
        argv = ["research", str(source), "-o", str(tmp_path / "out.csv"), "--no-progress", "--timeout", "20"]
        argv += ["--llm", "--ask", QUESTION, "--fields", "industry", "--concurrency", "1", "--max-cost", cap]
        assert main(argv) == ExitCode.OK
        with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as handle:
            rows = {row["Company"]: row for row in csv.DictReader(handle)}
        prompts = [request["messages"][0]["content"] for request in llm.requests]
        asked = [_company(prompt) for prompt in prompts if "about the company" in prompt]
        return rows, asked, len(llm.requests)

    return research, search, source


def _company(prompt: str) -> str:
    found = re.search(r"about the company '([^']+)'", prompt)
    assert found is not None
    return found.group(1)


def test_a_cap_lets_two_companies_ask_and_marks_the_others(run) -> None:
    research, search, _ = run
    cap = 2 * LLM_CALL + 1.5 * SEARCH  # one company costs at most 2 calls + 1 search; two cost at least 2 + 2
    rows, asked, llm_calls = research(f"{cap:.6f}")
    note = f"not asked: spend cap of ${float(f'{cap:.6f}'):g} reached"
    assert len(asked) == 2 and len(set(asked)) == 2  # two companies asked their question, once each
    assert 2 <= llm_calls <= 4 and len(search.requests) == 2  # and nothing else was paid for
    assert all(QUESTION in call.query for call in search.requests)
    others = [name for name in HOSTS if name not in asked]
    for name in asked:
        assert rows[name]["Rowscout status"] == "done"
    for name in others:
        assert rows[name]["Rowscout status"] == f"done — {note}"
        cell = rows[name][QUESTION]
        assert cell == "" or cell.startswith(f"Evidence ({note}): “")
    assert rows["Nimbus"][QUESTION].startswith(f"Evidence ({note}): “Nimbus is a weather API")  # free evidence


def test_a_cap_of_zero_makes_no_paid_call(run) -> None:
    research, search, _ = run
    rows, asked, llm_calls = research("0")
    assert (asked, llm_calls, len(search.requests)) == ([], 0, 0)
    assert {row["Rowscout status"] for row in rows.values()} == {"done — not asked: spend cap of $0 reached"}


def test_the_estimate_shows_the_split_and_the_cap(run, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, source = run
    argv = ["estimate", str(source), "--llm", "--ask", QUESTION, "--fields", "industry", "--max-cost", "0.5"]
    assert main(argv) == ExitCode.OK
    out = capsys.readouterr().out
    assert "research LLM $" in out and "questions LLM $" in out and "spend cap $0.5" in out
    assert "web search $0.0200 (4 queries)" in out  # one per question per company, at Brave's price
    assert "one per question per company: 4" in out
