"""Appium's watchdog: Appium and everything it spawns go when the Ronde process that started
them goes, however it dies (kill -9 included), and Appium's private folder goes with them.

`AppiumServer` runs `python appium_guard.py PARENT_PID FOLDER -- appium server ...` as the
leader of a new process group. The guard starts Appium in that group with a parent-death
signal (Appium dies if the guard is killed), watches its own parent, and on a parent gone or
a SIGTERM takes the whole group down: SIGTERM, then SIGKILL after a grace. It exits with
Appium's own status (re-raising the signal that killed it), so callers see Appium's death.
Standard library only: it runs by path, outside the package.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

POLL_S = 0.2
GRACE_S = 5.0
_PR_SET_PDEATHSIG = 1


def _die_with_guard(guard: int) -> None:
    """In the child, before exec: the guard is single-threaded, so its death is the signal."""
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != guard:  # the guard died before prctl took effect
        os._exit(1)


def _group_members() -> list[int]:
    """Other processes of this process group (Appium's children survive it in the group)."""
    me, group = os.getpid(), os.getpgrp()
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def take_down(child: subprocess.Popen[bytes], grace_s: float = GRACE_S) -> None:
    """SIGTERM to the group (but this guard), SIGKILL to whatever is left after the grace."""
    members = _group_members()
    _signal_all(members, signal.SIGTERM)
    _signal_all(members, signal.SIGCONT)  # a stopped process gets its SIGTERM only then
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(grace_s)
    deadline = time.monotonic() + grace_s
    while (left := _group_members()) and time.monotonic() < deadline:
        _signal_all(left, signal.SIGKILL)
        time.sleep(0.05)
    child.wait()


def _exit_watch(pid: int) -> Callable[[float], None]:
    """Waits up to the given seconds, waking at once when `pid` exits (a pidfd, Linux 5.3+):
    Ronde sees Appium's death the moment it happens."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        return time.sleep

    def wait(timeout: float) -> None:
        select.select([pidfd], [], [], timeout)

    return wait


def _exit_like(code: int) -> None:
    if code < 0:  # killed by a signal: die of the same one
        with contextlib.suppress(OSError, ValueError):  # SIGKILL has no handler to reset
            signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
    sys.exit(code)


def main(argv: list[str]) -> None:
    parent, folder, command = int(argv[0]), Path(argv[1]), argv[3:]
    stop: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, _frame: stop.append(signum))
    guard = os.getpid()
    child = subprocess.Popen(command, preexec_fn=lambda: _die_with_guard(guard))
    exited = _exit_watch(child.pid)
    while (code := child.poll()) is None:
        orphaned = os.getppid() != parent
        if stop or orphaned:
            take_down(child)
            if orphaned:  # nobody else is left to clean up
                shutil.rmtree(folder, ignore_errors=True)
            return
        exited(POLL_S)
    _signal_all(_group_members(), signal.SIGKILL)  # Appium died on its own: its children too
    _exit_like(code)


if __name__ == "__main__":
    main(sys.argv[1:])
