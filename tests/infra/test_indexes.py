"""infra/firestore.indexes.json against the store's queries and infra/README.md.

- every composite index has its reason in the README's index table;
- no field exempt from indexing is one the Firestore store filters or orders on;
- the TTL field is exempt from indexing (identical timestamps on every row of a
  job would be a hot index range) and TTL is enabled on it;
- every field the store filters or orders on alone keeps its single-field index.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG = json.loads((ROOT / "infra" / "firestore.indexes.json").read_text())
STORE = (ROOT / "service" / "store" / "firestore.py").read_text()


def queried_fields() -> set[str]:
    return set(re.findall(r'FieldFilter\("([a-z_]+)"', STORE)) | set(re.findall(r'order_by\("([a-z_]+)"', STORE))


def test_every_composite_index_has_a_documented_reason() -> None:
    readme = (ROOT / "infra" / "README.md").read_text()
    for index in CONFIG["indexes"]:
        fields = ", ".join(f["fieldPath"] for f in index["fields"])
        line = next((row for row in readme.splitlines() if f"`{index['collectionGroup']} ({fields})`" in row), None)
        assert line is not None, f"no reason in infra/README.md for {index['collectionGroup']} ({fields})"
        assert len(line.split("|")) >= 4 and len(line.split("|")[2].strip()) > 20  # a reason, not a stub


def test_exempt_fields_are_never_queried() -> None:
    queried = queried_fields()
    assert {"state", "flushed", "position", "owner", "created_at"} <= queried  # the parse finds the queries
    exempt = {o["fieldPath"] for o in CONFIG["fieldOverrides"] if o["indexes"] == []}
    assert {"input", "result", "usage", "expire_at"} <= exempt
    assert not exempt & queried, exempt & queried


def test_ttl_fields_are_exempt_and_enabled() -> None:
    ttl = {(o["collectionGroup"], o["fieldPath"]) for o in CONFIG["fieldOverrides"] if o.get("ttl")}
    assert ttl == {("rows", "expire_at"), ("jobs", "expire_at"), ("counters", "expire_at")}
    for override in CONFIG["fieldOverrides"]:
        if override.get("ttl"):
            assert override["indexes"] == []


def test_composite_index_fields_are_queried_together() -> None:
    queried = queried_fields()
    for index in CONFIG["indexes"]:
        assert {f["fieldPath"] for f in index["fields"]} <= queried, index
