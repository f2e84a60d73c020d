"""Extraction: from one fetched page to candidate values with sources.

``extract_page(url, html, headers)`` runs every extractor over the page
and returns a ``PageExtraction`` (candidates, title, claimed names, visible
text, headings). Extractors are pure functions over a parsed ``Document``;
choosing among candidates is ``service.research.merge``'s job. Detectors for
pages that are not the company live in ``detectors``.
"""

from __future__ import annotations

from collections.abc import Callable

from service.research.extract.address import extract_address
from service.research.extract.candidates import Candidate, PageExtraction, candidate
from service.research.extract.contacts import extract_emails, extract_phones
from service.research.extract.detectors import check_page
from service.research.extract.document import Document, clean
from service.research.extract.facts import employee_counts, founding_years
from service.research.extract.language import extract_language
from service.research.extract.page import extract_page_facts
from service.research.extract.social import extract_social
from service.research.extract.structured import extract_structured
from service.research.extract.tech import extract_tech
from service.research.markup import MAX_HTML_CHARS

__all__ = [
    "MAX_HTML_CHARS",
    "Candidate",
    "Document",
    "PageExtraction",
    "candidate",
    "check_page",
    "extract_page",
    "extract_pages",
]

_EXTRACTORS: tuple[Callable[[Document], list[Candidate]], ...] = (
    extract_page_facts,
    extract_emails,
    extract_phones,
    extract_social,
    founding_years,
    employee_counts,
    extract_address,
    extract_tech,
    extract_language,
)


def extract_page(url: str, html: str, headers: dict[str, str] | None = None) -> PageExtraction:
    """Every candidate on one page, plus its title, claimed names, text and headings."""
    doc = Document.parse(html, url, headers)  # bounded first: see service.research.markup
    return extract_document(doc)


def extract_pages(pages: list[tuple[str, str, dict[str, str]]]) -> list[PageExtraction]:
    """``extract_page`` for each ``(url, html, headers)``; what a ``PagePool`` worker runs for a company."""
    return [extract_page(url, html, headers) for url, html, headers in pages]


def extract_document(doc: Document) -> PageExtraction:
    structured, names = extract_structured(doc)
    candidates = list(structured)
    for extractor in _EXTRACTORS:
        candidates.extend(extractor(doc))
    headings = [clean(n.text(separator=" ")) for n in doc.tree.css("h1, h2, h3")]
    og_title = doc.meta.get("og:title", "")
    return PageExtraction(
        url=doc.url,
        title=doc.title,
        names=[n for n in [*names, og_title] if n],
        text=doc.text,
        headings=[h for h in headings if h],
        candidates=candidates,
    )
