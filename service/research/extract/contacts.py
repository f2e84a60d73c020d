"""Emails and phone numbers.

Emails come from ``mailto:`` links and from text, de-obfuscated
("info [at] acme [dot] com"); image names like ``logo@2x.png`` and
placeholder domains are dropped. Phones come from ``tel:`` links (rank 0)
and from text lines near a contact word (rank 1); they are normalised to
``+<digits>`` (international) or digits, and need 7–15 digits.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import phonenumbers

from service.domain import FieldMethod
from service.research.extract.candidates import Candidate, candidate
from service.research.extract.countries import country_of_code
from service.research.extract.document import Document

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}")
_OBFUSCATED = (
    (re.compile(r"\s*[\[\(\{]\s*(?:at|AT|@)\s*[\]\)\}]\s*"), "@"),
    (re.compile(r"\s*[\[\(\{]\s*(?:dot|DOT|\.)\s*[\]\)\}]\s*"), "."),
)
_FILE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".avif", ".css", ".js")
_PLACEHOLDER_DOMAINS = ("example.com", "example.org", "domain.com", "email.com", "sentry.io", "wixpress.com")
# template addresses: "info@domain.de", "you@yourcompany.com", "name@example.net", "your@email.com"
_PLACEHOLDER_LABELS = {"domain", "yourdomain", "mydomain", "yoursite", "yourwebsite", "yourcompany", "example", "email"}
_PLACEHOLDER_LOCALS = {
    "your",
    "you",
    "yourname",
    "youremail",
    "name",
    "username",
    "firstname",
    "lastname",
    "vorname",
    "nom",
}

_PHONE = re.compile(r"(?:\+|00)?\(?\d[\d\s().\-/]{5,22}\d")
_CONTACT_WORDS = re.compile(
    r"\b(phone|tel|telephone|call|fon|telefon|téléphone|tél|teléfono|tfno|móvil|mobile|hotline|fax|contact)\b",
    re.IGNORECASE,
)
_PHONE_LABEL = re.compile(r"\b(phone|tel|telephone|telefon|téléphone|teléfono|call us|hotline)\b", re.IGNORECASE)
_FAX = re.compile(r"\bfax\b", re.IGNORECASE)


def extract_emails(doc: Document) -> list[Candidate]:
    out = []
    for link in doc.links:
        if link.href.lower().startswith("mailto:"):
            address = unquote(link.href[7:].split("?", 1)[0]).strip().lower()
            if _valid_email(address):
                out.append(candidate("emails", address, doc.url, FieldMethod.LINK))
    for line in doc.lines:
        for address in _EMAIL.findall(deobfuscate(line)):
            if _valid_email(address.lower()):
                out.append(candidate("emails", address.lower(), doc.url, FieldMethod.TEXT))
    return out


def deobfuscate(text: str) -> str:
    for pattern, replacement in _OBFUSCATED:
        text = pattern.sub(replacement, text)
    return text


def _valid_email(address: str) -> bool:
    if not _EMAIL.fullmatch(address):
        return False
    local, domain = address.rsplit("@", 1)
    if domain.split(".")[0] in _PLACEHOLDER_LABELS or local in _PLACEHOLDER_LOCALS:
        return False
    return not address.endswith(_FILE_SUFFIXES) and domain not in _PLACEHOLDER_DOMAINS


def extract_phones(doc: Document) -> list[Candidate]:
    out = []
    for link in doc.links:
        if link.href.lower().startswith("tel:"):
            number = normalize_phone(unquote(link.href[4:]))
            if number:
                out.append(candidate("phones", number, doc.url, FieldMethod.LINK))
    for line, labelled in _contact_lines(doc.lines):
        for match in _PHONE.finditer(line):
            number = normalize_phone(match.group(0))
            if number and (labelled or _near_contact_word(line, match.start())):
                out.append(candidate("phones", number, doc.url, FieldMethod.TEXT, rank=1))
    return out


def _near_contact_word(line: str, start: int) -> bool:
    """A contact word ends at most 25 characters before the number, and no '#'/'No.' right before it."""
    before = line[max(0, start - 40) : start]
    if re.search(r"(#|\bno\.?|\bnr\.?|\bnum\.?)\s*$", before, re.IGNORECASE):
        return False
    return any(start - (max(0, start - 40) + m.end()) <= 25 for m in _CONTACT_WORDS.finditer(before))


def _contact_lines(lines: list[str]) -> list[tuple[str, bool]]:
    """Lines with a contact word, and lines right after a pure label line ("Phone"); flag the latter."""
    picked = []
    for i, line in enumerate(lines):
        if _FAX.search(line) and not re.search(r"\b(tel|phone|telefon)", line, re.IGNORECASE):
            continue
        previous = lines[i - 1] if i else ""
        if previous and _PHONE_LABEL.search(previous) and len(previous) < 25 and not re.search(r"\d", previous):
            picked.append((line, True))
        elif _CONTACT_WORDS.search(line):
            picked.append((line, False))
    return picked


def normalize_phone(raw: str) -> str:
    """``"+49 (0)30 1234-567"`` → ``"+49301234567"``; "" when it cannot be a phone number."""
    text = raw.strip()
    if re.search(r"\b(19|20)\d\d\s*[-–]\s*(19|20)\d\d\b", text):
        return ""  # a year range, not a number
    international = text.startswith(("+", "00"))
    text = re.sub(r"\(0\)", "", text) if international else text
    digits = re.sub(r"\D", "", text)
    if text.startswith("00"):
        digits = digits[2:]
    if not 7 <= len(digits) <= 15:
        return ""
    return f"+{digits}" if international else digits


def country_of_phone(number: str) -> str:
    """The English country name of an international number ("+4930..." → "Germany"), via libphonenumber."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return country_of_code(phonenumbers.region_code_for_number(parsed) or "")


def e164(number: str, region: str) -> str:
    """``number`` in E.164 ("+4928112345678"), reading a national number in ``region`` (ISO code); "" if invalid."""
    try:
        parsed = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
