"""Where the Ronde checkout is: the folder with `package.json` (Appium) and `pyproject.toml`."""

from __future__ import annotations

import os
from pathlib import Path

from emulators.exceptions import AppiumNotInstalled


def project_root(start: Path | None = None) -> Path:
    """`$RONDE_HOME` if set, else the nearest parent of `start` (default: this package) holding
    both `package.json` and `pyproject.toml`."""
    env = os.environ.get("RONDE_HOME")
    if env:
        return Path(env).resolve()
    here = (start or Path(__file__)).resolve()
    for folder in [here, *here.parents]:
        if (folder / "package.json").is_file() and (folder / "pyproject.toml").is_file():
            return folder
    raise AppiumNotInstalled(
        f"cannot find the Ronde project (package.json + pyproject.toml) above {here}; "
        "set RONDE_HOME to the checkout"
    )


def appium_bin(root: Path | None = None) -> Path:
    """The project's pinned Appium (`node_modules/.bin/appium`), or a clear error."""
    path = (root or project_root()) / "node_modules" / ".bin" / "appium"
    if not path.exists():
        raise AppiumNotInstalled(
            f"{path} is missing: run ./dev setup (installs Appium from package.json)"
        )
    return path


def appium_home(root: Path | None = None) -> Path:
    """`$APPIUM_HOME` if set, else `<project>/.appium` (where the RondeSim driver is installed)."""
    env = os.environ.get("APPIUM_HOME")
    return Path(env) if env else (root or project_root()) / ".appium"
