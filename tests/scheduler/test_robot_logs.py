"""Structured logs: JSON lines with the run's fields, human lines, secrets masked in both."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

from rich.console import Console

from journeys.results import Category, Status
from scheduler.daemon import _log_event
from scheduler.events import Event, Kind
from scheduler.logs import SecretMask, setup_logging, teardown_logging
from tests.scheduler.helpers import journey, result, sim


def test_runs_are_json_lines_and_secrets_never_reach_a_sink(tmp_path: Path) -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False)
    mask = SecretMask(["demo-secret", "ab"])  # "ab": masked as a whole token only
    handlers = setup_logging(tmp_path / "ronde.log", console, mask)
    try:
        j, d = journey("shop-login"), sim("sim-a")
        failed = result(j, d, Status.FAILED, Category.AUTHENTICATION,
                        error="typed demo-secret into password, got 'Identifiants invalides'",
                        attempt=2, confirms="first-run")
        _log_event(Event(Kind.FINISHED, j.id, d.name, result=failed))
        log = logging.getLogger("ronde.scheduler")
        try:
            raise RuntimeError("session refused for demo-secret")
        except RuntimeError:
            log.exception("boom with %s", "demo-secret")
    finally:
        teardown_logging(handlers)
    lines = [json.loads(line) for line in (tmp_path / "ronde.log").read_text().splitlines()]
    run = next(x for x in lines if x.get("event") == "run_finished")
    assert run["journey"] == "shop-login" and run["status"] == "failed"
    assert run["category"] == "authentication" and run["attempt"] == 2
    assert run["confirms"] == "first-run" and run["level"] == "warning"
    text = (tmp_path / "ronde.log").read_text() + out.getvalue()
    assert "demo-secret" not in text
    assert text.count("•••") >= 4
    assert "shop-login failed/authentication on sim-a" in out.getvalue()
    assert "(confirmation 2)" in out.getvalue()


def test_the_packages_module_loggers_reach_both_sinks_masked(tmp_path: Path) -> None:
    """The alert engine, notification worker and storage log by module name, outside the
    `ronde` logger: their warnings must still land in ronde.log, masked."""
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False)
    handlers = setup_logging(tmp_path / "ronde.log", console, SecretMask(["smtp-pass-123"]))
    try:
        logging.getLogger("storage.store").warning("database unreachable, result r1 spooled")
        logging.getLogger("scheduler.notify.worker").warning(
            "notification to ops-mail failed: login smtp-pass-123 refused")
    finally:
        teardown_logging(handlers)
    logged = [json.loads(x) for x in (tmp_path / "ronde.log").read_text().splitlines()]
    assert [x["logger"] for x in logged] == ["storage.store", "scheduler.notify.worker"]
    assert "smtp-pass-123" not in (tmp_path / "ronde.log").read_text() + out.getvalue()
    assert "result r1 spooled" in out.getvalue() and "login ••• refused" in out.getvalue()
    assert logging.getLogger("storage").handlers == []  # detached again


def test_the_mask_never_forgets_a_secret_across_reloads() -> None:
    mask = SecretMask(["smtp-pass-123"])
    mask.update(["demo-secret"])
    mask.update(["other-secret"])  # a reload: the journeys' secrets change
    masked = mask.mask("smtp-pass-123 demo-secret other-secret ok")
    assert masked == "••• ••• ••• ok"
