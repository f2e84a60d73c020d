"""Where a job's completion notice may go: one rule for the batch API, the add-on and the CLI.

A webhook URL is an absolute ``https`` URL without credentials (``http`` only
to a loopback host, for local receivers); an email address is checked for its
shape only (the SMTP server has the last word). ``name`` is how the caller
spells the option in its error messages (``webhook_url``, ``--webhook-url``).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from service.domain.errors import InputError

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL = rf"^[A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def check_webhook_url(url: str, *, name: str = "webhook_url") -> str:
    """``url`` stripped, or ``""`` when empty; InputError when it may not receive notices."""
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InputError(f"{name} is not a valid URL") from None
    if not parts.hostname or parts.username or parts.password or any(c.isspace() for c in url):
        raise InputError(f"{name} must be an absolute https URL without credentials")
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return url
    raise InputError(f"{name} must use https (http only for 127.0.0.1, ::1 or localhost)")


def check_email(address: str, *, name: str = "notification_email") -> str:
    """``address`` stripped, or ``""`` when empty; InputError when it is not shaped like an email."""
    address = address.strip()
    if address and not re.fullmatch(EMAIL, address):
        raise InputError(f"{name} is not an email address: {address[:60]!r}")
    return address
