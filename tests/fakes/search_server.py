"""A loopback fake of three web search APIs, each in its documented request and response shape.

One ``ThreadingHTTPServer`` serves them all (``base_url`` is the endpoint to
give any adapter):

- Brave Search: ``GET /res/v1/web/search?q=&count=`` with
  ``X-Subscription-Token``; ``{"type": "search", "web": {"results": [...]}}``;
  a bad token → 422 ``SUBSCRIPTION_TOKEN_INVALID``; quota → 429
  ``RATE_LIMITED`` with ``X-RateLimit-Limit/-Remaining/-Reset`` (per second,
  per month) — as Brave's API documents and answers.
- Tavily: ``POST /search`` (JSON body, ``Authorization: Bearer``);
  ``{"query", "results": [{"title", "url", "content", "score"}], "usage": {"credits"}}``;
  a bad key → 401, quota → 429 (or 432, plan credit limit, with ``quota_status``),
  errors as ``{"detail": {"error": "..."}}``.
- Gemini: ``POST /{version}/models/{model}:generateContent`` (key in
  ``x-goog-api-key``) and the Vertex AI path ``…/publishers/google/models/…``;
  with the ``google_search`` tool the candidate carries ``groundingMetadata``
  (``webSearchQueries``, ``groundingChunks[].web.{uri,title}`` — the uri a
  grounding *redirect*, the title the site's domain, as the Gemini API sends
  them, the worst case for us — and ``groundingSupports[]`` with byte-offset
  segments); a bad key → 400 ``INVALID_ARGUMENT`` / ``API_KEY_INVALID``;
  quota → 429 ``RESOURCE_EXHAUSTED`` with a ``RetryInfo`` ``retryDelay``.

The fake holds a tiny web index (``add(keys, url, title, snippet)``): a
query matches an entry when every word of one of its keys is in the query.
``quota_left`` (None = unlimited) counts successful answers left before the
provider's quota answer; ``delay`` makes every answer late (timeouts).
``requests`` records (provider, path, query, headers) for each call.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

GOOD_KEY = "good-key"
REDIRECT = "https://vertexaisearch.cloud.google.com/grounding-api-redirect/"
_GEMINI_PATH = re.compile(r"/models/(?P<model>[^/:]+):generateContent$")


@dataclass(frozen=True)
class Entry:
    keys: tuple[str, ...]
    url: str
    title: str
    snippet: str

    def matches(self, query: str) -> bool:
        words = set(re.findall(r"\w+", query.lower()))
        return any(set(re.findall(r"\w+", key.lower())) <= words for key in self.keys)

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").removeprefix("www.")


@dataclass
class Call:
    provider: str
    path: str
    query: str
    headers: dict[str, str]


class FakeSearchServer:
    def __init__(self, *, keys: tuple[str, ...] = (GOOD_KEY,)) -> None:
        self.keys = set(keys)
        self.entries: list[Entry] = []
        self.requests: list[Call] = []
        self.quota_left: int | None = None
        self.quota_status = 429  # Tavily: 432 is its "plan's credit limit reached"
        self.delay = 0.0
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, keys: str | tuple[str, ...], url: str, title: str, snippet: str = "") -> None:
        self.entries.append(Entry((keys,) if isinstance(keys, str) else keys, url, title, snippet))

    def reset(self) -> None:
        with self._lock:
            self.entries.clear()
            self.requests.clear()
            self.quota_left, self.quota_status, self.delay = None, 429, 0.0

    def found(self, query: str, count: int) -> list[Entry]:
        return [entry for entry in self.entries if entry.matches(query)][:count]

    def take_quota(self) -> bool:
        """True when this call may be answered (and spends one unit of quota)."""
        with self._lock:
            if self.quota_left is None:
                return True
            if self.quota_left <= 0:
                return False
            self.quota_left -= 1
            return True


Reply = tuple[int, dict[str, str], dict[str, Any]]


def _brave(fake: FakeSearchServer, query: str, count: int, key: str) -> Reply:
    if key not in fake.keys:
        error = {
            "id": str(uuid.uuid4()),
            "status": 422,
            "code": "SUBSCRIPTION_TOKEN_INVALID",
            "detail": "The provided subscription token is invalid.",
            "meta": {},
        }
        return 422, {}, {"type": "ErrorResponse", "error": error, "time": int(time.time())}
    if not fake.take_quota():
        headers = {
            "X-RateLimit-Limit": "1, 2000",
            "X-RateLimit-Policy": "1;w=1, 2000;w=2592000",
            "X-RateLimit-Remaining": "0, 1990",
            "X-RateLimit-Reset": "1, 1419704",
        }
        error = {
            "id": str(uuid.uuid4()),
            "status": 429,
            "code": "RATE_LIMITED",
            "detail": "Request rate limit exceeded for plan.",
            "meta": {"plan": "Free", "rate_limit": 1, "rate_current": 2, "quota_limit": 2000, "quota_current": 10},
        }
        return 429, headers, {"type": "ErrorResponse", "error": error, "time": int(time.time())}
    results = [
        {
            "type": "search_result",
            "title": entry.title,
            "url": entry.url,
            "description": _bold(entry.snippet, query),
            "is_source_local": False,
            "meta_url": {
                "scheme": "https",
                "netloc": urlsplit(entry.url).netloc,
                "hostname": urlsplit(entry.url).hostname,
                "path": urlsplit(entry.url).path or "/",
            },
        }
        for entry in fake.found(query, count)
    ]
    headers = {"X-RateLimit-Limit": "1, 2000", "X-RateLimit-Remaining": "0, 1999", "X-RateLimit-Reset": "1, 1419704"}
    body = {
        "type": "search",
        "query": {"original": query, "more_results_available": False},
        "web": {"type": "search", "results": results, "family_friendly": True},
    }
    return 200, headers, body


def _bold(text: str, query: str) -> str:
    """Brave marks the query's words in descriptions with ``<strong>``."""
    for word in set(re.findall(r"\w{3,}", query)):
        text = re.sub(rf"\b({re.escape(word)})\b", r"<strong>\1</strong>", text, flags=re.IGNORECASE)
    return text


def _tavily(fake: FakeSearchServer, body: dict[str, Any], auth: str) -> Reply:
    if auth.removeprefix("Bearer ").strip() not in fake.keys:
        return 401, {}, {"detail": {"error": "Unauthorized: missing or invalid API key."}}
    if not fake.take_quota():
        if fake.quota_status == 432:
            return 432, {}, {"detail": {"error": "This request exceeds your plan's set usage limit."}}
        return 429, {}, {"detail": {"error": "Your request has been blocked due to excessive requests."}}
    query = str(body.get("query") or "")
    count = int(body.get("max_results") or 5)
    results = [
        {"url": e.url, "title": e.title, "content": e.snippet, "score": round(0.9 - 0.1 * i, 2), "raw_content": None}
        for i, e in enumerate(fake.found(query, count))
    ]
    credits = 2 if body.get("search_depth") == "advanced" else 1
    answer: dict[str, Any] = {
        "query": query,
        "follow_up_questions": None,
        "answer": None,
        "images": [],
        "results": results,
        "response_time": 0.42,
        "request_id": str(uuid.uuid4()),
    }
    if body.get("include_usage"):
        answer["usage"] = {"credits": credits}
    return 200, {}, answer


def _gemini(fake: FakeSearchServer, body: dict[str, Any], key: str, vertex: bool) -> Reply:
    if not vertex and key not in fake.keys:
        detail = {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "API_KEY_INVALID",
            "domain": "googleapis.com",
            "metadata": {"service": "generativelanguage.googleapis.com"},
        }
        error = {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [detail],
        }
        return 400, {}, {"error": error}
    if not fake.take_quota():
        detail = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"}
        error = {
            "code": 429,
            "message": "You exceeded your current quota, please check your plan and billing details.",
            "status": "RESOURCE_EXHAUSTED",
            "details": [detail],
        }
        return 429, {}, {"error": error}
    prompt = " ".join(p.get("text", "") for c in body.get("contents", []) for p in c.get("parts", []))
    grounded = any("googleSearch" in tool or "google_search" in tool for tool in body.get("tools") or [])
    entries = fake.found(prompt, 5) if grounded else []
    text, supports = "", []
    for index, entry in enumerate(entries):
        sentence = f"{entry.title}: {entry.snippet}".strip() + " "
        start = len(text.encode())
        text += sentence
        segment = {"startIndex": start, "endIndex": len(text.encode()) - 1, "text": sentence.strip()}
        if start == 0:
            segment.pop("startIndex")  # proto3 JSON omits zero
        supports.append({"segment": segment, "groundingChunkIndices": [index]})
    text = text.strip() or "I could not find that."
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
    if grounded:
        candidate["groundingMetadata"] = {
            "webSearchQueries": [prompt.rsplit(":", 1)[-1].strip()],
            "searchEntryPoint": {"renderedContent": "<div></div>"},
            "groundingChunks": [{"web": {"uri": REDIRECT + uuid.uuid4().hex, "title": e.host}} for e in entries],
            "groundingSupports": supports,
        }
    usage = {
        "promptTokenCount": 12 + len(prompt) // 4,
        "candidatesTokenCount": 5 + len(text) // 4,
        "toolUsePromptTokenCount": 300,
        "totalTokenCount": 400,
    }
    return 200, {}, {"candidates": [candidate], "usageMetadata": usage, "modelVersion": "gemini-2.5-flash"}


def _handler(fake: FakeSearchServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/res/v1/web/search":
                return self._send(404, {}, {"error": "not found"})
            params = parse_qs(url.query)
            query, count = params.get("q", [""])[0], int(params.get("count", ["20"])[0])
            self._record("brave", query)
            self._send(*_brave(fake, query, count, self.headers.get("X-Subscription-Token", "")))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            path = urlsplit(self.path).path
            if path == "/search":
                self._record("tavily", str(body.get("query", "")))
                return self._send(*_tavily(fake, body, self.headers.get("Authorization", "")))
            if _GEMINI_PATH.search(path):
                self._record("gemini", json.dumps(body.get("contents", "")))
                key = self.headers.get("x-goog-api-key", "") or parse_qs(urlsplit(self.path).query).get("key", [""])[0]
                return self._send(*_gemini(fake, body, key, vertex="/publishers/google/" in path))
            self._send(404, {}, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}})

        def _record(self, provider: str, query: str) -> None:
            fake.requests.append(Call(provider, self.path, query, dict(self.headers.items())))
            if fake.delay:
                time.sleep(fake.delay)

        def _send(self, status: int, headers: dict[str, str], body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

    return Handler
