"""Custom questions: a job's own columns, answered per row with a cited source.

A ``Question`` is its text and the kind of answer it wants (``AnswerKind``):
inferred from the wording by ``infer_kind`` (``How many…`` → number, ``Do
they…`` → yes/no, ``Which…`` → list, anything else → text) and overridable
with a ``::kind`` suffix (``"Number of locations::number"``);
``service.domain.question_specs`` parses and validates what users type.

An ``Answer`` is stored with the row's profile, keyed by the question text:
the typed value, the page it came from, the verbatim quote that supports it,
and how it was found (``llm``: an LLM's answer whose quote was found in the
fetched text; ``evidence``: the best-matching passage, shown as evidence,
never as an answer). Each question's output column is named
``question_output(text)`` (``ask:<text>``) and headed by the question text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

OUTPUT_PREFIX = "ask:"


class AnswerKind(StrEnum):
    YES_NO = "yes_no"
    NUMBER = "number"
    TEXT = "text"
    LIST = "list"


class AnswerMethod(StrEnum):
    LLM = "llm"  # an LLM's answer, its quote found verbatim in the cited page
    EVIDENCE = "evidence"  # the best-matching passage of the company's pages: evidence, not an answer


_NUMBER_START = re.compile(
    r"^(how (many|much|large|big|old|long)|(the |total )?(number|count|amount|headcount) of|what is the (total )?"
    r"(number|count|amount) of|number\b)",
    re.IGNORECASE,
)
_YES_NO_START = re.compile(
    r"^(do|does|did|is|are|was|were|has|have|had|can|could|will|would|should|shall|may|might|must)\b", re.IGNORECASE
)
_LIST_START = re.compile(r"^(which|list|name (the|all|their)|what are|who are|(all|main|key) )", re.IGNORECASE)


def infer_kind(text: str) -> AnswerKind:
    """The answer kind a question's wording asks for (a general rule on its first words)."""
    words = text.strip()
    if _NUMBER_START.match(words):
        return AnswerKind.NUMBER
    if _YES_NO_START.match(words):
        return AnswerKind.YES_NO
    if _LIST_START.match(words):
        return AnswerKind.LIST
    return AnswerKind.TEXT


@dataclass(frozen=True)
class Question:
    text: str
    kind: AnswerKind = AnswerKind.TEXT

    @property
    def output(self) -> str:
        return question_output(self.text)

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "kind": self.kind.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        """A stored question (validated when the job was submitted)."""
        return cls(str(data["text"]), AnswerKind(data.get("kind") or AnswerKind.TEXT))


def question_output(text: str) -> str:
    """The output name of a question's column (``ask:<text>``), as fields name theirs."""
    return OUTPUT_PREFIX + text


def question_of(output: str) -> str | None:
    """The question text of an output name, or None for a field/status/sources output."""
    return output[len(OUTPUT_PREFIX) :] if output.startswith(OUTPUT_PREFIX) else None


AnswerValue = bool | int | float | str | list[str]


@dataclass(frozen=True)
class Answer:
    """One row's answer to one question, with where it came from."""

    value: AnswerValue
    url: str
    quote: str
    method: AnswerMethod
    kind: AnswerKind = AnswerKind.TEXT
    note: str = ""  # why evidence stands where an answer was wanted ("LLM unavailable", a spend cap)

    @property
    def cell_text(self) -> str:
        """The question's cell: the typed answer, or ``Evidence: "…"`` (``Evidence (note): "…"``) for a passage."""
        if self.method == AnswerMethod.EVIDENCE:
            label = f"Evidence ({self.note})" if self.note else "Evidence"
            return f"{label}: “{self.quote}”"
        if isinstance(self.value, bool):
            return "Yes" if self.value else "No"
        if isinstance(self.value, float) and self.value.is_integer():
            return str(int(self.value))
        if isinstance(self.value, list):
            return "; ".join(self.value)
        return str(self.value)

    def to_dict(self) -> dict[str, Any]:
        value = list(self.value) if isinstance(self.value, list) else self.value
        data = {"value": value, "url": self.url, "quote": self.quote, "method": self.method.value,
                "kind": self.kind.value}  # fmt: skip
        return data | ({"note": self.note} if self.note else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        return cls(
            value=data.get("value", ""),
            url=str(data.get("url") or ""),
            quote=str(data.get("quote") or ""),
            method=AnswerMethod(data.get("method") or AnswerMethod.EVIDENCE),
            kind=AnswerKind(data.get("kind") or AnswerKind.TEXT),
            note=str(data.get("note") or ""),
        )
