"""``FirestoreApiKeyStore``: the cloud's API keys (``X-API-Key``) in Firestore.

Data model: ``api_keys/{prefix}`` (the key's public 8-hex prefix is the
document id, so checking a presented key is one document read) with
``owner``, ``digest`` (SHA-256 of the whole key, ``service.domain.apikeys``),
``created_at`` and ``revoked_at`` (None while active). The key itself is never
stored. A revoked key stays listed with its revocation time.

Nothing is cached: every request with ``X-API-Key`` reads its key document,
so a revocation is seen by the next request on every instance (the job
store's short job-read cache, ``JOB_CACHE_SECONDS``, holds jobs only, never
keys). ``list_keys`` filters on ``owner`` (single-field index) and sorts in
memory, so the collection needs no composite index; ``digest`` and
``revoked_at`` are never queried and are exempt from indexing
(``infra/firestore.indexes.json``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.retry import Retry, if_transient_error
from google.cloud import firestore
from google.cloud.firestore import FieldFilter

from service.domain.apikeys import ApiKey
from service.domain.errors import StoreError
from service.store.firestore import translated
from service.store.serialize import as_utc

COLLECTION = "api_keys"


class FirestoreApiKeyStore:
    """An ``ApiKeyStore`` on Firestore.

    Args:
        client: a ``google.cloud.firestore.Client`` (emulator or real).
        collection_prefix: prepended to the ``api_keys`` collection (tests).
        timeout: seconds every call may take, retries of transient errors included.
    """

    def __init__(self, client: firestore.Client, *, collection_prefix: str = "", timeout: float = 10.0) -> None:
        self._client = client
        self._keys = client.collection(f"{collection_prefix}{COLLECTION}")
        retry = Retry(predicate=if_transient_error, initial=0.2, maximum=2.0, multiplier=2.0, timeout=timeout)
        self._io: dict[str, Any] = {"timeout": timeout, "retry": retry}

    def add_key(self, key: ApiKey) -> None:
        record = {
            "owner": key.owner,
            "digest": key.digest,
            "created_at": as_utc(key.created_at),
            "revoked_at": as_utc(key.revoked_at),
        }
        try:
            with translated("store an API key", passing=(gexc.AlreadyExists,)):
                self._keys.document(key.prefix).create(record, **self._io)
        except gexc.AlreadyExists as exc:
            raise StoreError(f"an API key with prefix {key.prefix} exists") from exc

    def get_key(self, prefix: str) -> ApiKey | None:
        if not _valid_id(prefix):
            return None
        with translated("read an API key"):
            snapshot = self._keys.document(prefix).get(**self._io)
        return _key(snapshot) if snapshot.exists else None

    def list_keys(self, *, owner: str | None = None) -> list[ApiKey]:
        query = self._keys if owner is None else self._keys.where(filter=FieldFilter("owner", "==", owner))
        with translated("list API keys"):
            keys = [_key(snapshot) for snapshot in query.stream(**self._io)]
        return sorted(keys, key=lambda k: (k.created_at, k.prefix))

    def revoke_key(self, prefix: str, *, now: datetime) -> ApiKey | None:
        if not _valid_id(prefix):
            return None
        ref = self._keys.document(prefix)

        @firestore.transactional
        def revoke(transaction: Any) -> ApiKey | None:
            snapshot = ref.get(transaction=transaction)
            if not snapshot.exists:
                return None
            key = _key(snapshot)
            if key.revoked_at is None:
                transaction.update(ref, {"revoked_at": as_utc(now)})
                key = ApiKey(key.prefix, key.owner, key.digest, key.created_at, as_utc(now))
            return key

        with translated("revoke an API key"):
            try:
                return revoke(self._client.transaction())
            except ValueError as exc:  # the client gives up on contention with ValueError
                raise StoreError(f"Firestore could not revoke API key {prefix}: {exc}") from exc


def _valid_id(prefix: str) -> bool:
    """A usable document id: Firestore refuses ``/``, empty, ``.``/``..`` and ``__x__`` ids."""
    return bool(prefix) and "/" not in prefix and prefix not in (".", "..") and not prefix.startswith("__")


def _key(snapshot: Any) -> ApiKey:
    data = snapshot.to_dict() or {}
    return ApiKey(
        prefix=snapshot.id,
        owner=str(data["owner"]),
        digest=str(data["digest"]),
        created_at=as_utc(data["created_at"]),  # type: ignore[arg-type]
        revoked_at=as_utc(data.get("revoked_at")),
    )
