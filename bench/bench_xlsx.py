"""Benchmark: writing a results workbook, polished (``write_xlsx``) beside a raw dump of the same table.

The polished workbook (styled header, sized columns, typed cells, links, the
Sources sheet, row heights) costs more than a raw dump; this measures how
much, in the same run on the same rows, so the figure means something on a
loaded machine. The baseline is openpyxl's write-only mode with every value
of the same table (``ResultColumns.cells``) appended as a plain string cell,
which is what the writer did before issue 17. Nothing is asserted.

Run: ``.venv/bin/python -m bench.bench_xlsx [--rows 10000]``.
Writes ``bench/results/xlsx.json``.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook

from service.domain import PROFILE_FIELDS, CompanyInput, CompanyProfile, FieldMethod, FieldSource, Row, RowState
from service.domain.tables import ColumnMap
from service.files.cells import xlsx_cell
from service.files.output import ResultColumns
from service.files.writers import write_xlsx

RESULTS = Path(__file__).parent / "results" / "xlsx.json"


def rows(count: int) -> list[Row]:
    out = []
    for i in range(1, count + 1):
        site = f"https://company{i}.example/"
        profile = CompanyProfile(
            name=f"Company {i}",
            website=site,
            description=f"Company {i} builds tools for teams that need them. " * 3,
            industry="Software & SaaS",
            hq_city="Austin",
            hq_country="United States",
            founded_year=2000 + i % 25,
            employees=str(10 + i % 900),
            emails=[f"info@company{i}.example"],
            phones=[f"415555{i % 10000:04d}"],
            linkedin=f"https://www.linkedin.com/company/company{i}",
            sources={f: FieldSource(site + "about", FieldMethod.TEXT) for f in ("description", "industry", "hq_city")},
        )
        out.append(
            Row(
                "bench",
                f"r{i:06d}",
                i,
                CompanyInput(f"Company {i}", site, {"Owner": "ann"}),
                state=RowState.DONE,
                result=profile,
                researched_at=datetime(2026, 1, 1, tzinfo=UTC),
            )  # fmt: skip
        )
    return out


def raw_dump(columns: ResultColumns, table: list[Row]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Results")
    sheet.append([xlsx_cell(sheet, h) for h in columns.headers])
    for row in table:
        sheet.append([xlsx_cell(sheet, c) for c in columns.cells(row)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def polished(columns: ResultColumns, table: list[Row]) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, columns, table)
    return out.getvalue()


def timed(make: object, columns: ResultColumns, table: list[Row]) -> tuple[float, int]:
    start = time.perf_counter()
    data = make(columns, table)  # type: ignore[operator]
    return time.perf_counter() - start, len(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    table = rows(args.rows)
    columns = ResultColumns.build(["Company", "Website", "Owner"], PROFILE_FIELDS, ColumnMap("Company", "Website"))
    figures = {}
    for name, make in (("raw dump (baseline)", raw_dump), ("polished write_xlsx", polished)):
        seconds, size = timed(make, columns, table)
        figures[name] = {"seconds": round(seconds, 2), "bytes": size, "rows_per_second": round(args.rows / seconds)}
        rate = args.rows / seconds
        print(f"{name:22} {args.rows:>7,} rows  {seconds:6.2f} s  {size / 1e6:6.2f} MB  {rate:8,.0f} rows/s")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"rows": args.rows, "columns": len(columns.headers), **figures}, indent=2) + "\n")


if __name__ == "__main__":
    main()
