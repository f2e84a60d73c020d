"""The README's first command: `python -m service demo` researches the bundled example offline.

The demo exits 0 only when exactly the rows marked in its column
``Designed to fail`` fail, each with the kind it names; ``check_designed_failures``
is also exercised on a store filled here, so a surprise either way exits 4.
"""

from __future__ import annotations

import openpyxl
import pytest

from service.bootstrap import build_local
from service.cli import main
from service.cli.demo import DESIGNED_TO_FAIL, check_designed_failures
from service.cli.exits import ExitCode
from service.config import EmbeddedSettings, Settings
from service.domain import CompanyInput, ErrorKind, JobOptions
from service.domain.sources import FileSource
from service.jobs.submit import submit_job
from service.store.memory import MemoryJobStore
from tests.jobs.fakes import ScriptedResearcher


def test_demo_researches_the_bundled_example_with_the_real_engine(tmp_path):
    out = tmp_path / "demo.xlsx"
    code = main(["--workspace", str(tmp_path / "ws"), "demo", "-o", str(out), "--no-progress"])
    assert code == ExitCode.OK  # its failing rows (parked, bot wall, metadata redirect) fail by design
    book = openpyxl.load_workbook(out)
    rows = list(book.worksheets[0].values)
    header, body = rows[0], {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert header[:5] == ("Company", "Website", "Account owner", "Notes", DESIGNED_TO_FAIL)
    acme = body["Acme Robotics"]
    assert acme["Rowscout status"] == "done" and acme["HQ city"] == "Austin" and acme["Founded"] == 2011
    sources = [line[1:3] for line in book["Sources"].values]
    assert ("Acme Robotics", "Founded") in sources and acme["Sources"].endswith("sources")
    assert body["Nordlicht Design GmbH"]["Rowscout status"] == "done"  # found from its name alone
    assert body["Nordlicht Design GmbH"]["Website (found)"].startswith("http://nordlicht-design.test")
    for name, kind in (("Parked Domain Inc", "parked_domain"), ("Bot Wall Corp", "bot_challenge")):
        assert body[name]["Rowscout status"] == "failed" and body[name]["Error"].startswith(kind)
    assert body["Redirect To Metadata"]["Error"].startswith("unsafe_url")
    assert body["Broken Row"]["Rowscout status"].startswith("skipped:")


def _run_demo_like_job(tmp_path, failures: dict[str, ErrorKind], designed: dict[str, str]) -> ExitCode:
    """A job over four companies (some marked ``Designed to fail``), researched with scripted failures."""
    researcher = ScriptedResearcher(failures={name: [kind] for name, kind in failures.items()})
    settings = Settings(embedded=EmbeddedSettings(workspace=tmp_path / "ws"))
    local = build_local(settings, store=MemoryJobStore(), researcher=researcher, checkpoint_seconds=0.05)
    names = ["Acme", "Parked", "Walled", "Plain"]
    rows = [
        (f"r{i}", i, CompanyInput(name, f"{name.lower()}.example", extra={DESIGNED_TO_FAIL: designed.get(name, "")}))
        for i, name in enumerate(names, start=1)
    ]
    options = JobOptions(rate=1000.0, max_attempts=1)
    job = submit_job(
        local.services(), owner="local", name="demo", source=FileSource("demo.csv"), rows=rows, options=options
    )
    local.run(job)
    try:
        return check_designed_failures(local)
    finally:
        local.close()


DESIGNED = {"Parked": "parked_domain", "Walled": "bot_challenge"}


def test_check_passes_when_exactly_the_designed_rows_fail_with_their_kinds(tmp_path):
    failures = {"Parked": ErrorKind.PARKED_DOMAIN, "Walled": ErrorKind.BOT_CHALLENGE}
    assert _run_demo_like_job(tmp_path, failures, DESIGNED) == ExitCode.OK


@pytest.mark.parametrize(
    "failures",
    [
        pytest.param({"Parked": ErrorKind.PARKED_DOMAIN}, id="designed-row-does-not-fail"),
        pytest.param(
            {"Parked": ErrorKind.PARKED_DOMAIN, "Walled": ErrorKind.BOT_CHALLENGE, "Plain": ErrorKind.BLOCKED},
            id="unmarked-row-fails",
        ),
        pytest.param({"Parked": ErrorKind.PARKED_DOMAIN, "Walled": ErrorKind.BLOCKED}, id="designed-row-wrong-kind"),
    ],
)
def test_check_returns_4_on_any_surprise(tmp_path, capsys, failures):
    assert _run_demo_like_job(tmp_path, failures, DESIGNED) == ExitCode.ROWS_FAILED == 4
    assert "demo row" in capsys.readouterr().err
