"""SIGTERM and SIGHUP unwind a foreground command like Ctrl-C does: `finally` blocks and exit
stacks run, so its runs are closed and the servers it started are stopped, never orphaned."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(BaseException):
    """Raised in the main thread by SIGTERM/SIGHUP; a BaseException, so that code catching
    `Exception` (the robot's step handling) lets it through, as it does KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextmanager
def terminate_unwinds() -> Iterator[None]:
    """Within the block, the first SIGTERM/SIGHUP raises Terminated; later ones are ignored
    while the block cleans up. Outside the main thread it does nothing (signals go there)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        for sig in _SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        raise Terminated(signum)

    previous = {sig: signal.signal(sig, handler) for sig in _SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


@contextmanager
def exit_on_terminate() -> Iterator[None]:
    """terminate_unwinds(), then the process exits with 128 + the signal's number. Enter it
    first in an exit stack: it is left last, once everything else is cleaned up."""
    try:
        with terminate_unwinds():
            yield
    except Terminated as exc:
        raise SystemExit(exc.exit_code) from None
