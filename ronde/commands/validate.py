"""`ronde validate PATH...`: check journey files and show what the robot will measure."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from journeys.durations import format_duration
from journeys.errors import ProblemsError
from journeys.model import Journey
from journeys.parser import load_journeys
from journeys.transactions import iter_transactions
from robots.devices import can_run

if TYPE_CHECKING:
    from ronde.config import Config


def schedule(journey: Journey) -> str:
    mon = journey.monitor
    text = f"cron {mon.cron}" if mon.cron else f"every {format_duration(mon.every_ms or 0)}"
    if mon.jitter_ms:
        text += f" ± {format_duration(mon.jitter_ms)}"
    if mon.active_hours:
        text += f", {mon.active_hours}"
    return text


def devices_text(journey: Journey, config: Config | None) -> str:
    mon = journey.monitor
    wanted = ", ".join(mon.devices) or f"any {mon.platform} device"
    if config is None:
        return wanted
    names = [d.name for d in config.devices_for(mon.devices) if can_run(d, mon.platform)]
    return f"{wanted} -> {', '.join(names) or 'none'}"


def journey_table(journey: Journey, config: Config | None = None) -> Table:
    mon = journey.monitor
    # Text, not str: the values come from the file, and rich would read `[b]` or `:x:` in a
    # str cell as markup or an emoji code
    table = Table(title=Text(journey.id, style="bold"), title_justify="left", show_header=False)
    table.add_column("key", style="cyan", no_wrap=True)
    table.add_column("value", overflow="fold")

    def row(key: str, value: str) -> None:
        table.add_row(key, Text(value))

    row("file", str(journey.path))
    if journey.name:
        row("name", journey.name)
    row("platform", str(mon.platform))
    row("app" if journey.app_id else "url", journey.app_id or journey.url or "-")
    row("schedule", schedule(journey))
    row("devices", devices_text(journey, config))
    row("timeouts", f"journey {format_duration(mon.timeout_ms)}, step "
                    f"{format_duration(mon.step_timeout_ms)}"
        + (f", slow over {format_duration(mon.slow_ms)}" if mon.slow_ms else ""))
    if mon.secrets:
        row("secrets", ", ".join(mon.secrets))
    transactions = list(iter_transactions(journey.commands))
    lines = [f"{i}. {t.name}" + ("  (load time)" if t.is_load else "")
             for i, t in enumerate(transactions, 1)]
    row("transactions", "\n".join(lines) or "none (no action followed by a check)")
    return table


@click.command(name="validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="ronde.yaml: also check device and channel names against it.")
def command(paths: tuple[Path, ...], config_path: Path | None) -> None:
    """Check journey files (or folders of them); exit 1 on any error."""
    config = None
    # emoji=False: `:x:` quoted from a file stays `:x:` (markup is off at each print)
    err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
    from ronde.config import load_command_config

    try:  # without --config, ./ronde.yaml still says which flow_roots / link_schemes apply
        settings = load_command_config(config_path)
    except ProblemsError as exc:
        for problem in exc.problems:
            err.print(str(problem), markup=False)
        sys.exit(1)
    if config_path is not None:
        config = settings
        for warning in config.warnings:
            err.print(f"warning: {warning}", markup=False)
    journeys, problems = load_journeys(paths, config, policy=settings.file_policy)
    out = Console(highlight=False, emoji=False, width=max(100, Console().width))
    for journey in journeys:
        out.print(journey_table(journey, config))
        for note in journey.notes:  # accepted, but worth knowing (an ignored header key...)
            err.print(f"note: {note}", markup=False)
    if problems:
        for problem in problems:
            err.print(str(problem), markup=False)
        files = len({p.pos.file for p in problems})
        err.print(f"{len(problems)} problem{'s' * (len(problems) != 1)} in {files} "
                  f"file{'s' * (files != 1)}; {len(journeys)} journey"
                  f"{'s' * (len(journeys) != 1)} valid", markup=False)
        sys.exit(1)
    out.print(f"{len(journeys)} journey{'s' * (len(journeys) != 1)} valid", markup=False)
