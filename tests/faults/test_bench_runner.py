"""The benchmark runner (``python -m bench``) survives failing, missing and silent benchmarks.

Each case runs a tiny real subprocess; the runner must report it in the
table instead of stopping, and read figures only from JSON this run wrote.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

import bench.__main__ as runner


def _figures(data: dict[str, Any]) -> list[runner.Figure]:
    return [runner.Figure("demo", "value", data["value"], data["base"], "≤ 2", data["value"] <= 2)]


def _bench(name: str, code: str, result: str = "", **changes: Any) -> runner.Bench:
    return runner.Bench(name, ("-c", code), (), result, _figures, timeout=changes.pop("timeout", 30.0), **changes)


def test_a_failing_bench_is_reported_not_fatal() -> None:
    outcome = runner.run_bench(_bench("boom", "raise SystemExit('kaput: bench crashed')"), quick=False)
    assert outcome.status == "failed" and "kaput" in outcome.detail and outcome.figures == []


def test_a_missing_bench_is_reported() -> None:
    outcome = runner.run_bench(_bench("later", "pass", module_file="bench/bench_not_there.py"), quick=True)
    assert outcome.status == "missing"


def test_a_hanging_bench_times_out() -> None:
    outcome = runner.run_bench(_bench("hang", "import time; time.sleep(30)", timeout=0.5), quick=False)
    assert outcome.status == "timeout"


def test_figures_come_from_stdout_json_with_ratio_and_verdict() -> None:
    code = "import json; print('noise'); print(json.dumps({'value': 3, 'base': 6}))"
    outcome = runner.run_bench(_bench("ok", code), quick=False)
    assert outcome.status == "ok"
    table = runner.render([outcome])
    assert "0.5" in table and "NO" in table  # ratio 3/6, target ≤ 2 not met


def test_stale_result_json_is_not_reported_as_fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(runner, "RESULTS", tmp_path)
    stale = tmp_path / "old.json"
    stale.write_text(json.dumps({"value": 1, "base": 1}))
    old = stale.stat().st_mtime - 3600
    os.utime(stale, (old, old))
    outcome = runner.run_bench(_bench("stale", "pass", result="old.json"), quick=False)
    assert outcome.status == "stale"


def test_main_writes_a_summary_and_fails_when_a_bench_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    good = _bench("good", "import json; print(json.dumps({'value': 1, 'base': 2}))")
    bad = _bench("bad", "import sys; sys.exit(3)")
    monkeypatch.setattr(runner, "BENCHES", (good, bad))
    monkeypatch.setattr(runner, "RESULTS", tmp_path)
    monkeypatch.setattr(runner, "SUMMARY", tmp_path / "summary.json")
    assert runner.main([]) == 1
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [b["status"] for b in summary["benchmarks"]] == ["ok", "failed"]
    assert summary["figures"][0]["ratio"] == 0.5 and summary["figures"][0]["met"] is True


def test_hostile_figures_read_what_bench_hostile_writes() -> None:
    from bench.bench_hostile import summary

    def case(name: str, seconds: float, base: dict[str, Any] | None) -> dict[str, Any]:
        return {"case": name, "rowscout": {"seconds": seconds, "peak_mb": 2.0, "outcome": "ok"}, "baseline": base}

    plain = {"seconds": 0.5, "peak_mb": 1.0, "outcome": "ok"}
    result = {
        "files": [case("bomb", 4.0, plain), case("bom", 0.1, plain)],
        "markup": [case("deep", 1.0, plain)],
        "sites": [case("gzip-bomb.test", 2.0, None)],
        "nesting": {"rowscout": {"growth_for_4x_depth": 4.1}, "baseline": {"growth_for_4x_depth": 3.9}},
    }
    figures = runner.hostile_figures({**result, "worst": summary(result)})
    slowest = next(f for f in figures if f.figure == "slowest s: bomb")
    assert (slowest.rowscout, slowest.baseline, slowest.met) == (4.0, 0.5, None)  # printed, never judged
    assert any(f.bench.startswith("hostile sites") and f.baseline is None for f in figures)
    assert figures[-1].rowscout == 4.1 and figures[-1].baseline == 3.9


def test_only_keeps_the_other_benchmarks_of_the_last_summary(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first = _bench("first", "import json; print(json.dumps({'value': 1, 'base': 2}))")
    second = _bench("second", "import json; print(json.dumps({'value': 4, 'base': 2}))")
    monkeypatch.setattr(runner, "BENCHES", (first, second))
    monkeypatch.setattr(runner, "RESULTS", tmp_path)
    monkeypatch.setattr(runner, "SUMMARY", tmp_path / "summary.json")
    assert runner.main([]) == 0
    full = json.loads((tmp_path / "summary.json").read_text())
    monkeypatch.setattr(
        runner, "BENCHES", (first, _bench("second", "import json; print(json.dumps({'value': 3, 'base': 2}))"))
    )
    assert runner.main(["--only", "second"]) == 0
    merged = json.loads((tmp_path / "summary.json").read_text())
    assert [b["name"] for b in merged["benchmarks"]] == ["first", "second"]
    assert [(f["of"], f["rowscout"]) for f in merged["figures"]] == [("first", 1), ("second", 3)]
    assert merged["finished_at"] == full["finished_at"] and "second re-run alone" in merged["note"]
