"""`ronde validate` and `ronde schema`, through the real console script and click's runner."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from journeys.parser import load_journeys
from journeys.schema import journey_schema
from journeys.transactions import iter_transactions
from ronde.cli import main
from tests.journeys.conftest import EXAMPLES, HEADER

ROOT = Path(__file__).resolve().parents[2]
RONDE = Path(sys.executable).parent / "ronde"


def squash(text: str) -> str:
    """Table text without borders or wrapping, so names can be searched whole."""
    return re.sub(r"\s+", " ", re.sub(r"[│┃┌┐└┘├┤┬┴┼─━╭╮╰╯|]", " ", text))


def test_validate_examples_exits_0_and_lists_every_transaction() -> None:
    done = subprocess.run([str(RONDE), "validate", str(EXAMPLES)], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    out = squash(done.stdout)
    journeys, _ = load_journeys([EXAMPLES])
    assert len(journeys) == 6
    for journey in journeys:
        assert journey.id in out
        for transaction in iter_transactions(journey.commands):
            assert transaction.name in out, (journey.id, transaction.name)
    assert "every 5m ± 20s" in out and "cron */15 * * * *" in out and "tag:web" in out
    assert "6 journeys valid" in out
    assert done.stderr == ""


def test_validate_reports_errors_on_stderr_and_exits_1(write: Callable[..., Path]) -> None:
    bad = write(HEADER + "- tapOm: x\n- tapOn: {txt: y}\n")
    good = write(HEADER + "- back\n", "good.yaml")
    result = CliRunner().invoke(main, ["validate", str(bad), str(good)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{bad}:3:3: unknown command 'tapOm' (did you mean 'tapOn'?)",
        f"{bad}:4:11: tapOn: unknown key 'txt' (did you mean 'text'?)",
        "2 problems in 1 file; 1 journey valid",
    ]
    assert "good" in result.stdout and "tapOm" not in result.stdout


def test_validate_checks_names_against_a_config(write: Callable[..., Path],
                                                tmp_path: Path) -> None:
    config = tmp_path / "ronde.yaml"
    config.write_text("devices:\n  - {name: pixel-7, tags: [android], appium: "
                      "'http://127.0.0.1:4723'}\nchannels:\n  sre: 'json://127.0.0.1/x'\n")
    journey = write("appId: com.a\nmonitor:\n  devices: [pixel-8]\n  alert: {notify: [sre]}\n"
                    "---\n- back\n")
    runner = CliRunner()
    result = runner.invoke(main, ["validate", str(journey), "--config", str(config)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{journey}:3:13: monitor.devices: unknown device 'pixel-8' (did you mean 'pixel-7'?)")
    assert runner.invoke(main, ["validate", str(journey)]).exit_code == 0
    missing = runner.invoke(main, ["validate", str(journey), "--config", str(tmp_path / "no")])
    assert missing.exit_code == 1 and "no such configuration file" in missing.stderr


def test_validate_on_a_missing_path_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{tmp_path}/nothing: no such file or folder")


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = journey_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_command_writes_the_generated_schema(tmp_path: Path) -> None:
    out = tmp_path / "schema.json"
    result = CliRunner().invoke(main, ["schema", "-o", str(out)])
    assert result.exit_code == 0
    assert json.loads(out.read_text()) == journey_schema()
    printed = CliRunner().invoke(main, ["schema"])
    assert json.loads(printed.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_the_committed_schema_file_is_up_to_date() -> None:
    committed = json.loads((ROOT / "journeys" / "journey.schema.json").read_text())
    hint = "regenerate it: .venv/bin/ronde schema -o journeys/journey.schema.json"
    assert committed == journey_schema(), hint


def test_examples_validate_against_the_schema(
    validator: jsonschema.Draft202012Validator,
) -> None:
    files = sorted(EXAMPLES.rglob("*.yaml"))
    assert len(files) == 7
    for file in files:
        for document in yaml.safe_load_all(file.read_text()):
            errors = [e.message for e in validator.iter_errors(document)]
            assert errors == [], file


@pytest.mark.parametrize("document", [
    [{"tapOm": "x"}],
    [{"tapOn": {"txt": "x"}}],
    [{"tapOn": {"label": "no selector"}}],
    [{"extendedWaitUntil": {"visible": "a", "notVisible": "b"}}],
    [{"swipe": {"start": "10%, 10%"}}],
    [{"repeat": {"commands": ["back"]}}],
    [{"pressKey": "Entr"}],
    [{"tapOn": "x", "back": None}],
    {"monitor": {"evry": "5m"}},  # other header keys are Maestro's to ignore
    {"monitor": {"every": "5 minutes"}},
    {"monitor": {"alert": {"availability_below": 120}}},
    [],
])
def test_schema_refuses_what_the_parser_refuses(
    validator: jsonschema.Draft202012Validator, document: object
) -> None:
    assert not validator.is_valid(document)


def test_every_command_name_is_in_the_schema() -> None:
    from journeys.spec import COMMANDS

    names = journey_schema()["$defs"]["command"]["anyOf"][1]["properties"]
    assert sorted(names) == sorted(spec.name for spec in COMMANDS)


def test_validate_with_a_config_shows_the_devices_that_will_run_it(tmp_path: Path) -> None:
    config = tmp_path / "ronde.yaml"
    config.write_text("devices:\n"
                      "  - {name: lab-1, tags: [android], appium: 'http://127.0.0.1:4723'}\n"
                      "  - {name: lab-2, tags: [android], appium: 'http://127.0.0.1:4724'}\n"
                      "  - {name: chrome, tags: [web, android], browser: {emulate: Pixel 7}}\n")
    result = CliRunner().invoke(main, ["validate", str(EXAMPLES / "shop-search-checkout.yaml"),
                                       "--config", str(config)])
    assert result.exit_code == 0, result.stderr
    assert "tag:android -> lab-1, lab-2" in squash(result.stdout)  # not the browser
