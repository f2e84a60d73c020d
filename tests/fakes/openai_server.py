"""A loopback fake of an OpenAI-compatible ``/v1/chat/completions`` server.

Records every request body (``.requests``) and answers from a queue of
canned replies: ``reply_json(data, input_tokens, output_tokens)`` for a JSON
answer, ``reply_status(429, retry_after=...)`` / ``reply_status(500)`` for
failures. With the queue empty it answers ``{}``.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeOpenAI:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.auth_headers: list[str] = []
        self._replies: list[tuple[int, dict[str, str], bytes]] = []
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
        body = {
            "choices": [{"message": {"role": "assistant", "content": json.dumps(data)}}],
            "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens},
        }
        self._push(200, {}, json.dumps(body).encode())

    def reply_status(self, status: int, *, retry_after: str | None = None) -> None:
        headers = {"Retry-After": retry_after} if retry_after else {}
        self._push(status, headers, b'{"error": {"message": "fake failure"}}')

    def _push(self, status: int, headers: dict[str, str], body: bytes) -> None:
        with self._lock:
            self._replies.append((status, headers, body))

    def next_reply(self) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            if self._replies:
                return self._replies.pop(0)
        return 200, {}, json.dumps({"choices": [{"message": {"content": "{}"}}], "usage": {}}).encode()


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            fake.requests.append(json.loads(self.rfile.read(length) or b"{}"))
            fake.auth_headers.append(self.headers.get("Authorization", ""))
            status, headers, body = fake.next_reply() if self.path == "/v1/chat/completions" else (404, {}, b"{}")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler
