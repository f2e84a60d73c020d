"""Render the results workbook Rowscout writes into the PNG shown in the docs (docs/images/results-xlsx.png).

Honest by construction: the demo researches its bundled companies with the
real engine against the local demo web (``python -m service demo``), and the
real file writer (``service.files.writers.export_rows``) writes those rows;
only the table is cut down (the company and website input columns, eight
fields; the first seven researched rows and the first three failed or
skipped ones) so the picture stays legible. LibreOffice (headless)
then prints the workbook to PDF, and ``pdftoppm`` turns each sheet's first
page into a PNG, cropped to the printed cells. For the print only, a copy of the workbook gets print
settings (landscape, one page wide, gridlines and row/column headings): the
cells, styles, widths, links and types are the writer's. A print shows no
filter buttons and no frozen pane; the tests check those
(``tests/files/test_xlsx_output.py``).

Needs: ``apt-get install -y libreoffice-calc poppler-utils`` (no Python packages beyond the product's).
Run: ``.venv/bin/python docs/make_xlsx_screenshot.py`` (about a minute).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.bootstrap import build_local  # noqa: E402
from service.cli import main  # noqa: E402
from service.config import EmbeddedSettings, Settings  # noqa: E402
from service.domain import RowState  # noqa: E402
from service.files.output import sheet_title_of  # noqa: E402
from service.files.writers import export_rows  # noqa: E402
from service.jobs import control  # noqa: E402

FIELDS = ("description", "industry", "hq_city", "hq_country", "founded_year", "employees", "phones", "linkedin")
INPUTS = ["Company", "Website"]
DONE_ROWS, OTHER_ROWS = 7, 3  # the first researched rows, then the first failed or skipped ones
IMAGES = ROOT / "docs" / "images"
DPI = 110
PRINT_ROWS = 20


def results_workbook(work: Path) -> Path:
    """The demo's research, written by the real writer with fewer columns."""
    workspace = work / "ws"
    code = main(["--workspace", str(workspace), "demo", "-o", str(work / "demo.xlsx"), "--no-progress"])
    if code != 0:
        raise SystemExit(f"the demo exited {code}")
    local = build_local(Settings(embedded=EmbeddedSettings(workspace=workspace)))
    svc = local.services()
    job = control.latest_job(svc)
    rows = list(svc.store.iter_rows(job.id))
    done = [row for row in rows if row.state == RowState.DONE][:DONE_ROWS]
    other = [row for row in rows if row.state != RowState.DONE][:OTHER_ROWS]
    picked = sorted(done + other, key=lambda row: row.position)
    path = work / "results.xlsx"
    export_rows(
        picked, path, input_headers=INPUTS, fields=FIELDS, columns=job.source.columns,
        sheet_title=sheet_title_of(job.source),
    )  # fmt: skip
    return path


def printable_copy(path: Path, keep: str) -> Path:
    """A copy with only sheet ``keep`` and print settings (landscape, one page wide, gridlines, headings)."""
    book = openpyxl.load_workbook(path)
    for name in book.sheetnames:
        if name != keep:
            del book[name]
    sheet = book[keep]
    if sheet.max_row > PRINT_ROWS + 1:
        sheet.delete_rows(PRINT_ROWS + 2, sheet.max_row)  # the picture shows the first lines only
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A3
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_options.gridLines = True
    sheet.print_options.headings = True
    copy = path.with_name(f"print-{keep.lower()}.xlsx")
    book.save(copy)
    return copy


def render(xlsx: Path, png: Path) -> None:
    """xlsx → PDF (LibreOffice) → the first page, cropped to its content, as PNG (pdftoppm)."""
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(xlsx.parent), str(xlsx)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = str(xlsx.with_suffix(".pdf"))
    page = ["pdftoppm", "-r", str(DPI), "-f", "1", "-l", "1", "-singlefile"]
    ppm = subprocess.run([*page, pdf], check=True, capture_output=True).stdout
    x, y, width, height = content_box(ppm, margin=16)
    crop = ["-x", str(x), "-y", str(y), "-W", str(width), "-H", str(height)]
    subprocess.run([*page, *crop, "-png", pdf, str(png.with_suffix(""))], check=True)


def content_box(ppm: bytes, *, margin: int) -> tuple[int, int, int, int]:
    """The box (x, y, width, height) around every non-white pixel of a binary PPM (P6) image, plus ``margin``."""
    fields = ppm.split(maxsplit=4)
    assert fields[0] == b"P6", "pdftoppm writes P6 PPM by default"
    width, height = int(fields[1]), int(fields[2])
    pixels = fields[4][: width * height * 3]
    stride = width * 3
    rows = [r for r in range(height) if pixels[r * stride : (r + 1) * stride].strip(b"\xff")]
    columns = [
        (len(line) - len(line.lstrip(b"\xff"))) // 3 for line in (pixels[r * stride : (r + 1) * stride] for r in rows)
    ]
    ends = [
        width - (len(line) - len(line.rstrip(b"\xff"))) // 3
        for line in (pixels[r * stride : (r + 1) * stride] for r in rows)
    ]
    left, top = max(min(columns) - margin, 0), max(rows[0] - margin, 0)
    right, bottom = min(max(ends) + margin, width), min(rows[-1] + 1 + margin, height)
    return left, top, right - left, bottom - top


def main_() -> None:
    for tool in ("soffice", "pdftoppm"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is missing: apt-get install -y libreoffice-calc poppler-utils")
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = results_workbook(Path(tmp))
        first = openpyxl.load_workbook(path, read_only=True).sheetnames
        render(printable_copy(path, first[0]), IMAGES / "results-xlsx.png")
        render(printable_copy(path, "Sources"), IMAGES / "results-xlsx-sources.png")
    print(f"wrote {IMAGES / 'results-xlsx.png'} and {IMAGES / 'results-xlsx-sources.png'}")


if __name__ == "__main__":
    main_()
