"""The one contract suite for the ``ApiKeyStore`` port (service/store/port.py).

Subclass ``KeyStoreContract`` in a ``Test...`` class and implement
``make_store()``; every adapter (memory, SQLite, Firestore on the emulator)
must pass every test here. Keys are made by ``jobs.apikeys.create_key``, the
way the CLI makes them, and checked by ``jobs.apikeys.key_owner``, the way the
API checks them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from service.domain.apikeys import ApiKey, key_digest, new_key
from service.domain.errors import JobNotFound, StoreError
from service.jobs.apikeys import create_key, key_owner, list_keys, revoke_key
from service.store.port import ApiKeyStore

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


class KeyStoreContract:
    race_threads = 8

    def make_store(self) -> ApiKeyStore:
        raise NotImplementedError

    # --- create and read ---
    def test_a_created_key_is_found_by_its_prefix(self) -> None:
        store = self.make_store()
        record, key = create_key(store, owner="ann@example.com", now=T0)
        assert store.get_key(record.prefix) == record
        assert record.active and record.matches(key) and record.created_at == T0
        assert key_owner(store, key) == "ann@example.com"

    def test_only_the_digest_is_stored(self) -> None:
        store = self.make_store()
        record, key = create_key(store, owner="ann@example.com", now=T0)
        found = store.get_key(record.prefix)
        assert found is not None and found.digest == key_digest(key)
        assert key not in repr(found) and key.split("_", 2)[2] not in repr(found)  # the secret may hold "_"

    def test_unknown_malformed_and_wrong_keys_have_no_owner(self) -> None:
        store = self.make_store()
        record, key = create_key(store, owner="ann@example.com", now=T0)
        _, other = new_key()
        wrong_secret = f"rsk_{record.prefix}_{other.split('_', 2)[2]}"
        for presented in (other, wrong_secret, key[:-1], "", "rsk_../x", f"{key} extra"):
            assert key_owner(store, presented) is None, presented
        assert store.get_key("ffffffff" if record.prefix != "ffffffff" else "00000000") is None
        for odd in ("", ".", "..", "__x__", "a/b"):
            assert store.get_key(odd) is None

    def test_a_second_key_with_the_same_prefix_is_refused(self) -> None:
        store = self.make_store()
        record, key = create_key(store, owner="ann@example.com", now=T0)
        clash = ApiKey(prefix=record.prefix, owner="eve@example.com", digest=key_digest("x"), created_at=T0)
        with pytest.raises(StoreError):
            store.add_key(clash)
        assert key_owner(store, key) == "ann@example.com"

    # --- list ---
    def test_keys_are_listed_oldest_first_and_by_owner(self) -> None:
        store = self.make_store()
        made = [
            create_key(store, owner=owner, now=T0 + timedelta(minutes=minute))[0]
            for minute, owner in ((2, "bob@example.com"), (0, "ann@example.com"), (1, "ann@example.com"))
        ]
        assert [k.prefix for k in store.list_keys()] == [made[1].prefix, made[2].prefix, made[0].prefix]
        assert [k.owner for k in list_keys(store, owner="ann@example.com")] == ["ann@example.com"] * 2
        assert store.list_keys(owner="nobody@example.com") == []

    # --- revoke ---
    def test_revocation_is_effective_at_once_and_kept(self) -> None:
        store = self.make_store()
        record, key = create_key(store, owner="ann@example.com", now=T0)
        kept, other = create_key(store, owner="ann@example.com", now=T0)
        later = T0 + timedelta(hours=1)
        revoked = revoke_key(store, record.prefix, now=later)
        assert revoked.revoked_at == later and not revoked.active
        assert key_owner(store, key) is None
        assert key_owner(store, other) == "ann@example.com"
        assert store.get_key(record.prefix) == revoked
        listed = {k.prefix: k for k in store.list_keys()}
        assert listed[record.prefix].revoked_at == later and listed[kept.prefix].active

    def test_a_second_revocation_keeps_the_first_time(self) -> None:
        store = self.make_store()
        record, _ = create_key(store, owner="ann@example.com", now=T0)
        first = T0 + timedelta(hours=1)
        revoke_key(store, record.prefix, now=first)
        again = store.revoke_key(record.prefix, now=first + timedelta(days=1))
        assert again is not None and again.revoked_at == first

    def test_revoking_an_unknown_key_fails_clearly(self) -> None:
        store = self.make_store()
        with pytest.raises(JobNotFound):
            revoke_key(store, "ffffffff", now=T0)
        assert store.revoke_key("ffffffff", now=T0) is None

    def test_concurrent_revocations_agree_on_one_time(self) -> None:
        store = self.make_store()
        record, _ = create_key(store, owner="ann@example.com", now=T0)
        times = [T0 + timedelta(seconds=n + 1) for n in range(self.race_threads)]
        with ThreadPoolExecutor(self.race_threads) as pool:
            seen = list(pool.map(lambda now: store.revoke_key(record.prefix, now=now), times))
        final = store.get_key(record.prefix)
        assert final is not None and final.revoked_at in times
        assert all(k is not None and k.revoked_at == final.revoked_at for k in seen)
