"""The shared-budget benchmark runs in a tiny configuration and reports the figures the runner reads.

No timing is asserted: the shape of the report, and the outcomes that hold
at any size (nothing lost; the shared budget surfaces no quota error and
keeps the server's count under the quota, in the same run as the baseline).
"""

from __future__ import annotations

import json
from pathlib import Path

import bench.__main__ as runner
from bench.bench_sheets_budget import main


def test_tiny_bench_reports_both_designs_and_the_runner_reads_it(tmp_path: Path, capsys) -> None:
    out = tmp_path / "sheets_budget.json"
    main(["--jobs", "3", "--rows", "8", "--quota", "12", "--rate", "2", "--out", str(out)])
    data = json.loads(out.read_text())
    printed = capsys.readouterr().out
    assert "shared budget" in printed and "per-job limiter" in printed and "targets met" in printed
    shared, baseline = data["shared_budget"], data["per_job_limiter"]
    for report in (shared, baseline):
        assert report["rows_never_written"] == 0 and report["rows_refused_by_the_sheet"] == 0
        assert report["latency_p50_s"] <= report["latency_p95_s"] <= report["latency_max_s"]
    assert shared["quota_errors_surfaced"] == 0 and shared["max_writes_in_any_minute"] <= 12
    assert shared["max_reads_in_any_minute"] <= 12
    assert baseline["quota_errors_surfaced"] > 0  # three jobs with a limiter each overrun the shared quota
    figures = runner.sheets_budget_figures(data)
    assert {f.figure for f in figures} >= {"max writes in any minute", "quota errors surfaced (vs per-job limiter)"}
