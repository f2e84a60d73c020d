"""The README's first command: `python -m service demo` researches the bundled example offline."""

from __future__ import annotations

import openpyxl

from service.cli import ExitCode, main


def test_demo_researches_the_bundled_example_with_the_real_engine(tmp_path, monkeypatch):
    monkeypatch.delenv("ROWSCOUT_RESEARCHER", raising=False)
    out = tmp_path / "demo.xlsx"
    code = main(["--workspace", str(tmp_path / "ws"), "demo", "-o", str(out), "--no-progress"])
    assert code == ExitCode.OK  # its failing rows (parked, bot wall, metadata redirect) fail by design
    rows = list(openpyxl.load_workbook(out).active.values)
    header, body = rows[0], {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert header[:4] == ("Company", "Website", "Account owner", "Notes")
    acme = body["Acme Robotics"]
    assert acme["status"] == "done" and acme["hq_city"] == "Austin" and acme["founded_year"] == "2011"
    assert "founded_year: " in acme["sources"]
    assert body["Nordlicht Design GmbH"]["status"] == "done"  # found from its name alone
    assert body["Nordlicht Design GmbH"]["rowscout_website"].startswith("http://nordlicht-design.test")
    assert body["Parked Domain Inc"]["status"].startswith("failed: parked_domain")
    assert body["Bot Wall Corp"]["status"].startswith("failed: bot_challenge")
    assert body["Redirect To Metadata"]["status"].startswith("failed: unsafe_url")
    assert body["Broken Row"]["status"].startswith("skipped:")
