"""Each journey command with Maestro's semantics: one function per command type.

The executor (robots.executor) dispatches on the command's type through `HANDLERS`; actions
return the clock time at which they were sent, checks the `WaitOutcome` of their polls.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from journeys.model import (
    AssertNotVisible,
    AssertVisible,
    Back,
    ClearState,
    Command,
    Condition,
    Direction,
    DoubleTapOn,
    EraseText,
    ExtendedWaitUntil,
    HideKeyboard,
    InputText,
    LaunchApp,
    LongPressOn,
    OpenLink,
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
from journeys.variables import Variables
from robots.backends.base import Element, Snapshot
from robots.exceptions import CheckFailed, ElementNotFound, StaleElement, StepFailed
from robots.measure import WaitOutcome, is_busy, is_stable, wait_until
from robots.result import Category
from robots.selectors import find_one

if TYPE_CHECKING:
    from robots.executor import Executor

SWIPE_MS = 300
_SECRET_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


# actions ------------------------------------------------------------------------------


def launch_app(ex: Executor, cmd: LaunchApp, v: Variables) -> float:
    deadline = ex.step_deadline()
    app_id = v.resolve(cmd.app_id) if cmd.app_id else ex.journey.app_id
    ex.state.before_action = None
    ex.state.focused = None
    return ex.call(
        ex.backend.launch_app,
        app_id,
        clear_state=cmd.clear_state,
        stop_app=cmd.stop_app,
        deadline=deadline,
        what="launchApp",
    )


def stop_app(ex: Executor, cmd: StopApp, v: Variables) -> float:
    app_id = v.resolve(cmd.app_id) if cmd.app_id else ex.journey.app_id
    return ex.call(ex.backend.stop_app, app_id, deadline=ex.step_deadline(), what="stopApp")


def clear_state(ex: Executor, cmd: ClearState, v: Variables) -> float:
    app_id = v.resolve(cmd.app_id) if cmd.app_id else ex.journey.app_id
    return ex.call(ex.backend.clear_app, app_id, deadline=ex.step_deadline(), what="clearState")


def open_link(ex: Executor, cmd: OpenLink, v: Variables) -> float:
    ex.state.before_action = None
    return ex.call(
        ex.backend.open_link, v.resolve(cmd.link), deadline=ex.step_deadline(), what="openLink"
    )


def _wait_element(
    ex: Executor, sel: Selector, v: Variables, deadline: float, what: str
) -> tuple[Element, Snapshot]:
    found: list[Element] = []

    def holds(s: Snapshot) -> bool:
        el = find_one(s, sel, v.resolve)
        if el is not None:
            found[:] = [el]
        return el is not None

    outcome = wait_until(lambda: ex.snap(deadline), holds, deadline=deadline, clock=ex.clock)
    if not outcome.held or outcome.last is None:
        raise ElementNotFound(
            f"{what}: no visible element matches {sel.describe()}", Category.DISPLAY
        )
    return found[0], outcome.last


def _tap(ex: Executor, cmd: TapOn | LongPressOn | DoubleTapOn, v: Variables) -> float:
    deadline = ex.step_deadline()
    times = cmd.repeat if isinstance(cmd, TapOn) else 1
    while True:
        el, snapshot = _wait_element(ex, cmd.selector, v, deadline, cmd.name)
        try:
            sent = 0.0
            for _ in range(max(1, times)):
                sent = ex.call(
                    ex.backend.tap,
                    el,
                    long_press=isinstance(cmd, LongPressOn),
                    double=isinstance(cmd, DoubleTapOn),
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
    if isinstance(cmd, TapOn) and cmd.retry_tap_if_no_change:
        after = ex.snap(deadline)
        if after.source == snapshot.source:
            sent = ex.call(ex.backend.tap, el, deadline=deadline, what="tapOn (retry)")
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
    if any(name in v.secrets for name in _SECRET_REF.findall(cmd.text)):
        ex.state.secret_typed = True
    target = _target(ex, deadline)
    try:
        return ex.call(ex.backend.input_text, text, target, deadline=deadline, what="inputText")
    except StaleElement:
        ex.state.focused = None
        return ex.call(
            ex.backend.input_text, text, _target(ex, deadline), deadline=deadline, what="inputText"
        )


def erase_text(ex: Executor, cmd: EraseText, v: Variables) -> float:
    deadline = ex.step_deadline()
    return ex.call(
        ex.backend.erase_text,
        cmd.characters,
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
    if cmd.direction is not None:
        start, end = _swipe_points(ex, cmd.direction, deadline)
    else:
        w, h = ex.call(ex.backend.screen_size, deadline=deadline, what="screen size")
        sx, sy = cmd.start or (50.0, 50.0)
        ex, ey = cmd.end or (50.0, 50.0)
        start, end = (sx / 100 * w, sy / 100 * h), (ex / 100 * w, ey / 100 * h)
    ex.state.before_action = ex.state.last.source if ex.state.last else None
    return ex.call(ex.backend.swipe, start, end, SWIPE_MS, deadline=deadline, what="swipe")


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
        lambda s: (find_one(s, sel, v.resolve) is not None) is visible,
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
        ex, sel, v, visible=cmd.visible is not None, timeout_ms=cmd.timeout_ms, what=cmd.name
    )


def scroll_until_visible(ex: Executor, cmd: ScrollUntilVisible, v: Variables) -> WaitOutcome:
    deadline = ex.step_deadline(cmd.timeout_ms)
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
            ex.backend.swipe, start, end, SWIPE_MS, deadline=deadline, what="scrollUntilVisible"
        )

    outcome = wait_until(
        lambda: ex.snap(deadline),
        lambda s: find_one(s, cmd.element, v.resolve) is not None,
        deadline=deadline,
        clock=ex.clock,
        between=scroll_once,
    )
    if not outcome.held:
        ex.check_journey_time(deadline, "scrollUntilVisible")
        raise CheckFailed(
            f"scrollUntilVisible: {cmd.element.describe()} never became "
            f"visible within {_waited(ex, cmd.timeout_ms)}",
            Category.DISPLAY,
        )
    return outcome


def wait_for_animation(ex: Executor, cmd: WaitForAnimationToEnd, v: Variables) -> None:
    deadline = ex.step_deadline(cmd.timeout_ms)
    previous: list[Snapshot] = []

    def stable(s: Snapshot) -> bool:
        ok = is_stable(previous[0] if previous else None, s)
        previous[:] = [s]
        return ok

    wait_until(lambda: ex.snap(deadline), stable, deadline=deadline, clock=ex.clock)


# flows --------------------------------------------------------------------------------


def holds(ex: Executor, cond: Condition, v: Variables) -> bool:
    if cond.platform is not None and cond.platform != ex.journey.platform:
        return False
    if cond.visible is None and cond.not_visible is None:
        return True
    snapshot = ex.snap(ex.step_deadline())
    if cond.visible is not None and find_one(snapshot, cond.visible, v.resolve) is None:
        return False
    return not (
        cond.not_visible is not None and find_one(snapshot, cond.not_visible, v.resolve) is not None
    )


def run_flow(ex: Executor, cmd: RunFlow, v: Variables) -> None:
    if cmd.when is not None and not holds(ex, cmd.when, v):
        return
    child = v.child([(k, v.resolve(val)) for k, val in cmd.env]) if cmd.env else v
    ex.run(cmd.commands, child)


def repeat(ex: Executor, cmd: Repeat, v: Variables) -> None:
    done = 0
    while True:
        if cmd.times is not None and done >= cmd.times:
            return
        if cmd.while_ is not None and not holds(ex, cmd.while_, v):
            return
        ex.step_deadline()  # the journey timeout bounds an endless `while`
        ex.run(cmd.commands, v)
        done += 1


HANDLERS: dict[type[Command], Callable[[Executor, Any, Variables], Any]] = {
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
