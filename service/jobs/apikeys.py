"""Create, list, revoke and check API keys (``python -m service keys ...``, ``X-API-Key``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from service.domain.apikeys import ApiKey, key_digest, new_key, prefix_of
from service.domain.errors import InputError, JobNotFound
from service.store.port import ApiKeyStore

MAX_OWNER_LENGTH = 200


def create_key(keys: ApiKeyStore, *, owner: str, now: datetime) -> tuple[ApiKey, str]:
    """A new key for ``owner``: (its stored record, the key itself, shown once and never stored)."""
    owner = owner.strip()
    if not owner or len(owner) > MAX_OWNER_LENGTH or any(c.isspace() or not c.isprintable() for c in owner):
        raise InputError(f"an owner is 1-{MAX_OWNER_LENGTH} printable characters without spaces, e.g. an email")
    prefix, key = new_key()
    record = ApiKey(prefix=prefix, owner=owner, digest=key_digest(key), created_at=now)
    keys.add_key(record)
    return record, key


def revoke_key(keys: ApiKeyStore, prefix: str, *, now: datetime) -> ApiKey:
    """Revoke a key by its prefix (``keys list`` shows it); raises ``JobNotFound`` for an unknown prefix."""
    found = keys.revoke_key(prefix.strip(), now=now)
    if found is None:
        raise JobNotFound(f"no API key with prefix {prefix[:20]!r}")
    return found


def list_keys(keys: ApiKeyStore, *, owner: str | None = None) -> list[ApiKey]:
    return keys.list_keys(owner=owner)


def key_owner(keys: ApiKeyStore, key: str) -> str | None:
    """The owner of an active key, None for a malformed, unknown, revoked or wrong key (all alike)."""
    prefix = prefix_of(key)
    record = keys.get_key(prefix) if prefix else None
    if record is None or not record.active or not record.matches(key):
        return None
    return record.owner


KeyCheck = Callable[[str], str | None]
