"""Ask the LLM for the fields extraction left empty, and accept only checked answers.

The prompt holds the collected page text (each page headed by its URL,
truncated to a character budget ≈ 4 × the token budget) and asks for the
missing fields, each as ``{"value": ..., "source_url": ...}``. An answer is
kept only if it passes the same bar as extraction: an industry from the
taxonomy, a business model from the three labels, a founding year that
appears in the text, a country we recognise. Its source is ``llm`` with the
cited page (the home page when the citation is not one of ours).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from service.domain import CompanyProfile, FieldMethod, FieldSource
from service.research.extract import PageExtraction
from service.research.extract.countries import country_name
from service.research.llm.port import LLM, LLMAnswer
from service.research.taxonomy import INDUSTRY_NAMES

LLM_FIELDS = ("description", "industry", "business_model", "products", "hq_city", "hq_country", "founded_year",
              "employees")  # fmt: skip
_TYPES: dict[str, dict[str, Any]] = {
    "products": {"type": ["array", "null"], "items": {"type": "string"}},
    "founded_year": {"type": ["integer", "null"]},
}
_MODELS = ("B2B", "B2C", "B2B and B2C")


def missing_fields(profile: CompanyProfile, wanted: Sequence[str]) -> list[str]:
    return [f for f in LLM_FIELDS if f in wanted and profile.value(f) in ("", None, [])]


def build_schema(fields: Sequence[str]) -> dict[str, Any]:
    props = {
        f: {
            "type": "object",
            "properties": {"value": _TYPES.get(f, {"type": ["string", "null"]}), "source_url": {"type": "string"}},
            "required": ["value", "source_url"],
            "additionalProperties": False,
        }
        for f in fields
    }
    return {"type": "object", "properties": props, "required": list(fields), "additionalProperties": False}


def build_prompt(name: str, pages: Sequence[PageExtraction], fields: Sequence[str], char_budget: int) -> str:
    parts, used = [], 0
    for page in pages:
        chunk = _page_text(page)[: max(0, char_budget - used)]
        parts.append(chunk)
        used += len(chunk)
    return (
        f"You research the company {name!r} from its website pages below.\n"
        f"Fill these fields: {', '.join(fields)}. Use only facts stated in the pages; use null when unsure.\n"
        f"industry must be one of: {'; '.join(INDUSTRY_NAMES)}. business_model is one of: {', '.join(_MODELS)}.\n"
        "source_url is the page URL (after ###) where the fact is stated.\n\n" + "".join(parts)
    )


def _page_text(page: PageExtraction) -> str:
    """The page as the LLM sees it: URL header, title, meta/structured descriptions, visible text."""
    described = list(dict.fromkeys(str(v) for v in page.values("description")))
    return "\n".join([f"### {page.url}", page.title, *described, page.text, ""])


def fill_missing(
    profile: CompanyProfile,
    pages: Sequence[PageExtraction],
    llm: LLM,
    *,
    wanted: Sequence[str],
    token_budget: int = 6000,
) -> LLMAnswer | None:
    """Fill empty fields of ``profile`` in place from the LLM; None when nothing was missing."""
    fields = missing_fields(profile, wanted)
    if not fields or not pages:
        return None
    answer = llm.complete_json(build_prompt(profile.name, pages, fields, token_budget * 4), build_schema(fields))
    text = "\n".join(_page_text(p) for p in pages)
    urls = {p.url for p in pages}
    for field in fields:
        item = answer.data.get(field)
        if isinstance(item, dict):
            value = _CHECKS[field](item.get("value"), text)
            if value not in ("", None, []):
                cited = str(item.get("source_url") or "")
                source = FieldSource(url=cited if cited in urls else pages[0].url, method=FieldMethod.LLM)
                setattr(profile, field, value)
                profile.sources[field] = source
    return answer


def _string(value: Any, _text: str) -> str:
    return value.strip() if isinstance(value, str) else ""


def _industry(value: Any, _text: str) -> str:
    return value if value in INDUSTRY_NAMES else ""


def _model(value: Any, _text: str) -> str:
    return value if value in _MODELS else ""


def _year(value: Any, text: str) -> int | None:
    ok = isinstance(value, int) and 1800 <= value <= date.today().year and str(value) in text
    return value if ok else None


def _employees(value: Any, _text: str) -> str:
    text = str(value).strip() if isinstance(value, int | str) else ""
    return text if re.fullmatch(r"\d+(?:-\d+)?\+?", text) else ""


def _products(value: Any, _text: str) -> list[str]:
    return [v.strip() for v in value if isinstance(v, str) and v.strip()][:10] if isinstance(value, list) else []


def _country(value: Any, _text: str) -> str:
    return country_name(value, allow_code=True) if isinstance(value, str) else ""


_CHECKS: dict[str, Callable[[Any, str], Any]] = {
    "description": _string,
    "industry": _industry,
    "business_model": _model,
    "products": _products,
    "hq_city": _string,
    "hq_country": _country,
    "founded_year": _year,
    "employees": _employees,
}
