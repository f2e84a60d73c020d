"""Founding year and head count from explicit wording only.

"Founded in 2011", "since 1998", "gegründet 2005", "fondée en 1999",
"fundada en 2003" give a founding year; a copyright line never does.
"250 employees", "team of 40", "über 300 Mitarbeiter", "120 salariés",
"85 empleados" give a head count, unless the sentence is about customers
("companies with 500 employees").
"""

from __future__ import annotations

import re
from datetime import date

from service.domain import FieldMethod
from service.research.extract.candidates import Candidate, candidate
from service.research.extract.document import Document

_Y = r"(1[89]\d\d|20\d\d)"
_FOUNDED = [
    re.compile(rf"\b(?:founded|established|incorporated|launched|started)(?: in| on)?(?: \w+)?,? {_Y}\b", re.I),
    re.compile(rf"\best\.? ?{_Y}\b", re.I),
    re.compile(rf"\bgegründet(?: im jahre?| in)? {_Y}\b", re.I),
    re.compile(rf"\bgründungsjahr:? {_Y}\b", re.I),
    re.compile(rf"\b(?:fondée?|créée?)s? en {_Y}\b", re.I),
    re.compile(rf"\b(?:fundada|fundado|creada|creado) en(?: el año)? {_Y}\b", re.I),
    re.compile(rf"\bin {_Y},? (?:we|the company|[A-Z]\w+) (?:was )?(?:founded|started|established)\b", re.I),
    re.compile(rf"\b(?:opgericht|gesticht|gestart)(?: in)?(?: het jaar)? {_Y}\b", re.I),
    re.compile(rf"\b(?:fondata|fondato|nata|nato)(?: nel| in)?(?: l'anno)? {_Y}\b", re.I),
    re.compile(rf"\b(?:fundada|fundado|criada|criado) em(?: o ano)? {_Y}\b", re.I),
    re.compile(rf"\b(?:founded|established) in the year {_Y}\b", re.I),
]
# "since 1998" and its translations count only when the clause before it is about the company,
# not a count ("orders shipped since 2020", "2,000 customers since 2019").
_SINCE = re.compile(rf"\b(?:since|seit|depuis|desde|sinds|sedert|dal|sin dal|dès) {_Y}\b", re.I)
_SINCE_NOT_ABOUT_US = re.compile(
    r"\d|shipped|orders?|customers?|clients?|users?|sold|served|downloads?|installed|members?|available|updated"
    r"|listed|partners?|kunden|bestellungen|verkauft|commandes|utilisateurs|pedidos|usuarios|vendid",
    re.I,
)
# "seit 2010 als Rechtsanwalt tätig", "since 2010 as an attorney": a person's career, not the firm's start.
_A_CAREER = re.compile(r"\s*(?:als|as an?|en tant qu|como|come|in qualità di)\b", re.I)
# "practicing as an attorney since 2010", "Rechtsanwalt seit 2010", "he has worked since 2004": a career.
_CAREER_BEFORE = re.compile(
    r"\b(?:practi[cs]ing|practi[cs]ed|worked|working|works|career|experience|attorney|lawyer|licensed|admitted"
    r"|he|she|his|her|i've|i have|tätig|rechtsanwält(?:in)?|rechtsanwalt|exerce|ejerce|werkzaam|esercita)\b",
    re.I,
)
_N = r"(\d{1,3}(?:[,.\u202f ]\d{3})+|\d{1,6})"
_EMPLOYEES = [
    re.compile(rf"{_N}\+? (?:full-time )?(?:employees|staff members|team members|colleagues)", re.I),
    re.compile(rf"\bteam of (?:over |more than |about )?{_N}\b", re.I),
    re.compile(rf"\bemploys? (?:over |more than |about |around )?{_N}\b", re.I),
    re.compile(rf"{_N}\+? (?:mitarbeiter(?:innen|ende)?|beschäftigte)\b", re.I),
    re.compile(rf"{_N}\+? (?:salariés|collaborateurs|employés)\b", re.I),
    re.compile(rf"{_N}\+? (?:empleados|trabajadores|profesionales)\b", re.I),
]
_CUSTOMER_CONTEXT = re.compile(
    r"(companies|businesses|organi[sz]ations|customers|clients|teams|firms|unternehmen|entreprises|empresas)"
    r" (with|of|from|up to|bis|de|avec|con)\b[^.]{0,30}$",
    re.I,
)


def founding_years(doc: Document) -> list[Candidate]:
    this_year = date.today().year
    out = []
    for line in doc.lines:
        if "©" in line or "copyright" in line.lower():
            continue
        found = _founding_year(line)
        if found and 1800 <= found[0] <= this_year:
            out.append(candidate("founded_year", found[0], doc.url, FieldMethod.TEXT, rank=found[1]))
    return out


def _founding_year(line: str) -> tuple[int, int] | None:
    """The year and its rank: a founding verb (0) beats a "since" about the company (1)."""
    for pattern in _FOUNDED:
        match = pattern.search(line)
        if match:
            return int(match.group(1)), 0
    for match in _SINCE.finditer(line):
        clause = re.split(r"[.!?;:]\s", line[: match.start()])[-1]
        if _SINCE_NOT_ABOUT_US.search(clause) or _CAREER_BEFORE.search(clause):
            continue
        if not _A_CAREER.match(line[match.end() :]):
            return int(match.group(1)), 1
    return None


def employee_counts(doc: Document) -> list[Candidate]:
    out = []
    for line in doc.lines:
        for pattern in _EMPLOYEES:
            match = pattern.search(line)
            if match and not _CUSTOMER_CONTEXT.search(line[: match.start()]):
                count = int(re.sub(r"\D", "", match.group(1)))
                if 1 < count < 3_000_000:
                    out.append(candidate("employees", str(count), doc.url, FieldMethod.TEXT))
                break
    return out
