"""``DemoWeb``: a threaded loopback HTTP server that serves the fixture web.

Each folder ``sites/<host>/`` is one website; requests are routed by their
``Host`` header. An optional ``_site.json`` in the folder scripts faults
(delays, statuses, redirects, gzip bombs, huge bodies, wrong charsets); the
format is documented in ``tests/fixture_web/README.md``.

The server also records what it saw (``requests``) and the highest number of
simultaneous requests per host (``max_concurrency(host)``), so tests can check
politeness rules from the outside.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

from service.domain import ErrorKind
from service.domain.errors import FetchError

_TEST_ORIGIN = re.compile(r"(http://[a-z0-9.-]+\.test)(?![:a-z0-9.-])", re.IGNORECASE)
SITES_DIR = Path(__file__).parent / "sites"
CHUNK = 64 * 1024

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".json": "application/json",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".js": "application/javascript",
}


@dataclass(frozen=True)
class SeenRequest:
    """One request the server received."""

    host: str
    path: str
    user_agent: str
    headers: dict[str, str]


class DemoResolver:
    """Maps ``*.test`` hosts to 127.0.0.1 and nothing else (``known_only``: only hosts with a site)."""

    def __init__(self, sites_dir: Path, *, known_only: bool = False) -> None:
        self._sites_dir = sites_dir
        self._known_only = known_only

    def resolve(self, host: str) -> list[str]:
        host = host.lower().rstrip(".")
        if not host.endswith(".test"):
            raise FetchError(f"{host} is not in the fixture web", kind=ErrorKind.DNS)
        if self._known_only and not (self._sites_dir / host).is_dir():
            raise FetchError(f"{host} does not resolve", kind=ErrorKind.DNS)
        return ["127.0.0.1"]


class _Recorder:
    """Thread-safe request log and per-host concurrency meter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[SeenRequest] = []
        self._active: dict[str, int] = defaultdict(int)
        self._max: dict[str, int] = defaultdict(int)

    def enter(self, seen: SeenRequest) -> None:
        with self._lock:
            self.requests.append(seen)
            self._active[seen.host] += 1
            self._max[seen.host] = max(self._max[seen.host], self._active[seen.host])

    def leave(self, host: str) -> None:
        with self._lock:
            self._active[host] -= 1

    def max_concurrency(self, host: str) -> int:
        with self._lock:
            return self._max[host]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._max.clear()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    web: DemoWeb

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hang up on purpose (caps, timeouts): that is not an error here."""


class DemoWeb:
    """The loopback fixture web. Use as a context manager (or ``start()``/``stop()``)."""

    def __init__(self, sites_dir: Path = SITES_DIR) -> None:
        self.sites_dir = sites_dir
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._recorder = _Recorder()
        self._config_cache: dict[str, dict[str, Any]] = {}
        self._bomb_cache: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> DemoWeb:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.web = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> DemoWeb:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what tests use --------------------------------------------------------
    @property
    def port(self) -> int:
        assert self._server is not None, "DemoWeb is not started"
        return int(self._server.server_address[1])

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def resolver(self, *, known_only: bool = False) -> DemoResolver:
        return DemoResolver(self.sites_dir, known_only=known_only)

    def hosts(self) -> list[str]:
        return sorted(p.name for p in self.sites_dir.iterdir() if p.is_dir() and p.name.endswith(".test"))

    @property
    def requests(self) -> list[SeenRequest]:
        return list(self._recorder.requests)

    def requests_for(self, host: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.host == host]

    def max_concurrency(self, host: str) -> int:
        return self._recorder.max_concurrency(host)

    def reset_stats(self) -> None:
        self._recorder.reset()

    # -- used by the handler ---------------------------------------------------
    def site_config(self, host: str) -> dict[str, Any]:
        with self._lock:
            if host not in self._config_cache:
                path = self.sites_dir / host / "_site.json"
                self._config_cache[host] = json.loads(path.read_text("utf-8")) if path.exists() else {}
            return self._config_cache[host]

    def gzip_bomb(self, host: str, path: str, body: bytes, size: int) -> bytes:
        with self._lock:
            key = (host, path)
            if key not in self._bomb_cache:
                self._bomb_cache[key] = gzip.compress(_padded(body, size, b" "), compresslevel=6)
            return self._bomb_cache[key]

    def wait(self, seconds: float) -> None:
        """Sleep for a scripted delay, but wake up at once when the server stops."""
        self._stopping.wait(seconds)

    def with_port(self, location: str) -> str:
        """Give an absolute ``*.test`` redirect target without a port the server's port."""
        parts = urlsplit(location)
        if parts.hostname and parts.hostname.endswith(".test") and parts.port is None:
            return parts._replace(netloc=f"{parts.hostname}:{self.port}").geturl()
        return location

    def add_ports(self, text: str) -> str:
        """Give every ``http://<name>.test`` URL in a served text the server's port."""
        return _TEST_ORIGIN.sub(lambda m: f"{m.group(1)}:{self.port}", text)

    def recorder(self) -> _Recorder:
        return self._recorder


def _padded(body: bytes, size: int, filler: bytes) -> bytes:
    return body + filler * max(0, size - len(body))


def content_type_for(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def find_file(site: Path, url_path: str) -> Path | None:
    """Map a URL path to a file: ``/`` → index.html, ``/about`` → about.html or about/index.html."""
    rel = unquote(url_path).lstrip("/")
    if any(part in ("..", "") or part.startswith("_") for part in rel.split("/") if rel):
        return None
    base = site / rel if rel else site
    for candidate in (base, base.with_name(base.name + ".html"), base / "index.html"):
        if candidate.is_file() and site.resolve() in candidate.resolve().parents:
            return candidate
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "DemoWeb/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read ``DemoWeb.requests`` instead."""

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def _handle(self, *, send_body: bool) -> None:
        web = self.server.web
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].lower()
        path = urlsplit(self.path).path or "/"
        headers = {k.lower(): v for k, v in self.headers.items()}
        web.recorder().enter(SeenRequest(host, path, self.headers.get("User-Agent", ""), headers))
        try:
            self._respond(web, host, path, send_body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True
        finally:
            web.recorder().leave(host)

    def _respond(self, web: DemoWeb, host: str, path: str, send_body: bool) -> None:
        site = web.sites_dir / host
        if not host.endswith(".test") or not site.is_dir():
            self._send(404, {"Content-Type": "text/plain; charset=utf-8"}, [b"unknown host"], send_body)
            return
        config = web.site_config(host)
        route: dict[str, Any] = config.get("routes", {}).get(path, {})
        web.wait(float(route.get("delay", config.get("delay", 0))))
        if "redirect_all" in config:
            query = urlsplit(self.path).query
            target = config["redirect_all"].rstrip("/") + path + (f"?{query}" if query else "")
            self._send(301, {"Location": web.with_port(target), "Content-Length": "0"}, [], send_body)
            return
        if "redirect" in route:
            status = int(route.get("status", 302))
            extra = {"Location": web.with_port(route["redirect"]), "Content-Length": "0"}
            self._send(status, {**extra, **route.get("headers", {})}, [], send_body)
            return
        self._send_content(web, site, host, path, route, send_body)

    def _send_content(
        self, web: DemoWeb, site: Path, host: str, path: str, route: dict[str, Any], send_body: bool
    ) -> None:
        file = find_file(site, path)
        if "body" in route:
            text, ctype = str(route["body"]), "text/html; charset=utf-8"
        elif file is not None:
            text, ctype = file.read_bytes().decode("utf-8", "surrogateescape"), content_type_for(file)
        elif "status" in route:
            text, ctype = "", "text/html; charset=utf-8"
        else:
            self._send(404, {"Content-Type": "text/html; charset=utf-8"}, [b"<h1>Not found</h1>"], send_body)
            return
        text = web.add_ports(text)
        body = text.encode(route.get("charset_bytes", "utf-8"), "surrogateescape")
        headers = {"Content-Type": route.get("content_type", ctype)}
        status = int(route.get("status", 200))
        size = int(route.get("repeat_bytes", 0))
        if route.get("gzip_bomb"):
            compressed = web.gzip_bomb(host, path, body, size or 50_000_000)
            headers.update({"Content-Encoding": "gzip", "Content-Length": str(len(compressed))})
            chunks: Iterator[bytes] = _chunks(compressed)
        elif size:
            headers["Content-Length"] = str(max(size, len(body)))
            chunks = _repeat(body, size)
        else:
            headers["Content-Length"] = str(len(body))
            chunks = iter([body])
        self._send(status, {**headers, **route.get("headers", {})}, chunks, send_body)

    def _send(self, status: int, headers: dict[str, str], chunks: Any, send_body: bool) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            for chunk in chunks:
                self.wfile.write(chunk)


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), CHUNK):
        yield data[start : start + CHUNK]


def _repeat(body: bytes, size: int) -> Iterator[bytes]:
    """The body, then ``<p>filler</p>`` lines until ``size`` bytes, without building it in memory."""
    yield body
    filler = b"<p>filler text for a very large page</p>\n" * 1500
    left = size - len(body)
    while left > 0:
        piece = filler[:left]
        left -= len(piece)
        yield piece
