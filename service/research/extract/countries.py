"""Country names in every language and ISO codes → one English name, via babel and pycountry.

``country_name("Deutschland")`` → "Germany", ``country_name("België")`` →
"Belgium", ``country_name("DE", allow_code=True)`` → "Germany". The names
come from the Unicode CLDR (babel's territory names) in the languages the
research engine meets, plus pycountry's ISO names and a few common short
forms ("USA", "UK", "England"). Used for address countries (JSON-LD
``addressCountry``, imprint/contact blocks) and for the country evidence of
a site (``country_of_tld``, ``country_of_code``). An unknown string yields "".
"""

from __future__ import annotations

import unicodedata
from functools import cache

import pycountry
from babel import Locale

LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pt", "pl", "sv", "da", "nb", "fi", "cs", "hr", "ro", "hu", "tr", "ca")
_EXTRA = {
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "united states of america": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "the netherlands": "NL", "holland": "NL", "czech republic": "CZ", "espana": "ES", "peru": "PE",
    "bundesrepublik deutschland": "DE", "méxico": "MX", "hrvatska": "HR",
}  # fmt: skip
# Country-code TLDs that are sold as generic names ("acme.io", "shop.co") say nothing about a country.
GENERIC_TLDS = frozenset({"co", "io", "ai", "me", "tv", "cc", "ly", "fm", "am", "to", "ws", "gg", "sh", "ac", "app"})


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().strip(".,;()").casefold()


@cache
def _names() -> dict[str, str]:
    """Every known spelling (folded) → ISO alpha-2."""
    codes = {c.alpha_2 for c in pycountry.countries}
    out: dict[str, str] = {}
    for language in LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if code in codes and len(name) > 2:
                out.setdefault(_key(name), code)
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                out.setdefault(_key(value), country.alpha_2)
    out.update({_key(k): v for k, v in _EXTRA.items()})
    return out


@cache
def country_of_code(code: str) -> str:
    """English country name for an ISO alpha-2 code ("DE" → "Germany"), or ""."""
    code = code.strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        return ""
    return str(Locale.parse("en").territories.get(code, ""))


def country_code(text: str, *, allow_code: bool = False) -> str:
    """ISO alpha-2 for a country name in any known language (or a code when ``allow_code``), or ""."""
    key = _key(text)
    if key in _names():
        return _names()[key]
    if allow_code and len(key) in (2, 3):
        found = pycountry.countries.get(alpha_2=key.upper()) or pycountry.countries.get(alpha_3=key.upper())
        return str(found.alpha_2) if found else ""
    return ""


def country_name(text: str, *, allow_code: bool = False) -> str:
    """The English country name for ``text`` ("Deutschland" → "Germany"), or ""."""
    return country_of_code(country_code(text, allow_code=allow_code))


def country_of_tld(host: str) -> str:
    """The country a host's country-code TLD names ("acme.de" → "Germany"; "acme.io" → "")."""
    tld = host.lower().rstrip(".").rsplit(".", 1)[-1]
    tld = "gb" if tld == "uk" else tld
    return "" if tld in GENERIC_TLDS else country_of_code(tld) if len(tld) == 2 else ""
