"""`ronde alerts [--json]`: open and recent incidents; `ronde alerts ack ID`; `ronde alerts test
CHANNEL [--to-alertmanager]` sends a test notification."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape

CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
    help="ronde.yaml (default: ./ronde.yaml, or the built-in defaults).",
)
STYLES = {"firing": "bold red", "acknowledged": "yellow", "resolved": "green"}


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def incident_json(record: Any) -> dict[str, Any]:
    """The stable `ronde alerts --json` shape (shared/config-format.md); keys only added."""
    return {
        "journey": record.journey,
        "state": record.state,
        "category": record.category,
        "diagnosis": record.diagnosis,
        "confidence": record.confidence,
        "opened_at": _iso(record.opened_at),
        "resolved_at": _iso(record.resolved_at),
        "kind": record.kind,
        "id": record.id,
        "cause": record.cause,
        "device": record.device,
        "transaction": record.transaction,
        "diagnosis_fr": record.diagnosis_fr,
        "acknowledged_at": _iso(record.acknowledged_at),
        "last_notified_at": _iso(record.last_notified_at),
        "dedup_key": record.dedup_key,
        # a grouped incident: every journey its cause affects, and the devices it was seen on
        "journeys": list((record.details or {}).get("journeys") or
                         ([record.journey] if record.journey else [])),
        "devices": list((record.details or {}).get("devices") or []),
    }


def _open(config_path: Path | None) -> tuple[Any, Any]:
    from ronde.commands.reading import storage_errors
    from ronde.commands.start import load_settings_config
    from storage import Store

    config = load_settings_config(config_path)
    with storage_errors():
        return config, Store.open(config.storage_url, replay=False)


@click.group(name="alerts", invoke_without_command=True)
@CONFIG_OPTION
@click.option("--json", "as_json", is_flag=True, help="One JSON object per incident on stdout.")
@click.option("--days", default=7, show_default=True, type=click.IntRange(min=0),
              help="Resolved incidents opened within this many days are listed too.")
@click.pass_context
def command(ctx: click.Context, config_path: Path | None, as_json: bool, days: int) -> None:
    """Open and recent incidents, with their pre-diagnosis."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    if ctx.invoked_subcommand is not None:
        return
    from ronde.commands.reading import storage_errors

    _config, store = _open(config_path)
    try:
        with storage_errors():
            records = store.incidents(since=datetime.now(UTC) - timedelta(days=days))
    finally:
        store.close()
    records.sort(key=lambda r: (r.state == "resolved", r.opened_at), reverse=False)
    if as_json:
        for record in records:
            click.echo(json.dumps(incident_json(record), ensure_ascii=False))
        return
    console = Console(highlight=False, soft_wrap=True, emoji=False)  # `:x:` stays verbatim
    if not records:
        console.print("No incident open or opened in the last "
                      f"{days} day{'s' if days != 1 else ''}.")
        return
    for r in records:
        when = f"opened {r.opened_at:%Y-%m-%d %H:%M}"
        if r.resolved_at:
            when += f", resolved {r.resolved_at:%Y-%m-%d %H:%M}"
        where = escape(" · ".join(x for x in (r.category, r.transaction, r.device) if x))
        console.print(
            f"[bold]#{r.id}[/bold] [{STYLES.get(r.state, '')}]{r.state.upper()}[/] "
            f"{r.kind} [bold]{escape(r.journey or '')}[/bold]  {where}  ({when})"
        )
        journeys = (r.details or {}).get("journeys") or []
        if len(journeys) > 1:
            console.print(f"    {len(journeys)} journeys: {', '.join(journeys)}", markup=False)
        if r.diagnosis:
            console.print(f"    {r.diagnosis}", markup=False)


@command.command(name="ack")
@click.argument("incident_id", type=int)
@click.option("--by", default=None, help="Who takes it (default: the current user).")
@CONFIG_OPTION
@click.pass_context
def ack(ctx: click.Context, incident_id: int, by: str | None, config_path: Path | None) -> None:
    """Acknowledge an incident: reminders stop; it still resolves by itself."""
    from ronde.commands.reading import storage_errors
    from scheduler.alerts.incident_store import IncidentRepository
    from scheduler.alerts.lifecycle import acknowledge

    _config, store = _open(config_path or ctx.obj.get("config_path"))
    try:
        with storage_errors():
            repo = IncidentRepository(store)
            current = repo.get(incident_id)
            if current is None:
                raise click.ClickException(
                    f"no incident with id {incident_id} (list them with `ronde alerts`)")
            step = acknowledge(current, datetime.now(UTC), by or getpass.getuser())
            if not step.changed:
                click.echo(f"incident {incident_id} is {current.state}: nothing to acknowledge")
                return
            repo.save(step.incident)  # type: ignore[arg-type]
            click.echo(f"incident {incident_id} acknowledged ({current.journey})")
    finally:
        store.close()


@command.command(name="test")
@click.argument("channel", required=False)
@click.option("--to-alertmanager", is_flag=True, help="Also post a test alert to Alertmanager.")
@CONFIG_OPTION
@click.pass_context
def test(ctx: click.Context, channel: str | None, to_alertmanager: bool,
         config_path: Path | None) -> None:
    """Send a test notification to CHANNEL (a name from ronde.yaml `channels:`)."""
    from ronde.commands.start import load_settings_config
    from scheduler.notify.errors import NotifyError
    from scheduler.notify.notifier import Notifier
    from scheduler.notify.worker import DeliveryWorker

    if channel is None and not to_alertmanager:
        raise click.UsageError("name a CHANNEL, or give --to-alertmanager")
    config = load_settings_config(config_path or ctx.obj.get("config_path"))
    worker = DeliveryWorker(attempts=3, backoff_s=1.0)
    notifier = Notifier(config.channels, config.alertmanager_url, worker=worker,
                        langs=config.alerts.lang)
    try:
        jobs = notifier.test(channel, datetime.now(UTC), to_alertmanager=to_alertmanager)
    except NotifyError as exc:
        notifier.close()
        raise click.ClickException(str(exc)) from exc
    worker.drain(120.0)
    notifier.close()
    failed = False
    for job in jobs:
        if job.ok:
            click.echo(f"{job.destination}: sent")
        else:
            failed = True
            click.echo(f"{job.destination}: FAILED after {job.attempt} attempt(s): {job.error}",
                       err=True)
    sys.exit(1 if failed else 0)
