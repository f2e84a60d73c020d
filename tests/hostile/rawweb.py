"""``RawWeb``: a loopback server whose routes write raw bytes, for what a polite server never does.

Each route is a function ``(send) -> None`` that writes the whole response
itself (status line, headers, body) through ``send``; ``send`` raises
``Stopped`` once the client has gone or the server is closing, so endless
routes end with their connection. Used for malformed ``Location`` headers,
bodies that dribble or never end, and bodies in encodings we never asked for.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import TracebackType

Send = Callable[[bytes], None]
Route = Callable[[Send], None]


class Stopped(Exception):
    """The client went away or the server is closing."""


class RawWeb:
    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.seen: list[tuple[str, dict[str, str]]] = []  # (path, lower-case headers) per request
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # accept() wakes up to see the server closing
        self.port = self._listener.getsockname()[1]
        self._closing = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> RawWeb:
        self._acceptor.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._closing.set()
        self._acceptor.join(5)
        self._listener.close()
        for thread in self._threads:
            thread.join(5)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                path, headers = self._request(conn)
                self.seen.append((path, headers))
                route = self.routes.get(path, not_found)
                route(lambda data: self._send(conn, data))
            except (Stopped, OSError):
                pass

    def _request(self, conn: socket.socket) -> tuple[str, dict[str, str]]:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                raise Stopped
            data += chunk
        head, *lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        return head.split(" ")[1], headers

    def _send(self, conn: socket.socket, data: bytes) -> None:
        if self._closing.is_set():
            raise Stopped
        try:
            conn.sendall(data)
        except OSError as exc:
            raise Stopped from exc


def head(status: str = "200 OK", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close", *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def not_found(send: Send) -> None:
    send(head("404 Not Found", Content_Length="0"))


def page(html: str) -> Route:
    body = html.encode()
    return lambda send: send(head(Content_Type="text/html; charset=utf-8", Content_Length=str(len(body))) + body)


def redirect(location: str) -> Route:
    return lambda send: send(head("302 Found", Location=location, Content_Length="0"))


def dribble(seconds_per_byte: float = 0.05) -> Route:
    """Slowloris from the server side: a promised body, one byte at a time, never finished."""

    def route(send: Send) -> None:
        send(head(Content_Type="text/html", Content_Length="1000000") + b"<html><body><p>")
        while True:
            send(b"a")
            time.sleep(seconds_per_byte)

    return route


def endless(chunk: bytes = b"<p>endless filler text</p>\n" * 2000) -> Route:
    """A body with no length that never ends, as fast as the client reads."""

    def route(send: Send) -> None:
        send(head(Content_Type="text/html") + b"<html><head><title>Endless</title></head><body>")
        for part in _forever(chunk):
            send(part)

    return route


def encoded(encoding: str, body: bytes) -> Route:
    headers = {"Content_Type": "text/html", "Content_Encoding": encoding, "Content_Length": str(len(body))}
    return lambda send: send(head(**headers) + body)


def _forever(chunk: bytes) -> Iterator[bytes]:
    while True:
        yield chunk
