"""Every command of the format table, in its short and long forms, and every selector form."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from journeys import model as m
from journeys.parser import load_journey
from journeys.spec import COMMANDS
from tests.journeys.conftest import HEADER


def parse_one(write: Callable[..., Path], yaml_item: str) -> m.Command:
    journey = load_journey(write(HEADER + yaml_item))
    assert len(journey.commands) == 1
    return journey.commands[0]


S = m.Selector

CASES: list[tuple[str, m.Command]] = [
    ("- launchApp\n", m.LaunchApp()),
    ("- launchApp:\n", m.LaunchApp()),
    ("- launchApp: com.other.app\n", m.LaunchApp(app_id="com.other.app")),
    ("- launchApp:\n    appId: com.a\n    clearState: true\n    stopApp: false\n",
     m.LaunchApp(app_id="com.a", clear_state=True, stop_app=False)),
    ("- stopApp\n", m.StopApp()),
    ("- stopApp: com.a\n", m.StopApp(app_id="com.a")),
    ("- stopApp: {appId: com.a}\n", m.StopApp(app_id="com.a")),
    ("- clearState\n", m.ClearState()),
    ("- clearState: com.a\n", m.ClearState(app_id="com.a")),
    ("- openLink: https://shop.example/p/1\n", m.OpenLink(link="https://shop.example/p/1")),
    ("- openLink: {link: 'shop://cart', label: Deep link}\n",
     m.OpenLink(link="shop://cart", label="Deep link")),
    ("- tapOn: Valider\n", m.TapOn(selector=S(text_or_label="Valider"))),
    ("- tapOn: 42\n", m.TapOn(selector=S(text_or_label="42"))),
    ("- tapOn:\n    id: submit\n    repeat: 3\n    retryTapIfNoChange: true\n"
     "    label: Login\n    optional: true\n",
     m.TapOn(selector=S(id="submit"), repeat=3, retry_tap_if_no_change=True, label="Login",
             optional=True)),
    ("- longPressOn: Panier\n", m.LongPressOn(selector=S(text_or_label="Panier"))),
    ("- longPressOn: {id: cart, label: Hold}\n", m.LongPressOn(selector=S(id="cart"),
                                                               label="Hold")),
    ("- doubleTapOn: Photo\n", m.DoubleTapOn(selector=S(text_or_label="Photo"))),
    ("- doubleTapOn: {text: Photo, index: 1}\n", m.DoubleTapOn(selector=S(text="Photo",
                                                                           index=1))),
    ("- inputText: ${SHOP_USER}\n", m.InputText(text="${SHOP_USER}")),
    ("- inputText: 0123\n", m.InputText(text="0123")),  # kept as written, not octal 83
    ("- inputText: {text: hello, label: Type}\n", m.InputText(text="hello", label="Type")),
    ("- eraseText\n", m.EraseText()),
    ("- eraseText: 5\n", m.EraseText(characters=5)),
    ("- eraseText: {charactersToErase: 7}\n", m.EraseText(characters=7)),
    ("- pressKey: Enter\n", m.PressKey(key="Enter")),
    ("- pressKey: volume up\n", m.PressKey(key="Volume Up")),
    ("- pressKey: {key: back, optional: true}\n", m.PressKey(key="Back", optional=True)),
    ("- back\n", m.Back()),
    ("- back: {label: Leave}\n", m.Back(label="Leave")),
    ("- hideKeyboard\n", m.HideKeyboard()),
    ("- waitForAnimationToEnd\n", m.WaitForAnimationToEnd()),
    ("- waitForAnimationToEnd: {timeout: 2s}\n", m.WaitForAnimationToEnd(timeout_ms=2000)),
    ("- assertVisible: Accueil\n", m.AssertVisible(selector=S(text_or_label="Accueil"))),
    ("- assertVisible: {id: welcome_banner, enabled: true}\n",
     m.AssertVisible(selector=S(id="welcome_banner", enabled=True))),
    ("- assertNotVisible: '(?i)erreur'\n",
     m.AssertNotVisible(selector=S(text_or_label="(?i)erreur"))),
    ("- assertNotVisible: {text: Oops, label: No error}\n",
     m.AssertNotVisible(selector=S(text="Oops"), label="No error")),
    ("- extendedWaitUntil:\n    visible: Bienvenue\n    timeout: 10s\n",
     m.ExtendedWaitUntil(visible=S(text_or_label="Bienvenue"), timeout_ms=10_000)),
    ("- extendedWaitUntil:\n    notVisible: {id: spinner}\n    timeout: 15000\n",
     m.ExtendedWaitUntil(not_visible=S(id="spinner"), timeout_ms=15_000)),
    ("- scroll\n", m.Scroll()),
    ("- scrollUntilVisible:\n    element: Enceinte\n",
     m.ScrollUntilVisible(element=S(text_or_label="Enceinte"))),
    ("- scrollUntilVisible:\n    element: {id: product_3}\n    direction: up\n"
     "    timeout: 20s\n",
     m.ScrollUntilVisible(element=S(id="product_3"), direction=m.Direction.UP,
                          timeout_ms=20_000)),
    ("- swipe: {direction: LEFT}\n", m.Swipe(direction=m.Direction.LEFT)),
    ("- swipe:\n    start: 90%, 50%\n    end: 10.5%, 50%\n    duration: 400ms\n",
     m.Swipe(start=m.Point(90.0, 50.0), end=m.Point(10.5, 50.0), duration_ms=400)),
    ("- takeScreenshot: cart\n", m.TakeScreenshot(path="cart")),
    ("- takeScreenshot: {path: home}\n", m.TakeScreenshot(path="home")),
    ("- runFlow:\n    commands:\n      - back\n",
     m.RunFlow(commands=(m.Back(),))),
    ("- runFlow:\n    when: {platform: Android, notVisible: Bienvenue}\n"
     "    env: {A: '1', B: x}\n    commands: [back]\n",
     m.RunFlow(commands=(m.Back(),), env=(("A", "1"), ("B", "x")),
               when=m.Condition(platform=m.Platform.ANDROID,
                                not_visible=S(text_or_label="Bienvenue")))),
    ("- repeat:\n    times: 3\n    commands: [scroll]\n",
     m.Repeat(times=3, commands=(m.Scroll(),))),
    ("- repeat:\n    times: '2'\n    while: {visible: Suivant}\n    commands:\n"
     "      - tapOn: Suivant\n",
     m.Repeat(times=2, while_=m.Condition(visible=S(text_or_label="Suivant")),
              commands=(m.TapOn(selector=S(text_or_label="Suivant")),))),
    ("- evalScript: ${output.n = 1}\n", m.EvalScript(script="${output.n = 1}")),
    ("- evalScript: {script: '${output.n++}', label: count}\n",
     m.EvalScript(script="${output.n++}", label="count")),
    ("- assertTrue: ${output.n == 1}\n", m.AssertTrue(condition="${output.n == 1}")),
    ("- assertTrue: {condition: '${output.ok}', optional: true}\n",
     m.AssertTrue(condition="${output.ok}", optional=True)),
    ("- repeat:\n    while: {true: '${output.n < 3}'}\n    commands: [scroll]\n",
     m.Repeat(while_=m.Condition(script="${output.n < 3}"), commands=(m.Scroll(),))),
]


@pytest.mark.parametrize(("item", "expected"), CASES, ids=[c[0].split("\n")[0] for c in CASES])
def test_command_forms(write: Callable[..., Path], item: str, expected: m.Command) -> None:
    assert parse_one(write, item) == expected


def test_every_command_of_the_table_is_covered() -> None:
    from tests.journeys.test_maestro_language import MAESTRO_CASES

    covered = {type(expected) for _, expected in CASES + MAESTRO_CASES} | {m.AddMedia}
    covered.add(m.RunScript)  # needs a script file: tests/journeys/test_journey_js.py
    assert covered == set(m.ALL_COMMANDS) == {spec.cls for spec in COMMANDS}


def test_every_selector_key(write: Callable[..., Path]) -> None:
    cmd = parse_one(write, """- tapOn:
    text: "Casque.*"
    id: product_1
    css: "#product_1"
    index: 0
    enabled: true
    checked: false
    focused: true
    selected: false
    below: Catalogue
    above: {id: footer}
    leftOf: {text: Prix}
    rightOf: {id: image, below: {text: Titre, childOf: {id: header}}}
    childOf: {id: list}
    containsChild: {text: "79,90 €"}
""")
    assert isinstance(cmd, m.TapOn)
    assert cmd.selector == S(
        text="Casque.*", id="product_1", css="#product_1", index=0, enabled=True,
        checked=False, focused=True, selected=False,
        below=S(text_or_label="Catalogue"), above=S(id="footer"), left_of=S(text="Prix"),
        right_of=S(id="image", below=S(text="Titre", child_of=S(id="header"))),
        child_of=S(id="list"), contains_child=S(text="79,90 €"),
    )


def test_positions_travel_with_commands_and_selectors(write: Callable[..., Path]) -> None:
    path = write(HEADER + "- back\n- tapOn:\n    id: submit\n    below: {text: x}\n")
    journey = load_journey(path)
    back, tap = journey.commands
    assert (back.pos.line, back.pos.column) == (3, 3)
    assert (tap.pos.line, tap.pos.column) == (4, 3)
    assert isinstance(tap, m.TapOn) and tap.selector.below is not None
    assert (tap.selector.pos.line, tap.selector.pos.column) == (5, 5)
    assert (tap.selector.below.pos.line, tap.selector.below.pos.column) == (6, 12)
    assert back.pos.file == str(path)


def test_run_flow_file_is_parsed_relative_to_the_including_file(
    write: Callable[..., Path],
) -> None:
    write("appId: com.a\nenv:\n  WHO: default\n---\n- inputText: ${WHO}\n"
          "- runFlow: ../common/back.yaml\n", "flows/login.yaml")
    write("- back\n", "common/back.yaml")  # a header-less Maestro sub-flow
    main = write(HEADER + "- runFlow:\n    file: flows/login.yaml\n    env: {WHO: me}\n")
    journey = load_journey(main)
    (run,) = journey.commands
    assert isinstance(run, m.RunFlow)
    assert run.file == "flows/login.yaml"
    assert run.env == (("WHO", "me"),) and run.file_env == (("WHO", "default"),)
    inner = run.commands[1]
    assert isinstance(inner, m.RunFlow) and inner.commands == (m.Back(),)
    assert run.commands[0].pos.file.endswith("flows/login.yaml")
    assert [p.name for p in journey.files] == ["journey.yaml", "login.yaml", "back.yaml"]
