"""`ronde sim`: switch faults of simulated devices on and off while Appium runs."""

from __future__ import annotations

import json
import re

import click

from emulators import faults as sim_faults
from emulators.exceptions import FaultError

_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def parse_value(text: str) -> object:
    """`true`/`false` as booleans, numbers as int/float, anything else as text."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    if _NUMBER.match(text):
        number = float(text)
        return int(number) if re.match(r"^-?\d+$", text) else number
    return text


def parse_params(pairs: tuple[str, ...]) -> dict[str, object]:
    params: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.UsageError(f"'{pair}' is not key=value (example: factor=5)")
        params[key] = parse_value(value)
    return params


def _describe(params: dict[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


@click.group(name="sim")
def command() -> None:
    """Simulated devices (RondeSim): faults switched at run time, lasting across sessions."""


@command.command("fault")
@click.argument("device")
@click.argument("fault")
@click.argument("params", nargs=-1)
def fault_cmd(device: str, fault: str, params: tuple[str, ...]) -> None:
    """Switch FAULT on for DEVICE, with parameters as key=value.

    Example: ronde sim fault sim-demo-shop slow factor=5

    Faults: slow (factor, add_ms), error_dialog (text, on, status), login_refused,
    blank_screen (screen), crash (on), network_down, hang (on), offline, flaky (p, seed).
    """
    try:
        checked = sim_faults.set_fault(device, fault, **parse_params(params))
    except FaultError as exc:
        raise click.ClickException(str(exc)) from exc
    suffix = f" ({_describe(checked)})" if checked else ""
    click.echo(f"{device}: {fault} on{suffix}")


@command.command("clear")
@click.argument("device")
@click.argument("fault", required=False)
def clear_cmd(device: str, fault: str | None) -> None:
    """Switch every fault of DEVICE off (or only FAULT)."""
    try:
        was_on = (
            sim_faults.clear_fault(device, fault) if fault else sim_faults.clear_faults(device)
        )
    except FaultError as exc:
        raise click.ClickException(str(exc)) from exc
    what = fault or "all faults"
    click.echo(f"{device}: {what} off" if was_on else f"{device}: no fault was on")


@command.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per device.")
def list_cmd(as_json: bool) -> None:
    """Devices with faults on, and their parameters."""
    devices = sim_faults.list_faults()
    if as_json:
        for device, faults in devices.items():
            click.echo(json.dumps({"device": device, "faults": faults}, sort_keys=True))
        return
    if not devices:
        click.echo("no simulated device has a fault on")
        return
    for device, faults in devices.items():
        for name, params in faults.items():
            click.echo(f"{device}\t{name}\t{_describe(params)}")
