"""ronde.yaml: defaults, every setting, ${ENV} expansion and file:line:column errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ronde.config import DEMO_APP, ConfigError, MaintenanceWindow, load_config

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
  sre-slack: slack://TOKEN_A/TOKEN_B/TOKEN_C/#alerts
  qa-mail: mailtos://user:${SMTP_PASSWORD}@smtp.example.com?to=qa@example.com
alertmanager: http://127.0.0.1:9093
maintenance:
  - {name: nightly-deploy, cron: "0 2 * * *", duration: 30m, journeys: ["tag:checkout"]}
  - name: migration
    start: 2026-03-02T10:00:00+01:00
    end: "2026-03-02T12:00:00Z"
    devices: [pixel-7-lab]
  - {name: paris, cron: "0 3 * * 1", duration: 1h, timezone: Europe/Paris}
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
    config = load_config(config_file, environ=ENV)
    nightly, migration, paris = config.maintenance
    assert nightly.active_at(datetime(2026, 3, 3, 2, 10, tzinfo=UTC))
    assert not nightly.active_at(datetime(2026, 3, 3, 2, 30, tzinfo=UTC))
    assert nightly.active_at(datetime(2026, 3, 3, 2, 0))  # naive means UTC
    assert migration.active_at(datetime(2026, 3, 2, 11, 0, tzinfo=UTC))
    assert not migration.active_at(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert paris.active_at(datetime(2026, 3, 2, 2, 30, tzinfo=UTC))  # 03:30 in Paris, Monday
    assert nightly.applies_to("shop-pay", ["checkout"])
    assert not nightly.applies_to("shop-login", ["smoke"])
    lab = config.device("pixel-7-lab")
    assert migration.applies_to("any", [], lab)
    assert not migration.applies_to("any", [], config.device("sim-pixel-1"))
    at = datetime(2026, 3, 3, 2, 5, tzinfo=UTC)
    assert config.in_maintenance("shop-pay", ["checkout"], None, at) == nightly
    assert config.in_maintenance("shop-login", [], None, at) is None


BAD: list[tuple[str, list[str]]] = [
    ("storage: [a]\n", ["1:10: storage: expected a text (found a list)"]),
    ("storage: ronde.db\n", ["1:10: storage: 'ronde.db' is not a URL (expected a database URL "
                             "like sqlite:///ronde.db or postgresql+psycopg://user@host/db)"]),
    ("storag: x\n", ["1:1: unknown setting 'storag' (did you mean 'storage'?)"]),
    ("storage: sqlite:///a.db\nstorage: sqlite:///b.db\n",
     ["2:1: ronde.yaml: duplicate key 'storage' (first given at line 1, column 1)"]),
    ("channels:\n  qa: mailtos://u:${NOPE_PASSWORD}@x\n",
     ["2:7: channels.qa: environment variable NOPE_PASSWORD is not set (expected it in the "
      "environment, or a default: ${NOPE_PASSWORD:-value})"]),
    ("channels:\n  qa: not a url\n",
     ["2:7: channels.qa: 'not a url' is not a URL (expected an Apprise URL like slack://... "
      "or mailtos://...)"]),
    ("devices:\n  - name: a\n    simulated: {app: nope.yaml}\n",
     ["3:22: devices[0].simulated.app: no such file 'nope.yaml' (looked for {dir}/nope.yaml)"]),
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
