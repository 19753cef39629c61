"""Property: whatever YAML the parser gets, it returns a Journey or raises JourneyError."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeys.errors import JourneyError
from journeys.model import Journey
from journeys.parser import load_journey
from journeys.spec import COMMANDS, CONDITION_KEYS, HEADER_KEYS, MONITOR_KEYS, SELECTOR_KEYS
from tests.journeys.conftest import EXAMPLES

WORDS = sorted({s.name for s in COMMANDS} | {k.name for k in SELECTOR_KEYS + CONDITION_KEYS}
               | {k.name for k in HEADER_KEYS + MONITOR_KEYS}
               | {k.name for s in COMMANDS for k in s.keys}
               | {"label", "optional", "flows/login.yaml", "tag:web", "5m", "95%", "${X}",
                  "${", "UP", "10%, 20%", "commands", "when", "file", "-1", "0", "true"})
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
# RONDE_FUZZ_EXAMPLES=5000 for a long run; the suite keeps it short.
FAST = settings(max_examples=int(os.environ.get("RONDE_FUZZ_EXAMPLES", "100")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**12),
                    st.floats(allow_nan=True), st.sampled_from(WORDS),
                    st.text(max_size=12))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(WORDS) | st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=25,
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the examples (so runFlow targets exist) where mutated files are written."""
    path = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(EXAMPLES, path, dirs_exist_ok=True)
    return path


def parse(folder: Path, data: bytes) -> None:
    path = folder / "fuzzed.yaml"
    path.write_bytes(data)
    try:
        result = load_journey(path)
    except JourneyError as exc:
        assert exc.problems, "an error without problems"
        assert all(p.message and p.pos.file for p in exc.problems)
        return
    assert isinstance(result, Journey)
    assert result.commands


@FAST
@given(header=values, body=values)
def test_random_documents(folder: Path, header: object, body: object) -> None:
    text = yaml.safe_dump_all([header, body], allow_unicode=True)
    parse(folder, text.encode())


@FAST
@given(body=st.lists(st.dictionaries(st.sampled_from(WORDS), values, min_size=1, max_size=2),
                     min_size=1, max_size=5))
def test_random_command_lists(folder: Path, body: list[object]) -> None:
    text = "appId: com.a\n---\n" + yaml.safe_dump(body, allow_unicode=True)
    parse(folder, text.encode())


@FAST
@given(text=st.text(alphabet=st.sampled_from(list("-:{}[]!&*|>'\"#%@` \n\tab01?,.$")),
                    max_size=80))
def test_random_yaml_syntax(folder: Path, text: str) -> None:
    parse(folder, text.encode())


@FAST
@given(index=st.integers(0, len(EXAMPLE_FILES) - 1), data=st.data())
def test_mutated_examples(folder: Path, index: int, data: st.DataObject) -> None:
    text = EXAMPLE_FILES[index].read_bytes()
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["delete", "insert", "replace", "dup-line"]))
        chunk = data.draw(st.binary(max_size=4) | st.sampled_from(
            [b"\n", b"  ", b"- ", b": ", b"{", b"[", b"*a", b"&a ", b"\t", b"---\n", b"\xff"]))
        if action == "delete":
            text = text[:at] + text[at + len(chunk) + 1:]
        elif action == "insert":
            text = text[:at] + chunk + text[at:]
        elif action == "replace":
            text = text[:at] + chunk + text[at + len(chunk):]
        else:
            lines = text.splitlines(keepends=True)
            i = min(at, len(lines) - 1)
            text = b"".join(lines[: i + 1] + lines[i:])
    parse(folder, text)


@pytest.mark.parametrize("text", [
    "appId: a\n---\n" + "[" * 2000 + "]" * 2000,  # nested deeper than PyYAML can recurse
    "appId: a\n---\n- tapOn:\n" + "".join("    " * i + "  below:\n" for i in range(1, 80))
    + "    " * 80 + "  text: x\n",
    "a: &a [*a]\n---\n- back\n",  # a recursive alias
    "appId: a\n---\n- &c {repeat: {times: 2, commands: [*c]}}\n",
    "appId: a\n---\n" + "x: &l0 [a]\n",
    "appId: a\n---\n- tapOn: !!python/object/apply:os.system ['true']\n",
    "appId: a\n---\n- tapOn: !!binary aGVsbG8=\n- inputText: 2001-12-14\n",
    "appId: a\n<<: {url: x}\n---\n- back\n",
    "? [a, b]\n: c\n---\n- back\n",
])
def test_pathological_documents(folder: Path, text: str) -> None:
    parse(folder, text.encode())


def test_alias_bomb_is_refused_quickly(folder: Path) -> None:
    lines = ["appId: a", "---", "- &l0 {runFlow: {commands: [back]}}"]
    for i in range(1, 12):
        lines.append(f"- &l{i} {{runFlow: {{commands: [{', '.join([f'*l{i - 1}'] * 9)}]}}}}")
    path = folder / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(JourneyError, match="too large"):
        load_journey(path)
