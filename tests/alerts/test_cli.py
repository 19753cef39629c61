"""`ronde alerts`: the --json contract, ack, and test notifications to real sinks."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ronde.cli import main
from tests.alerts.builders import at, journey
from tests.alerts.harness import make_harness
from tests.fixtures.alertmanager import Alertmanager, HttpRecorder
from tests.fixtures.smtp import SmtpServer

CONTRACT = ["journey", "state", "category", "diagnosis", "confidence", "opened_at",
            "resolved_at", "kind"]


def write_config(tmp_path: Path, url: str, channels: dict[str, str], am: str | None) -> Path:
    lines = [f"storage: {url}", "channels:"]
    lines += [f"  {name}: '{value}'" for name, value in channels.items()]
    if am:
        lines.append(f"alertmanager: {am}")
    path = tmp_path / "ronde.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_json_lists_incidents_in_the_contract_shape_and_ack_works(
    tmp_path: Path, http_recorder: HttpRecorder
) -> None:
    url = f"sqlite:///{tmp_path / 'ronde.db'}"
    hook = http_recorder.url.replace("http://", "json://") + "/hook"
    h = make_harness(url, tmp_path, {"hook": hook}, journeys=[journey("shop-login")])
    for minute in (0, 1):
        h.check(minute, "down", category="authentication", transaction="Login")
    for minute in (2, 3, 4):
        h.check(minute, "error", devices=("sim-2",))
    h.drain()
    h.engine.close()
    h.store.close()
    config = write_config(tmp_path, url, {"hook": hook}, None)
    runner = CliRunner()

    out = runner.invoke(main, ["alerts", "--config", str(config), "--json", "--days", "100000"])
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.output.splitlines()]
    assert [list(r)[:8] for r in rows] == [CONTRACT, CONTRACT]
    app = next(r for r in rows if r["kind"] == "app")
    robot = next(r for r in rows if r["kind"] == "robot")
    assert (app["journey"], app["state"], app["category"]) == (
        "shop-login", "firing", "authentication")
    assert app["diagnosis"].startswith("Authentication service (confidence ")
    assert 0 < app["confidence"] <= 1 and app["resolved_at"] is None
    assert app["opened_at"] == at(1.25).isoformat()
    assert robot["state"] == "firing" and robot["device"] == "sim-2"

    out = runner.invoke(main, ["alerts", "ack", str(app["id"]), "--config", str(config),
                               "--by", "bob"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(main, ["alerts", "--config", str(config), "--json", "--days", "100000"])
    states = {json.loads(line)["kind"]: json.loads(line)["state"] for line in
              out.output.splitlines()}
    assert states == {"app": "acknowledged", "robot": "firing"}
    human = runner.invoke(main, ["alerts", "--config", str(config), "--days", "100000"])
    assert "#1 ACKNOWLEDGED app shop-login" in human.output
    assert "Authentication service" in human.output
    missing = runner.invoke(main, ["alerts", "ack", "999", "--config", str(config)])
    assert missing.exit_code == 1 and "no incident with id 999" in missing.output


def test_test_notification_reaches_mail_and_alertmanager(
    tmp_path: Path, smtp_server: SmtpServer, alertmanager: Alertmanager
) -> None:
    to = "cli-test@example.com"
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.db'}",
                          {"qa-mail": smtp_server.apprise_url(to)}, alertmanager.url)
    out = CliRunner().invoke(main, ["alerts", "test", "qa-mail", "--to-alertmanager",
                                    "--config", str(config)])
    assert out.exit_code == 0, out.output
    assert "qa-mail: sent" in out.output and "alertmanager: sent" in out.output
    [mail] = smtp_server.wait_for(lambda mails: any(to in m.recipients for m in mails))[-1:]
    assert mail.subject == "[Ronde TEST] ronde-test"
    assert "this channel works" in mail.text()
    assert alertmanager.alerts(alertname="RondeTest")


def test_test_notification_to_a_broken_channel_fails_clearly(tmp_path: Path) -> None:
    from tests.fixtures.net import free_port

    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'r.db'}",
                          {"dead": f"json://127.0.0.1:{free_port()}/x"}, None)
    out = CliRunner().invoke(main, ["alerts", "test", "dead", "--config", str(config)])
    assert out.exit_code == 1
    assert "dead: FAILED after 3 attempt(s)" in out.output
    unknown = CliRunner().invoke(main, ["alerts", "test", "nope", "--config", str(config)])
    assert unknown.exit_code == 1 and "no channel named 'nope'" in unknown.output
