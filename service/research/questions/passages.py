"""The company's pages as text for questions: one bounded text per page, split into sentences.

``page_texts`` turns the engine's ``PageExtraction``s into ``PageText``s
(URL, then title, descriptions and visible text, cut at
``MAX_CHARS_PER_PAGE``); ``sentences`` splits them into ``Passage``s of a
readable length (at most ``MAX_PASSAGES`` over the whole company), the units
that evidence ranking picks from. Both are linear in the text they read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from service.research.extract import PageExtraction

MAX_CHARS_PER_PAGE = 20_000
MAX_PASSAGES = 1_500
MIN_PASSAGE_CHARS = 20
MAX_PASSAGE_CHARS = 400

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"'“(\[]?[A-Z0-9À-ÖØ-Þ])")


@dataclass(frozen=True)
class PageText:
    url: str
    text: str


@dataclass(frozen=True)
class Passage:
    url: str
    text: str


def page_texts(pages: Sequence[PageExtraction]) -> list[PageText]:
    """Each page's title, descriptions and visible text, bounded."""
    texts = []
    for page in pages:
        described = list(dict.fromkeys(str(v) for v in page.values("description")))
        lines = [page.title, *described, page.text]
        texts.append(PageText(page.url, "\n".join(line for line in lines if line)[:MAX_CHARS_PER_PAGE]))
    return texts


def sentences(pages: Iterable[PageText], limit: int = MAX_PASSAGES) -> list[Passage]:
    """Readable sentences of every page (duplicates across pages kept once, first page wins)."""
    passages: list[Passage] = []
    seen: set[str] = set()
    for page in pages:
        for sentence in _split(page.text):
            key = sentence.casefold()
            if key in seen:
                continue
            seen.add(key)
            passages.append(Passage(page.url, sentence))
            if len(passages) >= limit:
                return passages
    return passages


def _split(text: str) -> Iterable[str]:
    for line in text.splitlines():
        for part in _SENTENCE_END.split(" ".join(line.split())):
            if len(part) >= MIN_PASSAGE_CHARS:
                yield part if len(part) <= MAX_PASSAGE_CHARS else part[:MAX_PASSAGE_CHARS].rsplit(" ", 1)[0] + " …"
