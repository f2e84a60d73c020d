"""API keys of programmatic callers: how a key looks, how it is stored, how it is checked.

A key is ``rsk_<prefix>_<secret>``: ``prefix`` (8 hex characters) is public
and names the key in ``keys list`` and logs; ``secret`` is 32 random bytes
(``secrets.token_urlsafe``). Only the SHA-256 of the whole key is stored
(``ApiKey.digest``), bound to an owner; a presented key is found by its
prefix and compared with ``hmac.compare_digest``. A fast hash is right here:
the key has 256 bits of entropy, so nothing can be guessed from its digest.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

KEY_PREFIX = "rsk"
_KEY_RE = re.compile(r"rsk_([0-9a-f]{8})_[A-Za-z0-9_-]{43}")


@dataclass(frozen=True)
class ApiKey:
    """A stored key: never the key itself, only its digest."""

    prefix: str
    owner: str
    digest: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def matches(self, key: str) -> bool:
        return hmac.compare_digest(self.digest, key_digest(key))


def new_key() -> tuple[str, str]:
    """(prefix, key) of a fresh random key."""
    prefix = secrets.token_hex(4)
    return prefix, f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def prefix_of(key: str) -> str | None:
    """The public prefix of a well-formed key, None for anything else."""
    found = _KEY_RE.fullmatch(key.strip())
    return found.group(1) if found else None
