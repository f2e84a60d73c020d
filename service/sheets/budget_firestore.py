"""``FirestoreSheetsBudget``: the Sheets budget shared by every Cloud Run instance, in Firestore.

One document per budget name (``sheets_budget/writes``, ``sheets_budget/reads``)
holds the slot times of the last minute (≤ ``limit`` numbers) and the
waiting line. Each decision is one short transaction (read the document,
apply ``BudgetRule.take``, write it back) with no other I/O inside; nobody
waits inside it. At 60 slots a minute the document sees about one write a
second, Firestore's sustained rate for one document; contention beyond what
the client's transaction retries absorb becomes a retryable ``StoreError``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from google.api_core import exceptions as gexc
from google.api_core.retry import Retry, if_transient_error
from google.cloud import firestore

from service.domain.errors import StoreError
from service.sheets.budget import DEFAULT_FOLLOW_UP, DEFAULT_GRACE, DEFAULT_PERIOD, BudgetRule, BudgetState

COLLECTION = "sheets_budget"
TRANSACTION_ATTEMPTS = 20


class FirestoreSheetsBudget:
    """A ``SheetsBudget`` in the Firestore document ``{collection_prefix}sheets_budget/{name}``."""

    def __init__(
        self,
        client: firestore.Client,
        name: str = "writes",
        limit: int = 60,
        period: float = DEFAULT_PERIOD,
        *,
        grace: float = DEFAULT_GRACE,
        follow_up: float = DEFAULT_FOLLOW_UP,
        clock: Callable[[], float] = time.time,
        collection_prefix: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.rule = BudgetRule(limit, period, grace, follow_up)
        self.limit, self.period = limit, period
        self._client = client
        self._ref = client.collection(f"{collection_prefix}{COLLECTION}").document(name)
        self._clock = clock
        self._io: dict[str, Any] = {
            "timeout": timeout,
            "retry": Retry(predicate=if_transient_error, initial=0.2, maximum=2.0, timeout=timeout),
        }

    def try_take(self, n: int = 1, *, claimant: str = "", now: float | None = None) -> float:
        self.rule.check(n)
        when = self._clock() if now is None else now
        ref, io, rule = self._ref, self._io, self.rule

        def body(transaction: Any) -> float:
            snapshot = ref.get(transaction=transaction, **io)
            state = BudgetState.from_record(snapshot.to_dict() if snapshot.exists else None)
            wait = rule.take(state, now=when, n=n, claimant=claimant)
            transaction.set(ref, state.to_record())
            return wait

        try:
            transaction = self._client.transaction(max_attempts=TRANSACTION_ATTEMPTS)
            return float(firestore.transactional(body)(transaction))
        except gexc.GoogleAPIError as exc:
            raise StoreError(f"Firestore failed to update the Sheets budget: {exc}") from exc
        except ValueError as exc:  # the client gives up on contention with ValueError
            raise StoreError(f"the Sheets budget is too contended right now: {exc}") from exc
