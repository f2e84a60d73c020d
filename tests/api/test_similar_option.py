"""The add-on API's ``similar`` option (issue 16): a boolean that adds the "Similar in this list" column."""

from __future__ import annotations

import pytest

from service.api.openapi import SCHEMAS
from service.api.requests import parse_selection_request
from service.config import Settings
from service.domain.errors import InputError
from service.domain.labels import SIMILAR

BODY = {"spreadsheet_id": "a" * 44, "sheet_name": "Leads", "ranges": ["A2:B40"], "fields": ["industry"]}


def test_similar_true_makes_the_column_the_last_output_before_sources() -> None:
    request = parse_selection_request({**BODY, "similar": True}, Settings())
    assert request.options.similar and request.options.outputs == ("industry", SIMILAR)


def test_similar_is_off_unless_asked_and_must_be_a_boolean() -> None:
    assert parse_selection_request(BODY, Settings()).options.outputs == ("industry",)
    with pytest.raises(InputError, match="similar"):
        parse_selection_request({**BODY, "similar": "yes"}, Settings())


def test_the_openapi_document_lists_it() -> None:
    assert SCHEMAS["Selection"]["properties"]["similar"] == {"type": "boolean"}
