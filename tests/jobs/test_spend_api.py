"""The spend cap as the add-on and batch API bodies carry it (``max_cost_usd``), and stored options without it."""

from __future__ import annotations

import dataclasses

import pytest

from service.api.batches import parse_batch, result_record
from service.api.openapi import openapi_document
from service.api.requests import parse_selection_request
from service.config import Settings
from service.domain import JobOptions, RowState
from service.domain.errors import InputError
from service.jobs.spend import cap_note
from tests.contract.store_contract import make_job, make_row

SELECTION = {"spreadsheet_id": "a" * 44, "sheet_name": "Leads", "ranges": ["A2:B40"], "fields": ["industry"]}
BATCH = {"companies": [{"name": "Acme", "website": "acme.example"}]}


@pytest.mark.parametrize(("sent", "stored"), [(1.5, 1.5), (0, 0.0), (2, 2.0), (None, None)])
def test_a_cap_in_either_body_is_stored_in_the_job_options(sent: float | None, stored: float | None) -> None:
    assert parse_selection_request({**SELECTION, "max_cost_usd": sent}, Settings()).options.max_cost_usd == stored
    assert parse_batch({**BATCH, "max_cost_usd": sent})[1].max_cost_usd == stored


def test_no_cap_sent_means_no_cap() -> None:
    assert parse_selection_request(SELECTION, Settings()).options.max_cost_usd is None
    assert parse_batch(BATCH)[1].max_cost_usd is None


@pytest.mark.parametrize("bad", [-0.01, "5", True, 2_000_000, float("nan"), float("inf")])
def test_a_bad_cap_is_a_400_naming_the_field(bad: object) -> None:
    for parse in (lambda b: parse_selection_request(b, Settings()), parse_batch):
        with pytest.raises(InputError, match="max_cost_usd"):
            parse({**(SELECTION if parse is not parse_batch else BATCH), "max_cost_usd": bad})


def test_options_stored_before_caps_existed_read_as_no_cap() -> None:
    old = JobOptions().to_dict()
    del old["max_cost_usd"]
    assert JobOptions.from_dict(old).max_cost_usd is None
    capped = JobOptions(max_cost_usd=0.25)
    assert JobOptions.from_dict(capped.to_dict()) == capped


def test_the_openapi_document_names_the_cap_and_the_split() -> None:
    schemas = openapi_document()["components"]["schemas"]
    assert "max_cost_usd" in schemas["Estimate"]["properties"] and "cost_split" in schemas["Estimate"]["properties"]
    assert schemas["Selection"]["properties"]["max_cost_usd"]["minimum"] == 0
    assert schemas["BatchRequest"]["properties"]["max_cost_usd"]["type"] == ["number", "null"]


def test_batch_results_show_a_done_rows_spend_cap_note() -> None:
    job = make_job()
    capped = dataclasses.replace(make_row("r1", 1), state=RowState.DONE, error_message=cap_note(0.5))
    plain = dataclasses.replace(make_row("r2", 2), state=RowState.DONE)
    assert result_record(job, capped)["note"] == "not asked: spend cap of $0.5 reached"
    assert result_record(job, plain)["note"] is None
    assert result_record(job, capped)["error"] is None  # a note, not an error
