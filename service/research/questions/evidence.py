"""Without an LLM: the passage of the company's pages that best matches a question, ranked with BM25.

The company's sentences (``passages.sentences``) are the documents; the
question is the query. Tokens are lower-cased words of two or more letters,
English stop words removed, with a light suffix stemmer (``offers`` →
``offer``) so a question and a page need not use the same inflection. The
best sentence with a positive score is returned (ties: the earlier one, so
the home page wins); no shared word → no evidence. ``focus`` uses the same
ranking to pick what an LLM is shown when the pages exceed its budget. BM25 comes from ``bm25s``
(see ``service/research/README.md``), imported on first use: it sets its own
logger to DEBUG on import, which would print index-building lines under any
logging setup, so ``_bm25`` sets it back to WARNING.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from service.research.questions.passages import PageText, Passage, sentences

_SUFFIXES = ("ies", "ing", "ed", "es", "s")


class EvidenceIndex:
    """A company's passages indexed once; ``best(question)`` scores them for each question."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = list(passages)
        self._ranker: Any = None
        if self.passages:
            self._ranker = _bm25().BM25()
            self._ranker.index(_tokens([p.text for p in self.passages]), show_progress=False)

    def best(self, question: str) -> Passage | None:
        """The passage that best answers ``question`` by BM25, or None when no passage shares a word with it."""
        top = self.top(question, 1)
        return self.passages[top[0]] if top else None

    def top(self, question: str, count: int) -> list[int]:
        """Indexes of the ``count`` best passages with a positive score, best first (ties: earlier first)."""
        query = _tokens([question])[0]
        if not query or self._ranker is None:
            return []
        scores = self._ranker.get_scores(query)
        ranked = sorted(range(len(self.passages)), key=lambda i: (-scores[i], i))[:count]
        return [i for i in ranked if scores[i] > 0]


def focus(
    texts: Sequence[PageText], questions: Sequence[str], char_budget: int, per_question: int = 6
) -> list[PageText]:
    """What the LLM is shown: every text when all fit in ``char_budget``; else, first, each page's sentences
    that best match some question (``per_question`` each, in page order), then the texts themselves, which
    the prompt cuts at the budget. A page's full text still decides whether a quote is in it.
    """
    if sum(len(text.text) for text in texts) <= char_budget:
        return list(texts)
    index = EvidenceIndex(sentences(texts))
    chosen = sorted({i for question in questions for i in index.top(question, per_question)})
    excerpts: dict[str, list[str]] = {}
    for i in chosen:
        excerpts.setdefault(index.passages[i].url, []).append(index.passages[i].text)
    focused = [PageText(text.url, "\n".join(excerpts.pop(text.url))) for text in texts if text.url in excerpts]
    return focused + list(texts)


def best_passage(question: str, passages: Sequence[Passage]) -> Passage | None:
    """``EvidenceIndex(passages).best(question)``: for one question."""
    return EvidenceIndex(passages).best(question)


def _tokens(texts: list[str]) -> list[list[str]]:
    tokens = _bm25().tokenize(texts, stopwords="en", stemmer=_stem, return_ids=False, show_progress=False)
    return [list(words) for words in tokens]


def _bm25() -> ModuleType:
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def _stem(words: list[str]) -> list[str]:
    return [_stem_word(word) for word in words]


def _stem_word(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word
