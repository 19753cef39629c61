"""`ronde demo`: the whole robot on the demo shop, on this machine, in one command.

Appium with two simulated phones running the demo shop, the demo web shop for the
mobile-web journey, SQLite in ./ronde.db, and `ronde start` on journeys/examples with the
live console. Rounds are every 30 s (instead of the examples' minutes) so something happens
while you watch; `--minutes N` or `--once` bound it for CI.
"""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.panel import Panel

DEMO_USER = "qa-robot@example.com"
DEMO_PASSWORD = "demo-secret"  # the demo shop's published demo value, not a real secret
DEMO_DEVICES = ("sim-demo-shop", "sim-demo-shop-2")


def demo_config(web: bool, storage_url: str = "sqlite:///ronde.db",
                artifacts: Path = Path("artifacts")) -> Any:
    """Two simulated phones with the demo shop (so a failure is confirmed on the other one),
    and Chromium emulating a Pixel 7 when the web shop runs."""
    from emulators.capabilities import DEMO_SHOP
    from robots.devices import DeviceSpec
    from ronde.config import Config

    devices = [DeviceSpec(name, ("android", "sim"), simulated_app=str(DEMO_SHOP))
               for name in DEMO_DEVICES]
    if web:
        devices.append(DeviceSpec("chrome-pixel-7", ("web",), browser_emulate="Pixel 7"))
    return Config(storage_url=storage_url, artifacts_dir=artifacts, devices=tuple(devices))


def ronde_command(executable: str = sys.executable, cwd: Path | None = None) -> str:
    """The `ronde` beside this Python, relative to the working directory when inside it
    (`.venv/bin/ronde`, as in the README): short enough that the panel's lines do not wrap
    on an 80-column terminal, which breaks copy and paste."""
    bindir = Path(executable).parent
    try:
        return f"{bindir.relative_to(cwd or Path.cwd())}/ronde"
    except ValueError:
        return f"{bindir}/ronde"


def _examples() -> Path:
    local = Path("journeys/examples")
    if local.is_dir():
        return local
    from emulators.project import project_root

    return project_root() / "journeys" / "examples"


def _web_shop(stack: ExitStack) -> str | None:
    """Start the demo web shop if this checkout has it and Chromium is installed."""
    try:
        from emulators.webshop import WebShop
    except ImportError:
        return None
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return None
    shop = stack.enter_context(WebShop())
    return str(shop.url)


@click.command(name="demo")
@click.option("--minutes", type=float, default=None, help="Stop after this many minutes.")
@click.option("--once", is_flag=True, help="Run each example journey once, then exit.")
@click.option("--every", default="30s", show_default=True, metavar="DURATION",
              help="Round interval for the examples' `every` journeys.")
@click.option("--no-live", is_flag=True, help="Plain log lines instead of the live table.")
@click.option("--dashboard", default="127.0.0.1:8080", show_default=True, metavar="HOST:PORT",
              help="Where to serve the dashboard (`off` to not).")
def command(minutes: float | None, once: bool, every: str, no_live: bool, dashboard: str) -> None:
    """Run Ronde on the demo shop: simulated phones, web shop, SQLite, live console."""
    from ronde.commands.start import parse_dashboard, parse_every, start

    os.environ.setdefault("SHOP_USER", DEMO_USER)
    os.environ.setdefault("SHOP_PASSWORD", DEMO_PASSWORD)
    console = Console(highlight=False)
    with ExitStack() as stack:
        web_url = _web_shop(stack)
        if web_url:
            os.environ["SHOP_WEB_URL"] = web_url
        config = demo_config(web=web_url is not None)
        ronde = ronde_command()
        console.print(Panel.fit(
            "[bold]Ronde demo[/bold]: the robot walks the demo shop's journeys on "
            f"{' and '.join(DEMO_DEVICES)}"
            + (" and Chromium" if web_url else "") + ".\n"
            "Results go to [cyan]./ronde.db[/cyan], logs to [cyan]./ronde.log[/cyan].\n\n"
            "From another terminal:\n"
            f"  break the login on one phone (a flake: the other phone confirms it works):\n"
            f"    [bold]{ronde} sim fault sim-demo-shop login_refused[/bold]\n"
            f"  ...and on the other (an outage: an incident within a round or two):\n"
            f"    [bold]{ronde} sim fault sim-demo-shop-2 login_refused[/bold]\n"
            f"  see it:   [bold]{ronde} status[/bold], [bold]{ronde} alerts[/bold]"
            + (f", the dashboard at [bold]http://{dashboard}[/bold]" if dashboard != "off"
               else "") + "\n"
            f"  repair:   [bold]{ronde} sim clear sim-demo-shop[/bold] (and sim-demo-shop-2)\n"
            "Ctrl-C stops the robot (running journeys finish first).",
            title="ronde demo"))
        code = start(
            [_examples()], config, once=once, minutes=minutes, every_ms=parse_every(every),
            live=not no_live, dashboard=parse_dashboard(dashboard),
            appium_env={"SHOP_USER": os.environ["SHOP_USER"],
                        "SHOP_PASSWORD": os.environ["SHOP_PASSWORD"]},
        )
    sys.exit(code)
