"""What users type as custom questions → validated ``Question``s, with clear errors.

``--ask "Number of locations::number"`` (CLI), ``"questions": [...]`` (API
bodies, strings or ``{"text", "kind"}`` objects) and the sidebar's Questions
box all go through ``parse_questions``: each question non-empty, at most
``MAX_QUESTION_CHARS`` characters, no control characters; at most
``MAX_QUESTIONS`` per job; no question twice (case and spaces ignored); a
``::kind`` suffix names one of ``AnswerKind`` (a few aliases accepted).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from service.domain.errors import InputError
from service.domain.questions import AnswerKind, Question, infer_kind

MAX_QUESTIONS = 20  # per job
MAX_QUESTION_CHARS = 200
KIND_SEPARATOR = "::"

_KIND_ALIASES = {"yes/no": AnswerKind.YES_NO, "yesno": AnswerKind.YES_NO, "bool": AnswerKind.YES_NO,
                 "boolean": AnswerKind.YES_NO, "int": AnswerKind.NUMBER, "integer": AnswerKind.NUMBER,
                 "string": AnswerKind.TEXT}  # fmt: skip
_SPACES = re.compile(r"\s+")


def parse_question(spec: str) -> Question:
    """``"How many offices?"`` or ``"Offices::number"`` → a validated question."""
    text, sep, kind_text = spec.rpartition(KIND_SEPARATOR) if KIND_SEPARATOR in spec else (spec, "", "")
    text = _SPACES.sub(" ", text).strip()
    if not text:
        raise InputError('a question is empty; write it as text, e.g. --ask "Do they offer an API?"')
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(f"question too long ({len(text)} characters; at most {MAX_QUESTION_CHARS}): {text[:40]}…")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise InputError(f"question contains control characters: {text[:40]!r}")
    return Question(text, _kind(kind_text, text) if sep else infer_kind(text))


def parse_questions(specs: Iterable[str | dict[str, Any] | Question]) -> tuple[Question, ...]:
    """Validated questions of a job: at most ``MAX_QUESTIONS``, no two the same (case and spaces ignored)."""
    questions = [_as_question(spec) for spec in specs]
    if len(questions) > MAX_QUESTIONS:
        raise InputError(f"too many questions ({len(questions)}); at most {MAX_QUESTIONS} per job")
    seen: set[str] = set()
    for question in questions:
        key = question.text.casefold()
        if key in seen:
            raise InputError(f"question asked twice: {question.text[:60]!r}")
        seen.add(key)
    return tuple(questions)


def _as_question(spec: str | dict[str, Any] | Question) -> Question:
    if isinstance(spec, Question):
        return spec
    if isinstance(spec, dict):
        kind = spec.get("kind")
        text = spec.get("text")
        if not isinstance(text, str) or not (kind is None or isinstance(kind, str)):
            raise InputError("a question object needs text (a string) and optionally kind (a string)")
        return parse_question(f"{text}{KIND_SEPARATOR}{kind}" if kind else text)
    if isinstance(spec, str):
        return parse_question(spec)
    raise InputError("each question must be text (or an object with text and kind)")


def _kind(text: str, question: str) -> AnswerKind:
    name = text.strip().lower().replace("-", "_")
    try:
        return _KIND_ALIASES.get(name) or AnswerKind(name)
    except ValueError:
        kinds = ", ".join(k.value for k in AnswerKind)
        raise InputError(
            f"unknown answer kind {text.strip()[:20]!r} for {question[:40]!r}; use one of: {kinds}"
        ) from None
