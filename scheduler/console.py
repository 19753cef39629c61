"""The live console: a rich table of the journeys and their last runs, fed by events.

It only reads events and the pool's device states; it never drives the rounds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from journeys.results import RunResult, Status
from scheduler.events import Event, Kind
from scheduler.pool import DeviceState

STATUS_STYLE = {
    Status.PASSED: "green", Status.DEGRADED: "yellow", Status.FAILED: "bold red",
    Status.ERROR: "magenta",
}


@dataclass(slots=True)
class _Row:
    journey: str
    schedule: str = ""
    next_run: datetime | None = None
    state: str = "waiting"
    device: str = ""
    when: datetime | None = None
    slowest: str = ""
    note: str = ""


class LiveConsole:
    """One row per journey (the log handler prints each finished run above the table)."""

    def __init__(
        self,
        console: Console,
        devices: Callable[[], list[DeviceState]],
        next_runs: Callable[[], dict[str, datetime | None]],
    ) -> None:
        self.console = console
        self._devices = devices
        self._next_runs = next_runs
        self._rows: dict[str, _Row] = {}
        self._lock = threading.Lock()
        self._live: Live | None = None
        self._nexts: dict[str, datetime | None] = {}
        self._device_states: list[DeviceState] = []

    def set_journeys(self, schedules: dict[str, str]) -> None:
        with self._lock:
            for jid in list(self._rows):
                if jid not in schedules:
                    del self._rows[jid]
            for jid, schedule in schedules.items():
                self._rows.setdefault(jid, _Row(jid)).schedule = schedule

    def on_event(self, event: Event) -> None:
        with self._lock:
            row = self._rows.setdefault(event.journey, _Row(event.journey))
            if event.kind == Kind.STARTED:
                row.state = f"running (attempt {event.attempt})"
                row.device = event.device
                row.note = ""
            elif event.kind == Kind.FINISHED and event.result is not None:
                r = event.result
                row.state = str(r.status) + (f"/{r.category}" if r.category else "")
                row.device = r.device
                row.when = r.ended_at
                row.slowest = slowest(r)
                row.note = f"attempt {r.attempt}" if r.attempt > 1 else ""
            elif event.kind == Kind.SKIPPED:
                row.state = "skipped"
                row.note = event.message

    def start(self) -> None:
        if self.console.is_terminal:
            self.refresh()
            self._live = Live(self, console=self.console, auto_refresh=False,
                              transient=False, redirect_stdout=False, redirect_stderr=False)
            self._live.start()

    def refresh(self) -> None:
        """Take a snapshot of the scheduler and the pool, then redraw. Called from the main
        loop: rendering happens under rich's console lock, so it must never wait for the
        scheduler's or the pool's locks (their threads may be logging to this console)."""
        nexts, devices = self._next_runs(), self._devices()
        with self._lock:
            self._nexts, self._device_states = nexts, devices
        if self._live is not None:
            self._live.refresh()

    def stop(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def __rich__(self) -> Group:
        with self._lock:
            nexts, device_states = dict(self._nexts), list(self._device_states)
        table = Table(title="Ronde — rounds", expand=False)
        for column in ("journey", "schedule", "next", "last", "device", "at", "slowest", ""):
            table.add_column(column)
        with self._lock:
            rows = sorted(self._rows.values(), key=lambda r: r.journey)
        for row in rows:
            nxt = nexts.get(row.journey)
            style = next((s for st, s in STATUS_STYLE.items() if row.state.startswith(st)), "")
            table.add_row(  # Text: names and notes quote journey files, never markup
                Text(row.journey), Text(row.schedule), _clock(nxt), Text(row.state, style=style),
                Text(row.device), _clock(row.when), Text(row.slowest), Text(row.note),
            )
        devices = Text("devices: ")
        for d in device_states:
            if d.quarantined_for_s is not None:
                devices.append(f"{d.name} quarantined {d.quarantined_for_s:.0f}s  ", "magenta")
            elif d.holder:
                devices.append(f"{d.name} ← {d.holder}  ", "cyan")
            else:
                devices.append(f"{d.name} free  ", "dim")
        return Group(table, devices)


def slowest(result: RunResult) -> str:
    timed = [t for t in result.transactions if t.response_ms is not None]
    if not timed:
        return ""
    t = max(timed, key=lambda t: t.response_ms or 0.0)
    return f"{t.name} {t.response_ms:.0f} ms"


def _clock(when: datetime | None) -> str:
    return "" if when is None else f"{when.astimezone():%H:%M:%S}"
