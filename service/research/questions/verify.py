"""Is a quote really in the page? Compare after normalising what does not change meaning.

Both sides are NFKC-normalised and case-folded; curly quotes, primes and
guillemets become plain quotes; dashes become ``-``; an ellipsis becomes
``...``; every run of whitespace becomes one space. A quote shorter than
``MIN_QUOTE_CHARS`` proves nothing, and one longer than ``MAX_QUOTE_CHARS`` is
not a quote (a page pasted back): neither is ever accepted.
"""

from __future__ import annotations

import re
import unicodedata

MIN_QUOTE_CHARS = 12
MAX_QUOTE_CHARS = 600

_QUOTES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u00a0": " ", "\u2026": "...",
})  # fmt: skip
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _SPACES.sub(" ", text).strip()


def quote_found(quote: str, page_text: str) -> bool:
    """True when ``quote`` (long enough to mean something) occurs in ``page_text``, normalised."""
    wanted = normalize(quote).strip(" \"'.…")
    return MIN_QUOTE_CHARS <= len(wanted) <= MAX_QUOTE_CHARS and wanted in normalize(page_text)
