"""Maestro's JavaScript in a run on the simulated device (real Appium): `${...}` expressions,
runScript with http and output, evalScript, assertTrue, `true:` conditions, console evidence,
and the onFlowStart / onFlowComplete hooks with their failures reported as such."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from journeys.model import Journey
from journeys.results import RunResult, Status
from tests.robots.conftest import shop_env
from tests.robots.js_api import json_api

pytestmark = pytest.mark.appium

SETUP_JS = """
var answer = http.post(API + '/search', {headers: {'X-Token': TOKEN}, body: 'q=' + WHO});
var data = json(answer.body);
output.query = data.query;
output.status = answer.status;
output.count = 0;
console.log('setup for', WHO, 'with token', TOKEN, 'on', maestro.platform);
"""

JOURNEY = """
appId: ${APP_ID || 'com.ronde.demo.shop'}
env:
  WHO: robot
monitor: {id: js, step_timeout: 5s, timeout: 1m, secrets: [TOKEN]}
onFlowStart:
  - runScript:
      file: setup.js
      env:
        API: ${API_URL}
onFlowComplete:
  - evalScript: ${output.completed = true}
  - runScript: teardown.js
---
- launchApp: {clearState: true}
- assertVisible: Accueil
- assertTrue: ${output.status == 200 && output.query == 'Casquette'}
- evalScript: ${output.label = 'Rech' + 'ercher'}
- tapOn: Catalogue
- tapOn: {id: search}
- inputText: ${output.query}
- assertVisible: {text: "${output.query.substring(0, 5)}.*", focused: true}
- repeat:
    while:
      true: ${output.count < 3}
    commands:
      - evalScript: ${output.count = output.count + 1}
- assertTrue:
    condition: ${output.count === 3}
    label: counted
- runFlow:
    when:
      true: ${output.count > 5}
    commands:
      - tapOn: Nowhere
- runScript:
    file: missing.js
    when:
      true: ${maestro.platform == 'android'}
- tapOn: ${output.label}
- assertVisible: Résultats
"""


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).write_text(text.lstrip(), encoding="utf-8")
    return folder / "flow.yaml"


@pytest.fixture
def js_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "flows"
    folder.mkdir()
    return folder


def test_every_js_form_runs_on_the_device(js_folder: Path, tmp_path: Path,
                                          run_sim: Callable[..., RunResult]) -> None:
    from journeys.parser import load_journey

    flow = _write(js_folder, {
        "flow.yaml": JOURNEY, "setup.js": SETUP_JS,
        "missing.js": "output.ran = (output.ran || 0) + 1;\n",
        "teardown.js": "console.log('done', output.completed, output.ran);\n",
    })
    journey = load_journey(flow)
    with json_api() as (api, seen):
        env = {**shop_env(), "API_URL": api, "TOKEN": "s3cr3t-token-42"}
        env.pop("APP_ID", None)
        result = run_sim(journey, environ=env, artifacts_dir=tmp_path / "artifacts")
    assert result.status is Status.PASSED, (result.error, [
        (s.description, s.error) for s in result.steps if s.status is not Status.PASSED])
    assert seen == [("POST", "/search", "s3cr3t-token-42", "q=robot")]  # real HTTP, env globals
    described = [s.description for s in result.steps]
    assert described[0] == "onFlowStart: runScript " + str(js_folder / "setup.js")
    assert described[-2:] == ["onFlowComplete: evalScript ${output.completed = true}",
                              "onFlowComplete: runScript " + str(js_folder / "teardown.js")]
    assert described.count("evalScript ${output.count = output.count + 1}") == 3
    assert 'tapOn "Nowhere"' not in described  # `true:` false: the sub-flow is skipped
    assert 'tapOn "${output.label}"' in described
    console = [a for a in result.artifacts if a.kind == "console"]
    assert len(console) == 1
    text = (tmp_path / "artifacts" / console[0].path).read_text()
    assert text.splitlines() == ["setup for robot with token ••• on android", "done true 1"]
    assert "s3cr3t" not in text


def _hooked(folder: Path, start: str, body: str, complete: str) -> Journey:
    from journeys.parser import load_journey

    return load_journey(_write(folder, {"flow.yaml": f"""
appId: com.ronde.demo.shop
monitor: {{id: hooks, step_timeout: 2s, timeout: 1m}}
onFlowStart:
{start}
onFlowComplete:
{complete}
---
{body}
"""}))


def test_a_failed_onflowstart_skips_the_flow_and_still_completes(
        js_folder: Path, run_sim: Callable[..., RunResult]) -> None:
    journey = _hooked(js_folder, "  - assertTrue: ${1 == 2}",
                      "- launchApp\n- assertVisible: Accueil", "  - launchApp")
    result = run_sim(journey)
    assert result.status is Status.FAILED
    assert result.error.startswith("onFlowStart hook failed: assertTrue (line 4): "
                                   "assertTrue: ${1 == 2} is false"), result.error
    assert [(s.description, s.status) for s in result.steps] == [
        ("onFlowStart: assertTrue ${1 == 2}", Status.FAILED),
        ("onFlowComplete: launchApp", Status.PASSED)]


def test_a_failed_onflowcomplete_fails_a_passed_flow(
        js_folder: Path, run_sim: Callable[..., RunResult]) -> None:
    journey = _hooked(js_folder, "  - evalScript: ${output.n = 1}",
                      "- launchApp\n- assertVisible: Accueil",
                      "  - evalScript: ${output.n.missing.field}")
    result = run_sim(journey)
    assert result.status is Status.FAILED
    assert result.error.startswith("onFlowComplete hook failed: evalScript (line 6): "
                                   "${output.n.missing.field} at "), result.error
    assert "TypeError: cannot read property 'field' of undefined" in result.error
    assert [s.status for s in result.steps] == [Status.PASSED] * 3 + [Status.FAILED]
