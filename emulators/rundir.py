"""Private temporary folders of Appium servers: locked while their owner lives, swept after.

Each folder holds a `lock` file that its creator keeps locked (flock) for as long as it runs;
the lock goes away with the process, however it dies. A later start removes the folders whose
lock nobody holds any more: those a kill -9 left behind. Folders without a lock file belong to
something else and are left alone.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "ronde-appium-"
_LOCK = "lock"


class RunDir:
    """A fresh 0700 folder under the temporary directory, locked until `remove()`."""

    def __init__(self, parent: Path | None = None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=parent))
        # Locked under a temporary name, then renamed: a sweep never sees an unlocked `lock`.
        staging = self.path / f"{_LOCK}.new"
        self._fd: int | None = os.open(staging, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.rename(staging, self.path / _LOCK)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def sweep(parent: Path | None = None) -> list[Path]:
    """Removes the folders of owners that are gone; returns them."""
    root = Path(parent or tempfile.gettempdir())
    removed = []
    for folder in root.glob(f"{PREFIX}*"):
        lock = folder / _LOCK
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CLOEXEC)
        except OSError:
            continue  # no lock file: not ours, or being created
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # its owner is alive
        try:
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)
        removed.append(folder)
    return removed
