"""An LLM's raw value → the typed value of the question's kind, or None when it does not fit.

yes/no: a JSON boolean or yes/no/true/false text; number: a JSON number or the
first number in the text (``"about 1,200"`` → 1200); list: strings (a text is
split on ``;`` and ``,``), at most ``MAX_ITEMS``; text: a non-empty string cut
at ``MAX_TEXT_CHARS``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from service.domain.questions import AnswerKind, AnswerValue

MAX_ITEMS = 20
MAX_TEXT_CHARS = 500
_NUMBER = re.compile(r"-?\d[\d,. ]*\d|-?\d")
_YES = {"yes", "true", "y", "oui", "ja", "si", "sí"}
_NO = {"no", "false", "n", "non", "nein"}


def coerce(kind: AnswerKind, value: Any) -> AnswerValue | None:
    return _COERCE[kind](value)


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    word = value.strip().casefold().rstrip(".!") if isinstance(value, str) else ""
    return True if word in _YES else False if word in _NO else None


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    match = _NUMBER.search(value) if isinstance(value, str) else None
    if match is None:
        return None
    digits = match.group().replace(" ", "").replace(",", "")
    try:
        number = float(digits)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _list(value: Any) -> list[str] | None:
    items = value if isinstance(value, list) else re.split(r"[;,]", value) if isinstance(value, str) else []
    cleaned = [" ".join(str(item).split()) for item in items if isinstance(item, str | int | float)]
    kept = list(dict.fromkeys(item for item in cleaned if item))[:MAX_ITEMS]
    return kept or None


def _text(value: Any) -> str | None:
    text = " ".join(value.split())[:MAX_TEXT_CHARS] if isinstance(value, str) else ""
    return text or None


_COERCE: dict[AnswerKind, Callable[[Any], AnswerValue | None]] = {
    AnswerKind.YES_NO: _yes_no,
    AnswerKind.NUMBER: _number,
    AnswerKind.LIST: _list,
    AnswerKind.TEXT: _text,
}
