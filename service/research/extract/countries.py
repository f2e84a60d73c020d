"""Country names in several languages and ISO codes → one English name.

Used to recognise the country of an address (JSON-LD ``addressCountry`` or
an imprint/contact address block). Only countries we can name with
confidence; an unknown string yields ``""``.
"""

from __future__ import annotations

import unicodedata

_COUNTRIES: dict[str, tuple[str, ...]] = {
    "United States": ("us", "usa", "u.s.", "u.s.a.", "united states", "united states of america",
        "estados unidos", "états-unis", "etats-unis", "vereinigte staaten"),
    "United Kingdom": ("gb", "uk", "u.k.", "united kingdom", "great britain", "england", "scotland", "wales",
        "royaume-uni", "reino unido", "vereinigtes königreich", "großbritannien"),
    "Germany": ("de", "germany", "deutschland", "allemagne", "alemania"),
    "France": ("fr", "france", "frankreich", "francia"),
    "Spain": ("es", "spain", "españa", "espana", "espagne", "spanien"),
    "Italy": ("it", "italy", "italia", "italie", "italien"),
    "Netherlands": ("nl", "netherlands", "the netherlands", "nederland",
        "niederlande", "pays-bas", "países bajos"),
    "Belgium": ("be", "belgium", "belgique", "belgië", "belgien", "bélgica"),
    "Switzerland": ("ch", "switzerland", "schweiz", "suisse", "svizzera", "suiza"),
    "Austria": ("at", "austria", "österreich", "autriche"),
    "Portugal": ("pt", "portugal"),
    "Ireland": ("ie", "ireland", "irland", "irlande", "irlanda"),
    "Sweden": ("se", "sweden", "sverige", "schweden", "suède"),
    "Norway": ("no", "norway", "norge", "norwegen", "norvège"),
    "Denmark": ("dk", "denmark", "danmark", "dänemark", "danemark"),
    "Finland": ("fi", "finland", "suomi", "finnland"),
    "Poland": ("pl", "poland", "polska", "polen", "pologne"),
    "Czechia": ("cz", "czechia", "czech republic", "tschechien"),
    "Canada": ("ca", "canada", "kanada"),
    "Mexico": ("mx", "mexico", "méxico", "mexique"),
    "Brazil": ("br", "brazil", "brasil", "brésil", "brasilien"),
    "Argentina": ("ar", "argentina", "argentine"),
    "Chile": ("cl", "chile"),
    "Colombia": ("co", "colombia", "colombie"),
    "Australia": ("au", "australia", "australien", "australie"),
    "New Zealand": ("nz", "new zealand"),
    "Japan": ("jp", "japan", "japon", "japón"),
    "India": ("in", "india", "inde", "indien"),
    "Singapore": ("sg", "singapore", "singapur", "singapour"),
    "Israel": ("il", "israel", "israël"),
    "Luxembourg": ("lu", "luxembourg", "luxemburg"),
    "Estonia": ("ee", "estonia", "eesti", "estland"),
}  # fmt: skip

# Two-letter codes are only trusted where a field says it is a country code.
_BY_NAME = {alias: name for name, aliases in _COUNTRIES.items() for alias in aliases if len(alias) > 2}
_BY_CODE = {alias: name for name, aliases in _COUNTRIES.items() for alias in aliases if len(alias) == 2}


def _key(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip().strip(".,;").lower()


def country_name(text: str, *, allow_code: bool = False) -> str:
    """The English country name for ``text`` ("Deutschland" → "Germany"), or ""."""
    key = _key(text)
    if key in _BY_NAME:
        return _BY_NAME[key]
    if allow_code and key in _BY_CODE:
        return _BY_CODE[key]
    return ""
