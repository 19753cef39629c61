"""Structured logs: JSON lines to a file (for machines), short human lines on the console.

Every record passes a masking filter first, so a secret value that slipped into a message
or an exception text never reaches either sink.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from rich.console import Console
from rich.markup import escape

from journeys.masking import Masker
from scheduler.logfile import LogFile

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_PACKAGES = ("scheduler", "storage")  # packages whose modules log by __name__


class SecretMask(logging.Filter):
    """Masks every known secret (in every encoding journeys.masking knows) in a record's
    message, args, exception text and extra fields."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._masker = Masker(secrets)  # from the configuration: always masked
        self._lock = threading.Lock()

    def update(self, secrets: Iterable[str]) -> None:
        """Also mask these values (the journeys' secrets, on each reload). Never forgets one:
        a value that was a secret stays masked. Values shorter than journeys.masking.SHORT
        are masked as whole tokens only, so they do not blank out plain words."""
        with self._lock:
            self._masker = self._masker.extended(secrets)

    def mask(self, text: str) -> str:
        with self._lock:
            masker = self._masker
        return masker.mask(text)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            if not self._masker:
                return True
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.mask(value))
        return True


class JsonLines(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, then the record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value if isinstance(value, str | int | float | bool | None) else str(
                    value
                )
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            data["exception"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


class ConsoleLines(logging.Handler):
    """Human lines through the shared rich console (they print above the live table)."""

    STYLES: ClassVar[dict[str, str]] = {
        "WARNING": "yellow", "ERROR": "bold red", "CRITICAL": "bold red",
    }

    def __init__(self, console: Console, level: int = logging.INFO) -> None:
        super().__init__(level)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
            style = self.STYLES.get(record.levelname, "")
            text = record.getMessage()
            if record.exc_text:
                text += "\n" + record.exc_text
            # the text quotes journey files and errors: no markup, no `:x:` emoji codes in it
            self.console.print(f"[dim]{when}[/dim] {escape(text)}", style=style,
                               highlight=False, soft_wrap=True, emoji=False)
        except Exception:
            self.handleError(record)


def setup_logging(
    log_file: Path | None, console: Console | None, secrets: SecretMask, *, verbose: bool = False
) -> list[logging.Handler]:
    """Attach the robot's handlers to the `ronde` logger; returns them for removal."""
    root = logging.getLogger("ronde")
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    root.propagate = False
    handlers: list[logging.Handler] = []
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = LogFile(log_file)  # a full disk is said once, not per line
        file_handler.setFormatter(JsonLines())
        handlers.append(file_handler)
    if console is not None:
        handlers.append(ConsoleLines(console, logging.DEBUG if verbose else logging.INFO))
    for handler in handlers:
        handler.addFilter(secrets)
        root.addHandler(handler)
    # The packages' module loggers (alert engine, notification worker, storage spool) log
    # outside the `ronde` tree: without this, their warnings missed ronde.log and the mask.
    for name in _PACKAGES:
        logging.getLogger(name).setLevel(root.level)
        for handler in handlers:
            logging.getLogger(name).addHandler(handler)
    # APScheduler's errors go to the same sinks; its warnings (misfires, overruns) are
    # reported by the scheduler itself, in the robot's words.
    aps = logging.getLogger("apscheduler")
    aps.setLevel(logging.ERROR)
    for handler in handlers:
        aps.addHandler(handler)
    return handlers


def teardown_logging(handlers: list[logging.Handler]) -> None:
    for name in ("ronde", "apscheduler", *_PACKAGES):
        logger = logging.getLogger(name)
        for handler in handlers:
            logger.removeHandler(handler)
    logging.getLogger("ronde").propagate = True  # as it was: e.g. pytest's capture
    for name in _PACKAGES:
        logging.getLogger(name).setLevel(logging.NOTSET)
    for handler in handlers:
        handler.close()
