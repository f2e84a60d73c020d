"""The ``SheetsBudget`` contract on ``FirestoreSheetsBudget``, on the real Firestore emulator."""

from __future__ import annotations

import uuid

import pytest
from google.cloud import firestore

from service.sheets.budget_firestore import FirestoreSheetsBudget
from tests.contract.write_budget_contract import T0, BudgetContract

pytestmark = pytest.mark.emulator


class TestFirestoreSheetsBudget(BudgetContract):
    race_threads = 3  # the emulator serialises contended transactions slowly

    @pytest.fixture(autouse=True)
    def _client(self, firestore_client: firestore.Client) -> None:
        self.client = firestore_client
        self.prefix = f"t{uuid.uuid4().hex[:8]}_"

    def make_budget(self, name="writes", limit=5, period=60.0, grace=30.0, follow_up=10.0):
        return FirestoreSheetsBudget(
            self.client, name, limit, period, grace=grace, follow_up=follow_up, collection_prefix=self.prefix
        )


def test_the_budget_document_holds_only_the_last_minute(firestore_client: firestore.Client) -> None:
    budget = FirestoreSheetsBudget(firestore_client, "writes", 60, collection_prefix="doc_")
    for i in range(100):
        assert budget.try_take(claimant="s", now=T0 + i * 1.5) == 0.0
    record = firestore_client.collection("doc_sheets_budget").document("writes").get().to_dict()
    assert len(record["sent"]) == 40 and min(record["sent"]) > T0 + 99 * 1.5 - 60
    assert record["waiting"] == []
