"""Serving evidence files without ever leaving the artifacts directory.

The dashboard serves a file only when a stored run lists it (the app checks the database)
and `resolve_artifact` finds it inside the artifacts directory, symlinks resolved first.
Only images keep their type: page sources, logs and JSON are sent as plain text, so an
app's page source can never run as a page of the dashboard.
"""

from __future__ import annotations

from pathlib import Path

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
TEXT = "text/plain; charset=utf-8"


def resolve_artifact(root: Path, relative: str) -> Path | None:
    """The file `relative` names inside `root`, or None when it is missing or points outside.

    Resolving symlinks first means neither `..` nor a link can reach a file outside the root.
    A root that is the filesystem's own root contains everything, so it serves nothing.
    """
    if not relative or "\x00" in relative or Path(relative).is_absolute():
        return None
    try:
        base = root.resolve()
        target = (base / relative).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if base == Path(base.anchor) or not target.is_relative_to(base) or target == base:
        return None
    if not target.is_file():
        return None
    return target


def media_type(path: Path) -> str:
    """The Content-Type to serve `path` with: its image type, else plain text."""
    return IMAGE_TYPES.get(path.suffix.lower(), TEXT)
