"""Rows out of JSON: a list of objects, ``{"rows": [...]}``, or JSON Lines (one object a line).

Headers are the object keys in order of first appearance. A JSON document is
parsed whole (the format allows nothing else); JSON Lines stream line by line
and take their headers from the first ``HEADER_SAMPLE`` objects.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from service.domain.errors import InputError
from service.files.cells import WarningLog

HEADER_SAMPLE = 200


def read_json_rows(path: Path) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers and rows (values aligned with the headers) of a JSON document."""
    data = _load(path)
    items = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InputError(f'{path.name!r} must hold a list of objects, or an object with a "rows" list')
    _check_objects(items, path)
    headers = _keys(items)
    return headers, (_aligned(item, headers) for item in items)


def read_jsonl_rows(path: Path, log: WarningLog) -> tuple[list[str], Iterator[list[Any]]]:
    """Headers (from the first objects) and a stream of rows of a JSON Lines file."""
    objects = _iter_lines(path)
    head = list(itertools.islice(objects, HEADER_SAMPLE))
    headers = _keys(head)
    return headers, _aligned_stream(itertools.chain(head, objects), headers, log)


def _load(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path.name!r} is not valid JSON: {exc}") from None
    except RecursionError:
        raise InputError(f"{path.name!r} is nested too deeply to be a table of companies") from None


def _iter_lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{path.name!r} line {number} is not valid JSON: {exc}") from None
            except RecursionError:
                raise InputError(f"{path.name!r} line {number} is nested too deeply") from None
            if not isinstance(item, dict):
                raise InputError(f"{path.name!r} line {number} is not a JSON object")
            yield item


def _check_objects(items: list[Any], path: Path) -> None:
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InputError(f"{path.name!r}: item {index} is not an object (each row must be an object)")


def _keys(items: Iterable[dict[str, Any]]) -> list[str]:
    keys: dict[str, None] = {}
    for item in items:
        keys.update(dict.fromkeys(str(k) for k in item))
    return list(keys)


def _aligned(item: dict[str, Any], headers: list[str]) -> list[Any]:
    return [_cell(item.get(h)) for h in headers]


def _aligned_stream(items: Iterator[dict[str, Any]], headers: list[str], log: WarningLog) -> Iterator[list[Any]]:
    known = set(headers)
    for number, item in enumerate(items, start=1):
        if not known.issuperset(str(k) for k in item):
            log.note(
                "jsonl_keys",
                f"keys first seen after the first {HEADER_SAMPLE} rows were ignored (row {number})",
            )
        yield _aligned(item, headers)


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value
