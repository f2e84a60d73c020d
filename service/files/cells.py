"""Cell text in and out: cleaning input values, and the guards every writer applies.

Reading: every cell becomes a stripped ``str``: numbers like ``2019.0`` read
as ``2019``, NaN and None as ``""``, dates in ISO form. NUL characters are
removed and very long cells are capped at ``MAX_CELL_CHARS``; both are
reported once through a ``WarningLog``.

Writing (files, the API export and sheets all use these):

- ``truncate(text, limit)``: the one way a long cell is cut, ending with
  ``TRUNCATION_MARKER``; limits are ``SHEETS_MAX_CELL_CHARS`` (Google Sheets)
  and ``XLSX_MAX_CELL_CHARS`` (Excel).
- ``csv_cell``: text a spreadsheet app would run as a formula (it starts with
  one of ``FORMULA_PREFIXES``: ``= + - @``, tab or carriage return) gets a
  leading ``'`` (the usual CSV-injection guard).
- ``xlsx_cell``: a string cell (never a formula) with the characters XML
  cannot hold removed and the text cut to Excel's limit.

- ``link_target`` / ``mailto_target``: the hyperlink an .xlsx cell may carry:
  only an absolute ``http``/``https`` address (no spaces, no control
  characters, at most ``MAX_LINK_CHARS``) or a plain email address. Anything
  else (``javascript:``, ``file:``, text) gets no link. A link is a cell
  hyperlink (a relationship of the sheet), never a ``HYPERLINK()`` formula,
  and the cell's text stays a string cell.

Sheets cells need no formula guard: they are written with ``RAW`` input.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

MAX_CELL_CHARS = 50_000  # input cells are capped here when read
SHEETS_MAX_CELL_CHARS = 50_000  # Google's limit per cell
XLSX_MAX_CELL_CHARS = 32_767  # Excel's limit per cell
TRUNCATION_MARKER = " …[truncated]"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_LINK_CHARS = 2_000  # Excel ignores longer hyperlink targets
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}")
_UNSAFE_IN_LINK = re.compile(r"[\s\x00-\x1f\x7f\"<>\\^`{|}]")


class WarningLog:
    """Warnings for the user; ``note`` keeps only the first occurrence of each kind.

    The list it fills is the ``InputTable.warnings`` list, so warnings found
    while records stream (e.g. a NUL byte on row 90,000) still reach the user.
    """

    def __init__(self, lines: list[str] | None = None) -> None:
        self.lines: list[str] = lines if lines is not None else []
        self._kinds: set[str] = set()

    def add(self, message: str) -> None:
        self.lines.append(message)

    def note(self, kind: str, message: str) -> None:
        """Record ``message`` the first time ``kind`` happens (files may be read more than once)."""
        if kind not in self._kinds:
            self._kinds.add(kind)
            self.lines.append(message)


def truncate(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, ending with ``TRUNCATION_MARKER`` when cut."""
    if len(text) <= limit:
        return text
    keep = limit - len(TRUNCATION_MARKER)
    return text[:keep] + TRUNCATION_MARKER if keep > 0 else text[:limit]


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet app opening this text (e.g. from a CSV) could run it as a formula."""
    return text.startswith(FORMULA_PREFIXES)


def csv_cell(text: str) -> str:
    """``text`` for a CSV file: a leading ``'`` when it looks like a formula (visible in a text editor)."""
    return "'" + text if looks_like_formula(text) else text


def xlsx_text(text: str) -> str:
    """``text`` as an .xlsx file can hold it: no XML-illegal control characters, at most 32,767 characters."""
    return truncate(ILLEGAL_CHARACTERS_RE.sub("", text), XLSX_MAX_CELL_CHARS)


def xlsx_cell(sheet: object, text: str) -> Cell:
    """A string cell (never a formula) that Excel shows as ``xlsx_text(text)``."""
    cell = WriteOnlyCell(sheet, value=xlsx_text(text))
    cell.data_type = "s"
    return cell


def link_target(text: str) -> str | None:
    """``text`` as a hyperlink target when it is one safe absolute http(s) address, else None."""
    value = text.strip()
    if not value or len(value) > MAX_LINK_CHARS or _UNSAFE_IN_LINK.search(value):
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or parts.username or parts.password:
        return None
    return value


def mailto_target(text: str) -> str | None:
    """``mailto:`` the first address of ``text`` ("a@x.com; b@x.com") when it is a plain email address."""
    first = text.split(";", 1)[0].strip()
    return f"mailto:{first}" if _EMAIL.fullmatch(first) else None


def to_text(value: Any) -> str:
    """Any cell value as stripped text (no cleaning of NULs or length; see ``CellCleaner``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Decimal):
        return _float_text(float(value)) if value == value.to_integral_value() else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0, 0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _float_text(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return ""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


class CellCleaner:
    """Cleans cells of one input, noting NULs and oversized cells in ``log``."""

    def __init__(self, log: WarningLog, *, max_chars: int = MAX_CELL_CHARS) -> None:
        self.log = log
        self.max_chars = max_chars

    def clean(self, value: Any, *, where: str) -> str:
        text = to_text(value)
        if "\x00" in text:
            text = text.replace("\x00", "").strip()
            self.log.note("nul", f"NUL characters were removed ({where})")
        if len(text) > self.max_chars:
            self.log.note("huge_cell", f"a cell longer than {self.max_chars:,} characters was truncated ({where})")
            text = truncate(text, self.max_chars)
        return text

    def clean_row(self, values: list[Any], *, where: str) -> list[str]:
        return [self.clean(v, where=where) for v in values]
