"""`ronde`: the command line. Sub-commands load lazily so `ronde validate` never imports Appium."""

from __future__ import annotations

import atexit
import gc
import importlib
import importlib.util

import click

from ronde import __version__

# name -> module defining `command`. The contract in shared/config-format.md is stable.
COMMANDS: dict[str, str] = {
    "validate": "ronde.commands.validate",
    "schema": "ronde.commands.schema",
    "run": "ronde.commands.run",
    "start": "ronde.commands.start",
    "status": "ronde.commands.status",
    "sim": "ronde.commands.sim",
    "appium": "ronde.commands.appium",
    "alerts": "ronde.commands.alerts",
    "db": "ronde.commands.db",
    "demo": "ronde.commands.demo",
    "dashboard": "ronde.commands.dashboard",
    "report": "ronde.commands.report",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if importlib.util.find_spec(COMMANDS[name])]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None or importlib.util.find_spec(module) is None:
            return None
        return importlib.import_module(module).command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ronde")
def main() -> None:
    """Ronde: a synthetic monitoring robot for mobile apps."""
    # At exit CPython garbage-collects every module's objects: 0.1-0.2 s once Selenium and
    # SQLAlchemy are loaded, longer than a short command's own work. Frozen objects are
    # skipped (the OS frees them); our resources are closed explicitly before exit, and
    # CPython never promised __del__ then. Once per process (tests call main() many times).
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)
