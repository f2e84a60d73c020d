"""A parsed HTML page: the selectolax tree plus the views extractors share.

``Document.parse(html, url)`` parses once, after ``markup.bound_html`` has
cut the page to its size, nesting and element bounds; extractors read ``lines`` (visible
text, one block per line, scripts/styles/cookie banners removed), ``links``
(absolute href + anchor text, the first ``MAX_LINKS``), ``meta`` (name/property → content) and
``title``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser, LexborNode

from service.research.markup import MAX_LINES, MAX_LINKS, bound_html

_NOISE_TAGS = ("script", "style", "noscript", "template", "svg", "iframe")
_NOISE_SELECTORS = (
    "[id*=cookie]",
    "[class*=cookie]",
    "[id*=consent]",
    "[class*=consent]",
    "[aria-hidden=true]",
)
_BLOCK_TAG = re.compile(
    r"<(/?)(p|div|li|h[1-6]|br|tr|td|th|address|section|article|header|footer|nav|ul|ol|table|dt|dd"
    r"|main|aside|blockquote|form|button|option|label)(?=[\s/>])",
    re.IGNORECASE,
)
_BREAK = "\u2029"  # marks block boundaries before parsing; \s would eat it, so _SPACE avoids \s
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")


@dataclass(frozen=True)
class Link:
    href: str  # absolute
    text: str
    rel: str = ""


@dataclass
class Document:
    url: str
    html: str
    tree: LexborHTMLParser
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, html: str, url: str, headers: dict[str, str] | None = None) -> Document:
        html = bound_html(html)
        return cls(url=url, html=html, tree=LexborHTMLParser(html), headers=dict(headers or {}))

    @cached_property
    def title(self) -> str:
        node = self.tree.css_first("title")
        return clean(node.text()) if node else ""

    @cached_property
    def meta(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for node in self.tree.css("meta"):
            key = node.attributes.get("name") or node.attributes.get("property") or ""
            key = key.strip().lower() or (node.attributes.get("http-equiv") or "").strip().lower()
            content = node.attributes.get("content")
            if key and content and key not in found:
                found[key] = clean(content)
        return found

    @cached_property
    def links(self) -> list[Link]:
        out: list[Link] = []
        for node in self.tree.css("a[href], link[href]"):
            if len(out) >= MAX_LINKS:
                break
            href = (node.attributes.get("href") or "").strip()
            if href and not href.startswith("#") and not href.lower().startswith("javascript:"):
                rel = (node.attributes.get("rel") or "").lower()
                out.append(Link(href=urljoin(self.url, href), text=clean(node.text()), rel=rel))
        return out

    @cached_property
    def script_sources(self) -> list[str]:
        return [n.attributes.get("src") or "" for n in self.tree.css("script[src]")]

    @cached_property
    def blocks_tree(self) -> LexborHTMLParser:
        """A second parse with a break marker before every block tag, noise removed."""
        marked = _BLOCK_TAG.sub(lambda m: f"{_BREAK}<{m.group(1)}{m.group(2)}", self.html)
        tree = LexborHTMLParser(marked)
        if tree.body is not None:
            _strip_noise(tree.body)
        return tree

    @cached_property
    def lines(self) -> list[str]:
        """Visible text, one line per block element, noise removed (at most ``MAX_LINES``)."""
        body = self.blocks_tree.body
        lines = self.node_lines(body) if body is not None else []
        if len(lines) > MAX_LINES:  # keep the top and the footer, where company facts live
            lines = lines[: MAX_LINES // 2] + lines[-(MAX_LINES // 2) :]
        return lines

    @cached_property
    def text(self) -> str:
        return "\n".join(self.lines)

    def node_lines(self, node: LexborNode) -> list[str]:
        """Block lines of a node of ``blocks_tree``."""
        raw = node.text(separator=" ", deep=True)
        return [line for line in (clean(x) for x in raw.split(_BREAK)) if line]


def _strip_noise(body: LexborNode) -> None:
    for tag in _NOISE_TAGS:
        for node in body.css(tag):
            node.decompose()
    for selector in _NOISE_SELECTORS:
        for node in body.css(selector):
            node.decompose()


def clean(text: str | None) -> str:
    """Collapse whitespace and trim."""
    return _SPACE.sub(" ", text or "").strip()
