"""The notice stores (memory, SQLite, Firestore on the emulator) keep one contract: secrets and claims."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from service.domain.errors import StoreError
from service.notify.store import FirestoreNoticeStore, MemoryNoticeStore, SqliteNoticeStore

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "firestore"])
def store(request, tmp_path):
    if request.param == "memory":
        return MemoryNoticeStore()
    if request.param == "sqlite":
        return SqliteNoticeStore(tmp_path / "notices.sqlite3")
    return FirestoreNoticeStore(request.getfixturevalue("firestore_client"))


def test_a_secret_is_made_once_per_owner_and_kept(store):
    first = store.secret("ann@example.com")
    assert first.startswith("whsec_") and len(first) > 30
    assert store.secret("ann@example.com") == first != store.secret("bob@example.com")


def test_one_claim_at_a_time_a_released_claim_can_be_taken_and_a_sent_notice_never_again(store):
    assert store.claim("d1", now=NOW, hold_seconds=60)
    assert not store.claim("d1", now=NOW + timedelta(seconds=10), hold_seconds=60)  # another sender holds it
    store.release("d1")  # the attempt failed: the next delivery may send
    assert store.claim("d1", now=NOW + timedelta(seconds=11), hold_seconds=60)
    assert store.claim("d1", now=NOW + timedelta(seconds=200), hold_seconds=60)  # its sender died: taken over
    store.mark_sent("d1", now=NOW + timedelta(seconds=201))
    assert not store.claim("d1", now=NOW + timedelta(days=1), hold_seconds=60)
    assert store.claim("d2", now=NOW, hold_seconds=60)


def test_two_senders_racing_for_one_notice_only_one_wins(store):
    wins: list[bool] = []
    barrier = threading.Barrier(4)

    def race() -> None:
        barrier.wait()
        try:
            wins.append(store.claim("race", now=NOW, hold_seconds=60))
        except StoreError:  # Firestore: lost to contention, retryable (the queue delivers again)
            wins.append(False)

    threads = [threading.Thread(target=race) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(wins) == [False, False, False, True]
