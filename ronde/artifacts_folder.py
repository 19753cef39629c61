"""The artifacts folder must be Ronde's own: evidence is written there and pruned from there.

`artifacts: /` (or the home folder, a system folder, the project itself, someone's documents)
would let pruning delete what is not evidence, so only a new, empty or marked folder is
accepted; Ronde marks the folders it uses with a small `.ronde-artifacts` file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

DEFAULT_ARTIFACTS = Path("artifacts")  # `artifacts:` when ronde.yaml sets none
MARKER = ".ronde-artifacts"
_MARKER_TEXT = "This folder holds Ronde's evidence; Ronde prunes old runs from it.\n"
PROJECT_DIR = Path(__file__).resolve().parent.parent
SYSTEM_DIRS = ("/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/media",
               "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp",
               "/usr", "/var", "/Users", "/Applications", "/System", "/Library")


def artifacts_problem(path: Path, *, default: bool = False) -> str | None:
    """Why `path` may not be the artifacts folder (None: it may). Never lists its content.

    `default`: the built-in ./artifacts, Ronde's own by convention (older versions wrote
    there without a marker), so it need not be empty or marked."""
    real = _real(path)
    home = _real(Path.home())
    what = {home: "your home folder", PROJECT_DIR: "the project folder"}.get(real)
    if what is None and (str(real) in SYSTEM_DIRS or real == Path(real.anchor)):
        what = "a system folder"
    if what is not None:
        return f"{path} is {what} (expected a folder of its own, like ./artifacts)"
    if real in PROJECT_DIR.parents or real in home.parents:
        return f"{path} contains the project or home folder (expected a folder of its own)"
    if real.exists() and not real.is_dir():
        return f"{path} is not a folder (expected a folder of its own, like ./artifacts)"
    if not default and real.is_dir() and not (real / MARKER).is_file() and _not_empty(real):
        return (f"{path} is not empty and is not a Ronde artifacts folder (expected a new or "
                f"empty folder; one that holds Ronde's evidence gets a {MARKER} file)")
    return None


def mark_artifacts_folder(path: Path, *, default: bool = False) -> None:
    """Creates the folder (if needed) with its marker; ValueError when it is not acceptable."""
    problem = artifacts_problem(path, default=default)
    if problem is not None:
        raise ValueError(f"artifacts: {problem}")
    path.mkdir(parents=True, exist_ok=True)
    marker = path / MARKER
    if not marker.is_file():
        marker.write_text(_MARKER_TEXT, encoding="utf-8")


def _not_empty(folder: Path) -> bool:
    try:
        with os.scandir(folder) as entries:
            return any(True for _ in entries)
    except OSError:
        return True  # unreadable: not ours


def _real(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return Path(os.path.abspath(path))


class _Configured(Protocol):
    @property
    def artifacts_dir(self) -> Path: ...


def mark_config_artifacts(config: _Configured) -> None:
    """Marks the configured (or default) artifacts folder before the robot writes into it."""
    folder = Path(config.artifacts_dir)
    mark_artifacts_folder(folder, default=folder == DEFAULT_ARTIFACTS)


__all__ = [
    "DEFAULT_ARTIFACTS",
    "MARKER",
    "artifacts_problem",
    "mark_artifacts_folder",
    "mark_config_artifacts",
]
