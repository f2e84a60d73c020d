"""Bounded body decoding (gzip bombs, truncation) and charset detection."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator

import pytest

from service.domain import ErrorKind
from service.domain.errors import ExtractionError
from service.research.fetch.body import Body, decode_text, read_capped


async def _chunks(data: bytes, size: int = 65536) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def read(data: bytes, encoding: str, cap: int) -> Body:
    return asyncio.run(read_capped(_chunks(data), encoding, cap))


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("", lambda b: b),
        ("identity", lambda b: b),
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send
    ],
)
def test_decodes_each_content_encoding(encoding: str, encode: object) -> None:
    html = b"<html><body>" + b"<p>hello world</p>" * 500 + b"</body></html>"
    body = read(encode(html), encoding, 1_000_000)  # type: ignore[operator]
    assert body == Body(html, truncated=False)


def test_long_plain_body_is_truncated_at_the_cap() -> None:
    body = read(b"<p>x</p>" * 100_000, "", 10_000)
    assert len(body.data) == 10_000 and body.truncated


def test_long_compressible_html_is_truncated_not_refused() -> None:
    html = b"".join(b"<p>Paragraph %d about our company and products.</p>" % i for i in range(60_000))
    body = read(gzip.compress(html), "gzip", 100_000)
    assert body.truncated and body.data == html[:100_000]


def test_gzip_bomb_is_refused_as_too_large() -> None:
    bomb = gzip.compress(b"\0" * 20_000_000)
    with pytest.raises(ExtractionError) as error:
        read(bomb, "gzip", 100_000)
    assert error.value.kind == ErrorKind.TOO_LARGE


def test_unknown_content_encoding_is_a_parse_error() -> None:
    with pytest.raises(ExtractionError) as error:
        read(b"data", "br", 100)
    assert error.value.kind == ErrorKind.PARSE


def test_corrupt_gzip_is_a_parse_error() -> None:
    with pytest.raises(ExtractionError):
        read(b"\x1f\x8b\x08\x00garbage-garbage", "gzip", 100)


def test_charset_from_header() -> None:
    text, charset = decode_text("Grüße".encode("iso-8859-15"), "text/html; charset=ISO-8859-15")
    assert (text, charset) == ("Grüße", "iso8859-15")


def test_charset_from_meta_when_header_has_none() -> None:
    data = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>Привет</p>'
    text, charset = decode_text(data.encode("cp1251"), "text/html")
    assert "Привет" in text and charset == "cp1251"


def test_wrong_declared_charset_falls_back_to_detection() -> None:
    data = "<p>Café Müller Rösterei – Kaffee aus Köln, seit 1952. Größte Auswahl.</p>".encode("cp1252")
    text, _ = decode_text(data, "text/html; charset=utf-8")
    assert "Café Müller Rösterei" in text and "\ufffd" not in text


def test_unknown_charset_label_does_not_crash() -> None:
    text, charset = decode_text(b"<p>plain</p>", "text/html; charset=x-no-such-charset")
    assert (text, charset) == ("<p>plain</p>", "utf-8")


def test_latin1_label_means_windows_1252() -> None:
    text, _ = decode_text("“quoted” – ok".encode("cp1252"), "text/html; charset=iso-8859-1")
    assert text == "“quoted” – ok"


def test_truncated_utf8_keeps_the_declared_charset() -> None:
    data = "Zürich – Genève".encode()[:-1]
    text, charset = decode_text(data, "text/html; charset=utf-8", truncated=True)
    assert charset == "utf-8" and text.startswith("Zürich – Genè")


def test_bom_wins() -> None:
    text, charset = decode_text(b"\xef\xbb\xbf<p>caf\xc3\xa9</p>", "text/html; charset=iso-8859-1")
    assert (text, charset) == ("<p>café</p>", "utf-8")
