"""Keeps the project's Appium server up for a long-running robot: probes its `/status`, restarts
it with back-off when it dies or hangs, and says while it is down so runs are not blamed on
the app.

The robot's rounds ask `outage()` before using the server and `epoch()` around a run: a run
that spans a change of epoch lost its server midway.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from emulators.appium_server import AppiumServer
from emulators.exceptions import AppiumServerError

log = logging.getLogger("ronde.appium")

BACKOFF_S: tuple[float, ...] = (1, 2, 4, 8, 15, 30, 60)


@dataclass(frozen=True, slots=True)
class Outage:
    """Why the server is down, since when (monotonic seconds), and the restarts tried."""

    reason: str
    since: float
    attempts: int = 0


class AppiumSupervisor:
    """`AppiumSupervisor(server).start()` … `stop()`: the server, and a thread watching it.

    Down when the process exits (seen at once) or `/status` fails `misses` probes in a row
    (a hang: the process is killed, then restarted). Restarts wait `backoff_s[i]` seconds
    before the i-th attempt, the last value repeating; `on_change(outage)` is called with
    the outage when it begins and with None when the server is back.
    """

    def __init__(
        self,
        server: AppiumServer,
        *,
        interval_s: float = 1.0,
        misses: int = 3,
        probe_timeout_s: float = 5.0,
        backoff_s: Sequence[float] = BACKOFF_S,
        on_change: Callable[[Outage | None], None] | None = None,
    ) -> None:
        self.server = server
        self.interval_s = interval_s
        self.misses = misses
        self.probe_timeout_s = probe_timeout_s
        self.backoff_s = tuple(backoff_s) or (1.0,)
        self.on_change = on_change
        self.restarts = 0
        self._outage: Outage | None = None
        self._epoch = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def start(self) -> AppiumSupervisor:
        self.server.start()
        self._thread = threading.Thread(target=self._watch, name="appium-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self.server.stop()  # also ends a restart in progress: its start() sees the process go
        if self._thread is not None:
            self._thread.join(15)
        self.server.stop()  # in case a restart slipped in before the thread saw the flag

    # -- what the rounds ask ------------------------------------------------------------
    def outage(self, *, probe: bool = False) -> str | None:
        """Why the server cannot take sessions now, or None. A dead process is seen at once;
        `probe` (after a run failed) also asks `/status`: refused means it is dying."""
        with self._lock:
            outage = self._outage
        if outage is None and not self._stopping.is_set():
            if not self.server.running():
                outage = self._down("the Appium server exited")
            elif probe and (refused := self._refused()) is not None:
                outage = self._down(refused)
        return None if outage is None else (
            f"Ronde's Appium server is down ({outage.reason}); restarting it")

    def epoch(self) -> int:
        """Grows by one at every outage."""
        with self._lock:
            return self._epoch

    # -- the watch --------------------------------------------------------------------
    def _watch(self) -> None:
        missed = 0
        while not self._stopping.is_set():
            self._wake.wait(self.interval_s)
            self._wake.clear()
            if self._stopping.is_set():
                return
            with self._lock:
                down = self._outage is not None
            if not down:
                problem = self._probe()
                missed = missed + 1 if problem else 0
                if problem and (missed >= self.misses or not self.server.running()):
                    self._down(problem)
                    down = True
            if down:
                self._recover()
                missed = 0

    def _probe(self) -> str | None:
        if not self.server.running():
            return "the Appium server exited"
        try:
            response = httpx.get(f"{self.server.url}/status", timeout=self.probe_timeout_s)
        except httpx.HTTPError as exc:
            return f"/status did not answer: {type(exc).__name__}"
        return None if response.status_code == 200 else f"/status answered {response.status_code}"

    def _refused(self) -> str | None:
        """A refused connection (not a slow answer: that is the watch's to judge)."""
        try:
            httpx.get(f"{self.server.url}/status", timeout=self.probe_timeout_s)
        except httpx.ConnectError as exc:
            return f"connection refused: {type(exc).__name__}"
        except (httpx.HTTPError, AppiumServerError):
            return None
        return None

    def _down(self, reason: str) -> Outage:
        with self._lock:
            if self._outage is not None:
                return self._outage
            self._outage = outage = Outage(reason, time.monotonic())
            self._epoch += 1
        log.error("Appium is down (%s): restarting it", reason,
                  extra={"event": "appium_down", "reason": reason})
        self._wake.set()
        self._notify(outage)
        return outage

    def _recover(self) -> None:
        """Restart until it answers (or the robot stops), waiting longer after each failure."""
        attempt = 0
        while not self._stopping.is_set():
            delay = self.backoff_s[min(attempt, len(self.backoff_s) - 1)]
            self.server.stop()  # what is left of it (a hung process) goes first
            if self._stopping.wait(delay):
                return
            attempt += 1
            try:
                self.server.start()
            except (AppiumServerError, OSError) as exc:
                with self._lock:
                    if self._outage is not None:
                        self._outage = Outage(self._outage.reason, self._outage.since, attempt)
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                log.warning("Appium restart %d failed: %s", attempt, first,
                            extra={"event": "appium_restart_failed", "attempt": attempt})
                continue
            if self._stopping.is_set():
                return
            with self._lock:
                since = self._outage.since if self._outage else time.monotonic()
                self._outage = None
            self.restarts += 1
            log.warning("Appium is back at %s after %.1fs (%d restart attempt(s))",
                        self.server.url, time.monotonic() - since, attempt,
                        extra={"event": "appium_restarted", "attempts": attempt})
            self._notify(None)
            return

    def _notify(self, outage: Outage | None) -> None:
        if self.on_change is None:
            return
        with contextlib.suppress(Exception):  # a listener never stops the watch
            self.on_change(outage)
