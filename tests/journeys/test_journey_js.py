"""The journeys' JavaScript at validation: `${...}` pieces, syntax errors at their line and
column (script file or YAML), runScript files, `true:` conditions and the hooks."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from journeys import model as m
from journeys.errors import JourneyError
from journeys.js.template import Unclosed, names_in, split
from journeys.parser import load_journey
from journeys.variables import Variables


def _load(folder: Path, text: str, **files: str) -> m.Journey:
    for name, body in files.items():
        (folder / name.replace("_", ".")).write_text(body, encoding="utf-8")
    path = folder / "flow.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return load_journey(path)


def _problems(folder: Path, text: str, **files: str) -> list[str]:
    with pytest.raises(JourneyError) as caught:
        _load(folder, text, **files)
    return [str(p).replace(str(folder) + "/", "") for p in caught.value.problems]


def test_pieces_follow_maestro() -> None:
    pieces = split("a ${X} b ${'}' + {k: 1}.k} \\${LITERAL} ${`t${Y}`}")
    assert [(p.text, p.code, p.name) for p in pieces] == [
        ("a ", None, None), ("${X}", "X", "X"), (" b ", None, None),
        ("${'}' + {k: 1}.k}", "'}' + {k: 1}.k", None), (" ${LITERAL} ", None, None),
        ("${`t${Y}`}", "`t${Y}`", None)]
    with pytest.raises(Unclosed):
        split("${APP_ID || 'x'")
    assert names_in("${PASSWORD || output.user}x${B}") == {"PASSWORD", "output", "B"}


def test_js_forms_are_accepted(tmp_path: Path) -> None:
    journey = _load(tmp_path, """
    appId: ${APP_ID || 'com.example.app'}
    onFlowStart:
      - runScript: setup.js
    onFlowComplete:
      - evalScript: ${output.done = true}
    ---
    - launchApp
    - runScript:
        file: setup.js
        env: {WHO: "${output.name + '!'}"}
        when: {true: "${maestro.platform == 'android'}"}
    - evalScript: ${output.n = 1 + 2}
    - assertTrue: ${output.n == 3}
    - assertTrue: {condition: "${output.n > 1}", label: n}
    - repeat:
        while: {true: "${output.n < 5}"}
        commands:
          - evalScript: ${output.n++}
    - inputText: "Hello ${WHO.toUpperCase()}, \\\\${not evaluated}"
    """, setup_js="output.name = 'x';\n")
    assert journey.app_id == "${APP_ID || 'com.example.app'}"
    start, = journey.on_flow_start
    assert isinstance(start, m.RunScript) and start.source == "output.name = 'x';\n"
    assert isinstance(journey.on_flow_complete[0], m.EvalScript)
    script = journey.commands[1]
    assert isinstance(script, m.RunScript) and script.when is not None
    assert script.when.script == "${maestro.platform == 'android'}"
    assert journey.commands[4] == m.AssertTrue(condition="${output.n > 1}", label="n")


def test_syntax_errors_point_into_the_script_and_the_yaml(tmp_path: Path) -> None:
    assert _problems(tmp_path, """
    appId: com.example
    ---
    - runScript: bad.js
    - tapOn: ${output.x +}
    - inputText: "ok ${1 + (2}"
    - assertTrue: ${a
    """, bad_js="var ok = 1;\nvar a = ;\n") == [
        "bad.js:2:9: runScript: JavaScript syntax error: unexpected token in expression: ';'",
        "flow.yaml:4:22: tapOn: JavaScript syntax error in ${output.x +}: unexpected token "
        "in expression: ''",
        "flow.yaml:5:26: inputText: JavaScript syntax error in ${1 + (2}: expecting ')'",
        "flow.yaml:6:15: assertTrue: unclosed '${' (expected ${NAME} or ${expression}, "
        "closed by '}')",
    ]


def test_script_files_stay_in_the_folder_and_are_javascript(tmp_path: Path) -> None:
    inner = tmp_path / "flows"
    inner.mkdir()
    (tmp_path / "outside.js").write_text("output.x = 1\n")
    problems = _problems(inner, """
    appId: com.example
    ---
    - runScript: ../outside.js
    - runScript: notes.txt
    - runScript: absent.js
    """)
    assert [p.split(": ", 1)[0] for p in problems] == ["flow.yaml:3:14", "flow.yaml:4:14",
                                                      "flow.yaml:5:14"]
    assert "outside the journeys' folder" in problems[0]
    assert "not a .js file" in problems[1] and "not found" in problems[2]


def test_a_script_change_changes_the_definition_hash(tmp_path: Path) -> None:
    text = "appId: com.example\n---\n- runScript: s.js\n"
    first = _load(tmp_path, text, s_js="output.a = 1\n").definition_hash
    assert _load(tmp_path, text, s_js="output.a = 2\n").definition_hash != first


def test_expressions_need_the_robot_plain_names_do_not(tmp_path: Path) -> None:
    scope = Variables(file="f.yaml", secrets=(), environ={"USER": "ada"})
    assert scope.resolve("${USER} \\${USER}") == "ada ${USER}"
    with pytest.raises(JourneyError, match="evaluated by the robot only"):
        scope.resolve("${USER.toUpperCase()}")
    seen: list[str] = []
    scope = Variables(file="f.yaml", secrets=(), environ={"USER": "ada"},
                      evaluator=lambda code, v, pos: seen.append(code) or "X")
    assert scope.child([("A", "1")]).resolve("${USER}-${A + 1}") == "ada-X"
    assert seen == ["A + 1"]
