"""Last resort against a frozen interpreter: a timer in C that needs no GIL to fire.

C code that holds the GIL without end (a backtracking match in the stdlib `re`, a stuck
extension) freezes every Python thread at once: the heartbeat job stops, and SIGTERM is never
handled, because Python runs signal handlers in the main thread, which needs the GIL too.
`faulthandler`'s timer runs in its own C thread: unless the main thread re-arms it in time, it
writes every thread's stack to stderr and ends the process (exit code 1), so the service
manager restarts a robot that can no longer stop by itself.
"""

from __future__ import annotations

import faulthandler
import sys
from typing import TextIO

FROZEN_AFTER_S = 60.0  # the main thread wakes twice a second: a minute is a frozen process


class Watchdog:
    """Re-armed by the main thread's loop; fires only if that loop stops for `after_s`."""

    def __init__(self, after_s: float = FROZEN_AFTER_S, file: TextIO | None = None) -> None:
        self.after_s = after_s
        self._file = file if file is not None else sys.__stderr__
        self.armed = False

    def arm(self, after_s: float | None = None) -> None:
        """(Re)starts the countdown; the process ends if it is not re-armed within it."""
        if self._file is None:  # no stderr to write the stacks to (pythonw): nothing to arm
            return
        faulthandler.dump_traceback_later(after_s or self.after_s, exit=True, file=self._file)
        self.armed = True

    def disarm(self) -> None:
        if self.armed:
            faulthandler.cancel_dump_traceback_later()
            self.armed = False
