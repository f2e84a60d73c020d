"""Plain-HTML facts: descriptions, logo, product headings.

Description candidates come from ``<meta name=description>`` (META), the
first substantial paragraph (TEXT) and, last, the title with the main heading
(TEXT, rank 1: a page with nothing else still describes the company); the
logo only from an ``<img>`` tagged "logo" (LINK) — never a favicon or touch
icon, which are site icons, not logos; products from headings on a
products/services page (TEXT).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from service.domain import FieldMethod
from service.research.extract.candidates import Candidate, candidate
from service.research.extract.document import Document, clean

_PRODUCT_PAGE = re.compile(
    r"/(products?|services?|solutions?|platform|leistungen|produkte|produits|servicios|productos|angebot|offre)\b",
    re.I,
)
_GENERIC_HEADING = re.compile(
    r"(product|service|solution|leistung|produit|servicio|producto|contact|kontakt|about|über|team|pricing"
    r"|news|blog|faq|newsletter|follow|cookie|menu|our |unsere |nos |nuestros )",
    re.I,
)
_BOILERPLATE = re.compile(r"(cookie|©|copyright|javascript|all rights reserved|newsletter|privacy)", re.I)


def extract_page_facts(doc: Document) -> list[Candidate]:
    return _descriptions(doc) + _logos(doc) + _products(doc)


def _descriptions(doc: Document) -> list[Candidate]:
    out = []
    meta = doc.meta.get("description", "")
    if len(meta) >= 30:
        out.append(candidate("description", meta, doc.url, FieldMethod.META))
    paragraph = first_paragraph(doc)
    if paragraph:
        out.append(candidate("description", paragraph, doc.url, FieldMethod.TEXT))
    titled = title_and_heading(doc)
    if titled:
        out.append(candidate("description", titled, doc.url, FieldMethod.TEXT, rank=1))
    return out


def title_and_heading(doc: Document) -> str:
    """The title and the first ``<h1>`` (or ``<h2>``) as one line, when together they say something (≥ 20 chars)."""
    title = clean(doc.title)
    heading = ""
    for node in doc.blocks_tree.css("h1") or doc.blocks_tree.css("h2"):
        heading = clean(node.text(separator=" ").replace("\u2029", " "))
        if heading:
            break
    if heading.lower() in title.lower():
        heading = ""
    elif title.lower() in heading.lower():
        title = ""
    text = " — ".join(part for part in (title, heading) if part)
    return text[:600] if len(text) >= 20 and not _BOILERPLATE.search(text) else ""


def first_paragraph(doc: Document) -> str:
    """The first ``<p>`` of 60–600 characters that is not boilerplate."""
    body = doc.blocks_tree.body
    for node in body.css("main p, p") if body is not None else []:
        text = clean(node.text(separator=" ").replace("\u2029", " "))
        if 60 <= len(text) <= 600 and not _BOILERPLATE.search(text):
            return text
    return ""


def _logos(doc: Document) -> list[Candidate]:
    out = []
    for node in doc.tree.css("header img, nav img, a img, img"):
        attrs = " ".join(str(node.attributes.get(a) or "") for a in ("src", "alt", "class", "id")).lower()
        src = node.attributes.get("src") or ""
        if "logo" in attrs and src and not src.startswith("data:"):
            out.append(candidate("logo_url", urljoin(doc.url, src), doc.url, FieldMethod.LINK, rank=0))
            break
    return out


def _products(doc: Document) -> list[Candidate]:
    if not _PRODUCT_PAGE.search(urlsplit(doc.url).path):
        return []
    out: list[Candidate] = []
    for node in doc.blocks_tree.css("main h2, main h3, section h2, section h3, article h2, article h3"):
        text = clean(node.text(separator=" ").replace("\u2029", " "))
        if 3 <= len(text) <= 60 and not _GENERIC_HEADING.search(text) and text not in [c.value for c in out]:
            out.append(candidate("products", text, doc.url, FieldMethod.TEXT))
    return out[:12]
