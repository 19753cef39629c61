"""Reading a journey file safely: the size is capped before reading, binary files are refused,
and sub-flows must stay inside the journeys' folders (no `runFlow: ../../etc/passwd`).

Messages about a refused file never quote its content: it may not be a journey at all.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

MAX_FILE_BYTES = 1024 * 1024
"""A journey (or ronde.yaml) larger than 1 MiB is refused before a byte of it is read."""
SUFFIXES = (".yaml", ".yml")


class UnreadableFile(Exception):
    """The file cannot be a journey; `str()` says why, without quoting its content."""


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> tuple[bytes, str]:
    """(bytes, UTF-8 text) of a small text file; UnreadableFile otherwise."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise UnreadableFile(f"the file is {_size(size)}, larger than {_size(limit)} "
                                 "(expected a journey file of a reasonable size)")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)  # a file growing (or lying about its size) stops here
    except OSError as exc:
        raise UnreadableFile(f"cannot read: {exc.strerror or type(exc).__name__}") from None
    if len(data) > limit:
        raise UnreadableFile(f"the file is larger than {_size(limit)} (expected a journey "
                             "file of a reasonable size)")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("cannot read: UTF-16 text (expected UTF-8; save the file as UTF-8)")
    if b"\x00" in data:
        raise UnreadableFile("cannot read: a binary file (NUL bytes; expected YAML text)")
    try:
        return data, data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("cannot read: not UTF-8 text") from None


def inside(path: Path, roots: Iterable[Path]) -> bool:
    """Whether `path` (resolved: symbolic links followed) lies in one of `roots`."""
    real = resolved(path)
    return any(real == root or real.is_relative_to(root) for root in roots)


def resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path))


def root_of(given: Path) -> Path:
    """The folder whose flows a file or folder given to Ronde may run: itself, or its folder."""
    return resolved(given) if given.is_dir() else resolved(given.absolute().parent)


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB"


__all__ = ["MAX_FILE_BYTES", "SUFFIXES", "UnreadableFile", "inside", "read_text", "resolved",
           "root_of"]
