"""Bounds on a page's markup, applied before any HTML parser sees it.

lexbor (selectolax) builds its tree in time that grows with the square of the
nesting depth (40,000 nested ``<div>``s: ~6 s; 150,000: minutes), and every
link becomes work in discovery and extraction. ``bound_html`` makes every
page affordable in one linear pass over its tags:

* at most ``MAX_HTML_CHARS`` characters are kept (the top of a page holds
  what research needs);
* the page is cut where elements nest deeper than ``MAX_NESTING`` (real
  pages stay below ~60; hostile ones nest 100,000 deep);
* the page is cut after ``MAX_ELEMENTS`` start tags (a flood of 79,000
  links or 150,000 empty elements costs the parser and every extractor);
* a start tag with no ``>`` after it ends the page.

After parsing, extractors see at most ``MAX_LINKS`` links and ``MAX_LINES``
text blocks of a page (``extract.document``): their cost grows with both.

Raw-text elements (``script``, ``style``, ``textarea``, ``title``) and
comments are skipped whole, so markup inside a script's strings does not
count. The scan never looks back: each character is visited once.
"""

from __future__ import annotations

import re

MAX_HTML_CHARS = 600_000
MAX_NESTING = 512
MAX_ELEMENTS = 20_000
MAX_LINKS = 2_000  # links considered per page (discovery and extraction)
MAX_LINES = 2_000  # text blocks handed to the extractors: the first and the last 1,000 (top and footer)

_START = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)|<!--")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_RAW_TEXT = frozenset(("script", "style", "textarea", "title", "xmp", "noscript", "plaintext"))


def bound_html(
    html: str,
    *,
    max_chars: int = MAX_HTML_CHARS,
    max_depth: int = MAX_NESTING,
    max_elements: int = MAX_ELEMENTS,
) -> str:
    """``html`` cut to the bounds above (unchanged when within them)."""
    html = html[:max_chars]
    depth = elements = pos = 0
    while (match := _START.search(html, pos)) is not None:
        if match.group(0) == "<!--":
            end = html.find("-->", match.end())
            if end < 0:
                return html
            pos = end + 3
            continue
        end = html.find(">", match.end())
        if end < 0:
            return html[: match.start()]
        closing, name = match.group(1), match.group(2).lower()
        pos = end + 1
        if closing:
            depth = max(0, depth - 1)
            continue
        elements += 1
        if elements > max_elements:
            return html[: match.start()]
        if name in _VOID or html[end - 1] == "/":
            continue
        depth += 1
        if depth > max_depth:
            return html[: match.start()]
        if name in _RAW_TEXT:
            pos = _raw_text_end(html, name, pos)
    return html


def _raw_text_end(html: str, name: str, pos: int) -> int:
    """Where the raw text of ``<name>`` opened before ``pos`` ends (its end tag is scanned next)."""
    match = re.compile(f"</{name}", re.IGNORECASE).search(html, pos)
    return match.start() if match else len(html)
