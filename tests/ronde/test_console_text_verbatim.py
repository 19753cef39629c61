"""Text quoted from journey files reaches the terminal verbatim: rich must not read `:x:` as
an emoji code nor `[bold]` as markup, in `ronde validate`, the robot's log lines and its live
table."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from journeys.results import RunResult, Status, TransactionResult
from ronde.cli import main
from scheduler.console import LiveConsole
from scheduler.events import Event, Kind
from scheduler.logs import SecretMask, setup_logging, teardown_logging

TRICKY = ":x: [bold]"


def test_validate_quotes_a_bad_value_and_a_journey_name_verbatim(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f'appId: com.ronde.demo.shop\nmonitor:\n  every: "{TRICKY}"\n---\n'
                   "- launchApp\n")
    good = tmp_path / "good.yaml"
    good.write_text(f'appId: com.ronde.demo.shop\nname: "{TRICKY}shop[/bold] :smile:"\n---\n'
                    '- launchApp\n- tapOn: ":x: [red]Go"\n- assertVisible: Fini\n')
    result = CliRunner().invoke(main, ["validate", str(bad), str(good)])
    assert result.exit_code == 1
    assert f"bad.yaml:3:10: monitor.every: '{TRICKY}' is not a duration" in result.output
    assert f"{TRICKY}shop[/bold] :smile:" in result.output  # the table's name row
    assert '":x: [red]Go"' in result.output  # the transaction's name
    assert "❌" not in result.output and "😄" not in result.output


def test_log_lines_and_the_live_table_print_file_text_verbatim() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, color_system=None)  # rich's defaults: emoji on
    handlers = setup_logging(None, console, SecretMask())
    try:
        logging.getLogger("ronde.test").warning("journey %s failed at %s", "shop", TRICKY)
    finally:
        teardown_logging(handlers)
    assert f"journey shop failed at {TRICKY}" in out.getvalue()

    live = LiveConsole(console, lambda: [], lambda: {})
    now = datetime.now(UTC)
    slow = TransactionResult(name=":x: [red]Go", action="tapOn", check="assertVisible",
                             status=Status.PASSED, response_ms=120.0, resolution_ms=1.0)
    result = RunResult(journey="shop", device=":phone: [b]", status=Status.PASSED, category=None,
                       started_at=now, ended_at=now, duration_ms=1.0, transactions=(slow,))
    live.on_event(Event(Kind.FINISHED, "shop", ":phone: [b]", now, now, 1, result))
    out.seek(0)
    out.truncate()
    console.print(live)
    table = out.getvalue()
    assert ":x: [red]Go 120 ms" in table and ":phone: [b]" in table
    assert "❌" not in table and "📱" not in table
