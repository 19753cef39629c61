"""What the reliability tests look at from outside: process trees, Ronde commands as users run
them, and Appium's private folders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from emulators.capabilities import DEMO_SHOP


def _stat(pid: int) -> tuple[int, int, str] | None:
    """(parent pid, process group, state) of a live process, None when gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return None if fields[0] in "ZX" else (int(fields[1]), int(fields[2]), fields[0])


def alive(pid: int) -> bool:
    return _stat(pid) is not None


def descendants(root: int) -> list[int]:
    """Every live process below `root` (children, their children, ...)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = stat[0]
    found, frontier = [], {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier}
        found += sorted(frontier)
    return found


def node_processes(pids: list[int]) -> list[int]:
    """Those of `pids` that are node (Appium)."""
    nodes = []
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "node":
                nodes.append(pid)
        except OSError:
            continue
    return nodes


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def leftovers(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("ronde-appium-*"))


def write_sim_config(folder: Path, devices: tuple[str, ...], tag: str) -> Path:
    """ronde.yaml with simulated devices: `ronde start`/`ronde run` start Appium themselves."""
    config = {
        "storage": f"sqlite:///{folder / 'ronde.db'}",
        "artifacts": str(folder / "artifacts"),
        "devices": [{"name": name, "tags": [tag, "android"], "simulated": {"app": str(DEMO_SHOP)}}
                    for name in devices],
    }
    path = folder / "ronde.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def ronde(args: list[str], tmp: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """A `ronde` command with its own temporary folder (TMPDIR) and simulator state."""
    env = {**os.environ, "TMPDIR": str(tmp), "RONDE_SIM_STATE": str(tmp.parent / "sim-state"),
           "SHOP_USER": "qa-robot@example.com", "SHOP_PASSWORD": "demo-secret"}
    tmp.mkdir(parents=True, exist_ok=True)
    out = open(cwd / f"{args[0]}.out", "ab")  # noqa: SIM115 - the child writes it
    return subprocess.Popen([str(Path(sys.executable).parent / "ronde"), *args], cwd=cwd,
                            env=env, stdout=out, stderr=subprocess.STDOUT)


def log_events(path: Path, event: str) -> list[dict[str, Any]]:
    """The JSON lines of ronde.log carrying `event`."""
    if not path.exists():
        return []
    lines = (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    return [line for line in lines if line.get("event") == event]
