"""Serving evidence files without ever leaving the artifacts directory."""

from __future__ import annotations

from pathlib import Path


def resolve_artifact(root: Path, relative: str) -> Path | None:
    """The file `relative` names inside `root`, or None when it is missing or points outside.

    Resolving symlinks first means neither `..` nor a link can reach a file outside the root.
    """
    if not relative or "\x00" in relative or Path(relative).is_absolute():
        return None
    base = root.resolve()
    try:
        target = (base / relative).resolve()
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target
