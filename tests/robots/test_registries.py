"""Commands and device kinds are each declared once: every declaration has its handlers, and
no other module grows a dispatch of its own (the README's contributor walkthrough counts on it).
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from journeys import model as m
from journeys.spec import COMMANDS
from robots import commands, device_commands, script_commands
from robots.backends import OPENERS
from robots.backends.appium_native import AppiumNativeBackend
from robots.backends.base import DeviceBackend, DeviceControls
from robots.backends.web import WebBackend
from robots.devices import DeviceKind, DeviceSpec, can_run
from robots.handlers import HANDLERS
from ronde.config import DEVICE_READERS

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("journeys", "robots", "storage", "scheduler", "ronde", "emulators")
HANDLER_MODULES = (commands, device_commands, script_commands)
SPECS = {spec.cls: spec for spec in COMMANDS}

# Where a command class may be named: its model and YAML table, the parser's nesting of
# sub-flow files, and the robot's handlers. A module joining this list is a new place a
# contributor must touch to add a command: the README's walkthrough must say so.
NAMES_COMMANDS = {
    "journeys/spec.py",
    "journeys/parser.py",
    "journeys/reader.py",
    "robots/commands.py",
    "robots/device_commands.py",
    "robots/script_commands.py",
}


# Commands the browser runs in their main form, whose phone-only keys need DeviceControls (the
# robot refuses those keys with BackendUnsupported, naming the command): `point:` taps, and
# launchApp's permissions, arguments and clearKeychain.
PHONE_ONLY_KEYS = {m.LaunchApp, m.TapOn, m.LongPressOn, m.DoubleTapOn}


def _protocol_methods(protocol: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(protocol, inspect.isfunction)
            if not name.startswith("_")}


def _calls(module: object) -> dict[str, set[str]]:
    """Module-level function name -> names it calls (plain names only)."""
    tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
    out: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            out[node.name] = {c.func.id for c in ast.walk(node)
                              if isinstance(c, ast.Call) and isinstance(c.func, ast.Name)}
    return out


def _needs_phone_controls(handler: object) -> bool:
    """Whether a handler reaches `device_commands.controls` (a phone's DeviceControls)."""
    graph: dict[str, set[str]] = {}
    for module in HANDLER_MODULES:
        graph.update(_calls(module))
    seen: set[str] = set()
    todo = [handler.__name__]  # type: ignore[attr-defined]
    while todo:
        name = todo.pop()
        if name == "controls":
            return True
        if name in seen:
            continue
        seen.add(name)
        todo.extend(graph.get(name, ()))
    return False


def test_every_command_is_parsed_and_handled() -> None:
    assert set(SPECS) == set(m.ALL_COMMANDS) == set(HANDLERS)
    assert len(SPECS) == len(COMMANDS)  # one YAML name per class
    for cls, spec in SPECS.items():
        assert cls.name == spec.name


@pytest.mark.parametrize("cls", m.ALL_COMMANDS, ids=lambda c: c.name)
def test_every_backend_that_claims_a_command_can_run_it(cls: type[m.Command]) -> None:
    platforms = SPECS[cls].platforms or frozenset(p.value for p in m.Platform)
    needs_controls = _needs_phone_controls(HANDLERS[cls])
    backends = {"android": AppiumNativeBackend, "ios": AppiumNativeBackend, "web": WebBackend}
    for platform in platforms:
        backend = backends[platform]
        missing = _protocol_methods(DeviceBackend) - set(dir(backend))
        if needs_controls and not (platform == "web" and cls in PHONE_ONLY_KEYS):
            missing |= _protocol_methods(DeviceControls) - set(dir(backend))
        assert not missing, f"{cls.name} on {platform}: {backend.__name__} lacks {missing}"


def test_phone_only_keys_are_the_known_ones() -> None:
    """Web-claimed commands whose handler may need a phone: exactly the documented ones."""
    partly = {cls for cls in m.ALL_COMMANDS if _needs_phone_controls(HANDLERS[cls])
              and "web" in (SPECS[cls].platforms or {"web"})}
    assert partly == PHONE_ONLY_KEYS


def test_the_web_backend_has_no_phone_controls() -> None:
    """The check above means something: phone-only commands exist and the browser lacks them."""
    assert _protocol_methods(DeviceControls) - set(dir(WebBackend))
    assert any(_needs_phone_controls(h) for h in HANDLERS.values())


def test_only_the_registry_names_command_classes() -> None:
    names = {cls.__name__ for cls in m.ALL_COMMANDS} | {"InputRandom"}
    naming: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel == "journeys/model.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                imported = isinstance(node, ast.ImportFrom) and \
                    node.module == "journeys.model" and {a.name for a in node.names} & names
                if imported or (isinstance(node, ast.Attribute) and node.attr in names):
                    naming.add(rel)
    assert naming <= NAMES_COMMANDS, sorted(naming - NAMES_COMMANDS)


def test_every_device_kind_is_read_and_opened() -> None:
    assert set(DEVICE_READERS) == set(OPENERS) == set(DeviceKind)


@pytest.mark.parametrize(("spec", "kind"), [
    (DeviceSpec("s", simulated_app="app.yaml"), DeviceKind.SIMULATED),
    (DeviceSpec("s", simulated_app="app.yaml", appium_url="http://a:4723"), DeviceKind.SIMULATED),
    (DeviceSpec("a", appium_url="http://a:4723"), DeviceKind.APPIUM),
    (DeviceSpec("b", browser_emulate="Pixel 7"), DeviceKind.BROWSER),
])
def test_a_device_has_one_kind(spec: DeviceSpec, kind: DeviceKind) -> None:
    assert spec.kind is kind
    assert spec.managed_appium is (kind is DeviceKind.SIMULATED and spec.appium_url is None)
    assert spec.can_run(m.Platform.WEB) is can_run(spec, m.Platform.WEB)


def test_no_module_compares_device_kinds_as_text() -> None:
    kinds = {str(k) for k in DeviceKind}
    found: list[str] = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Compare):
                    continue
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Attribute) and s.attr == "kind" for s in sides) and any(
                        isinstance(s, ast.Constant) and s.value in kinds for s in sides):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found
