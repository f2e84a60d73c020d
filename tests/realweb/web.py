"""``RealWeb``: the real-web corpus served on loopback under the sites' own host names.

Each folder ``<sites_dir>/<host>/`` is one site, routed by the ``Host``
header (``www.<host>`` too), files mapped to paths as ``DemoWeb`` does. The
pages are served as committed; only at serving time, absolute links to a
corpus host (``https://www.acme.de/kontakt``) become
``http://acme.de:<port>/kontakt`` so the crawler stays on loopback.
``RealResolver`` answers 127.0.0.1 for corpus hosts and a DNS error for every
other host, so nothing leaves the machine.
"""

from __future__ import annotations

import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from service.domain import ErrorKind
from service.domain.errors import FetchError
from service.examples.demo_web.server import content_type_for, find_file

HERE = Path(__file__).parent
REPO = HERE.parents[1]


def sites_dir() -> Path | None:
    """The built corpus: ``$ROWSCOUT_REALWEB_SITES``, ``tests/realweb/sites`` or ``../shared/realweb/sites``."""
    candidates = [os.environ.get("ROWSCOUT_REALWEB_SITES", ""), HERE / "sites", REPO.parent / "shared/realweb/sites"]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir() and any(Path(candidate).iterdir()):
            return Path(candidate)
    return None


def _host(name: str) -> str:
    return name.lower().rstrip(".").removeprefix("www.")


class RealResolver:
    """Corpus hosts → 127.0.0.1; anything else → a DNS error (no request leaves loopback)."""

    def __init__(self, hosts: set[str]) -> None:
        self._hosts = hosts

    def resolve(self, host: str) -> list[str]:
        if _host(host) not in self._hosts:
            raise FetchError(f"{host} is not in the real-web corpus", kind=ErrorKind.DNS)
        return ["127.0.0.1"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    web: RealWeb

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hang up on purpose (caps, timeouts)."""


class RealWeb:
    """The corpus on a loopback port. Use as a context manager."""

    def __init__(self, sites: Path) -> None:
        self.sites = sites
        self.hosts = {p.name for p in sites.iterdir() if p.is_dir()}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        names = "|".join(re.escape(h) for h in sorted(self.hosts, key=len, reverse=True))
        self._links = re.compile(rf"https?://(?:www\.)?({names})(?![\w.-])(?::\d+)?", re.IGNORECASE)

    def __enter__(self) -> RealWeb:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.web = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})
        self._thread.daemon = True
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._server is not None, "RealWeb is not started"
        return int(self._server.server_address[1])

    def url(self, host: str, path: str = "/") -> str:
        return f"http://{host}:{self.port}{path}"

    def resolver(self) -> RealResolver:
        return RealResolver(self.hosts)

    def local_links(self, text: str) -> str:
        return self._links.sub(lambda m: f"http://{m.group(1).lower()}:{self.port}", text)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        web = self.server.web
        host = _host((self.headers.get("Host") or "").rsplit(":", 1)[0])
        site = web.sites / host
        file = find_file(site, urlsplit(self.path).path or "/") if host in web.hosts else None
        if file is None:
            self._send(404, "text/html; charset=utf-8", b"<h1>Not found</h1>")
            return
        body = file.read_bytes()
        ctype = content_type_for(file)
        if ctype.startswith(("text/", "application/xml")):
            body = web.local_links(body.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")
        self._send(200, ctype, body)

    def _send(self, status: int, ctype: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
