"""ronde.yaml: defaults, every setting, ${ENV} expansion and file:line:column errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from journeys.model import AlertPolicy, Journey
from robots.devices import DeviceSpec
from ronde.config import DEMO_APP, AlertSettings, ConfigError, MaintenanceWindow, load_config
from scheduler.maintenance import active_windows
from tests.scheduler.helpers import journey

FULL = """\
storage: ${DB_URL:-sqlite:///ronde.db}
artifacts: ./evidence
devices:
  - name: sim-pixel-1
    tags: [android, sim]
    simulated: {app: apps/shop.yaml}
  - name: pixel-7-lab
    tags: [android, real]
    appium: http://127.0.0.1:4723
    capabilities:
      platformName: Android
      appium:automationName: UiAutomator2
      appium:udid: ${LAB_UDID}
      appium:newCommandTimeout: 120
  - name: chrome-pixel-7
    tags: [web]
    browser: {emulate: "Pixel 7"}
channels:
  sre-slack: slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#alerts
  qa-mail: mailtos://user:${SMTP_PASSWORD}@smtp.example.com?to=qa@example.com
alertmanager: http://127.0.0.1:9093
maintenance:
  - {name: nightly-deploy, cron: "0 2 * * *", duration: 30m, journeys: ["tag:checkout"]}
  - name: migration
    start: 2026-03-02T10:00:00+01:00
    end: "2026-03-02T12:00:00Z"
    devices: [pixel-7-lab]
  - {name: paris, cron: "0 3 * * 1", duration: 1h, timezone: Europe/Paris}
dashboard_url: https://ronde.example.com/
alerts:
  defaults: {availability_below: 97.5%, window: 30m, notify: [sre-slack]}
  robot_channels: [qa-mail]
  remind_every: 2h
  language: fr, en
  runbook_url: https://wiki.example.com/runbooks/{journey}#{category}
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "shop.yaml").write_text("appId: x\n")
    path = tmp_path / "ronde.yaml"
    path.write_text(FULL)
    return path


ENV = {"LAB_UDID": "3A041FDJH00B6Q", "SMTP_PASSWORD": "s3cret"}


def test_defaults_without_a_file(tmp_path: Path) -> None:
    for config in (load_config(None), load_config(tmp_path / "absent.yaml")):
        assert config.storage_url == "sqlite:///ronde.db"
        assert config.artifacts_dir == Path("artifacts")
        assert config.channels == {} and config.alertmanager_url is None
        assert config.alerts == AlertSettings() and config.dashboard_url is None
        assert config.maintenance == ()
        sim, web = config.devices
        assert (sim.name, sim.tags, sim.kind) == ("sim-demo-shop", ("android", "sim"),
                                                  "simulated")
        assert sim.simulated_app == str(DEMO_APP) and Path(sim.simulated_app).is_absolute()
        assert (web.name, web.tags, web.browser_emulate) == ("chrome-pixel-7", ("web",),
                                                             "Pixel 7")
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "absent.yaml", required=True)


def test_every_setting(config_file: Path) -> None:
    config = load_config(config_file, environ=ENV)
    base = config_file.parent
    assert config.path == config_file
    assert config.storage_url == "sqlite:///ronde.db"  # the ${VAR:-default} default
    assert config.artifacts_dir == base / "evidence"
    sim, lab, web = config.devices
    assert sim.simulated_app == str(base / "apps" / "shop.yaml") and sim.line == 4
    assert lab.kind == "appium" and lab.appium_url == "http://127.0.0.1:4723"
    assert lab.capabilities == {"platformName": "Android",
                                "appium:automationName": "UiAutomator2",
                                "appium:udid": "3A041FDJH00B6Q",
                                "appium:newCommandTimeout": 120}
    assert (web.kind, web.line) == ("browser", 15)
    assert config.channels["qa-mail"] == (
        "mailtos://user:s3cret@smtp.example.com?to=qa@example.com")
    assert config.alertmanager_url == "http://127.0.0.1:9093"
    assert config.dashboard_url == "https://ronde.example.com"
    alerts = config.alerts
    assert alerts.defaults == AlertPolicy(availability_below=97.5, window_ms=1_800_000,
                                          notify=("sre-slack",))
    assert alerts.defaults.explicit() == {"availability_below", "window_ms", "notify"}
    assert alerts.robot_channels == ("qa-mail",)
    assert (alerts.renotify_ms, alerts.lang) == (7_200_000, "fr,en")
    assert alerts.runbook("shop login", "display", None) == (
        "https://wiki.example.com/runbooks/shop%20login#display")
    assert set(config.env_names) == {"DB_URL", "LAB_UDID", "SMTP_PASSWORD"}
    nightly, migration, paris = config.maintenance
    assert nightly == MaintenanceWindow("nightly-deploy", cron="0 2 * * *",
                                        duration_ms=1_800_000, journeys=("tag:checkout",),
                                        line=23)
    assert migration.start == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert migration.end == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert paris.timezone == "Europe/Paris"
    assert config.device("pixel-7-lab") is lab
    assert config.devices_for(["tag:android"]) == [sim, lab]
    assert config.devices_for([]) == [sim, lab, web]


def test_environment_overrides_defaults(config_file: Path) -> None:
    config = load_config(config_file, environ={**ENV, "DB_URL": "postgresql+psycopg://db/r"})
    assert config.storage_url == "postgresql+psycopg://db/r"


def test_maintenance_windows_are_active_when_they_say(config_file: Path) -> None:
    """The loaded windows, judged by the one implementation production uses."""
    config = load_config(config_file, environ=ENV)
    nightly, migration, paris = windows = config.maintenance
    pay = journey("shop-pay", tags=("checkout",))
    login = journey("shop-login", tags=("smoke",))
    lab, sim = config.device("pixel-7-lab"), config.device("sim-pixel-1")

    def active(j: Journey | str, device: DeviceSpec | None, at: datetime) -> list[str]:
        return [w.name for w in active_windows(windows, j, device, at)]

    assert active(pay, None, datetime(2026, 3, 3, 2, 10, tzinfo=UTC)) == [nightly.name]
    assert active(pay, None, datetime(2026, 3, 3, 2, 30, tzinfo=UTC)) == []
    assert active(login, None, datetime(2026, 3, 3, 2, 10, tzinfo=UTC)) == []  # not checkout
    assert active(login, lab, datetime(2026, 3, 2, 11, 0, tzinfo=UTC)) == [migration.name]
    assert active(login, lab, datetime(2026, 3, 2, 12, 0, tzinfo=UTC)) == []
    assert active(login, sim, datetime(2026, 3, 2, 11, 0, tzinfo=UTC)) == []
    # Device not known yet (before a lease): a window for one device does not skip the
    # journey everywhere; it applies once the device is known.
    assert active(login, None, datetime(2026, 3, 2, 11, 0, tzinfo=UTC)) == []
    assert active("any", None, datetime(2026, 3, 2, 2, 30, tzinfo=UTC)) == [paris.name]
    with pytest.raises(ValueError, match="timezone-aware"):
        active(pay, None, datetime(2026, 3, 3, 2, 0))


BAD: list[tuple[str, list[str]]] = [
    ("storage: [a]\n", ["1:10: storage: expected a text (found a list)"]),
    ("storage: ronde.db\n", ["1:10: storage: 'ronde.db' is not a URL (expected a database URL "
                             "like sqlite:///ronde.db or postgresql+psycopg://user@host/db)"]),
    ("storag: x\n", ["1:1: unknown setting 'storag' (did you mean 'storage'?)"]),
    ("storage: postgres://u@h/db\n", ["1:10: storage: unsupported database 'postgres'; Ronde "
                                      "stores into SQLite or PostgreSQL (did you mean "
                                      "'postgresql'?)"]),
    ("storage: mysql://u@h/db\n", ["1:10: storage: unsupported database 'mysql'; Ronde stores "
                                   "into SQLite or PostgreSQL (expected a database URL like "
                                   "sqlite:///ronde.db or postgresql+psycopg://user@host/db)"]),
    ("storage: sqlite:///a.db\nstorage: sqlite:///b.db\n",
     ["2:1: ronde.yaml: duplicate key 'storage' (first given at line 1, column 1)"]),
    ("channels:\n  qa: mailtos://u:${NOPE_PASSWORD}@x\n",
     ["2:7: channels.qa: environment variable NOPE_PASSWORD is not set (expected it in the "
      "environment, or a default: ${NOPE_PASSWORD:-value})"]),
    ("channels:\n  qa: not a url\n",
     ["2:7: channels.qa: not a URL (expected an Apprise URL like slack://... or mailtos://...)"]),
    ("devices:\n  - name: a\n    simulated: {app: nope.yaml}\n",
     ["3:22: devices[0].simulated.app: no such file 'nope.yaml' (looked for {dir}/nope.yaml)"]),
    ("devices:\n  - name: a\n    browser: {emulate: Pixel 77}\n",
     ["3:24: devices[0].browser.emulate: unknown phone 'Pixel 77' (did you mean 'Pixel 7'?)"]),
    ("devices:\n  - name: a\n    tags: [x]\n",
     ["2:5: devices[0]: expected exactly one of simulated, appium or browser (found none)"]),
    ("devices:\n  - name: a\n    appium: http://h:4723\n    browser: {}\n",
     ["2:5: devices[0]: expected exactly one of simulated, appium or browser (found appium "
      "or browser)"]),
    ("devices:\n  - name: a\n    browser: {emulate: Pixel 7}\n    capabilites: {}\n",
     ["4:5: devices[0]: unknown key 'capabilites' (did you mean 'capabilities'?)"]),
    ("devices:\n  - {name: a, browser: {}}\n  - {name: a, browser: {}}\n",
     ["3:5: devices[1].name: 'a' is already the name of the device at line 2"]),
    ("devices:\n  - {name: a, browser: {}, capabilities: {x: 1}}\n",
     ["2:42: devices[0].capabilities: only appium devices take capabilities"]),
    ("devices:\n  - {name: a, browser: {}, sessions: 2}\n",
     ["2:38: devices[0].sessions: only appium devices take sessions (a Selenium Grid hub or "
      "a device farm that picks the device)"]),
    ("devices:\n  - {name: a, appium: 'http://h:4444', sessions: 0}\n",
     ["2:50: devices[0].sessions: expected a whole number from 1 to 1000 (found 0)"]),
    ("devices:\n  - {tags: [a], browser: {}}\n", ["2:5: devices[0]: missing key 'name'"]),
    ("devices:\n  - {name: 'my phone', appium: 'ftp://x'}\n",
     ["2:12: devices[0].name: 'my phone' is not a valid name (expected letters, digits, '.', "
      "'_' or '-')",
      "2:32: devices[0].appium: 'ftp://x' is not a URL (expected http://host:4723)"]),
    ("alertmanager: localhost:9093\n",
     ["1:15: alertmanager: 'localhost:9093' is not a URL (expected http://host:9093)"]),
    ("maintenance:\n  - {name: x, cron: '0 2 * *', duration: 30m}\n",
     ["2:21: maintenance[0].cron: '0 2 * *' is not a valid cron expression (expected 5 fields "
      "(minute hour day month weekday), got 4)"]),
    ("maintenance:\n  - {name: x, cron: '0 2 * * *'}\n",
     ["2:5: maintenance[0]: missing key 'duration' (expected how long each window lasts, like "
      "30m)"]),
    ("maintenance:\n  - {name: x, start: '2026-01-02T10:00', end: yesterday}\n",
     ["2:47: maintenance[0].end: 'yesterday' is not a date and time (expected ISO 8601, like "
      "2025-01-31T02:00:00+01:00)"]),
    ("maintenance:\n  - {name: x, start: '2026-01-02T10:00', end: '2026-01-02T09:00'}\n",
     ["2:47: maintenance[0].end: the window ends before it starts"]),
    ("maintenance:\n  - {name: x, cron: '0 2 * * *', duration: 5 minutes}\n",
     ["2:44: maintenance[0].duration: '5 minutes' is not a duration (expected a duration like "
      "250ms, 15s, 5m, 1h, 7d or an integer of milliseconds)"]),
    ("maintenance:\n  - {name: x, cron: '0 2 * * *', duration: 1h, devices: [sim-demo-shp]}\n",
     ["2:5: maintenance: window 'x' names no known device with 'sim-demo-shp' (did you mean "
      "'sim-demo-shop'?)"]),
    ("maintenance:\n  - {name: x, cron: '0 2 * * *', duration: 1h, timezone: Mars/Base}\n",
     ["2:58: maintenance[0].timezone: unknown time zone 'Mars/Base' (expected a name like "
      "Europe/Paris)"]),
    ("- a\n", ["1:1: expected a mapping of settings (found a list)"]),
    # alerts: (defaults are read by the journey parser's own monitor.alert code)
    ("alerts: [x]\n", ["1:9: alerts: expected a mapping (found a list)"]),
    ("alerts:\n  robot_chanels: [x]\n",
     ["2:3: alerts: unknown key 'robot_chanels' (did you mean 'robot_channels'?)"]),
    ("alerts:\n  defaults: {windw: 1h}\n",
     ["2:14: alerts.defaults: unknown key 'windw' (did you mean 'window'?)"]),
    ("alerts:\n  defaults:\n    window: 30s\n    consecutive_failures: 0\n",
     ["3:13: alerts.defaults.window: 30s is too small (expected at least 1m)",
      "4:27: alerts.defaults.consecutive_failures: 0 is too small (expected at least 1)"]),
    ("alerts:\n  defaults: {availability_below: lots}\n",
     ["2:34: alerts.defaults.availability_below: 'lots' is not a percentage (expected a "
      "percentage like 95% or 99.5, between 0 and 100)"]),
    ("channels:\n  sre-slack: json://127.0.0.1/a\n  qa-mail: json://127.0.0.1/b\n"
     "alerts:\n  defaults: {notify: [sre-slack, qa-mial]}\n  robot_channels: [sre-slack, pager]\n",
     ["5:34: alerts.defaults.notify: unknown channel 'qa-mial' (did you mean 'qa-mail'?)",
      "6:31: alerts.robot_channels: unknown channel 'pager' (known channels: qa-mail, "
      "sre-slack)"]),
    ("alerts:\n  robot_channels: [ops]\n",
     ["2:20: alerts.robot_channels: unknown channel 'ops' (known channels: none configured)"]),
    ("alerts:\n  remind_every: 10s\n", ["2:17: alerts.remind_every: too often (expected at "
                                          "least 1m)"]),
    ("alerts:\n  remind_every: soon\n",
     ["2:17: alerts.remind_every: 'soon' is not a duration (expected a duration like 250ms, "
      "15s, 5m, 1h, 7d or an integer of milliseconds)"]),
    ("alerts:\n  language: de\n",
     ["2:13: alerts.language: unknown language 'de' (expected en, fr or en,fr)"]),
    ("alerts:\n  language: en,en\n", ["2:13: alerts.language: 'en' is listed twice"]),
    ("alerts:\n  runbook_url: https://wiki/{jouney}\n",
     ["2:16: alerts.runbook_url: unknown placeholder '{jouney}' (did you mean 'journey'?) "
      "(expected {journey}, {category} or {cause})"]),
    ("alerts:\n  runbook_url: 'https://wiki/{journey.__class__}'\n",
     ["2:16: alerts.runbook_url: unknown placeholder '{journey.__class__}' (expected "
      "{journey}, {category} or {cause})"]),
    ("alerts:\n  runbook_url: 'https://wiki/{journey'\n",
     ["2:16: alerts.runbook_url: unbalanced braces (expected placeholders {journey} or "
      "{category}; write {{ and }} for a literal brace)"]),
    ("dashboard_url: ronde.local\n",
     ["1:16: dashboard_url: 'ronde.local' is not a URL (expected the dashboard's address, like "
      "http://ronde.example.com:8080)"]),
    # channel URLs Apprise cannot use: refused with the scheme only, never the tokens
    ("channels:\n  chat: slakc://T1JJ3T3L2/A1BRTD4JD/TOPSECRETTOKEN\n",
     ["2:9: channels.chat: unknown Apprise service 'slakc://' (did you mean 'slack'?)"]),
    ("storage: 'x\n", ["2:1: YAML syntax error: found unexpected end of stream (while scanning "
                       "a quoted scalar that starts at line 1, column 10)"]),
]


@pytest.mark.parametrize(("text", "expected"), BAD, ids=[t.split("\n")[0] for t, _ in BAD])
def test_bad_configuration(tmp_path: Path, text: str, expected: list[str]) -> None:
    path = tmp_path / "ronde.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={})
    got = [f"{p.pos.line}:{p.pos.column}: {p.message}" for p in caught.value.problems]
    assert got == [e.replace("{dir}", str(tmp_path)) for e in expected]
    assert all(str(p).startswith(f"{path}:") for p in caught.value.problems)


def test_empty_file_means_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ronde.yaml"
    path.write_text("# nothing yet\n")
    config = load_config(path)
    assert config.path == path and [d.name for d in config.devices] == ["sim-demo-shop",
                                                                        "chrome-pixel-7"]
    path.write_text("devices: []\n")
    assert load_config(path).devices == ()


def test_bad_channel_urls_never_reach_the_logs(tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """Apprise logs a URL it cannot parse, tokens included: not while Ronde checks one."""
    path = tmp_path / "ronde.yaml"
    path.write_text("channels:\n  a: pover://TOPSECRETTOKEN\n  b: slakc://user:${PW}@host/x\n")
    caplog.set_level("DEBUG")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ={"PW": "hunter2-password"})
    assert [p.pos.line for p in caught.value.problems] == [3]  # pover:// is a known service
    shown = str(caught.value) + caplog.text
    assert "TOPSECRETTOKEN" not in shown and "hunter2-password" not in shown


def test_a_known_service_with_malformed_tokens_loads_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Placeholder tokens (as in shared/config-format.md's example) load, so a robot can start
    and a contract example stays valid; the warning points at the line and hides the tokens."""
    path = tmp_path / "ronde.yaml"
    path.write_text("channels:\n  chat: slack://TOPSECRETTOKEN\nalerts: {robot_channels: [chat]}\n")
    caplog.set_level("DEBUG")
    config = load_config(path, environ={})
    assert config.channels == {"chat": "slack://TOPSECRETTOKEN"}
    assert config.warnings == (
        f"{path}:2:9: channels.chat: Apprise cannot use this slack:// URL: a token, user, host "
        "or option is missing or malformed (expected the slack:// form described at "
        "https://github.com/caronc/apprise/wiki); alerts to it will fail",)
    assert "TOPSECRETTOKEN" not in caplog.text


CONTRACT = Path(__file__).resolve().parents[2].parent / "shared" / "config-format.md"


@pytest.mark.skipif(not CONTRACT.is_file(), reason="shared/ is beside the checkout only")
def test_the_contract_example_loads_verbatim(tmp_path: Path) -> None:
    text = CONTRACT.read_text()
    example = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "ronde.yaml"
    path.write_text(example)
    config = load_config(path, environ={"SMTP_PASSWORD": "pw"})
    assert [d.name for d in config.devices] == ["sim-pixel-1", "pixel-7-lab", "chrome-pixel-7"]
    assert set(config.channels) == {"sre-slack", "qa-mail"}
    assert config.alertmanager_url == "http://127.0.0.1:9093"
    assert [w.name for w in config.maintenance] == ["nightly-deploy"]


def test_alert_defaults_fill_a_journey_key_by_key(tmp_path: Path) -> None:
    from journeys.parser import load_journey

    path = tmp_path / "ronde.yaml"
    path.write_text("channels:\n  ops: json://127.0.0.1/x\n  qa: json://127.0.0.1/y\n"
                    "alerts:\n  defaults: {availability_below: 90, window: 2h, notify: [ops]}\n")
    config = load_config(path)
    journey = tmp_path / "j.yaml"
    journey.write_text("appId: com.a\nmonitor:\n  alert: {window: 15m, notify: [qa]}\n---\n"
                       "- launchApp\n")
    alert = load_journey(journey, config).monitor.alert
    assert alert.explicit() == {"window_ms", "notify"}
    merged = alert.over(config.alerts.defaults)
    assert (merged.availability_below, merged.window_ms, merged.notify) == (90.0, 900_000,
                                                                           ("qa",))
    bare = tmp_path / "bare.yaml"
    bare.write_text("appId: com.a\n---\n- launchApp\n")
    plain = load_journey(bare, config).monitor.alert.over(config.alerts.defaults)
    assert (plain.availability_below, plain.window_ms, plain.notify) == (90.0, 7_200_000,
                                                                         ("ops",))
    assert plain.consecutive_failures is None  # neither sets it: the engine's built-in rule


def test_validate_shows_configuration_warnings(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ronde.cli import main

    config = tmp_path / "ronde.yaml"
    config.write_text("channels:\n  chat: slack://PLACEHOLDER\n")
    examples = Path(__file__).resolve().parents[2] / "journeys" / "examples"
    result = CliRunner().invoke(main, ["validate", "--config", str(config), str(examples)])
    assert result.exit_code == 0, result.output
    assert f"warning: {config}:2:9: channels.chat: Apprise cannot use this slack:// URL" in (
        result.stderr)
    assert "PLACEHOLDER" not in result.output


def test_every_command_reads_the_local_ronde_yaml(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --config, `report` (like run, start, db, dashboard) reads ./ronde.yaml."""
    from click.testing import CliRunner

    from ronde.cli import main
    from ronde.config import load_command_config

    monkeypatch.chdir(tmp_path)
    assert load_command_config(None).storage_url == "sqlite:///ronde.db"  # no file: defaults
    (tmp_path / "ronde.yaml").write_text("storage: sqlite:///elsewhere.db\n")
    assert load_command_config(None).storage_url == "sqlite:///elsewhere.db"
    result = CliRunner().invoke(main, ["report", "--out", str(tmp_path / "r.html")])
    assert result.exit_code != 0 and "elsewhere.db" in result.output, result.output
    with pytest.raises(ConfigError):
        load_command_config(tmp_path / "missing.yaml")  # an explicit --config must exist
