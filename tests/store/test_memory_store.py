"""The ``JobStore`` contract on ``MemoryJobStore``."""

from __future__ import annotations

from service.store.memory import MemoryJobStore
from tests.contract.store_contract import StoreContract


class TestMemoryJobStore(StoreContract):
    def make_store(self) -> MemoryJobStore:
        return MemoryJobStore()
