"""A tiny HTTP API on the loopback for the journeys' `http.*` calls in tests (bounded: it
serves until the test ends, and only 127.0.0.1)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, str, str]]] = []  # each server gets its own list

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        self.seen.append((self.command, self.path, self.headers.get("X-Token", ""), body))
        if self.path.startswith("/missing"):
            self.send_response(404)
            payload = b'{"error": "not found"}'
        else:
            self.send_response(200)
            payload = json.dumps({"query": "Casquette", "method": self.command,
                                  "echo": body}).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        return None


@contextmanager
def json_api() -> Iterator[tuple[str, list[tuple[str, str, str, str]]]]:
    """(base URL, requests seen as (method, path, X-Token header, body))."""
    seen: ClassVar[list[tuple[str, str, str, str]]] = []  # each server gets its own list
    handler = type("Handler", (_Handler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
