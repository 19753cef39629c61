"""`ronde db`: migrate the database, show its revision, prune old runs, rebuild the totals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import click

_DURATION = re.compile(r"^\s*([0-9]+)\s*(d|h|m|w)\s*$")
_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1),
          "m": timedelta(minutes=1)}


@dataclass(frozen=True, slots=True)
class Settings:
    url: str
    artifacts_dir: Path


def _settings(
    config: Path | None, url: str | None, artifacts: Path | None = None
) -> Settings:
    """The storage URL and artifacts directory: options first, then ronde.yaml's values."""
    if config is None and url is not None:
        return Settings(url=url, artifacts_dir=artifacts or Path("artifacts"))
    from ronde.config import ConfigError, load_command_config

    try:
        loaded = load_command_config(config)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    return Settings(
        url=url or loaded.storage_url, artifacts_dir=artifacts or Path(loaded.artifacts_dir)
    )


def parse_age(text: str) -> timedelta:
    match = _DURATION.match(text)
    if match is None:
        raise click.BadParameter(f"{text!r}: expected an age like 90d, 12w, 36h or 30m")
    return int(match.group(1)) * _UNITS[match.group(2)]


def _open(settings: Settings, *, migrate: bool = True):  # type: ignore[no-untyped-def]
    from ronde.commands.reading import storage_errors
    from storage import Store

    with storage_errors():
        return Store.open(settings.url, migrate=migrate, replay=migrate)


config_option = click.option(
    "--config", "config", type=click.Path(path_type=Path, dir_okay=False),
    help="ronde.yaml (default: ./ronde.yaml, or the built-in defaults).",
)
url_option = click.option("--url", help="Database URL, overriding `storage:` of the config.")


@click.group("db")
def command() -> None:
    """Database maintenance: migrations and retention."""


@command.command()
@config_option
@url_option
def upgrade(config: Path | None, url: str | None) -> None:
    """Apply the migrations up to the latest revision."""
    from storage.engine import safe_url

    settings = _settings(config, url)
    from ronde.commands.reading import storage_errors

    store = _open(settings)
    try:
        with storage_errors():
            revision = store.current_revision()
    finally:
        store.close()
    click.echo(f"{safe_url(settings.url)}: at revision {revision} (head)")


@command.command()
@config_option
@url_option
def current(config: Path | None, url: str | None) -> None:
    """Show the database's revision and the code's latest one (migrates nothing)."""
    from ronde.commands.reading import storage_errors
    from storage.engine import safe_url
    from storage.migrate import head_revision

    settings = _settings(config, url)
    store = _open(settings, migrate=False)
    try:
        with storage_errors():
            revision = store.current_revision()  # an unreachable server fails here
    finally:
        store.close()
    head = head_revision()
    state = "up to date" if revision == head else "needs `ronde db upgrade`"
    click.echo(f"{safe_url(settings.url)}: revision {revision or 'none'} (head {head}): {state}")


@command.command()
@click.option("--older-than", "older_than", required=True, metavar="AGE",
              help="Delete runs that started longer ago than this (e.g. 90d).")
@config_option
@url_option
@click.option("--artifacts", "artifacts", type=click.Path(path_type=Path, file_okay=False),
              help="Artifacts directory, overriding `artifacts:` of the config.")
def prune(
    older_than: str, config: Path | None, url: str | None, artifacts: Path | None
) -> None:
    """Delete old runs: their artifact files first, then their rows."""
    age = parse_age(older_than)
    settings = _settings(config, url, artifacts)
    from ronde.commands.reading import storage_errors

    store = _open(settings)
    try:
        with storage_errors():
            report = store.prune(age, settings.artifacts_dir)
    finally:
        store.close()
    click.echo(
        f"pruned runs started more than {older_than} ago: {report.runs} runs, "
        f"{report.files_deleted} artifact files ({report.bytes_freed} bytes; "
        f"{report.files_missing} already gone), {report.incidents} resolved incidents, "
        f"{report.notifications} notifications, {report.heartbeats} heartbeats"
    )


@command.command()
@config_option
@url_option
def rebuild(config: Path | None, url: str | None) -> None:
    """Recompute what is kept at write time (run counts, histograms, hourly availability)."""
    from ronde.commands.reading import storage_errors

    settings = _settings(config, url)
    store = _open(settings)
    try:
        with storage_errors():
            runs, responses, hours, timings = store.rebuild_totals()
    finally:
        store.close()
    click.echo(f"rebuilt the totals: {runs} runs, {responses} measured responses, "
               f"{hours} rows of hourly availability, {timings} rows of hourly timings")
