"""With an LLM: one JSON-schema call answers every question, each with a source URL and a verbatim quote.

The prompt holds the company's page texts (each headed by ``### URL``, cut to
a character budget) and the questions, numbered ``q1``…``qN`` with the type
each wants. The schema asks, per question, for ``value`` (typed by its kind,
or null), ``source_url`` and ``quote``. ``checked_answers`` keeps an answer
only when its value fits the kind, its URL is one of the texts shown and its
quote is found in that text (``verify.quote_found``); the rest are dropped
and named in ``dropped``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from service.domain.questions import Answer, AnswerKind, AnswerMethod, Question
from service.research.questions.coerce import coerce
from service.research.questions.passages import PageText
from service.research.questions.verify import quote_found

_VALUE_TYPES: dict[AnswerKind, dict[str, Any]] = {
    AnswerKind.YES_NO: {"type": ["boolean", "null"]},
    AnswerKind.NUMBER: {"type": ["number", "null"]},
    AnswerKind.LIST: {"type": ["array", "null"], "items": {"type": "string"}},
    AnswerKind.TEXT: {"type": ["string", "null"]},
}
_KIND_HINTS = {
    AnswerKind.YES_NO: "true or false",
    AnswerKind.NUMBER: "a number",
    AnswerKind.LIST: "a list of short strings",
    AnswerKind.TEXT: "a short text",
}


def question_key(index: int) -> str:
    return f"q{index + 1}"


def build_schema(questions: Sequence[Question]) -> dict[str, Any]:
    props = {
        question_key(i): {
            "type": "object",
            "properties": {
                "value": _VALUE_TYPES[q.kind],
                "source_url": {"type": "string"},
                "quote": {"type": "string"},
            },
            "required": ["value", "source_url", "quote"],
            "additionalProperties": False,
        }
        for i, q in enumerate(questions)
    }
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def build_prompt(name: str, questions: Sequence[Question], texts: Sequence[PageText], char_budget: int) -> str:
    parts, used = [], 0
    for text in texts:
        chunk = f"### {text.url}\n{text.text}\n"[: max(0, char_budget - used)]
        parts.append(chunk)
        used += len(chunk)
    asked = "\n".join(f"{question_key(i)} ({_KIND_HINTS[q.kind]}): {q.text}" for i, q in enumerate(questions))
    return (
        f"Answer questions about the company {name!r} using only the texts below (each headed by ### and its URL).\n"
        "For each question give value (null when the texts do not state it), source_url (the URL after ### of "
        "the text that states it) and quote (one sentence copied exactly, word for word, from that text, that "
        "supports the value).\n\n"
        f"Questions:\n{asked}\n\n" + "".join(parts)
    )


def checked_answers(
    data: dict[str, Any], questions: Sequence[Question], texts: Sequence[PageText]
) -> tuple[dict[str, Answer], list[str]]:
    """Answers that pass every check, by question text; and the questions whose answer was dropped."""
    by_url: dict[str, str] = {}
    for text in texts:
        by_url.setdefault(text.url, text.text)  # a page wins over a search snippet of the same URL
    answers: dict[str, Answer] = {}
    dropped: list[str] = []
    for i, question in enumerate(questions):
        item = data.get(question_key(i))
        if not isinstance(item, dict) or item.get("value") is None:
            continue  # not stated: no answer, nothing dropped
        answer = _checked(item, question, by_url)
        if answer is None:
            dropped.append(question.text)
        else:
            answers[question.text] = answer
    return answers, dropped


def _checked(item: dict[str, Any], question: Question, by_url: dict[str, str]) -> Answer | None:
    value = coerce(question.kind, item.get("value"))
    url, quote = str(item.get("source_url") or ""), str(item.get("quote") or "")
    if value is None or url not in by_url or not quote_found(quote, by_url[url]):
        return None
    return Answer(value=value, url=url, quote=" ".join(quote.split()), method=AnswerMethod.LLM, kind=question.kind)
