"""Streaming rows out of a delimited text file: encoding, delimiter sniffing, NUL bytes, huge fields.

Rows are produced one at a time from the open file, so a 100,000-row CSV is
never held in memory, and lines are read with a length cap
(``MAX_LINE_CHARS``), so neither is a file without line breaks. The delimiter (``,`` ``;`` tab ``|``) is the one that
splits the first lines into the most consistent number of fields.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from service.domain.errors import InputError
from service.files.cells import WarningLog
from service.files.decoding import SAMPLE_BYTES, detect_encoding

DELIMITERS = (",", ";", "\t", "|")
MAX_FIELD_BYTES = 32 * 1024 * 1024
MAX_LINE_CHARS = MAX_FIELD_BYTES  # one physical line; a quoted cell may span several
_SNIFF_CHARS = 64 * 1024
_SNIFF_LINES = 50


def iter_csv_rows(path: Path, log: WarningLog) -> Iterator[list[str]]:
    """Every row of the file as a list of raw cell strings (not yet cleaned)."""
    with path.open("rb") as raw:
        head = raw.read(SAMPLE_BYTES)
        encoding = detect_encoding(head)
        sample = head[: _SNIFF_CHARS * 4].decode(encoding, errors="replace")
        delimiter = sniff_delimiter(sample.replace("\x00", "")[:_SNIFF_CHARS])
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        lines = _without_nul(_lines(text, path), log)
        yield from _read(csv.reader(lines, delimiter=delimiter), path)


def sniff_delimiter(sample: str) -> str:
    """The delimiter that gives the first lines the most consistent, widest shape (``,`` if none)."""
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        widths = [len(r) for r in _sample_rows(sample, delimiter) if any(c.strip() for c in r)]
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        score = (count / len(widths), width) if width > 1 else (0.0, 1)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _sample_rows(sample: str, delimiter: str) -> list[list[str]]:
    lines = sample.splitlines(keepends=True)
    if len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    try:
        return list(csv.reader(lines[:_SNIFF_LINES], delimiter=delimiter))
    except csv.Error:
        return []


def _lines(text: io.TextIOWrapper, path: Path) -> Iterator[str]:
    """The file's lines, each read with a length cap (a file with no line breaks cannot fill memory)."""
    for number in itertools.count(1):
        line = text.readline(MAX_LINE_CHARS)
        if not line:
            return
        if len(line) >= MAX_LINE_CHARS and not line.endswith(("\n", "\r")):
            raise InputError(
                f"line {number:,} of {path.name!r} is longer than {MAX_LINE_CHARS // 2**20} million characters; "
                "is it really a CSV file?"
            )
        yield line


def _without_nul(lines: Iterable[str], log: WarningLog) -> Iterator[str]:
    for number, line in enumerate(lines, start=1):
        if "\x00" in line:
            log.note("nul", f"NUL bytes were removed from the file (first on line {number})")
            line = line.replace("\x00", "")
        yield line


def _read(reader: Iterator[list[str]], path: Path) -> Iterator[list[str]]:
    _raise_field_limit()
    try:
        yield from reader
    except csv.Error as exc:
        raise InputError(f"could not read {path.name!r} as CSV: {exc}") from None


def _raise_field_limit() -> None:
    """Let single cells of up to 32 MB through; they are truncated later with a warning."""
    if csv.field_size_limit() < MAX_FIELD_BYTES:
        csv.field_size_limit(MAX_FIELD_BYTES)
