"""The project's long-lived Appium (`ronde appium`): announced in a file, found by `ronde run`.

Starting Appium costs seconds, more than many journeys take; `ronde appium` keeps one running
and writes `<project>/.ronde/appium.json` (its URL and the pid of its owner). `ronde run` reuses
the one it finds there when its owner is alive and `/status` answers; a stale file (owner gone,
even by kill -9) is ignored, and removed by the next `ronde appium`.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from emulators.project import project_root

STATUS_TIMEOUT_S = 1.0


def state_file(root: Path | None = None) -> Path:
    """`$RONDE_APPIUM_STATE`, else `<project>/.ronde/appium.json`."""
    env = os.environ.get("RONDE_APPIUM_STATE")
    return Path(env) if env else (root or project_root()) / ".ronde" / "appium.json"


def announce(url: str, root: Path | None = None, pid: int | None = None) -> Path:
    """Write the state file (atomically, 0600): `url`, owned by `pid` (default: this process)."""
    path = state_file(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(staging, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump({"url": url, "pid": pid or os.getpid()}, out)
    os.replace(staging, path)
    return path


def withdraw(root: Path | None = None, pid: int | None = None) -> None:
    """Remove the state file if it is ours (another `ronde appium` may have replaced it)."""
    path = state_file(root)
    if _read(path).get("pid") == (pid or os.getpid()):
        path.unlink(missing_ok=True)


def find_running(root: Path | None = None) -> str | None:
    """The URL of the project's running `ronde appium`, or None (none, owner gone, silent)."""
    info = _read(state_file(root))
    url, pid = info.get("url"), info.get("pid")
    if not isinstance(url, str) or not isinstance(pid, int) or not _alive(pid):
        return None
    return url if answers(url) else None


def announced(root: Path | None = None) -> str | None:
    """The URL in the state file, alive or not."""
    url = _read(state_file(root)).get("url")
    return url if isinstance(url, str) else None


def answers(url: str) -> bool:
    """Appium's `/status` answers 200 at `url` within a second. The standard library's
    client, not httpx: `ronde run` asks this on every call, and importing httpx and building
    its TLS context cost more than the question (0.2-0.4 s of a 3 s journey)."""
    if not url.startswith(("http://", "https://")):
        return False
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/status",
                                    timeout=STATUS_TIMEOUT_S) as response:
            return bool(response.status == 200)
    except (OSError, ValueError, urllib.error.URLError):
        return False


def _read(path: Path) -> dict[str, object]:
    with contextlib.suppress(OSError, ValueError):
        data = json.loads(path.read_text())
        if isinstance(data, dict):
            return data
    return {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
