"""Each journey command with Maestro's semantics: one function per command type.

The executor (robots.executor) dispatches on the command's type through the table it is
handed (`robots.handlers`, which joins `SCREEN_HANDLERS` here with the device and script
commands' tables); actions return the clock time at which they were sent, checks the
`WaitOutcome` of their polls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from journeys.deferred import typed
from journeys.errors import JourneyError, Problem
from journeys.js.template import names_in
from journeys.links import link_problem
from journeys.model import (
    AssertNotVisible,
    AssertVisible,
    Back,
    ClearState,
    Command,
    Direction,
    DoubleTapOn,
    EraseText,
    ExtendedWaitUntil,
    HideKeyboard,
    InputText,
    LaunchApp,
    LongPressOn,
    OpenLink,
    Point,
    PressKey,
    Repeat,
    RunFlow,
    Scroll,
    ScrollUntilVisible,
    Selector,
    StopApp,
    Swipe,
    TakeScreenshot,
    TapOn,
    WaitForAnimationToEnd,
)
from journeys.results import Category
from journeys.variables import Variables
from robots.backends.base import DeviceControls, Element, Snapshot
from robots.conditions import holds
from robots.exceptions import (
    BackendUnsupported,
    CheckFailed,
    ElementNotFound,
    StaleElement,
    StepFailed,
)
from robots.measure import WaitOutcome, is_busy, is_stable, wait_until
from robots.selectors import find_one

if TYPE_CHECKING:
    from robots.executor import Executor

SWIPE_MS = 300  # scroll's swipe
SWIPE_DEFAULT_MS = 400  # Maestro's default swipe duration
TAP_REPEAT_DELAY_MS = 100  # Maestro's default gap between repeated taps


def controls(ex: Executor, cmd: Command) -> DeviceControls:
    """The backend's device controls, or a clear step failure naming the command."""
    if not isinstance(ex.backend, DeviceControls):
        raise BackendUnsupported(f"{cmd.name} is not supported by this device "
                                 f"({ex.backend.platform})")
    return ex.backend


# actions ------------------------------------------------------------------------------


def launch_app(ex: Executor, cmd: LaunchApp, v: Variables) -> float:
    deadline = ex.step_deadline()
    app_id = v.resolve(cmd.app_id) if cmd.app_id else ex.journey.app_id
    if app_id and "://" in app_id:  # on the web, launchApp opens a URL
        allowed_link(ex, cmd, app_id)
    ex.state.before_action = None
    ex.state.focused = None
    clear_state, stop = typed(cmd.clear_state, v), typed(cmd.stop_app, v)
    if typed(cmd.clear_keychain, v) or cmd.permissions or cmd.arguments:
        return _launch_with(ex, cmd, v, app_id, clear_state, stop, deadline)
    return ex.call(
        ex.backend.launch_app,
        app_id,
        clear_state=clear_state,
        stop_app=stop,
        deadline=deadline,
        what="launchApp",
    )


def _launch_with(ex: Executor, cmd: LaunchApp, v: Variables, app_id: str | None,
                 clear_state: bool, stop: bool, deadline: float) -> float:
    """Maestro's order: stop, clear the state and keychain, set permissions, then launch
    (with the arguments, when given)."""
    device = controls(ex, cmd)
    if stop or clear_state:
        ex.call(ex.backend.stop_app, app_id, deadline=deadline, what="launchApp")
    if clear_state:
        ex.call(ex.backend.clear_app, app_id, deadline=deadline, what="launchApp")
    if typed(cmd.clear_keychain, v):
        ex.call(device.clear_keychain, deadline=deadline, what="launchApp clearKeychain")
    if cmd.permissions:
        wanted = {name: v.resolve(value) for name, value in cmd.permissions}
        ex.call(device.set_permissions, app_id, wanted, deadline=deadline,
                what="launchApp permissions")
    if cmd.arguments:
        arguments = {name: v.resolve(value) for name, value in cmd.arguments}
        return ex.call(device.launch_with_arguments, app_id, arguments, deadline=deadline,
                       what="launchApp")
    return ex.call(ex.backend.launch_app, app_id, clear_state=False, stop_app=False,
                   deadline=deadline, what="launchApp")


def stop_app(ex: Executor, cmd: StopApp, v: Variables) -> float:
    app_id = v.resolve(cmd.app_id) if cmd.app_id else ex.journey.app_id
    return ex.call(ex.backend.stop_app, app_id, deadline=ex.step_deadline(), what="stopApp")


def clear_state(ex: Executor, cmd: ClearState, v: Variables) -> float:
    app_id = v.resolve(cmd.app_id) if cmd.app_id else ex.journey.app_id
    return ex.call(ex.backend.clear_app, app_id, deadline=ex.step_deadline(), what="clearState")


def open_link(ex: Executor, cmd: OpenLink, v: Variables) -> float:
    ex.state.before_action = None
    url = allowed_link(ex, cmd, v.resolve(cmd.link))
    if typed(cmd.browser, v) and isinstance(ex.backend, DeviceControls):
        return ex.call(ex.backend.open_in_browser, url, deadline=ex.step_deadline(),
                       what="openLink")
    return ex.call(ex.backend.open_link, url, deadline=ex.step_deadline(), what="openLink")


def allowed_link(ex: Executor, cmd: Command, url: str) -> str:
    """The resolved URL, when the journey may open it (its ${VARIABLES} may have been
    anything the parser could not see); else a robot-side error naming only its scheme."""
    problem = link_problem(url, ex.journey.link_schemes)
    if problem is not None:
        raise JourneyError([Problem(cmd.pos, f"{cmd.name}: {problem}")])
    return url


def wait_element(
    ex: Executor, sel: Selector, v: Variables, deadline: float, what: str
) -> tuple[Element, Snapshot]:
    """The first visible element `sel` finds before `deadline` (and the screen it was on)."""
    found: list[Element] = []

    def holds(s: Snapshot) -> bool:
        el = find_one(s, sel, v.resolve)
        if el is not None:
            found[:] = [el]
        return el is not None

    outcome = wait_until(lambda: ex.snap(deadline), ex.watched(holds, what), deadline=deadline,
                         clock=ex.clock)
    if not outcome.held or outcome.last is None:
        raise ElementNotFound(
            f"{what}: no visible element matches {sel.describe()}", Category.DISPLAY
        )
    return found[0], outcome.last


def _tap(ex: Executor, cmd: TapOn | LongPressOn | DoubleTapOn, v: Variables) -> float:
    if cmd.selector is None:
        return _tap_point(ex, cmd, v)
    deadline = ex.step_deadline()
    times = typed(cmd.repeat, v) if isinstance(cmd, TapOn) else 1
    gap = typed(cmd.delay_ms, v) if isinstance(cmd, TapOn) and cmd.delay_ms is not None \
        else TAP_REPEAT_DELAY_MS
    while True:
        el, snapshot = wait_element(ex, cmd.selector, v, deadline, cmd.name)
        try:
            sent = 0.0
            for i in range(max(1, times)):
                if i:
                    time.sleep(gap / 1000)  # not a measurement: Maestro's gap between taps
                sent = ex.call(
                    ex.backend.tap,
                    el,
                    long_press=cmd.long_press,
                    double=cmd.double_tap,
                    deadline=deadline,
                    what=f"{cmd.name} {cmd.selector.describe()}",
                )
        except StaleElement:
            if ex.clock() >= deadline:
                raise ElementNotFound(
                    f"{cmd.name}: {cmd.selector.describe()} kept changing", Category.DISPLAY
                ) from None
            continue
        break
    ex.state.before_action = snapshot.source
    ex.state.focused = el if el.editable else None
    if isinstance(cmd, TapOn) and typed(cmd.retry_tap_if_no_change, v):
        after = ex.snap(deadline)
        if after.source == snapshot.source:
            sent = ex.call(ex.backend.tap, el, deadline=deadline, what="tapOn (retry)")
    return sent


def pixels(ex: Executor, point: Point, deadline: float) -> tuple[float, float]:
    """A point in screen pixels (percentages are of the screen's size)."""
    if not point.relative:
        return point.x, point.y
    w, h = ex.call(ex.backend.screen_size, deadline=deadline, what="screen size")
    return point.x / 100 * w, point.y / 100 * h


def _tap_point(ex: Executor, cmd: TapOn | LongPressOn | DoubleTapOn, v: Variables) -> float:
    """`point:` taps the screen there, whatever is (or is not) on it, as Maestro does."""
    device = controls(ex, cmd)
    deadline = ex.step_deadline()
    point = typed(cmd.point, v)
    assert isinstance(point, Point)  # the parser gives a point when there is no selector
    x, y = pixels(ex, point, deadline)
    ex.state.before_action = ex.state.last.source if ex.state.last else None
    ex.state.focused = None
    times = typed(cmd.repeat, v) if isinstance(cmd, TapOn) else 1
    sent = 0.0
    for i in range(max(1, times)):
        if i:
            time.sleep((typed(cmd.delay_ms, v) if isinstance(cmd, TapOn) and cmd.delay_ms
                        is not None else TAP_REPEAT_DELAY_MS) / 1000)
        sent = ex.call(device.tap_at, x, y, long_press=cmd.long_press,
                       double=cmd.double_tap, deadline=deadline,
                       what=f"{cmd.name} {point}")
    return sent


def _target(ex: Executor, deadline: float) -> Element | None:
    """inputText types into the focused field: the tapped one, else the screen's focus."""
    if ex.state.focused is not None:
        return ex.state.focused
    outcome = wait_until(
        lambda: ex.snap(deadline),
        lambda s: any(e.focused and e.editable for e in s.elements),
        deadline=deadline,
        clock=ex.clock,
    )
    if not outcome.held or outcome.last is None:
        raise StepFailed("no text field has the focus (tap on one first)", Category.DISPLAY)
    return next(e for e in outcome.last.elements if e.focused and e.editable)


def input_text(ex: Executor, cmd: InputText, v: Variables) -> float:
    deadline = ex.step_deadline()
    text = v.resolve(cmd.text)
    if any(name in v.secrets for name in names_in(cmd.text)):
        ex.state.secret_typed = True
    return type_text(ex, text, deadline, "inputText")


def type_text(ex: Executor, text: str, deadline: float, what: str) -> float:
    """Types into the focused field (inputText, pasteText, inputRandom...)."""
    target = _target(ex, deadline)
    try:
        return ex.call(ex.backend.input_text, text, target, deadline=deadline, what=what)
    except StaleElement:
        ex.state.focused = None
        return ex.call(ex.backend.input_text, text, _target(ex, deadline), deadline=deadline,
                       what=what)


def erase_text(ex: Executor, cmd: EraseText, v: Variables) -> float:
    deadline = ex.step_deadline()
    return ex.call(
        ex.backend.erase_text,
        typed(cmd.characters, v),
        _target(ex, deadline),
        deadline=deadline,
        what="eraseText",
    )


def press_key(ex: Executor, cmd: PressKey, v: Variables) -> float:
    ex.state.before_action = ex.state.last.source if ex.state.last else None
    return ex.call(
        ex.backend.press_key, cmd.key, deadline=ex.step_deadline(), what=f"pressKey {cmd.key}"
    )


def back(ex: Executor, cmd: Back, v: Variables) -> float:
    ex.state.before_action = ex.state.last.source if ex.state.last else None
    ex.state.focused = None
    return ex.call(ex.backend.back, deadline=ex.step_deadline(), what="back")


def hide_keyboard(ex: Executor, cmd: HideKeyboard, v: Variables) -> float:
    return ex.call(ex.backend.hide_keyboard, deadline=ex.step_deadline(), what="hideKeyboard")


def _swipe_points(
    ex: Executor,
    direction: Direction,
    deadline: float,
) -> tuple[tuple[float, float], tuple[float, float]]:
    w, h = ex.call(ex.backend.screen_size, deadline=deadline, what="screen size")
    moves = {  # where the finger goes (Maestro: the direction of the finger)
        Direction.UP: ((0.5, 0.7), (0.5, 0.3)),
        Direction.DOWN: ((0.5, 0.3), (0.5, 0.7)),
        Direction.LEFT: ((0.8, 0.5), (0.2, 0.5)),
        Direction.RIGHT: ((0.2, 0.5), (0.8, 0.5)),
    }
    (sx, sy), (ex, ey) = moves[direction]
    return (sx * w, sy * h), (ex * w, ey * h)


def swipe(ex: Executor, cmd: Swipe, v: Variables) -> float:
    deadline = ex.step_deadline()
    duration = typed(cmd.duration_ms, v) if cmd.duration_ms is not None else SWIPE_DEFAULT_MS
    if cmd.from_ is not None and cmd.direction is not None:
        el, _ = wait_element(ex, cmd.from_, v, deadline, "swipe")
        start, end = _element_swipe(el, cmd.direction)
    elif cmd.direction is not None:
        start, end = _swipe_points(ex, cmd.direction, deadline)
    else:
        start_p, end_p = typed(cmd.start, v), typed(cmd.end, v)
        start, end = pixels(ex, start_p, deadline), pixels(ex, end_p, deadline)
    ex.state.before_action = ex.state.last.source if ex.state.last else None
    return ex.call(ex.backend.swipe, start, end, duration, deadline=deadline, what="swipe")


def _element_swipe(el: Element, direction: Direction,
                   ) -> tuple[tuple[float, float], tuple[float, float]]:
    """Maestro's swipe `from:` an element: across the element, in the finger's direction."""
    b = el.bounds
    cx, cy = b.center
    moves = {
        Direction.UP: ((cx, b.y + b.height * 0.9), (cx, b.y + b.height * 0.1)),
        Direction.DOWN: ((cx, b.y + b.height * 0.1), (cx, b.y + b.height * 0.9)),
        Direction.LEFT: ((b.x + b.width * 0.9, cy), (b.x + b.width * 0.1, cy)),
        Direction.RIGHT: ((b.x + b.width * 0.1, cy), (b.x + b.width * 0.9, cy)),
    }
    return moves[direction]


def scroll(ex: Executor, cmd: Scroll, v: Variables) -> float:
    deadline = ex.step_deadline()
    start, end = _swipe_points(ex, Direction.UP, deadline)  # content moves down
    ex.state.before_action = ex.state.last.source if ex.state.last else None
    return ex.call(ex.backend.swipe, start, end, SWIPE_MS, deadline=deadline, what="scroll")


def take_screenshot(ex: Executor, cmd: TakeScreenshot, v: Variables) -> None:
    png = ex.call(ex.backend.screenshot, deadline=ex.step_deadline(), what="takeScreenshot")
    ex.state.screenshots.append((v.resolve(cmd.path), png))


# checks -------------------------------------------------------------------------------


def _wait(
    ex: Executor, sel: Selector, v: Variables, *, visible: bool, timeout_ms: int | None, what: str
) -> WaitOutcome:
    deadline = ex.step_deadline(timeout_ms)
    outcome = wait_until(
        lambda: ex.snap(deadline),
        ex.watched(lambda s: (find_one(s, sel, v.resolve) is not None) is visible, what),
        deadline=deadline,
        clock=ex.clock,
    )
    if not outcome.held:
        ex.check_journey_time(deadline, what)
        before = ex.state.before_action
        last = outcome.last
        # Nothing happened, or the app is still busy (a spinner) when time runs out.
        unchanged = last is not None and (
            (before is not None and last.source == before) or is_busy(last)
        )
        state = "visible" if visible else "gone"
        raise CheckFailed(
            f"{what}: {sel.describe()} was not {state} within {_waited(ex, timeout_ms)}",
            Category.DISPLAY,
            unchanged=unchanged,
        )
    return outcome


def _waited(ex: Executor, timeout_ms: int | None) -> str:
    ms = timeout_ms if timeout_ms is not None else ex.journey.monitor.step_timeout_ms
    return f"{ms / 1000:g}s"


def assert_visible(ex: Executor, cmd: AssertVisible, v: Variables) -> WaitOutcome:
    return _wait(ex, cmd.selector, v, visible=True, timeout_ms=None, what=cmd.name)


def assert_not_visible(ex: Executor, cmd: AssertNotVisible, v: Variables) -> WaitOutcome:
    return _wait(ex, cmd.selector, v, visible=False, timeout_ms=None, what=cmd.name)


def extended_wait(ex: Executor, cmd: ExtendedWaitUntil, v: Variables) -> WaitOutcome:
    sel = cmd.visible or cmd.not_visible
    assert sel is not None  # the parser guarantees exactly one
    return _wait(
        ex, sel, v, visible=cmd.visible is not None, timeout_ms=typed(cmd.timeout_ms, v),
        what=cmd.name
    )


def scroll_until_visible(ex: Executor, cmd: ScrollUntilVisible, v: Variables) -> WaitOutcome:
    timeout_ms = typed(cmd.timeout_ms, v)
    deadline = ex.step_deadline(timeout_ms)
    share = min(100, max(0, typed(cmd.visibility_percentage, v))) / 100
    speed = typed(cmd.speed, v)
    # Maestro's speed: 0-100 -> the swipe's duration (100 is fastest); over 100 the default
    swipe_ms = int(1000 * (100 - speed) / 100) + 1 if 0 <= speed <= 100 else 601
    center = typed(cmd.center_element, v)
    # DOWN reveals content further down: the finger moves up.
    finger = {
        Direction.DOWN: Direction.UP,
        Direction.UP: Direction.DOWN,
        Direction.LEFT: Direction.RIGHT,
        Direction.RIGHT: Direction.LEFT,
    }[cmd.direction]
    points: list[tuple[tuple[float, float], tuple[float, float]]] = []

    def scroll_once(_: Snapshot) -> None:
        if not points:
            points.append(_swipe_points(ex, finger, deadline))
        start, end = points[0]
        ex.call(
            ex.backend.swipe, start, end, swipe_ms, deadline=deadline, what="scrollUntilVisible"
        )

    def in_view(s: Snapshot) -> bool:
        el = find_one(s, cmd.element, v.resolve)
        if el is None or s.screen is None:
            return el is not None
        seen = visible_share(el, s.screen)
        if center:
            return seen > 0.1 and near_center(el, s.screen, cmd.direction)
        return seen >= share or (share >= 1.0 and seen >= 0.999)

    outcome = wait_until(
        lambda: ex.snap(deadline),
        ex.watched(in_view, "scrollUntilVisible"),
        deadline=deadline,
        clock=ex.clock,
        between=scroll_once,
    )
    if not outcome.held:
        ex.check_journey_time(deadline, "scrollUntilVisible")
        raise CheckFailed(
            f"scrollUntilVisible: {cmd.element.describe()} never became "
            f"visible within {_waited(ex, timeout_ms)}",
            Category.DISPLAY,
        )
    return outcome


def visible_share(el: Element, screen: Any) -> float:
    """How much of the element's area is on the screen (0-1)."""
    b = el.bounds
    if b.empty:
        return 0.0
    w = max(0.0, min(b.right, screen.right) - max(b.x, screen.x))
    h = max(0.0, min(b.bottom, screen.bottom) - max(b.y, screen.y))
    return (w * h) / (b.width * b.height)


def near_center(el: Element, screen: Any, direction: Direction) -> bool:
    """Maestro's centerElement: the element's centre in the middle third along the scroll."""
    cx, cy = el.bounds.center
    if direction in (Direction.UP, Direction.DOWN):
        return screen.y + screen.height / 3 <= cy <= screen.y + screen.height * 2 / 3
    return screen.x + screen.width / 3 <= cx <= screen.x + screen.width * 2 / 3


def wait_for_animation(ex: Executor, cmd: WaitForAnimationToEnd, v: Variables) -> None:
    deadline = ex.step_deadline(typed(cmd.timeout_ms, v))
    previous: list[Snapshot] = []

    def stable(s: Snapshot) -> bool:
        ok = is_stable(previous[0] if previous else None, s)
        previous[:] = [s]
        return ok

    wait_until(lambda: ex.snap(deadline), stable, deadline=deadline, clock=ex.clock)


# flows --------------------------------------------------------------------------------


def run_flow(ex: Executor, cmd: RunFlow, v: Variables) -> None:
    if cmd.when is not None and not holds(ex, cmd.when, v):
        return
    child = v.child([(k, v.resolve(val)) for k, val in cmd.env], cmd.file_env) \
        if cmd.env or cmd.file_env else v
    if cmd.on_flow_start or cmd.on_flow_complete:  # a sub-flow file with its own hooks
        ex.run_hooked(cmd.on_flow_start, cmd.commands, cmd.on_flow_complete, child)
        return
    ex.run(cmd.commands, child)


def repeat(ex: Executor, cmd: Repeat, v: Variables) -> None:
    done = 0
    while True:
        if cmd.times is not None and done >= typed(cmd.times, v):
            return
        if cmd.while_ is not None and not holds(ex, cmd.while_, v):
            return
        ex.step_deadline()  # the journey timeout bounds an endless `while`
        ex.run(cmd.commands, v)
        done += 1


SCREEN_HANDLERS: dict[type[Command], Callable[[Executor, Any, Variables], Any]] = {
    LaunchApp: launch_app,
    StopApp: stop_app,
    ClearState: clear_state,
    OpenLink: open_link,
    TapOn: _tap,
    LongPressOn: _tap,
    DoubleTapOn: _tap,
    InputText: input_text,
    EraseText: erase_text,
    PressKey: press_key,
    Back: back,
    HideKeyboard: hide_keyboard,
    WaitForAnimationToEnd: wait_for_animation,
    AssertVisible: assert_visible,
    AssertNotVisible: assert_not_visible,
    ExtendedWaitUntil: extended_wait,
    Scroll: scroll,
    ScrollUntilVisible: scroll_until_visible,
    Swipe: swipe,
    TakeScreenshot: take_screenshot,
    RunFlow: run_flow,
    Repeat: repeat,
}
