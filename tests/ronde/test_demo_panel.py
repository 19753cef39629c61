"""`ronde demo`'s panel: the commands it prints can be copied as they are."""

from __future__ import annotations

from pathlib import Path

from ronde.commands.demo import ronde_command


def test_the_printed_command_is_relative_inside_the_checkout() -> None:
    repo = Path("/srv/ronde")
    assert ronde_command("/srv/ronde/.venv/bin/python3", repo) == ".venv/bin/ronde"
    # a virtualenv elsewhere keeps its absolute path: it must still run from here
    assert ronde_command("/opt/venv/bin/python3", repo) == "/opt/venv/bin/ronde"
