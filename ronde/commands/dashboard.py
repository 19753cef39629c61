"""`ronde dashboard`: the web dashboard and `/metrics`, alone (the robot need not run here);
`ronde dashboard hash-password` prints a hash for `dashboard.auth.users` in ronde.yaml."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group(name="dashboard", invoke_without_command=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="ronde.yaml (default: ./ronde.yaml if present, else the defaults).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; beyond loopback, ronde.yaml needs `dashboard.auth`.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.pass_context
def command(ctx: click.Context, config_path: Path | None, host: str, port: int) -> None:
    """Serve the dashboard: journeys, availability, response times, runs, incidents, /metrics."""
    if ctx.invoked_subcommand is not None:
        return
    from ronde.config import ConfigError, load_command_config
    from ronde.dashboard.exceptions import DashboardError
    from ronde.dashboard.listen import check_listen, describe_access
    from ronde.dashboard.server import serve_forever
    from ronde.report.store_source import StoreSource
    from storage.errors import StorageError

    try:
        config = load_command_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"invalid configuration:\n{exc}") from exc
    try:
        check_listen(host, config.dashboard)
    except DashboardError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        source = StoreSource.open(config.storage_url)
    except StorageError as exc:
        raise click.ClickException(f"cannot open the results database: {exc}") from exc
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"dashboard: http://{shown}:{port}/  (metrics at /metrics; Ctrl-C to stop)")
    click.echo(f"dashboard access: {describe_access(host, config.dashboard)}")
    serve_forever(source, Path(config.artifacts_dir), host, port, config.dashboard,
                  config.alerts.default_window)


@command.command(name="hash-password")
@click.option("--stdin", "from_stdin", is_flag=True,
              help="Read the password from the first line of stdin (scripts) instead of asking.")
def hash_password_command(from_stdin: bool) -> None:
    """Print a scrypt hash of a password, for `dashboard.auth.users` in ronde.yaml."""
    from ronde.dashboard.passwords import hash_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                err=True)
    if len(password) < 8:
        raise click.ClickException("too short: a dashboard password needs at least 8 characters")
    click.echo(hash_password(password))
