"""`ronde dashboard`: the web dashboard and `/metrics`, alone (the robot need not run here)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command(name="dashboard")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="ronde.yaml (default: ./ronde.yaml if present, else the defaults).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
def command(config_path: Path | None, host: str, port: int) -> None:
    """Serve the dashboard: journeys, availability, response times, runs, incidents, /metrics."""
    from ronde.config import ConfigError, load_command_config
    from ronde.dashboard.server import serve_forever
    from ronde.report.store_source import StoreSource
    from storage.errors import StorageError

    try:
        config = load_command_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"invalid configuration:\n{exc}") from exc
    try:
        source = StoreSource.open(config.storage_url)
    except StorageError as exc:
        raise click.ClickException(f"cannot open the results database: {exc}") from exc
    click.echo(f"dashboard: http://{host}:{port}/  (metrics at /metrics; Ctrl-C to stop)")
    serve_forever(source, Path(config.artifacts_dir), host, port)
