"""Which columns hold the company name and website, from header text and from the values.

``detect_columns`` scores every column twice — as a name column and as a
website column — from its header (many languages; case, accents and
punctuation ignored) and from a sample of its values (a column of mostly web
addresses is a website column whatever its header says). The best website
column is picked first, then the best name column among the rest. Each choice
carries human-readable ``reasons`` for ``--dry-run`` and the sidebar.
Shared by the file readers and the Sheets adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.domain.errors import SchemaError
from service.domain.tables import ColumnMap
from service.domain.websites import is_social_profile, looks_like_website
from service.files.headers import (
    format_headers,
    looks_like_data_value,
    normalize_header,
    resolve_column,
    rowscout_columns,
)

VALUE_SAMPLE_ROWS = 50

_NAME_EXACT = {
    1.0: (
        "company, organisation, organization, company name, companies, organisation name, "
        "organization name, business name, account name, company legal name, legal name, empresa, "
        "nombre de la empresa, nombre empresa, razon social, entreprise, societe, nom de l entreprise, "
        "nom de la societe, nom entreprise, raison sociale, unternehmen, firma, firmenname, "
        "unternehmensname, azienda, nome azienda, ragione sociale, bedrijf, bedrijfsnaam, "
        "nome da empresa, employer"
    ),
    0.85: ("account, business, firm, brand, org, customer, customer name, client, client name, vendor, supplier"),
    0.6: "name, nom, nombre, nome, naam",
}
_NAME_TOKENS = frozenset(
    "company companies organisation organization business firm brand empresa entreprise societe "
    "unternehmen firma azienda bedrijf account".split()
)
_NAME_NEGATIVE = frozenset(
    "url website web domain site homepage www link size type id email mail phone address linkedin "
    "industry country city state revenue count employees contact first last person owner number no "
    "code description notes note status logo twitter facebook sector category".split()
)
_WEBSITE_EXACT = {
    1.0: (
        "website, web site, websites, domain, domain name, url, homepage, home page, company url, "
        "company website, company domain, website url, web address, sitio web, pagina web, site web, "
        "site internet, webseite, internetseite, internetadresse, sito web, sito internet, website adres"
    ),
    0.85: "site, web, www, link, domains, urls, sitio, sito",
}
_WEBSITE_TOKENS = frozenset("website websites domain url homepage web site www sitio webseite".split())
_WEBSITE_NEGATIVE = frozenset(
    "linkedin twitter facebook instagram youtube github crunchbase logo image photo email mail "
    "icon favicon video".split()
)


def _phrases(table: dict[float, str]) -> dict[str, float]:
    """Vocabulary phrase (normalised header) → how surely it names the column."""
    return {phrase.strip(): score for score, text in table.items() for phrase in text.split(",")}


@dataclass(frozen=True)
class _Candidate:
    header: str
    score: float
    reasons: tuple[str, ...]


def detect_columns(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    name_column: str | None = None,
    website_column: str | None = None,
) -> ColumnMap:
    """The name and website columns of a table, from its headers and sample rows.

    Args:
        headers: the (de-duplicated) header texts.
        rows: sample data rows, cells aligned with ``headers``.
        name_column, website_column: user overrides (header, letter or 1-based number).

    Raises:
        SchemaError: an override names no column, or no column looks like a
            company name or website.
    """
    columns = _Columns(headers, rows[:VALUE_SAMPLE_ROWS])
    website = _pick(columns, "website", website_column, columns.website_candidate, exclude=None)
    name = _pick(columns, "name", name_column, columns.name_candidate, exclude=website)
    if name is None and website is None:
        raise SchemaError(f"no recognisable company column; headers are: {format_headers(list(headers))}")
    reasons = tuple(r for c in (website, name) if c for r in c.reasons)
    return ColumnMap(name=name.header if name else None, website=website.header if website else None, reasons=reasons)


def _pick(
    columns: _Columns,
    role: str,
    override: str | None,
    score: Callable[[int], _Candidate | None],
    exclude: _Candidate | None,
) -> _Candidate | None:
    if override:
        header = resolve_column(override, columns.headers, role=role)
        return _Candidate(header, 99.0, (f"{role} column {header!r} chosen by the user",))
    taken = exclude.header if exclude else None
    best: _Candidate | None = None
    for index, header in enumerate(columns.headers):
        if header == taken or header in columns.own:  # Rowscout's own columns of a results file are never input
            continue
        candidate = score(index)
        if candidate and (best is None or candidate.score > best.score):
            best = candidate
    return best


class _Columns:
    """Headers plus a value sample, with per-column scoring for each role."""

    _name_phrases = _phrases(_NAME_EXACT)
    _website_phrases = _phrases(_WEBSITE_EXACT)

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.headers = list(headers)
        self.rows = rows
        self.own = rowscout_columns(self.headers)

    def values(self, index: int) -> list[str]:
        return [row[index].strip() for row in self.rows if index < len(row) and row[index].strip()]

    def website_candidate(self, index: int) -> _Candidate | None:
        header = self.headers[index]
        score, reasons = _header_score(header, self._website_phrases, _WEBSITE_TOKENS, _WEBSITE_NEGATIVE)
        reasons = [f"website column {header!r}: {r}" for r in reasons]
        values = self.values(index)
        urls = [v for v in values if looks_like_website(v) and not is_social_profile(v)]
        if values:
            share = len(urls) / len(values)
            if share >= 0.6:
                score += share
                reasons.append(f"website column {header!r}: {len(urls)} of {len(values)} values are web addresses")
            elif score and share < 0.2 and len(values) >= 3:
                score -= 0.5
        return _Candidate(header, score, tuple(reasons)) if score >= 0.6 else None

    def name_candidate(self, index: int) -> _Candidate | None:
        header = self.headers[index]
        score, reasons = _header_score(header, self._name_phrases, _NAME_TOKENS, _NAME_NEGATIVE)
        reasons = [f"name column {header!r}: {r}" for r in reasons]
        values = self.values(index)
        if values and sum(looks_like_website(v) for v in values) / len(values) >= 0.6:
            return None
        share = _name_like_share(values)
        if score:
            score += 0.3 * share
        elif share >= 0.8 and len(set(values)) >= 0.8 * len(values) and not _is_other_column(header):
            score = 0.5 * share
            reasons.append(f"name column {header!r}: its values look like company names")
        return _Candidate(header, score, tuple(reasons)) if score >= 0.35 else None


def names_known_column(headers: Sequence[str]) -> bool:
    """True when any header is a known name or website header (so the row is a header row)."""
    phrases = _Columns._name_phrases | _Columns._website_phrases
    return any(normalize_header(h) in phrases for h in headers)


def _header_score(
    header: str, phrases: dict[str, float], tokens: frozenset[str], negative: frozenset[str]
) -> tuple[float, list[str]]:
    text = normalize_header(header)
    if text in phrases:
        return phrases[text], [f"header {header!r} names it"]
    words = set(text.split())
    if words & tokens and not words & negative:
        return 0.7, [f"header {header!r} mentions it"]
    return 0.0, []


def _is_other_column(header: str) -> bool:
    """A header that names some other kind of column (contact, country...), so never a company."""
    return bool(set(normalize_header(header).split()) & _NAME_NEGATIVE)


def _name_like_share(values: list[str]) -> float:
    if not values:
        return 0.0
    return sum(_looks_like_name(v) for v in values) / len(values)


def _looks_like_name(value: str) -> bool:
    return (
        len(value) <= 80
        and len(value.split()) <= 8
        and any(c.isalpha() for c in value)
        and not looks_like_data_value(value)
        and "\n" not in value
    )
