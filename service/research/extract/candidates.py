"""Candidate values found on one page, each with where it came from.

Extractors never decide the final profile: they propose ``Candidate``s
(field, value, ``FieldSource``, rank) and ``service.research.merge`` picks.
``rank`` orders candidates of the same method (lower is better).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.domain import FieldMethod, FieldSource


@dataclass(frozen=True)
class Candidate:
    field: str
    value: Any
    source: FieldSource
    rank: int = 0


def candidate(name: str, value: Any, url: str, method: FieldMethod, rank: int = 0) -> Candidate:
    """Shorthand used by every extractor."""
    return Candidate(field=name, value=value, source=FieldSource(url=url, method=method), rank=rank)


@dataclass
class PageExtraction:
    """Everything extracted from one page: candidates plus text for the classifiers and the LLM."""

    url: str
    title: str = ""
    names: list[str] = field(default_factory=list)  # site / organisation names the page claims
    text: str = ""  # visible main text, one line per block
    headings: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)

    def values(self, name: str) -> list[Any]:
        return [c.value for c in self.candidates if c.field == name]
