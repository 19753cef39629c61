"""The local spool: results wait here, one JSON line each, while the database is unreachable.

Appends are fsync'd before `record_run` returns, so an accepted result survives a crash.
Replay applies the lines in order; recording is idempotent by run_id, so a crash between a
replayed insert and the spool's truncation never duplicates a run. A line that can never be
stored (corrupt, or refused by the database) moves to `<spool>.rejected`: kept, not retried.
A lock file serialises robots sharing a spool across processes.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.errors import SpoolError, StorageError, StorageUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReplayReport:
    replayed: int = 0
    rejected: int = 0
    remaining: int = 0


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.rejected_path = self.path.with_name(self.path.name + ".rejected")
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    def has_entries(self) -> bool:
        try:
            return self.path.stat().st_size > 0
        except FileNotFoundError:
            return False

    def entries(self) -> list[bytes]:
        """The waiting lines, oldest first."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        return [line for line in data.split(b"\n") if line.strip()]

    def append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"
        try:
            with self._locked():
                _append_durably(self.path, line)
        except OSError as exc:
            raise SpoolError(f"cannot write the spool {self.path}: {exc}") from exc

    def replay(self, apply: Callable[[dict[str, Any]], object]) -> ReplayReport:
        """Apply every line in order. Stops at the first StorageUnavailable and keeps the
        rest (re-raising it); lines that fail for any other storage reason are rejected."""
        with self._locked():
            lines = self.entries()
            replayed = rejected = 0
            for i, line in enumerate(lines):
                try:
                    entry = json.loads(line)
                    if not isinstance(entry, dict) or "result" not in entry:
                        raise ValueError("not a spool entry")
                except ValueError as exc:
                    self._reject(line, f"unreadable: {exc}")
                    rejected += 1
                    continue
                try:
                    apply(entry)
                except StorageUnavailable:
                    self._rewrite(lines[i:])
                    raise
                except (StorageError, KeyError, TypeError, ValueError) as exc:
                    self._reject(line, str(exc))
                    rejected += 1
                    continue
                replayed += 1
            self._rewrite([])
            return ReplayReport(replayed=replayed, rejected=rejected)

    def reject(self, entry: dict[str, Any], reason: str) -> None:
        """Keep an entry the database refused, for a person to look at."""
        line = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()
        with self._locked():
            self._reject(line, reason)

    def _reject(self, line: bytes, reason: str) -> None:
        log.error("spool: result kept in %s, not stored: %s", self.rejected_path, reason)
        _append_durably(self.rejected_path, line.rstrip(b"\n") + b"\n")

    def _rewrite(self, lines: list[bytes]) -> None:
        if not lines:
            if self.path.exists():
                with open(self.path, "r+b") as handle:
                    handle.truncate(0)
                    os.fsync(handle.fileno())
            return
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "wb") as handle:
            handle.write(b"".join(line + b"\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        _fsync_dir(self.path.parent)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _append_durably(path: Path, line: bytes) -> None:
    new = not path.exists()
    with open(path, "ab") as handle:
        # A crash mid-write may have left a line without its newline: end it first, so the
        # fragment is rejected alone at replay instead of corrupting this entry.
        if handle.tell() > 0 and not _ends_with_newline(path):
            handle.write(b"\n")
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    if new:
        _fsync_dir(path.parent)


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
