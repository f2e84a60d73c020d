"""Facts from beyond a company's own site — CEO, funding, employee count — each with its citation.

``facts_from_search(provider, name, website, wanted)`` runs one search about
the company and reads the facts from what came back: a grounded answer's
supported sentences (Gemini: each claim with the result it cites) or the
results' titles and snippets (Brave, Tavily: each with its page's URL). A
fact is kept only with a citation, and only from text that names the
company (a grounded answer is about the company it was asked about, so its
claims count when the answer names it). The first cited match per field wins
(results come ranked); the patterns read English text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from service.domain import FieldMethod, FieldSource
from service.domain.model import SEARCH_FIELDS
from service.research.search.port import SearchAnswer, SearchProvider

_NAME = r"(?:[A-Z]\.|[A-ZÀ-ÖØ-Þ][^\W\d_]*(?:[-'’][^\W\d_]+)*)"  # "Jean-Paul", "O'Neil", an initial "J."
_PERSON = rf"(?P<person>{_NAME}(?:\s+(?:(?:van|von|de|da|del|der|le)\s+)?{_NAME}){{1,3}})"
_CEO = (
    re.compile(
        r"\b(?:CEO|[Cc]hief [Ee]xecutive(?: [Oo]fficer)?)(?:\s+and\s+\w+)?\s*(?:,|:|is|was|since \d{4},?)?\s+" + _PERSON
    ),
    re.compile(_PERSON + r",?\s+(?:is\s+)?(?:the\s+)?(?:\w+'s\s+)?(?:current\s+)?(?:CEO|[Cc]hief [Ee]xecutive)\b"),
    re.compile(r"\b(?:led|headed|run)\s+by\s+(?:CEO\s+)?" + _PERSON),
    re.compile(r"\b(?:CEO|[Cc]hief [Ee]xecutive)\s+of\s+[^.]{1,60}?\s+is\s+" + _PERSON),
)
_NOT_A_PERSON = frozenset(
    "the a an and of inc ltd llc gmbh group company corporation officer executive president chairman".split()
)
_MONEY = r"(?P<amount>(?:US)?[$€£]\s?\d+(?:[.,]\d+)?\s?(?:million|billion|thousand|mn|bn|[MBK])\b)"
_FUNDING = (
    re.compile(
        r"\braised\s+(?:a\s+total\s+of\s+|in\s+total\s+|over\s+|more\s+than\s+|about\s+|around\s+|nearly\s+)?" + _MONEY
    ),
    re.compile(_MONEY + r"\s+(?:in\s+)?(?:total\s+)?(?:funding|venture\s+capital|financing)\b"),
    re.compile(r"\b(?:total\s+)?funding\s+(?:of|to\s+date\s+of|totals?|amounts?\s+to)\s+" + _MONEY),
)
_COUNT = r"(?P<count>\d{1,3}(?:[,.\u202f ]\d{3})+|\d+)"
_EMPLOYEES = (
    re.compile(
        r"\b(?:employs|employing)\s+(?:about\s+|around\s+|over\s+|more\s+than\s+|some\s+|nearly\s+|approximately\s+)?"
        + _COUNT
    ),
    re.compile(_COUNT + r"\+?\s+(?:full[- ]time\s+)?(?:employees|staff|people|team\s+members|workers)\b"),
    re.compile(r"\b(?:number\s+of\s+)?employees\s*(?::|of|is|was|totals?)\s+(?:about\s+|around\s+)?" + _COUNT),
)


@dataclass
class FoundFacts:
    values: dict[str, str] = field(default_factory=dict)
    sources: dict[str, FieldSource] = field(default_factory=dict)
    queries: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class _Passage:
    text: str
    url: str


def facts_from_search(
    provider: SearchProvider, name: str, website: str, wanted: Sequence[str] = SEARCH_FIELDS
) -> FoundFacts:
    """One search about ``name`` (``website`` narrows it); the ``wanted`` facts found, each with its source."""
    wanted = [f for f in SEARCH_FIELDS if f in wanted]
    found = FoundFacts()
    if not wanted:
        return found
    host = (urlsplit(website).hostname or "").removeprefix("www.")
    query = f'"{name}"' + (f" ({host})" if host else "") + " CEO, total funding raised and number of employees"
    answer = provider.search(query, max_results=8)
    found.queries, found.cost_usd = answer.queries, answer.cost_usd
    for passage in _passages(answer, name):
        for fact in wanted:
            if fact not in found.values and (value := read_fact(fact, passage.text)):
                found.values[fact] = value
                found.sources[fact] = FieldSource(url=passage.url, method=FieldMethod.SEARCH)
    return found


def _passages(answer: SearchAnswer, name: str) -> Iterable[_Passage]:
    """Cited text about the company: grounded claims with their first cited URL, then snippets with theirs."""
    named = _names(answer.answer, name)
    for claim in answer.claims:
        cited = [r for r in answer.cited(claim) if r.url]
        if cited and (named or _names(claim.text, name)):
            yield _Passage(claim.text, cited[0].url)
    for result in answer.results:
        text = f"{result.title}. {result.snippet}"
        if result.snippet and result.url and _names(text, name):
            yield _Passage(result.snippet, result.url)


def _names(text: str, name: str) -> bool:
    from service.research.discover_site import name_words

    words = name_words(name)
    have = " ".join(re.findall(r"[a-z0-9]+", text.lower()))
    return bool(words) and re.search(rf"\b{re.escape(' '.join(words))}\b", have) is not None


def read_fact(fact: str, text: str) -> str:
    """The ``fact`` ("ceo", "funding", "employees") stated in ``text``, normalised; "" when none."""
    if fact == "ceo":
        return _first_person(text)
    if fact == "funding":
        for pattern in _FUNDING:
            if match := pattern.search(text):
                return _money(match.group("amount"))
        return ""
    if fact == "employees":
        for pattern in _EMPLOYEES:
            if match := pattern.search(text):
                count = re.sub(r"\D", "", match.group("count"))
                if count and 0 < int(count) < 5_000_000:
                    return str(int(count))
        return ""
    return ""


def _first_person(text: str) -> str:
    for pattern in _CEO:
        for match in pattern.finditer(text):
            words = match.group("person").rstrip(".").split()
            while words and words[-1].lower() in _NOT_A_PERSON:
                words.pop()
            if len(words) >= 2 and not any(w.lower() in _NOT_A_PERSON for w in words):
                return " ".join(words)
    return ""


def _money(amount: str) -> str:
    amount = " ".join(amount.replace("US$", "$").split())
    scale = {"m": "million", "mn": "million", "b": "billion", "bn": "billion", "k": "thousand"}
    match = re.match(r"([$€£])\s?(\d+(?:[.,]\d+)?)\s?(\w+)", amount)
    if not match:
        return amount
    unit = scale.get(match.group(3).lower(), match.group(3).lower())
    return f"{match.group(1)}{match.group(2)} {unit}"
