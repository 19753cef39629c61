"""`ronde sim fault|clear|list` (the command-line contract of shared/config-format.md)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from emulators import faults
from ronde.cli import main
from ronde.commands.sim import parse_value


@pytest.fixture
def cli(monkeypatch, tmp_path):
    monkeypatch.setenv("RONDE_SIM_STATE", str(tmp_path))
    runner = CliRunner()
    return lambda *args: runner.invoke(main, ["sim", *args])


def test_fault_clear_and_list(cli):
    result = cli("fault", "sim-1", "slow", "factor=5")
    assert result.exit_code == 0, result.output
    assert "sim-1: slow on (factor=5)" in result.output
    assert cli("fault", "sim-1", "error_dialog", "text=Erreur 503", "on=submit").exit_code == 0
    assert faults.get_faults("sim-1")["error_dialog"]["text"] == "Erreur 503"
    listed = cli("list", "--json")
    assert json.loads(listed.output.strip()) == {"device": "sim-1", "faults": {
        "slow": {"factor": 5},
        "error_dialog": {"text": "Erreur 503", "on": "submit", "status": 500}}}
    assert "sim-1\tslow\tfactor=5" in cli("list").output
    assert cli("clear", "sim-1", "slow").output.strip() == "sim-1: slow off"
    assert cli("clear", "sim-1").output.strip() == "sim-1: all faults off"
    assert cli("list").output.strip() == "no simulated device has a fault on"


def test_errors_are_clear(cli):
    result = cli("fault", "sim-1", "slo")
    assert result.exit_code == 1 and "did you mean 'slow'?" in result.output
    result = cli("fault", "sim-1", "flaky", "pp=0.5")
    assert result.exit_code == 1 and "did you mean 'p'?" in result.output
    result = cli("fault", "sim-1", "slow", "factor")
    assert result.exit_code == 2 and "'factor' is not key=value" in result.output
    assert faults.list_faults() == {}


@pytest.mark.parametrize(("text", "value"), [
    ("5", 5), ("0.3", 0.3), ("-2", -2), ("1e3", 1000.0), ("true", True), ("False", False),
    ("submit", "submit"), ("Erreur 500", "Erreur 500"), ("", ""), ("1.2.3", "1.2.3"),
])
def test_values_are_parsed_as_numbers_and_booleans(text, value):
    assert parse_value(text) == value and type(parse_value(text)) is type(value)
