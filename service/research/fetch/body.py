"""Read a response body with a cap on DECODED bytes, and turn bytes into text.

We decode ``Content-Encoding`` ourselves (``aiter_raw`` + ``zlib`` with
``max_length``), so a gzip bomb costs at most ``max_bytes`` of memory however
far it would expand. Policy when a body is longer than the cap:

* a compressed body that expands more than ``BOMB_RATIO`` times is a
  decompression bomb → ``too_large`` error;
* anything else (a huge HTML page) is cut at the cap and kept
  (``truncated=True``): the top of a page holds what research needs.

Text decoding tries the charset in ``Content-Type``, then ``<meta charset>`` /
``http-equiv`` (or the XML declaration), then charset-normalizer detection,
then UTF-8 with replacement characters; a wrong declaration never crashes.
"""

from __future__ import annotations

import codecs
import re
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from charset_normalizer import from_bytes

from service.domain import ErrorKind
from service.domain.errors import ExtractionError

BOMB_RATIO = 100
# Detection only considers encodings that web pages really use (no Mac or DOS code pages).
WEB_ENCODINGS = (
    "utf_8", "cp1252", "cp1250", "cp1251", "iso8859_2", "iso8859_15", "shift_jis", "euc_jp",
    "gb18030", "big5", "euc_kr", "koi8_r", "cp1253", "cp1254", "cp1255", "cp1256", "cp874",
)  # fmt: skip
SNIFF_BYTES = 4096
# WHATWG: these labels mean windows-1252 on the web.
_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "us-ascii": "cp1252"}
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)", re.IGNORECASE)


class _Decoder:
    """Undo one ``Content-Encoding`` with bounded output; counts the raw bytes it consumed."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self.compressed = encoding not in ("", "identity")
        if encoding in ("gzip", "x-gzip"):
            self._zlib: zlib._Decompress | None = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = None  # decided on the first bytes: zlib wrapper or raw deflate
        elif self.compressed:
            raise ExtractionError(f"unsupported content encoding {encoding!r}", kind=ErrorKind.PARSE)
        self._encoding = encoding
        self.consumed = 0

    def decode(self, data: bytes, limit: int) -> bytes:
        if not self.compressed:
            self.consumed += min(len(data), limit)
            return data[:limit]
        if self._zlib is None:
            raw = (data[0] & 0x0F) != 8 if data else False
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        try:
            out = self._zlib.decompress(data, limit)
        except zlib.error as exc:
            raise ExtractionError("the compressed response is corrupt", kind=ErrorKind.PARSE) from exc
        self.consumed += len(data) - len(self._zlib.unconsumed_tail)
        return out


@dataclass(frozen=True)
class Body:
    data: bytes
    truncated: bool


async def read_capped(chunks: AsyncIterator[bytes], content_encoding: str, max_bytes: int) -> Body:
    """Read raw ``chunks``, decode them, stop after ``max_bytes`` decoded bytes (see module doc)."""
    decoder = _Decoder(content_encoding)
    buffer = bytearray()
    async for raw in chunks:
        buffer += decoder.decode(raw, max_bytes + 1 - len(buffer))
        if len(buffer) > max_bytes:
            if decoder.compressed and len(buffer) > BOMB_RATIO * max(decoder.consumed, 1):
                raise ExtractionError(
                    f"the compressed response expands past {max_bytes:,} bytes (a decompression bomb)",
                    kind=ErrorKind.TOO_LARGE,
                )
            return Body(bytes(buffer[:max_bytes]), truncated=True)
    return Body(bytes(buffer), truncated=False)


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = _CHARSET_ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def charset_from_header(content_type: str) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def charset_from_markup(data: bytes) -> str | None:
    head = data[:SNIFF_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def _strict(data: bytes, codec: str, *, truncated: bool) -> str | None:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    try:
        return str(decoder.decode(data, final=not truncated))
    except UnicodeDecodeError:
        return None


def decode_text(data: bytes, content_type: str, *, truncated: bool = False) -> tuple[str, str]:
    """``(text, charset)`` for a body; never raises on a wrong or unknown charset."""
    for label in (_bom_charset(data), charset_from_header(content_type), charset_from_markup(data)):
        codec = _codec(label)
        if codec:
            text = _strict(data, codec, truncated=truncated)
            if text is not None:
                return text.removeprefix("\ufeff"), codec
    if _strict(data, "utf-8", truncated=truncated) is None:
        best = from_bytes(data[:200_000], cp_isolation=list(WEB_ENCODINGS)).best()
        codec = _codec(best.encoding) if best is not None else None
        if codec:
            return data.decode(codec, errors="replace"), codec
    return data.decode("utf-8", errors="replace"), "utf-8"


def _bom_charset(data: bytes) -> str | None:
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return name
    return None
