"""Which file format a path is: from an explicit choice, its extension, or its first bytes."""

from __future__ import annotations

import codecs
from enum import StrEnum
from pathlib import Path

from service.domain.errors import InputError


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSON = "json"
    JSONL = "jsonl"


_EXTENSIONS = {
    ".csv": FileFormat.CSV,
    ".tsv": FileFormat.CSV,
    ".txt": FileFormat.CSV,
    ".xlsx": FileFormat.XLSX,
    ".xlsm": FileFormat.XLSX,
    ".json": FileFormat.JSON,
    ".jsonl": FileFormat.JSONL,
    ".ndjson": FileFormat.JSONL,
}

_UNSUPPORTED = {
    ".xls": "old binary Excel (.xls) files are not supported; save the file as .xlsx or CSV",
    ".ods": "OpenDocument spreadsheets (.ods) are not supported; save the file as .xlsx or CSV",
    ".numbers": "Numbers files are not supported; export the file as .xlsx or CSV",
}

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def parse_format(value: str) -> FileFormat:
    """The format named by ``value`` (``csv``, ``xlsx``, ``excel``, ``json``, ``jsonl``)."""
    name = value.strip().lower().lstrip(".")
    aliases = {"excel": "xlsx", "xlsm": "xlsx", "tsv": "csv", "ndjson": "jsonl"}
    try:
        return FileFormat(aliases.get(name, name))
    except ValueError:
        choices = ", ".join(f.value for f in FileFormat)
        raise InputError(f"unknown file format {value!r}; choose one of: {choices}") from None


def output_format(path: Path, explicit: str | None = None) -> FileFormat:
    """The format to write ``path`` in: explicit, else from the extension."""
    if explicit:
        return parse_format(explicit)
    suffix = path.suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    raise InputError(
        f"cannot tell the output format of {path.name!r} from its extension; "
        "use .csv, .xlsx, .json or .jsonl (or pass the format explicitly)"
    )


def input_format(path: Path, head: bytes, explicit: str | None = None) -> FileFormat:
    """The format to read ``path`` as, given its first bytes ``head``."""
    if explicit:
        return parse_format(explicit)
    suffix = path.suffix.lower()
    if suffix in _UNSUPPORTED or head.startswith(_OLE_MAGIC):
        raise InputError(_UNSUPPORTED.get(suffix, _UNSUPPORTED[".xls"]))
    if head.startswith(_ZIP_MAGIC):
        if suffix in _EXTENSIONS and _EXTENSIONS[suffix] != FileFormat.XLSX:
            raise InputError(f"{path.name!r} is a zip archive (maybe an Excel file), not {suffix} text")
        return FileFormat.XLSX
    if _looks_binary(head):
        raise InputError(
            f"{path.name!r} is a binary file, not a format Rowscout can read; "
            "use CSV, Excel (.xlsx), JSON or JSON Lines"
        )
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    return _sniff_text_format(path, head)


def _sniff_text_format(path: Path, head: bytes) -> FileFormat:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        return FileFormat.JSON
    if text.startswith(b"{"):
        first_line = text.split(b"\n", 1)[0].rstrip()
        return FileFormat.JSONL if first_line.endswith(b"}") and b"\n" in text else FileFormat.JSON
    return FileFormat.CSV


_BINARY_MAGIC = (
    b"\x89PNG",
    b"%PDF",
    b"GIF8",
    b"\xff\xd8\xff",  # JPEG
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x7fELF",
)
_CP1252_UNDEFINED = frozenset(b"\x7f\x81\x8d\x8f\x90\x9d")


def _looks_binary(head: bytes) -> bool:
    """Images, archives, executables and random bytes, told apart from text in any encoding we read."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if head.startswith(_BINARY_MAGIC):
        return True
    sample = head[:4096]
    if not sample:
        return False
    controls = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if _is_utf8(sample):
        return controls / len(sample) > 0.1 and sample.count(0) < len(sample) // 3
    if sample.count(0) >= len(sample) // 3:
        return False  # UTF-16 without a byte-order mark
    undefined = controls + sum(1 for b in sample if b in _CP1252_UNDEFINED)
    return undefined / len(sample) > 0.05


def _is_utf8(sample: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True
