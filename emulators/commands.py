"""Running SDK tools (adb, emulator, xcrun): one injectable runner so the managers are tested
against the command lines they build and the outputs they parse."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class Runner(Protocol):
    def __call__(self, args: Sequence[str], timeout: float) -> CommandResult: ...


class Process(Protocol):
    def poll(self) -> int | None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...
    def wait(self, timeout: float | None = None) -> int: ...


class Spawner(Protocol):
    def __call__(self, args: Sequence[str]) -> Process: ...


def run(args: Sequence[str], timeout: float) -> CommandResult:
    """Runs a tool to completion; a timeout is reported as return code 124 (like `timeout`)."""
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        return CommandResult(124, out, f"timed out after {timeout:.0f} s")
    return CommandResult(done.returncode, done.stdout, done.stderr)


def spawn(args: Sequence[str]) -> Process:
    """Starts a long-running tool (the emulator) in its own session, output discarded."""
    return subprocess.Popen(list(args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, start_new_session=True)
