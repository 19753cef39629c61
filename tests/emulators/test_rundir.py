"""Appium's private folders: a folder whose owner was killed -9 is swept by the next start; a
live owner's folder, and folders that are not Ronde's, are left alone."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from emulators.rundir import RunDir, sweep

OWNER = """
import sys, time
from pathlib import Path
from emulators.rundir import RunDir
folder = RunDir(Path(sys.argv[1]))
(folder.path / "log-filters.json").write_text("secret")
print(folder.path, flush=True)
time.sleep(60)
"""


def test_only_the_folders_of_dead_owners_are_swept(tmp_path: Path) -> None:
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(tmp_path)],
                             stdout=subprocess.PIPE, text=True)
    try:
        orphan = Path(owner.stdout.readline().strip())  # type: ignore[union-attr]
        assert sweep(tmp_path) == [] and orphan.is_dir(), "its owner is alive"
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait(10)
    mine = RunDir(tmp_path)
    foreign = tmp_path / "ronde-appium-not-ours"
    foreign.mkdir()
    assert sweep(tmp_path) == [orphan]
    assert not orphan.exists() and mine.path.is_dir() and foreign.is_dir()
    mine.remove()
    assert not mine.path.exists()
    last = RunDir(tmp_path)
    assert oct(last.path.stat().st_mode & 0o777) == "0o700"
    last.remove()
