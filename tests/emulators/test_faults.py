"""emulators.faults: validation with clear errors, atomic per-device state files."""

from __future__ import annotations

import json
import re

import pytest

from emulators import faults
from emulators.exceptions import FaultError


@pytest.fixture
def state(tmp_path):
    return tmp_path / "sim"


def test_set_list_and_clear(state):
    assert faults.set_fault("sim-1", "slow", state=state, factor=5) == {"factor": 5}
    faults.set_fault("sim-1", "error_dialog", state=state, on="submit")
    faults.set_fault("sim-2", "offline", state=state)
    assert faults.list_faults(state=state) == {
        "sim-1": {"slow": {"factor": 5},
                  "error_dialog": {"on": "submit", "text": "Erreur 500", "status": 500}},
        "sim-2": {"offline": {}},
    }
    assert faults.clear_fault("sim-1", "slow", state=state) is True
    assert faults.clear_fault("sim-1", "slow", state=state) is False
    assert list(faults.get_faults("sim-1", state=state)) == ["error_dialog"]
    assert faults.clear_faults("sim-1", state=state) is True
    assert faults.clear_faults("sim-1", state=state) is False
    assert faults.list_faults(state=state) == {"sim-2": {"offline": {}}}


def test_defaults_are_filled_in(state):
    assert faults.set_fault("d", "slow", state=state) == {"factor": 5}
    assert faults.set_fault("d", "flaky", state=state) == {"p": 0.3, "seed": 0}
    assert faults.set_fault("d", "hang", state=state) == {}


@pytest.mark.parametrize(
    ("fault", "params", "message"),
    [
        ("slo", {}, "unknown fault 'slo' — did you mean 'slow'?"),
        ("slow", {"facter": 2}, "no parameter 'facter' — did you mean 'factor'?"),
        ("login_refused", {"on": "x"}, "has no parameter 'on' (parameters: none)"),
        ("slow", {"factor": "fast"}, "factor='fast' should be a number"),
        ("flaky", {"p": 1.5}, "between 0 and 1"),
        ("flaky", {"seed": 1.5}, "should be a whole number"),
        ("slow", {"factor": 0}, "factor must be > 0"),
        ("crash", {"on": True}, "should be a text"),
    ],
)
def test_bad_faults_get_clear_errors(state, fault, params, message):
    with pytest.raises(FaultError, match=re.escape(message)):
        faults.set_fault("d", fault, state=state, **params)
    assert not (state / "d.json").exists(), "a refused fault writes nothing"


def test_state_file_is_shared_with_the_driver_by_name(state):
    faults.set_fault("pixel 7/é", "network_down", state=state)
    path = state / "pixel%207%2F%C3%A9.json"
    data = json.loads(path.read_text())
    assert data["udid"] == "pixel 7/é"
    assert data["faults"] == {"network_down": {}}
    assert set(data["since"]) == {"network_down"}
    assert not [p for p in state.iterdir() if p.name.startswith(".tmp-")], "no temporary left"


def test_setting_a_fault_again_restarts_its_clock(state):
    faults.set_fault("d", "flaky", state=state, p=0.5, seed=1)
    first = faults.fault_state("d", state=state)[1]["flaky"]
    faults.set_fault("d", "flaky", state=state, p=0.5, seed=1)
    assert faults.fault_state("d", state=state)[1]["flaky"] > first


def test_state_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("RONDE_SIM_STATE", str(tmp_path / "here"))
    faults.set_fault("d", "offline")
    assert (tmp_path / "here" / "d.json").exists()
