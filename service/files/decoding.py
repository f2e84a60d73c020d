"""Which text encoding a CSV file uses: a BOM, else UTF-8 if it decodes, else charset-normalizer.

Only the first ``SAMPLE_BYTES`` are examined; the rest of the file is decoded
with ``errors="replace"`` so one stray byte deep in a big file cannot stop a job.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

SAMPLE_BYTES = 1 << 20

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def detect_encoding(sample: bytes) -> str:
    """The encoding to read a file with, judged from its first bytes."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    utf16 = _bomless_utf16(sample)
    if utf16:
        return utf16
    if _is_utf8(sample):
        return "utf-8"
    guess = _guess(sample)
    if guess:
        return guess
    return "cp1252" if _cp1252_decodes(sample) else "latin-1"


def _guess(sample: bytes) -> str | None:
    """charset-normalizer's pick, preferring cp1252 (Excel's Western export) among equally good ones."""
    matches = list(from_bytes(sample[:SAMPLE_BYTES]))
    if not matches:
        return None
    least = min(m.chaos for m in matches)
    tied = [m.encoding for m in matches if m.chaos <= least]
    if "cp1252" in tied or "latin_1" in tied:
        return "cp1252" if _cp1252_decodes(sample) else "latin-1"
    best = tied[0]
    return None if best in ("ascii", "utf_8") else best


def _is_utf8(sample: bytes) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the sample's end is fine
    except UnicodeDecodeError:
        return False
    return True


def _bomless_utf16(sample: bytes) -> str | None:
    """UTF-16 without a BOM: mostly-ASCII text leaves a NUL in every other byte."""
    head = sample[:4096]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def _cp1252_decodes(sample: bytes) -> bool:
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True
