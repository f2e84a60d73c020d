"""Header rows: normal forms for matching, blank and duplicate names, header-less inputs, column references.

A column can be named by its header text (any case), its spreadsheet letter
(``A``, ``B``, ... ``AA``) or its 1-based number; ``resolve_column`` turns any
of these into the header text used everywhere else. ``rowscout_columns``
finds the columns a results file got from Rowscout (``Rowscout status`` and
the outputs after it), which detection never takes for the company's name
or website and the writers replace with fresh results.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from service.domain.errors import SchemaError
from service.domain.labels import own_columns
from service.domain.tables import column_index
from service.domain.websites import looks_like_website
from service.files.cells import WarningLog

_NUMBER_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)*%?$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I)


def normalize_header(text: str) -> str:
    """Lower case, no accents, words separated by single spaces (``"Société_Name"`` → ``"societe name"``)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def rowscout_columns(headers: Sequence[str]) -> set[str]:
    """The headers Rowscout wrote into a table it produced (see ``service.domain.labels.own_columns``)."""
    return own_columns(headers)


def generic_headers(count: int) -> list[str]:
    return [f"Column {i}" for i in range(1, count + 1)]


def dedupe_headers(headers: Sequence[str], log: WarningLog) -> list[str]:
    """Blank headers become ``Column N``; repeated ones ``Name (2)``, ``Name (3)``... with a warning."""
    named = [h.strip() or f"Column {i}" for i, h in enumerate(headers, start=1)]
    seen: set[str] = set()
    result: list[str] = []
    for header in named:
        unique, n = header, 1
        while unique.casefold() in seen:
            n += 1
            unique = f"{header} ({n})"
        if unique != header:
            log.add(f"duplicate column header {header!r} renamed to {unique!r}")
        seen.add(unique.casefold())
        result.append(unique)
    return result


def looks_like_data_value(value: str) -> bool:
    """A cell that is almost never a header: a web address, an email or a number."""
    text = value.strip()
    return bool(text) and (looks_like_website(text) or bool(_EMAIL_RE.match(text)) or bool(_NUMBER_RE.match(text)))


def first_row_is_data(first_row: Sequence[str], known_header: bool) -> bool:
    """True when the first row reads as data (URLs, emails, numbers) and names no known column."""
    if known_header:
        return False
    return any(looks_like_data_value(cell) for cell in first_row)


def resolve_column(spec: str, headers: Sequence[str], *, role: str) -> str:
    """The header meant by ``spec``: header text (any case), a column letter or a 1-based number.

    Raises:
        SchemaError: no such column; the message lists the headers.
    """
    wanted = spec.strip()
    for header in headers:
        if header.strip().casefold() == wanted.casefold():
            return header
    index = _index_of(wanted)
    if index is not None and 0 <= index < len(headers):
        return headers[index]
    raise SchemaError(
        f"{role} column {spec!r} not found; columns are: {format_headers(headers)} "
        "(name a header, a column letter like B, or a number like 2)"
    )


def _index_of(spec: str) -> int | None:
    if spec.isdigit():
        return int(spec) - 1
    if re.fullmatch(r"[A-Za-z]{1,3}", spec):
        return column_index(spec)
    return None


def format_headers(headers: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(repr(h) for h in headers[:limit])
    more = len(headers) - limit
    return f"{shown} (and {more} more)" if more > 0 else shown or "(none)"
