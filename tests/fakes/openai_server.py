"""A loopback fake of an OpenAI-compatible ``/v1/chat/completions`` server.

Records every request body (``.requests``) and answers from a queue of
canned replies: ``reply_json(data, input_tokens, output_tokens)`` for a JSON
answer, ``reply_status(429, retry_after=...)`` / ``reply_status(500)`` for
failures. With the queue empty it asks the scripted responder, if one is
set (``answer_with(fn)``: ``fn(request_body)`` returns the JSON answer, or
None for ``{}``): a test can answer from the prompt it was really sent, e.g.
cite the page URLs the prompt holds. Otherwise it answers ``{}``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.auth_headers: list[str] = []
        self._replies: list[tuple[int, dict[str, str], bytes]] = []
        self._responder: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def reply_json(self, data: dict[str, Any], *, input_tokens: int = 100, output_tokens: int = 20) -> None:
        self._push(200, {}, _completion(data, input_tokens, output_tokens))

    def answer_with(self, responder: Callable[[dict[str, Any]], dict[str, Any] | None] | None) -> None:
        """Answer requests the queue does not cover with ``responder(request_body)`` (None: ``{}``)."""
        self._responder = responder

    def reply_status(self, status: int, *, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after else {}
        self._push(status, headers, b'{"error": {"message": "fake failure"}}')

    def _push(self, status: int, headers: dict[str, str], body: bytes) -> None:
        with self._lock:
            self._replies.append((status, headers, body))

    def next_reply(self, request: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            if self._replies:
                return self._replies.pop(0)
            responder = self._responder
        data = responder(request) if responder is not None else None
        if data is not None:
            return 200, {}, _completion(data, 100, 20)
        return 200, {}, json.dumps({"choices": [{"message": {"content": "{}"}}], "usage": {}}).encode()


def _completion(data: dict[str, Any], input_tokens: int, output_tokens: int) -> bytes:
    body = {
        "choices": [{"message": {"role": "assistant", "content": json.dumps(data)}}],
        "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens},
    }
    return json.dumps(body).encode()


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            request = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(request)
            fake.auth_headers.append(self.headers.get("Authorization", ""))
            status, headers, body = (
                fake.next_reply(request) if self.path == "/v1/chat/completions" else (404, {}, b"{}")
            )
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
