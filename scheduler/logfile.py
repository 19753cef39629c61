"""`ronde.log` on a full disk: the first failed write is said once on stderr, then lines are
dropped quietly until a write succeeds again (logging's default prints a traceback per line).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path


class LogFile(logging.FileHandler):
    def __init__(self, filename: Path | str, encoding: str = "utf-8") -> None:
        super().__init__(filename, encoding=encoding)
        self.failing = False
        self._failed_now = False

    def emit(self, record: logging.LogRecord) -> None:
        self._failed_now = False
        super().emit(record)
        if self.failing and not self._failed_now:
            self.failing = False
            sys.stderr.write(f"ronde: {self.baseFilename} is written again\n")

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            super().handleError(record)
            return
        self._failed_now = True
        if not self.failing:
            self.failing = True
            sys.stderr.write(f"ronde: cannot write {self.baseFilename} ({exc.strerror or exc}):"
                             " log lines are dropped until it can\n")

    def close(self) -> None:
        try:
            super().close()
        except OSError:  # the last buffered lines could not be written either: said already
            self.stream = None  # type: ignore[assignment]
