"""A minimal DevTools (CDP) client on the page's own websocket, beside chromedriver.

chromedriver holds every command while a navigation is pending, so a page load would be seen
by a single blocking poll. Talking to the page target directly evaluates the snapshot in the
current document at once, so page loads are polled as tightly as any other transition.
"""

from __future__ import annotations

import contextlib
import json
import threading
from typing import Any

import httpx
import websocket


class DevToolsError(RuntimeError):
    """The DevTools endpoint could not be reached or answered with an error."""


class DevTools:
    def __init__(self, debugger_address: str, *, timeout_s: float = 30.0) -> None:
        self.address = debugger_address
        self.timeout_s = timeout_s
        self._ws: websocket.WebSocket | None = None
        self._next = 0
        self._lock = threading.Lock()

    def connect(self) -> None:
        try:
            targets = httpx.get(f"http://{self.address}/json/list", timeout=5).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DevToolsError(f"DevTools at {self.address}: {exc}") from exc
        pages = [t for t in targets if t.get("type") == "page" and t.get("webSocketDebuggerUrl")]
        if not pages:
            raise DevToolsError(f"DevTools at {self.address}: no page target")
        try:
            self._ws = websocket.create_connection(
                pages[0]["webSocketDebuggerUrl"], timeout=self.timeout_s, suppress_origin=True)
        except (OSError, websocket.WebSocketException) as exc:
            raise DevToolsError(f"DevTools websocket: {exc}") from exc

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        with self._lock:
            if self._ws is None:
                self.connect()
            assert self._ws is not None
            self._next += 1
            ident = self._next
            try:
                self._ws.send(json.dumps({"id": ident, "method": method, "params": params or {}}))
                while True:
                    message = json.loads(self._ws.recv())
                    if message.get("id") == ident:
                        break
            except (OSError, websocket.WebSocketException, ValueError) as exc:
                self.close()
                raise DevToolsError(f"DevTools {method}: {exc}") from exc
        if "error" in message:
            raise DevToolsError(f"DevTools {method}: {message['error']}")
        return message.get("result", {})

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if result.get("exceptionDetails"):
            return None
        return result.get("result", {}).get("value")

    def close(self) -> None:
        if self._ws is not None:
            ws, self._ws = self._ws, None
            with contextlib.suppress(OSError, websocket.WebSocketException):  # browser gone
                ws.close()
