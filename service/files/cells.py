"""Turning any input value into clean cell text, and collecting warnings about it.

Every cell becomes a stripped ``str``: numbers like ``2019.0`` read as
``2019``, NaN and None as ``""``, dates in ISO form. NUL characters are
removed and very long cells are capped at ``MAX_CELL_CHARS`` with a visible
truncation marker; both are reported once through a ``WarningLog``.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

MAX_CELL_CHARS = 50_000


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
    """``text`` cut to at most ``limit`` characters, ending with a truncation marker."""
    if len(text) <= limit:
        return text
    marker = f" …[truncated: {len(text):,} characters]"
    return text[: limit - len(marker)] + marker


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
