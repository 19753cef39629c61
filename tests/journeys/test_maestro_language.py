"""Maestro's whole command language (beyond the first subset): every command and key its parser
accepts, `${VAR}` in typed keys, unknown header keys, refusals with their reasons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from journeys import model as m
from journeys.deferred import typed
from journeys.errors import JourneyError
from journeys.parser import load_journey
from journeys.variables import Variables
from tests.journeys.conftest import HEADER, problems_of

S = m.Selector
P = m.Point


def parse_one(write: Callable[..., Path], yaml_item: str, header: str = HEADER) -> m.Command:
    journey = load_journey(write(header + yaml_item))
    assert len(journey.commands) == 1
    return journey.commands[0]


MAESTRO_CASES: list[tuple[str, m.Command]] = [
    ("- swipe:\n    start: 90%, 50%\n    end: 10.5%, 50%\n    duration: 400ms\n",
     m.Swipe(start=P(90.0, 50.0), end=P(10.5, 50.0), duration_ms=400)),
    ("- swipe: {start: '100, 500', end: '100, 200'}\n",
     m.Swipe(start=P(100, 500, relative=False), end=P(100, 200, relative=False))),
    ("- swipe: {from: {id: carousel}, direction: LEFT, waitToSettleTimeoutMs: 500}\n",
     m.Swipe(from_=S(id="carousel"), direction=m.Direction.LEFT)),
    ("- tapOn: {point: '50%, 90%'}\n", m.TapOn(point=P(50, 90))),
    ("- tapOn: {point: '100, 200', repeat: 2, delay: 50, waitUntilVisible: true}\n",
     m.TapOn(point=P(100, 200, relative=False), repeat=2, delay_ms=50)),
    ("- longPressOn: {point: '10%, 10%'}\n", m.LongPressOn(point=P(10, 10))),
    ("- doubleTapOn: {text: Photo, delay: 80}\n", m.DoubleTapOn(selector=S(text="Photo"))),
    ("- tapOn: {text: Go, traits: 'text square', width: 100, height: 40, tolerance: 5}\n",
     m.TapOn(selector=S(text="Go", traits=("text", "square"), width=100, height=40,
                        tolerance=5))),
    ("- assertVisible: {id: list, containsDescendants: [Apple, {id: pear}]}\n",
     m.AssertVisible(selector=S(id="list", contains_descendants=(
         S(text_or_label="Apple"), S(id="pear"))))),
    ("- scrollUntilVisible:\n    element: {text: Fin, optional: true}\n"
     "    visibilityPercentage: 50\n    speed: 80\n    centerElement: true\n",
     m.ScrollUntilVisible(element=S(text="Fin"), visibility_percentage=50, speed=80,
                          center_element=True)),
    ("- launchApp:\n    clearKeychain: true\n    permissions: {all: deny, camera: allow}\n"
     "    arguments: {isE2E: true, count: 3}\n",
     m.LaunchApp(clear_keychain=True, permissions=(("all", "deny"), ("camera", "allow")),
                 arguments=(("isE2E", "true"), ("count", "3")))),
    ("- openLink: {link: 'https://shop.example/p', browser: true, autoVerify: true}\n",
     m.OpenLink(link="https://shop.example/p", browser=True, auto_verify=True)),
    ("- retry:\n    maxRetries: 2\n    commands: [back]\n",
     m.Retry(max_retries=2, commands=(m.Back(),))),
    ("- killApp\n", m.KillApp()),
    ("- killApp: com.other\n", m.KillApp(app_id="com.other")),
    ("- clearKeychain\n", m.ClearKeychain()),
    ("- copyTextFrom: {id: code}\n", m.CopyTextFrom(selector=S(id="code"))),
    ("- pasteText\n", m.PasteText()),
    ("- inputRandomText\n", m.InputRandomText()),
    ("- inputRandomNumber: {length: 4}\n", m.InputRandomNumber(length=4)),
    ("- inputRandomEmail\n", m.InputRandomEmail()),
    ("- inputRandomPersonName\n", m.InputRandomPersonName()),
    ("- setLocation: {latitude: 48.8566, longitude: '2.3522'}\n",
     m.SetLocation(latitude=48.8566, longitude=2.3522)),
    ("- travel:\n    points: ['0.0,0.0', '0.1, 0.1']\n    speed: 7900\n",
     m.Travel(points=((0.0, 0.0), (0.1, 0.1)), speed=7900.0)),
    ("- startRecording: checkout\n", m.StartRecording(path="checkout")),
    ("- stopRecording\n", m.StopRecording()),
    ("- setAirplaneMode: enabled\n", m.SetAirplaneMode(enabled=True)),
    ("- setAirplaneMode: {value: disabled}\n", m.SetAirplaneMode(enabled=False)),
    ("- toggleAirplaneMode\n", m.ToggleAirplaneMode()),
    ("- hide keyboard\n", m.HideKeyboard()),
    ("- action: back\n", m.Back()),
    ("- pressKey: Remote System Navigation Up\n", m.PressKey(key="Remote System Navigation Up")),
]


@pytest.mark.parametrize(("item", "expected"), MAESTRO_CASES,
                         ids=[c[0].split("\n")[0] for c in MAESTRO_CASES])
def test_maestro_command_forms(write: Callable[..., Path], item: str,
                               expected: m.Command) -> None:
    assert parse_one(write, item) == expected


def test_add_media_reads_files_next_to_the_flow(write: Callable[..., Path]) -> None:
    picture = write("not really a png", "media/cat.png")
    cmd = parse_one(write, "- addMedia:\n    - media/cat.png\n")
    assert cmd == m.AddMedia(files=(str(picture.resolve()),))
    long = parse_one(write, "- addMedia: {files: [media/cat.png], label: Cat}\n")
    assert long == m.AddMedia(files=(str(picture.resolve()),), label="Cat")


def test_typed_keys_may_use_variables_resolved_when_they_run(
        write: Callable[..., Path]) -> None:
    cmd = parse_one(write, "- extendedWaitUntil:\n    visible: Done\n    timeout: ${TIMEOUT}\n")
    assert isinstance(cmd, m.ExtendedWaitUntil)
    assert isinstance(cmd.timeout_ms, m.Deferred)
    env = Variables(file="j", secrets=(), environ={"TIMEOUT": "2500"})
    assert typed(cmd.timeout_ms, env) == 2500
    bad = Variables(file="j", secrets=(), environ={"TIMEOUT": "soon"})
    with pytest.raises(JourneyError, match=r"extendedWaitUntil.timeout: \$\{TIMEOUT\} is "
                                           r"'soon': 'soon' is not a duration"):
        typed(cmd.timeout_ms, bad)
    tap = parse_one(write, "- tapOn: {text: Go, index: '${I}', enabled: '${ON}'}\n")
    assert isinstance(tap, m.TapOn) and tap.selector is not None
    assert isinstance(tap.selector.index, m.Deferred)
    point = parse_one(write, "- tapOn: {point: '${X}%, 50%'}\n")
    assert isinstance(point, m.TapOn)
    assert typed(point.point, Variables(file="j", secrets=(), environ={"X": "25"})) == P(25, 50)


def test_unknown_header_keys_are_noted_not_refused(write: Callable[..., Path]) -> None:
    journey = load_journey(write("appId: com.a\nextra: 1\nextraMap: {a: b}\n---\n- back\n"))
    assert [n.split(": ", 1)[1] for n in journey.notes] == [
        "header: 'extra' is not a Ronde key: ignored, as Maestro ignores unknown keys",
        "header: 'extraMap' is not a Ronde key: ignored, as Maestro ignores unknown keys",
    ]
    # a near miss of a Ronde key stays a mistake: a typo of monitor must not pass silently
    assert problems_of(write("appId: com.a\nmonitr: {every: 1m}\n---\n- back\n")) == [
        "2:1: header: unknown key 'monitr' (did you mean 'monitor'?)"]


REFUSED = [
    ("ai", "- assertWithAI: 'the cart is empty'\n",
     ["3:3: `assertWithAI` is not supported by Ronde: it needs a model service"]),
    ("ai_bare", "- assertNoDefectsWithAI\n",
     ["3:3: `assertNoDefectsWithAI` is not supported by Ronde: it needs a model service"]),
    ("open_browser", "- openBrowser: https://x.example\n",
     ["3:3: `openBrowser` is not supported by Ronde: Maestro reads it but runs nothing for it "
      "(use openLink)"]),
    ("tap_key_off_tap", "- assertVisible: {text: Go, repeat: 2}\n",
     ["3:29: assertVisible: 'repeat' is a tapOn key (Maestro reads it on assertVisible but does "
      "nothing with it; remove it)"]),
    ("point_and_selector", "- tapOn: {point: '5%, 5%', text: Go}\n",
     ["3:11: tapOn: give either point or selector keys, not both"]),
    ("trait", "- tapOn: {text: Go, traits: round}\n",
     ["3:29: tapOn.traits: unknown trait 'round' (expected text, long-text or square)"]),
    ("latitude", "- setLocation: {latitude: 91, longitude: 0}\n",
     ["3:27: setLocation.latitude: 91 is out of range (expected -90 to 90)"]),
    ("travel_point", "- travel: {points: ['1,2', 'north']}\n",
     ["3:28: travel.points: 'north' is not a point (expected a list of points as "
      "\"latitude, longitude\")"]),
    ("airplane", "- setAirplaneMode: on\n",
     ["3:20: setAirplaneMode: 'on' is neither enabled nor disabled (expected enabled or "
      "disabled)"]),
    ("media_missing", "- addMedia: [nowhere.png]\n",
     ["3:14: addMedia: file 'nowhere.png' not found (expected a path relative to this file)"]),
    ("media_outside", "- addMedia: ['../../etc/passwd']\n",
     ["3:14: addMedia: file '../../etc/passwd' is outside the journeys' folder (expected a "
      "file under the folder given to Ronde; add folders with flow_roots: in ronde.yaml)"]),
    ("retry_both", "- retry: {maxRetries: 1}\n",
     ["3:10: retry: missing key: give one of file or commands"]),
]


@pytest.mark.parametrize(("name", "item", "expected"), REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_with_a_precise_reason(write: Callable[..., Path], name: str, item: str,
                                       expected: list[str]) -> None:
    assert problems_of(write(HEADER + item)) == expected


def test_device_commands_are_refused_where_the_platform_cannot_run_them(
        write: Callable[..., Path]) -> None:
    ios = "appId: com.a\nmonitor: {platform: ios}\n---\n"
    assert problems_of(write(ios + "- setAirplaneMode: enabled\n- toggleAirplaneMode\n"
                             "- setAirplaneMode: disabled\n")) == [
        "4:3: `setAirplaneMode` cannot run on an iOS journey: Appium can switch airplane mode "
        "on Android only (Maestro too)",
        "5:3: `toggleAirplaneMode` cannot run on an iOS journey: Appium can switch airplane "
        "mode on Android only (Maestro too)",
    ]
    web = "url: https://shop.example\n---\n"
    assert problems_of(write(web + "- setLocation: {latitude: 1, longitude: 2}\n")) == [
        "3:3: `setLocation` cannot run on a web journey: it acts on a phone, not on a browser"]
    # a branch for the other platform is not this journey's concern
    both = load_journey(write(ios + "- runFlow:\n    when: {platform: android}\n"
                                    "    commands: [toggleAirplaneMode]\n"))
    assert isinstance(both.commands[0], m.RunFlow)


def test_real_maestro_names_get_no_misleading_did_you_mean(write: Callable[..., Path]) -> None:
    for name in ("assertWithAI", "extractTextWithAI"):
        (message,) = problems_of(write(HEADER + f"- {name}: x\n"))
        assert "did you mean" not in message
    assert problems_of(write(HEADER + "- tapOnn: Go\n")) == [
        "3:3: unknown command 'tapOnn' (did you mean 'tapOn'?)"]
