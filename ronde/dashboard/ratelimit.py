"""Login rate limiting: a few failed attempts per client, then a pause (guessing is slow)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_S = 300.0
_MAX_CLIENTS = 10_000  # bounded memory under a spray of addresses


class LoginLimiter:
    """At most `max_failures` failed logins per client within `window_s` seconds."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> int:
        """Seconds before `client` may try again (0: now)."""
        with self._lock:
            recent = self._recent(client)
            if len(recent) < self.max_failures:
                return 0
            return max(1, int(recent[0] + self.window_s - self._clock()) + 1)

    def failed(self, client: str) -> None:
        with self._lock:
            if client not in self._failures and len(self._failures) >= _MAX_CLIENTS:
                self._failures.pop(next(iter(self._failures)))  # forget the oldest client
            self._recent(client).append(self._clock())

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def _recent(self, client: str) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        cutoff = self._clock() - self.window_s
        while times and times[0] <= cutoff:
            times.popleft()
        return times
