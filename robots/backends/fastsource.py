"""The page-source poll on a bare keep-alive HTTP connection: the cheapest possible round trip.

Polling is where the robot's resolution comes from, so this one WebDriver call skips the
generic client (Selenium's request building, retries and error mapping). Any answer that is
not a plain success returns None and the caller repeats the call through the full client,
which raises the proper WebDriver exception.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit


class FastSource:
    def __init__(self, server_url: str, session_id: str, timeout_s: float) -> None:
        parts = urlsplit(server_url)
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._https = parts.scheme == "https"
        self._path = f"{parts.path.rstrip('/')}/session/{session_id}/source"
        self._timeout = timeout_s
        self._conn: http.client.HTTPConnection | None = None
        self.usable = not (parts.username or parts.password)  # auth: leave it to the client

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            self._conn = cls(self._host, self._port, timeout=self._timeout)
        return self._conn

    def fetch(self) -> str | None:
        if not self.usable:
            return None
        conn = self._connection()
        try:
            conn.request("GET", self._path, headers={"Accept": "application/json"})
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return None
        if response.status != 200:
            return None
        try:
            value = json.loads(body).get("value")
        except (ValueError, AttributeError):
            return None
        return value if isinstance(value, str) else None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
