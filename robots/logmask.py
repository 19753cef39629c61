"""Masks secrets in log records of the libraries that log request bodies (Selenium's remote
connection logs every sendKeys payload at DEBUG), for as long as a run that knows them lasts."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from journeys.variables import Masker

# Loggers that may carry typed text: filters on a logger only see its own records, so each
# one is named (a parent's filter would not apply to them).
LOGGERS = (
    "selenium.webdriver.remote.remote_connection", "selenium.webdriver.common.service",
    "appium.webdriver.webdriver", "urllib3.connectionpool", "websocket", "ronde.robot",
)


class SecretFilter(logging.Filter):
    """Rewrites each record's message with every active run's masker applied."""

    def __init__(self) -> None:
        super().__init__()
        self._maskers: dict[int, Masker] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()

    def add(self, masker: Masker) -> int:
        with self._lock:
            key = next(self._ids)
            self._maskers[key] = masker
            return key

    def remove(self, key: int) -> None:
        with self._lock:
            self._maskers.pop(key, None)

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            maskers = list(self._maskers.values())
        if maskers:
            message = record.getMessage()
            for masker in maskers:
                message = masker.mask(message)
            record.msg, record.args = message, None
        return True


_FILTER = SecretFilter()
_installed = False
_install_lock = threading.Lock()


@contextmanager
def masking(masker: Masker) -> Iterator[None]:
    global _installed
    with _install_lock:
        if not _installed:
            for name in LOGGERS:
                logging.getLogger(name).addFilter(_FILTER)
            _installed = True
    key = _FILTER.add(masker)
    try:
        yield
    finally:
        _FILTER.remove(key)
