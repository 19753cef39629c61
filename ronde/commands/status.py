"""`ronde status [--config F] [--json]`: the latest result of each journey, and the fleet:
which robots are alive (their heartbeat's age), where, with which devices, watching what."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

ALIVE_S = 30.0  # a robot beats every 5 s; silent for longer than this, it is presumed dead
STYLES = {"passed": "green", "degraded": "yellow", "failed": "bold red", "error": "magenta"}


def status_data(store: Any, now: datetime) -> dict[str, Any]:
    """The JSON shape of `ronde status --json` (keys only ever added)."""
    journeys = []
    for run in store.latest_runs():
        timed = [t for t in run.transactions if t.response_ms is not None]
        worst = max(timed, key=lambda t: t.response_ms or 0.0) if timed else None
        journeys.append({
            "journey": run.journey,
            "status": run.status,
            "category": run.category,
            "at": (run.ended_at or run.started_at).isoformat(),
            "device": run.device,
            "attempt": run.attempt,
            "run_id": run.run_id,
            "slowest": None if worst is None else {
                "name": worst.name, "response_ms": round(worst.response_ms or 0.0, 1),
                "resolution_ms": None if worst.resolution_ms is None
                else round(worst.resolution_ms, 1),
            },
            "error": run.error,
            "robot": run.robot_name,
            "location": run.location,
        })
    robots = []
    for beat in store.heartbeats():
        age = (now - beat.last_beat_at).total_seconds()
        if beat.stopped_at is not None and age > 3600:
            continue  # robots stopped long ago are history, not status
        robots.append({
            "name": beat.robot_name or beat.host, "location": beat.location,
            "devices": list(beat.devices), "journeys": list(beat.running),
            "host": beat.host, "pid": beat.pid, "version": beat.version,
            "started_at": beat.started_at.isoformat(),
            "last_beat_at": beat.last_beat_at.isoformat(),
            "heartbeat_age_s": round(age, 1),
            "state": "stopped" if beat.stopped_at is not None
            else "alive" if age <= ALIVE_S else "silent",
        })
    return {"journeys": journeys, "robots": robots, "database_busy": store.write_locked()}


@click.command(name="status")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="ronde.yaml (default: ./ronde.yaml, or the built-in defaults).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
def command(config_path: Path | None, as_json: bool) -> None:
    """Latest result per journey and the robots' heartbeats."""
    from ronde.commands.reading import reading
    from ronde.commands.start import load_settings_config

    config = load_settings_config(config_path)
    with reading(config.storage_url) as store:
        data = status_data(store, datetime.now(UTC))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    show(data, Console(highlight=False, soft_wrap=True, emoji=False))  # `:x:` stays verbatim


def show(data: dict[str, Any], console: Console) -> None:
    table = Table(title="Latest run of each journey", title_justify="left")
    for column in ("journey", "status", "when", "device", "slowest transaction", "error"):
        table.add_column(column, overflow="fold", no_wrap=column == "journey")
    for j in data["journeys"]:
        state = (j["status"] or "open") + (f"/{j['category']}" if j["category"] else "")
        if j["attempt"] > 1:
            state += f" (attempt {j['attempt']})"
        slow = j["slowest"]
        table.add_row(  # Text: names and errors quote journey files, not markup
            Text(j["journey"]), Text(state, style=STYLES.get(j["status"] or "", "")),
            _local(j["at"]), Text(j["device"] or "-"),
            Text(f"{slow['name']}: {slow['response_ms']:.0f} ms" if slow else "-"),
            Text((j["error"] or "").splitlines()[0][:80] if j["error"] else ""),
        )
    if not data["journeys"]:
        console.print("No run stored yet: start the robot with `ronde start`.")
    else:
        console.print(table)
    if not data["robots"]:
        console.print("Robots: none has beaten a heartbeat (is `ronde start` running?)")
    for r in data["robots"]:
        style = {"alive": "green", "silent": "bold red", "stopped": "dim"}[r["state"]]
        who = r["host"] if r["name"] == r["host"] else f"{r['name']} on {r['host']}"
        where = "" if r["location"] == "default" else f" @ {r['location']}"
        line = Text(f"Robot {who}{where} pid {r['pid']}: ")
        line.append(r["state"], style=style)
        line.append(f", last heartbeat {r['heartbeat_age_s']:.0f}s ago")
        if r["devices"]:
            line.append(f"; devices {', '.join(r['devices'])}")
        if r["journeys"]:
            line.append(f"; watches {', '.join(r['journeys'])}")
        console.print(line)
    if data.get("database_busy"):
        console.print("[bold yellow]database busy (locked by another process): try again.[/] "
                      "Until the lock is released the robots keep their results and "
                      "heartbeats in their spool, so this may be behind.")


def _local(iso: str) -> str:
    """Local time; the date only when it is not today."""
    when = datetime.fromisoformat(iso).astimezone()
    today = datetime.now().astimezone().date()
    return when.strftime("%H:%M:%S" if when.date() == today else "%Y-%m-%d %H:%M")
