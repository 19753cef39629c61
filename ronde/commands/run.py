"""`ronde run JOURNEY...`: run journeys now, show their measurements, store and report them.

Starts what the runs need and nothing else: the project's Appium server when a simulated
device has no Appium URL, and the demo web shop when a web journey's `url:` uses
${SHOP_WEB_URL} and that variable is not set. Exit 0 when every run passed or degraded.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from journeys.model import Journey
from journeys.parser import load_journeys
from journeys.results import Category, RunResult, Status
from robots.devices import DeviceSpec
from robots.pick import NoDevice, pick_device
from ronde.commands.terminate import Terminated, exit_on_terminate

_STATUS_STYLE = {"passed": "green", "degraded": "yellow", "failed": "red", "error": "magenta"}
_MARK = {Status.PASSED: "[green]✓[/green]", Status.FAILED: "[red]✗[/red]"}


@click.command()
@click.argument("journeys", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="ronde.yaml (default: ./ronde.yaml if present, else the built-in defaults).")
@click.option("--device", "device_name", default=None, help="Run on this configured device.")
@click.option("--repeat", default=1, show_default=True, type=click.IntRange(1),
              help="Run each journey this many times.")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), default=None,
              help="Write a JUnit XML report here (for CI).")
@click.option("--json", "as_json", is_flag=True,
              help="Print one JSON object per run on stdout (shared/config-format.md).")
@click.option("--no-store", is_flag=True, help="Do not store the runs in the database.")
@click.option("--appium", "appium_given", default=None, metavar="URL",
              help="Run simulated devices on this running Appium (default: the one `ronde "
                   "appium` keeps running, else a new one for this call).")
def command(journeys: tuple[str, ...], config_path: str | None, device_name: str | None,
            repeat: int, junit_path: str | None, as_json: bool, no_store: bool,
            appium_given: str | None) -> None:
    """Run JOURNEY files (or folders) now and report their measurements."""
    # emoji=False, and file text escaped or Text: `:x:` and `[b]` from a journey stay verbatim
    err = Console(stderr=True, highlight=False, emoji=False)
    out = err if as_json else Console(highlight=False, emoji=False)
    config = _load_config(config_path, err)  # first: its flow_roots / link_schemes apply
    loaded, problems = load_journeys(journeys, policy=config.file_policy)
    if problems:
        for problem in problems:  # escaped: a problem may quote brackets from the file
            err.print(f"[red]{escape(str(problem))}[/red]", markup=True, soft_wrap=True)
        raise SystemExit(2)
    if not loaded:
        err.print("no journey to run")
        raise SystemExit(2)
    try:
        plan = [(j, pick_device(config.devices, j, device_name)) for j in loaded]
    except NoDevice as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise SystemExit(2) from None
    _mark_artifacts(config, err)
    environ: dict[str, str] = dict(os.environ)
    results: list[RunResult] = []
    with contextlib.ExitStack() as stack:
        # first in, last out: a SIGTERM closes the run and stops Appium, then exits 143
        stack.enter_context(exit_on_terminate())
        appium_url = _appium_for(plan, environ, stack, err, appium_given)
        shop = _web_shop_for(plan, environ, stack, err)
        if appium_url or shop:
            # the demo apps we started check the demo credentials: the robot types the same
            from emulators.appium_server import DEMO_ENV

            for key, value in DEMO_ENV.items():
                environ.setdefault(key, value)
        store = None if no_store else _open_store(config.storage_url, loaded, err)
        if store is not None:
            stack.callback(store.close)
        for journey, device in plan:
            for _ in range(repeat):
                result = _run_one(journey, device, appium_url, config.artifacts_dir, environ,
                                  store, err)
                results.append(result)
                if as_json:
                    sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False) + "\n")
                    sys.stdout.flush()
                _print_result(out, result)
    if junit_path:
        from robots.junit import write_junit  # ElementTree: only for --junit

        write_junit(Path(junit_path), results)
    if any(r.status in (Status.FAILED, Status.ERROR) for r in results):
        raise SystemExit(1)


def _load_config(path: str | None, err: Console) -> Any:
    from ronde.config import load_command_config

    try:
        return load_command_config(path)
    except Exception as exc:  # ConfigError and friends: shown as file:line:column lines
        err.print(f"[red]{escape(str(exc))}[/red]", markup=True, soft_wrap=True)
        raise SystemExit(2) from None


def _mark_artifacts(config: Any, err: Console) -> None:
    from ronde.artifacts_folder import mark_config_artifacts

    try:
        mark_config_artifacts(config)
    except (ValueError, OSError) as exc:
        err.print(f"[red]{escape(str(exc))}[/red]", markup=True, soft_wrap=True)
        raise SystemExit(2) from None


def _appium_for(plan: list[tuple[Journey, DeviceSpec]], environ: dict[str, str],
                stack: contextlib.ExitStack, err: Console, given: str | None) -> str | None:
    """The Appium of the simulated devices that name none: `--appium URL`, else the one
    `ronde appium` keeps running, else the project's own, started for this call."""
    if not any(d.managed_appium for _, d in plan):
        return None
    from emulators import shared_appium

    if given is not None:
        if not given.startswith(("http://", "https://")) or not shared_appium.answers(given):
            err.print(f"[red]--appium {escape(given)}: no Appium answers there (expected the "
                      "URL of a running Appium, e.g. http://127.0.0.1:4723)[/red]")
            raise SystemExit(2)
        return given
    running = shared_appium.find_running()
    if running is not None:
        err.print(f"using the project's running Appium at {running} (ronde appium)")
        return running
    from emulators.appium_server import DEMO_ENV

    err.print("starting the project's Appium server (simulated devices)…")
    # warn level: Appium's info log would echo typed values (secrets) of sendKeys requests;
    # its log filters mask them too, in every encoding, should a line quote one anyway
    from ronde.appium_start import appium_secrets, project_appium

    names = {n for j, _ in plan for n in j.monitor.secrets}
    server = project_appium(appium_secrets({**DEMO_ENV, **environ}, names))
    stack.enter_context(server)
    err.print(f"Appium at {server.url} (log: {server.log_path})")
    return server.url


def _web_shop_for(plan: list[tuple[Journey, DeviceSpec]], environ: dict[str, str],
                  stack: contextlib.ExitStack, err: Console) -> bool:
    """The demo web shop, when a web journey's url is ${SHOP_WEB_URL} and it is not set."""
    web = [d for j, d in plan if j.url and "${SHOP_WEB_URL}" in j.url]
    if not web or environ.get("SHOP_WEB_URL"):
        return False
    from emulators.webshop.server import WebShop

    shop = stack.enter_context(WebShop(device=web[0].name))
    environ["SHOP_WEB_URL"] = shop.url
    err.print(f"demo web shop at {shop.url}")
    return True


def _open_store(url: str, journeys: list[Journey], err: Console) -> Any:
    try:
        from storage import Store
    except ImportError:
        err.print("[yellow]storage is not available: runs are not stored[/yellow]")
        return None
    secrets = {s for j in journeys for s in j.monitor.secrets}
    try:
        return Store.open(url, secrets=secrets)
    except Exception as exc:  # the runs still happen and are reported; only storing is lost
        err.print(f"[yellow]cannot open storage ({type(exc).__name__}: {escape(str(exc))}); "
                  "runs are not stored[/yellow]")
        return None


def _run_one(journey: Journey, device: DeviceSpec, appium_url: str | None, artifacts: Path,
             environ: dict[str, str], store: Any, err: Console) -> RunResult:
    import uuid

    from robots.runner import run_journey

    run_id = uuid.uuid4().hex
    err.print(f"[bold]▶ {escape(journey.id)}[/bold] on {escape(device.name)}")
    if store is not None:
        with _storage_errors(err):
            store.start_run(run_id, journey.id, device.name, None, 1, None,
                            socket.gethostname(), journey=journey)

    def progress(description: str, status: Status) -> None:
        err.print(f"  {_MARK.get(status, '•')} {escape(description)}", highlight=False)

    started = datetime.now(UTC)
    try:
        result = run_journey(journey, device, appium_url=appium_url, artifacts_dir=artifacts,
                             environ=environ, on_step=progress, run_id=run_id)
    except (Terminated, KeyboardInterrupt) as exc:
        why = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"stopped by {exc}"
        err.print(f"[magenta]{journey.id} {why}: recorded as error/aborted[/magenta]")
        if store is not None:
            with _storage_errors(err):
                store.record_run(_aborted(journey, device, run_id, started, why), journey)
        raise
    if store is not None:
        with _storage_errors(err):
            store.record_run(result, journey)
    return result


def _aborted(journey: Journey, device: DeviceSpec, run_id: str, started: datetime,
             why: str) -> RunResult:
    ended = datetime.now(UTC)
    return RunResult(
        journey=journey.id, device=device.name, status=Status.ERROR, category=Category.ABORTED,
        started_at=started, ended_at=ended,
        duration_ms=(ended - started).total_seconds() * 1000,
        error=f"ronde run was {why} before the run finished", run_id=run_id,
        journey_hash=journey.definition_hash, platform=str(journey.platform),
        robot_host=socket.gethostname())


@contextlib.contextmanager
def _storage_errors(err: Console) -> Iterator[None]:
    try:
        yield
    except Exception as exc:  # storing is best effort here; the result is still printed
        err.print(f"[yellow]storage: {type(exc).__name__}: {escape(str(exc))}[/yellow]")


def _print_result(console: Console, r: RunResult) -> None:
    table = Table(title=Text(f"{r.journey} on {r.device}"), title_justify="left")
    table.add_column("transaction")
    table.add_column("response", justify="right")
    table.add_column("± (resolution/2)", justify="right")
    table.add_column("status")
    table.add_column("category")
    for t in r.transactions:
        table.add_row(
            Text(t.name + (" (load)" if t.is_load else "")),
            "-" if t.response_ms is None else f"{t.response_ms:.0f} ms",
            "-" if t.resolution_ms is None else f"± {t.resolution_ms / 2:.1f} ms",
            f"[{_STATUS_STYLE[str(t.status)]}]{t.status}[/]", str(t.category or ""))
    console.print(table)
    style = _STATUS_STYLE[str(r.status)]
    line = f"[{style}]{str(r.status).upper()}[/]"
    if r.category:
        line += f" ({r.category})"
    line += f" in {r.duration_ms / 1000:.1f}s"
    if r.load_ms is not None:
        line += f", load {r.load_ms:.0f} ms"
    timing = r.navigation_timing
    if timing.get("domContentLoaded") is not None:
        line += f" (DOMContentLoaded {timing['domContentLoaded']:.0f} ms"
        line += f", load event {timing['load']:.0f} ms)" if timing.get("load") else ")"
    console.print(line)
    if r.error:
        console.print(f"  {r.error}", markup=False)
    if r.artifacts:
        console.print(f"  evidence: {len(r.artifacts)} files under "
                      f"{Path(r.artifacts[0].path).parent}", markup=False)
