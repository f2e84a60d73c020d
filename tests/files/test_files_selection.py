"""Row selection: --rows specs and --where filters, streaming."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.domain.errors import InputError
from service.domain.tables import InputRecord
from service.files.selection import parse_filter, parse_rows_spec, select


def records(count: int, consumed: list[int] | None = None) -> Iterator[InputRecord]:
    countries = ["France", "Spain", "france"]
    for i in range(1, count + 1):
        if consumed is not None:
            consumed.append(i)
        yield InputRecord(f"r{i:06d}", i, {"Company": f"C{i}", "Country": countries[i % 3]})


def test_rows_spec() -> None:
    selector = parse_rows_spec(" 2-4, 7 ,10-")
    assert [p for p in range(1, 13) if p in selector] == [2, 3, 4, 7, 10, 11, 12]
    assert selector.last is None
    assert parse_rows_spec("2-40,57").last == 57


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("40-2", "reversed; write 2-40"),
        ("abc", "'abc' is not a row number or range"),
        ("0", "numbered from 1"),
        ("0-3", "numbered from 1"),
        ("", "empty"),
        ("1,,2", "empty"),
        ("-5", "not a row number"),
    ],
)
def test_bad_rows_specs(spec: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_rows_spec(spec)


def test_filters_are_case_insensitive_and_anded() -> None:
    picked = select(records(9), filters=[parse_filter("country=FRANCE"), parse_filter("Company!=c3")])
    assert [r.position for r in picked] == [2, 5, 6, 8, 9]


@pytest.mark.parametrize("text", ["Country", "=France", "  =x"])
def test_bad_filters(text: str) -> None:
    with pytest.raises(InputError, match="must look like Column=value"):
        parse_filter(text)


def test_unknown_filter_column_lists_headers() -> None:
    with pytest.raises(InputError, match="'Region' not found; columns are: 'Company', 'Country'"):
        list(select(records(3), filters=[parse_filter("Region=EU")], headers=["Company", "Country"]))


def test_select_stops_reading_after_the_last_wanted_row() -> None:
    consumed: list[int] = []
    picked = list(
        select(records(100_000, consumed), rows=parse_rows_spec("2-4,7"), filters=[parse_filter("Country=france")])
    )
    assert [r.position for r in picked] == [2, 3]
    assert len(consumed) == 8
