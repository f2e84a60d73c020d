"""Strict, honest scoring of research outcomes against the real-web labels.

Every field the researcher fills is judged, including fields whose truth is
empty (a value there is wrong). Matching is strict but format-blind:

* ``hq_country``: ISO 3166 alpha-2 via pycountry (name, official name or code);
* ``hq_city``: one of the accepted spellings, compared without case, accents or hyphens;
* ``founded_year``: exact; ``industry``: one of the accepted labels of TAXONOMY.md;
* ``phones``: every number, parsed by phonenumbers (region from the true country), in E.164;
* ``emails``: every address, lower-cased, in the truth (``*@domain`` accepts the domain);
* social profiles: the same URL without scheme, ``www.``/``m.``, trailing slash (twitter.com = x.com);
* ``description``: any non-boilerplate text when the site describes itself;
* ``logo_url``: (no label) right only when the image exists in the site's repository.

Fields a reader cannot judge from the pages (``tech_stack``, ``products``,
``business_model``, ``hq_region``) are counted as filled but not scored.
Coverage = filled / labelled-non-empty; precision = correct / filled.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import phonenumbers
import pycountry

SCORED = (
    "description", "industry", "hq_city", "hq_country", "founded_year", "employees", "emails", "phones",
    "language", "linkedin", "twitter", "facebook", "instagram", "youtube", "github", "crunchbase", "logo_url",
)  # fmt: skip
UNSCORED = ("hq_region", "products", "tech_stack", "business_model")
_BOILERPLATE = re.compile(r"cookie|lorem ipsum|©|copyright|javascript|all rights reserved", re.I)
_IMAGE = re.compile(r"\.(svg|png|jpe?g|gif|webp|ico|avif)$", re.I)


def empty(value: Any) -> bool:
    return value in ("", None, [], False)


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.sub(r"[\s\-_'.]+", " ", text).strip()


def country_code(value: str) -> str:
    """ISO alpha-2 for a country name or code ("Deutschland" is not known to pycountry: "")."""
    value = value.strip()
    if not value:
        return ""
    try:
        return str(pycountry.countries.lookup(value).alpha_2)
    except LookupError:
        return ""


def e164(number: str, region: str) -> str:
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return re.sub(r"[^\d+]", "", number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def social_key(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").removeprefix("www.").removeprefix("m.").replace("twitter.com", "x.com")
    return f"{host}{parts.path.rstrip('/')}".casefold()


def _accepted(want: Any) -> list[Any]:
    return list(want) if isinstance(want, list) else [want]


def correct(field_name: str, want: Any, got: Any, *, country: str = "", files: Iterable[str] = ()) -> bool:
    """Whether ``got`` (non-empty) is right for a truth of ``want``."""
    if field_name == "logo_url":
        path = unquote(urlsplit(str(got)).path).lstrip("/")
        return bool(_IMAGE.search(path)) and path in set(files)
    accepted = [a for a in _accepted(want) if not empty(a)]
    if not accepted:
        return False
    if field_name == "description":
        return len(str(got)) >= 20 and not _BOILERPLATE.search(str(got))
    if field_name == "hq_country":
        return country_code(str(got)) in {a.upper() for a in accepted}
    if field_name == "hq_city":
        return _fold(str(got)) in {_fold(a) for a in accepted}
    if field_name == "language":
        return str(got).lower().split("-")[0] in accepted
    if field_name == "emails":
        return all(_email_ok(str(e).strip().lower(), accepted) for e in got)
    if field_name == "phones":
        truth = {e164(p, country) for p in accepted}
        return all(e164(str(p), country) in truth for p in got)
    if field_name in ("linkedin", "twitter", "facebook", "instagram", "youtube", "github", "crunchbase"):
        return social_key(str(got)) in {social_key(a) for a in accepted}
    return got in accepted


def _email_ok(email: str, accepted: list[str]) -> bool:
    return any(email == a.lower() or (a.startswith("*@") and email.endswith(a[1:].lower())) for a in accepted)


@dataclass
class Tally:
    labelled: int = 0  # truth non-empty
    filled: int = 0
    filled_where_labelled: int = 0
    correct: int = 0
    wrong: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        return self.filled_where_labelled / self.labelled if self.labelled else 0.0

    @property
    def precision(self) -> float:
        return self.correct / self.filled if self.filled else 1.0


@dataclass
class Score:
    fields: dict[str, Tally] = field(default_factory=dict)
    unscored_filled: dict[str, int] = field(default_factory=dict)
    sites: int = 0
    failed_sites: list[str] = field(default_factory=list)

    def total(self) -> Tally:
        out = Tally()
        for t in self.fields.values():
            out.labelled += t.labelled
            out.filled += t.filled
            out.filled_where_labelled += t.filled_where_labelled
            out.correct += t.correct
        return out

    def as_dict(self) -> dict[str, Any]:
        total = self.total()
        return {
            "sites": self.sites,
            "failed_sites": self.failed_sites,
            "coverage": round(total.coverage, 4),
            "precision": round(total.precision, 4),
            "fields": {
                name: {
                    "labelled": t.labelled,
                    "filled": t.filled,
                    "correct": t.correct,
                    "coverage": round(t.coverage, 4),
                    "precision": round(t.precision, 4),
                    "wrong": t.wrong,
                }
                for name, t in sorted(self.fields.items())
            },
            "unscored_filled": self.unscored_filled,
        }


def score(results: dict[str, dict[str, Any]], labels: dict[str, Any], sites: Path) -> Score:
    """``results``: host → field → value (a researcher's filled fields, ``error`` for a failed site)."""
    out = Score(fields={name: Tally() for name in SCORED})
    for host, got in results.items():
        truth = labels[host]["expected"]
        files = (sites / host / "_files.txt").read_text(encoding="utf-8").splitlines()
        out.sites += 1
        if got.get("error"):
            out.failed_sites.append(f"{host}: {got['error']}")
        for name in SCORED:
            _judge(out.fields[name], name, truth.get(name), got.get(name), host, truth.get("hq_country", ""), files)
        for name in UNSCORED:
            out.unscored_filled[name] = out.unscored_filled.get(name, 0) + (not empty(got.get(name)))
    return out


def _judge(tally: Tally, name: str, want: Any, value: Any, host: str, country: Any, files: list[str]) -> None:
    labelled = name != "logo_url" and any(not empty(a) for a in _accepted(want))
    tally.labelled += labelled
    if empty(value):
        return
    tally.filled += 1
    tally.filled_where_labelled += labelled
    region = country if isinstance(country, str) else ""
    if correct(name, want, value, country=region, files=files):
        tally.correct += 1
    else:
        tally.wrong.append(f"{host}: {value!r} (truth {want!r})")
