"""The site's language as an ISO 639-1 code.

From ``<html lang>``, then ``content-language``/``og:locale``, then a
deterministic stop-word count over the visible text (en, de, fr, es, it, nl,
pt); "" when the text is too short or no language clearly wins.
"""

from __future__ import annotations

import re

from service.domain import FieldMethod
from service.research.extract.candidates import Candidate, candidate
from service.research.extract.document import Document

_STOPWORDS = {
    "en": "the and of to in is for with our we you that are on your this from",
    "de": "der die das und ist mit für wir sie nicht ein eine auf den von zu unsere",
    "fr": "le la les et est des pour avec nous vous une dans sur du au notre vos",
    "es": "el la los las y es para con nosotros una en del por su nuestra nuestros que",
    "it": "il lo gli e è per con noi una nel della che sono di del nostra",
    "nl": "de het een en is voor met wij zijn van op ons onze niet bij",
    "pt": "o os as e é para com nós uma em do da que nossa nosso são",
}
_WORDS = {code: set(words.split()) for code, words in _STOPWORDS.items()}
_TOKEN = re.compile(r"[a-zà-ÿ]+")
_CODE = re.compile(r"^([a-z]{2})(?:[-_][a-z]{2,4})?$")


def extract_language(doc: Document) -> list[Candidate]:
    root = doc.tree.css_first("html")
    declared = _code((root.attributes.get("lang") or "") if root else "")
    if declared:
        written = detect_language(doc.text, strict=True)
        if written and written != declared:  # a template's lang="en" over a page written in French
            return [candidate("language", written, doc.url, FieldMethod.TEXT)]
        return [candidate("language", declared, doc.url, FieldMethod.META)]
    declared = _code(doc.meta.get("content-language", "") or doc.meta.get("og:locale", ""))
    if declared:
        return [candidate("language", declared, doc.url, FieldMethod.META, rank=1)]
    detected = detect_language(doc.text)
    return [candidate("language", detected, doc.url, FieldMethod.TEXT)] if detected else []


def _code(value: str) -> str:
    match = _CODE.match(value.strip().lower())
    return match.group(1) if match else ""


def detect_language(text: str, *, strict: bool = False) -> str:
    """The language whose stop words are most frequent, if clearly ahead; else "".

    ``strict`` asks for a wide margin (enough to overrule a page's declared ``lang``).
    """
    tokens = _TOKEN.findall(text.lower())
    if len(tokens) < (200 if strict else 20):
        return ""
    scores = sorted(((sum(t in words for t in tokens), code) for code, words in _WORDS.items()), reverse=True)
    (best, code), (second, _) = scores[0], scores[1]
    least, lead = (40, 3.0) if strict else (5, 1.5)
    return code if best >= least and best >= lead * second else ""
