"""The one header vocabulary: what Rowscout calls its own output columns, in files and in sheets.

``label(name)`` gives the header of an output (``hq_city`` → ``HQ city``,
``status`` → ``Rowscout status``); the sheet path (``service.sheets.layout``)
and the file writers (``service.files.output``) both take their headers from
here, so a column reads the same in a Google Sheet, an .xlsx and a .csv.

A header the user's table already has (case and spacing ignored) gets
`` (Rowscout)`` appended (``own_header``), so no input column is ever
written over. ``own_columns`` recognises these headers in a table Rowscout
wrote earlier (a results file opened again as input), so they are not taken
for the user's own columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from service.domain.questions import question_of

STATUS = "status"
RESEARCHED_AT = "researched_at"
SOURCES = "sources"
ERROR = "error"
EMPLOYEES_STATED = "employees_stated"  # files only: the head count a page stated, beside the range in ``employees``
SIMILAR = "similar_in_list"  # the job option ``similar``: each row's most similar companies of the job (issue 16)
OWN_SUFFIX = " (Rowscout)"

LABELS: dict[str, str] = {
    STATUS: "Rowscout status",
    RESEARCHED_AT: "Researched at",
    SOURCES: "Sources",
    ERROR: "Error",
    "website": "Website (found)",
    "description": "Description",
    "industry": "Industry",
    "business_model": "Business model",
    "products": "Products",
    "hq_city": "HQ city",
    "hq_region": "HQ region",
    "hq_country": "HQ country",
    "founded_year": "Founded",
    "employees": "Employees",
    EMPLOYEES_STATED: "Employees (stated)",
    "emails": "Emails",
    "phones": "Phones",
    "linkedin": "LinkedIn",
    "twitter": "Twitter",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "youtube": "YouTube",
    "github": "GitHub",
    "crunchbase": "Crunchbase",
    "tech_stack": "Tech stack",
    "language": "Language",
    "logo_url": "Logo URL",
    "ceo": "CEO",
    "funding": "Funding",
    SIMILAR: "Similar in this list",  # export --similar, research --similar, the sheet option ``similar``
}
_SUFFIXED = re.compile(r"^(?P<label>.*?)(?: \(Rowscout(?: \d+)?\))+$")


def label(name: str) -> str:
    """The header of output ``name`` (a field, ``status``, ``researched_at``, ``sources``, ``error``).

    A custom question's output (``ask:<text>``, ``service.domain.questions``) is headed by its text.
    """
    question = question_of(name)
    if question is not None:
        return question
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def norm(text: str) -> str:
    """A header for comparison: case and runs of spaces ignored."""
    return " ".join(text.split()).casefold()


def own_header(name: str, taken: set[str]) -> str:
    """``label(name)``, with `` (Rowscout)`` (then `` (Rowscout 2)``…) when ``taken`` (normed headers) has it."""
    return free_header(label(name), taken)


def free_header(text: str, taken: set[str]) -> str:
    """``text``, or ``text (Rowscout)`` (then ``text (Rowscout 2)``…) when ``taken`` (normed headers) has it."""
    candidate, n = text, 1
    while norm(candidate) in taken:
        candidate = f"{text}{OWN_SUFFIX}" if n == 1 else f"{text} (Rowscout {n})"
        n += 1
    return candidate


def own_columns(headers: Sequence[str], extra_labels: Iterable[str] = ()) -> set[str]:
    """The headers of ``headers`` that Rowscout wrote: its status column and the known labels after it.

    A results file has the user's columns, then ``Rowscout status`` and the
    other outputs (each maybe with `` (Rowscout)``). Nothing before the first
    status header is Rowscout's; after it, a header counts as Rowscout's when
    it is a known label (or one of ``extra_labels``, e.g. custom questions).
    """
    known = {norm(text) for text in (*LABELS.values(), *extra_labels)}
    status = norm(LABELS[STATUS])
    start = next((i for i, h in enumerate(headers) if norm(_unsuffixed(h)) == status), None)
    if start is None:
        return set()
    return {h for h in headers[start:] if norm(_unsuffixed(h)) in known}


def _unsuffixed(header: str) -> str:
    match = _SUFFIXED.match(header.strip())
    return match.group("label") if match else header
