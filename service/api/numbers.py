"""Strict numbers from query parameters and headers: ASCII digits only, one to nine of them.

``str.isdigit`` accepts "²" and Arabic-Indic digits, and ``int`` then parses
some of them or raises; a 5,000-digit header costs a big-integer parse. Every
number the API reads from a query string or a header goes through
``strict_int``, which refuses all of that before ``int`` sees it.
"""

from __future__ import annotations

import re

MAX_DIGITS = 9
_DIGITS = re.compile(r"[0-9]{1,9}")


def strict_int(text: str | None) -> int | None:
    """The value of ``text`` when it is 1–9 ASCII digits, else None."""
    if text is None or not _DIGITS.fullmatch(text):
        return None
    return int(text)
