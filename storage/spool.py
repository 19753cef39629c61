"""The local spool: results wait here, one JSON line each, while the database is unreachable.

Appends are fsync'd before `record_run` returns, so an accepted result survives a crash.
Replay applies the lines in order; recording is idempotent by run_id, so a crash between a
replayed insert and the spool's truncation never duplicates a run. A line that can never be
stored (corrupt, or refused by the database) moves to `<spool>.rejected`: kept, not retried.
Two lock files serialise robots sharing a spool across processes: one for changing the file
(held for an append, never during a database call, so a replay waiting on a locked database
never delays an append), one for replaying.
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
    stored: tuple[str, ...] = ()  # run ids of the replayed results, in order


class Spool:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.rejected_path = self.path.with_name(self.path.name + ".rejected")
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.replay_lock_path = self.path.with_name(self.path.name + ".replay.lock")

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
        rest (re-raising it); lines that fail for any other storage reason are rejected.
        Lines appended meanwhile stay for the next replay."""
        with self._locked(self.replay_lock_path):
            with self._locked():
                data = self._read()
            consumed = rejected = 0
            stored: list[str] = []
            try:
                for line, end in _lines(data):
                    if line.strip():
                        run_id = self._replay_line(line, apply)
                        if run_id is None:
                            rejected += 1
                        else:
                            stored.append(run_id)
                    consumed = end
            finally:
                self._drop_prefix(consumed)
            return ReplayReport(replayed=len(stored), rejected=rejected, stored=tuple(stored))

    def _replay_line(
        self, line: bytes, apply: Callable[[dict[str, Any]], object]
    ) -> str | None:
        """The entry's run id once stored, None when rejected; StorageUnavailable
        propagates."""
        try:
            entry = json.loads(line)
            if not isinstance(entry, dict) or "result" not in entry:
                raise ValueError("not a spool entry")
        except ValueError as exc:
            self.reject_line(line, f"unreadable: {exc}")
            return None
        try:
            apply(entry)
        except StorageUnavailable:
            raise
        except (StorageError, KeyError, TypeError, ValueError) as exc:
            self.reject_line(line, str(exc))
            return None
        result = entry["result"]
        return str(result.get("run_id") or "") if isinstance(result, dict) else ""

    def _read(self) -> bytes:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return b""

    def _drop_prefix(self, consumed: int) -> None:
        """Remove the first `consumed` bytes (the lines replayed or rejected), keeping what
        was appended during the replay."""
        if consumed == 0:
            return
        try:
            with self._locked():
                self._rewrite([ln for ln, _end in _lines(self._read()[consumed:]) if ln.strip()])
        except OSError as exc:  # disk full: stored lines stay, and replay again harmlessly
            log.warning("spool %s not shortened yet: %s", self.path, exc)

    def reject(self, entry: dict[str, Any], reason: str) -> None:
        """Keep an entry the database refused, for a person to look at."""
        line = json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()
        self.reject_line(line, reason)

    def reject_line(self, line: bytes, reason: str) -> None:
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
    def _locked(self, path: Path | None = None) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(path or self.lock_path, "a") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _lines(data: bytes) -> Iterator[tuple[bytes, int]]:
    """Each line (without its newline) and the offset just past it; a last line without a
    newline (a crash mid-write) counts too."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        stop = len(data) if end < 0 else end + 1
        yield data[start:stop].rstrip(b"\n"), stop
        start = stop


def _append_durably(path: Path, line: bytes) -> None:
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        size = os.fstat(fd).st_size
        # A crash mid-write may have left a line without its newline: end it first, so the
        # fragment is rejected alone at replay instead of corrupting this entry.
        if size > 0 and not _ends_with_newline(path):
            line = b"\n" + line
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except OSError:  # disk full: leave no fragment behind (the caller keeps the entry)
            os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)
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
