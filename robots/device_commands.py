"""Maestro's device commands (location, airplane mode, media, keychain, recording, clipboard,
random input, retry) with Maestro's semantics, on any backend that has `DeviceControls`.

Validation already refused them on platforms that cannot run them (journeys.platforms); a
device whose driver lacks one fails the step with `BackendUnsupported`, naming the command.
"""

from __future__ import annotations

import itertools
import math
import random
import string
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from journeys.deferred import typed
from journeys.model import (
    AddMedia,
    ClearKeychain,
    Command,
    CopyTextFrom,
    InputRandom,
    InputRandomEmail,
    InputRandomNumber,
    InputRandomPersonName,
    InputRandomText,
    KillApp,
    PasteText,
    Retry,
    SetAirplaneMode,
    SetLocation,
    StartRecording,
    StopRecording,
    ToggleAirplaneMode,
    Travel,
)
from journeys.results import Category
from journeys.variables import Variables
from robots.backends.base import DeviceControls
from robots.commands import controls, type_text, wait_element
from robots.exceptions import StaleElement, StepFailed

if TYPE_CHECKING:
    from robots.executor import Executor

MAX_RETRIES = 3  # Maestro's cap
TRAVEL_SPEED_MPS = 4.0  # Maestro's default: a brisk walk
TRAVEL_STEP_S = 1.0  # one location update a second, as a phone's GPS gives
_EARTH_M = 6_371_000.0
_FIRST = ("Alex", "Camille", "Sam", "Noa", "Jules", "Robin", "Charlie", "Maxime", "Lou", "Sacha")
_LAST = ("Martin", "Bernard", "Dubois", "Durand", "Leroy", "Moreau", "Simon", "Laurent")


def kill_app(ex: Executor, cmd: KillApp, v: Variables) -> float:
    app_id = v.resolve(cmd.app_id) if cmd.app_id else ex.journey.app_id
    ex.state.focused = None
    return ex.call(controls(ex, cmd).kill_app, app_id, deadline=ex.step_deadline(),
                   what="killApp")


def clear_keychain(ex: Executor, cmd: ClearKeychain, v: Variables) -> float:
    return ex.call(controls(ex, cmd).clear_keychain, deadline=ex.step_deadline(),
                   what="clearKeychain")


def copy_text_from(ex: Executor, cmd: CopyTextFrom, v: Variables) -> None:
    """Remembers the element's text (else hint, else label), as Maestro does; the device's
    clipboard gets it too when the device has one."""
    deadline = ex.step_deadline()
    el, _ = wait_element(ex, cmd.selector, v, deadline, cmd.name)
    text = el.text or el.hint or el.label
    if not text:
        raise StepFailed(f"copyTextFrom: {cmd.selector.describe()} has no text to copy",
                         Category.DISPLAY)
    ex.state.copied_text = text
    if isinstance(ex.backend, DeviceControls):
        ex.call(ex.backend.set_clipboard, text, deadline=deadline, what="copyTextFrom")


def paste_text(ex: Executor, cmd: PasteText, v: Variables) -> float | None:
    """Types what copyTextFrom remembered; nothing copied in this run: the device clipboard."""
    deadline = ex.step_deadline()
    text = ex.state.copied_text
    if text is None and isinstance(ex.backend, DeviceControls):
        text = ex.call(ex.backend.clipboard, deadline=deadline, what="pasteText") or None
    if text is None:
        return None  # Maestro pastes nothing when nothing was copied
    return type_text(ex, text, deadline, cmd.name)


def _email(_length: int, rng: random.Random) -> str:
    user = "".join(rng.choice(string.ascii_lowercase) for _ in range(8))
    return f"{user}@example.com"


# by `InputRandom.random`: what each inputRandom* command types
_GENERATORS: dict[str, Callable[[int, random.Random], str]] = {
    "text": lambda n, rng: "".join(rng.choice(string.ascii_letters) for _ in range(n)),
    "number": lambda n, rng: "".join(rng.choice(string.digits) for _ in range(n)),
    "email": _email,
    "person_name": lambda _n, rng: f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
}


def random_text(cmd: InputRandom, length: int, rng: random.Random) -> str:
    """Maestro's generators: letters, digits, an e-mail address or a person's name."""
    return _GENERATORS[cmd.random](length, rng)


def input_random(ex: Executor, cmd: InputRandom, v: Variables) -> float:
    length = max(1, typed(cmd.length, v))
    text = random_text(cmd, length, random.SystemRandom())
    return type_text(ex, text, ex.step_deadline(), cmd.name)


def _coordinate(value: Any, v: Variables) -> float:
    return float(typed(value, v))


def set_location(ex: Executor, cmd: SetLocation, v: Variables) -> float:
    lat, lon = _coordinate(cmd.latitude, v), _coordinate(cmd.longitude, v)
    return ex.call(controls(ex, cmd).set_location, lat, lon, deadline=ex.step_deadline(),
                   what="setLocation")


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_M * math.asin(math.sqrt(h))


def travel_plan(points: tuple[tuple[float, float], ...], speed_mps: float,
                ) -> list[tuple[float, tuple[float, float]]]:
    """(seconds from the start, location) of every update: each point, and one a second
    between points, at `speed_mps` along the straight line (Maestro's Traveller)."""
    plan = [(0.0, points[0])]
    at = 0.0
    for a, b in itertools.pairwise(points):
        seconds = distance_m(a, b) / speed_mps if speed_mps > 0 else 0.0
        steps = max(1, math.ceil(seconds / TRAVEL_STEP_S))
        for i in range(1, steps + 1):
            f = i / steps
            plan.append((at + seconds * f, (a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f)))
        at += seconds
    return plan


def travel(ex: Executor, cmd: Travel, v: Variables, *,
           sleep: Callable[[float], None] | None = None) -> float:
    """Moves through the points in real time; the step's timeout bounds the trip."""
    import time

    device = controls(ex, cmd)
    speed = float(typed(cmd.speed, v)) if cmd.speed is not None else TRAVEL_SPEED_MPS
    plan = travel_plan(cmd.points, speed)
    deadline = ex.step_deadline()
    if ex.clock() + plan[-1][0] > deadline:
        raise StepFailed(f"travel: the trip takes {plan[-1][0]:.0f}s at {speed:g} m/s, longer "
                         "than the step timeout (raise monitor.step_timeout or the speed)",
                         Category.TIMEOUT)
    start = ex.clock()
    sent = start
    for at, (lat, lon) in plan:
        wait = start + at - ex.clock()
        if wait > 0:
            (sleep or time.sleep)(wait)
        sent = ex.call(device.set_location, lat, lon, deadline=deadline, what="travel")
    return sent


def add_media(ex: Executor, cmd: AddMedia, v: Variables) -> float:
    device = controls(ex, cmd)
    sent = ex.clock()
    for file in cmd.files:
        path = Path(file)
        sent = ex.call(device.add_media, path.name, path.read_bytes(),
                       deadline=ex.step_deadline(), what=f"addMedia {path.name}")
    return sent


def start_recording(ex: Executor, cmd: StartRecording, v: Variables) -> float:
    ex.state.recording = v.resolve(cmd.path)
    return ex.call(controls(ex, cmd).start_recording, deadline=ex.step_deadline(),
                   what="startRecording")


def stop_recording(ex: Executor, cmd: StopRecording, v: Variables) -> None:
    data = ex.call(controls(ex, cmd).stop_recording, deadline=ex.step_deadline(),
                   what="stopRecording")
    ex.state.recordings.append((ex.state.recording or "recording", data))
    ex.state.recording = None


def set_airplane_mode(ex: Executor, cmd: SetAirplaneMode, v: Variables) -> float:
    enabled = typed(cmd.enabled, v)
    return ex.call(controls(ex, cmd).set_airplane_mode, enabled, deadline=ex.step_deadline(),
                   what="setAirplaneMode")


def toggle_airplane_mode(ex: Executor, cmd: ToggleAirplaneMode, v: Variables) -> float:
    device = controls(ex, cmd)
    deadline = ex.step_deadline()
    now = ex.call(device.airplane_mode, deadline=deadline, what="toggleAirplaneMode")
    return ex.call(device.set_airplane_mode, not now, deadline=deadline,
                   what="toggleAirplaneMode")


def retry(ex: Executor, cmd: Retry, v: Variables) -> None:
    """Runs the commands; when a step fails (the app's fault), again, up to maxRetries (3 at
    most, Maestro's cap). The failed attempts stay in the timeline; robot errors and the
    journey's timeout are never retried."""
    retries = min(max(0, typed(cmd.max_retries, v)), MAX_RETRIES)
    scope = v.child([(k, v.resolve(val)) for k, val in cmd.env], cmd.file_env) \
        if cmd.env or cmd.file_env else v
    for attempt in range(retries + 1):
        ex.step_deadline()  # the journey's timeout bounds the attempts
        try:
            ex.run(cmd.commands, scope)
            ex.failure = None
            return
        except (StepFailed, StaleElement):
            if attempt == retries:
                raise


DEVICE_HANDLERS: dict[type[Command], Callable[[Executor, Any, Variables], Any]] = {
    Retry: retry,
    KillApp: kill_app,
    ClearKeychain: clear_keychain,
    CopyTextFrom: copy_text_from,
    PasteText: paste_text,
    InputRandomText: input_random,
    InputRandomNumber: input_random,
    InputRandomEmail: input_random,
    InputRandomPersonName: input_random,
    SetLocation: set_location,
    Travel: travel,
    AddMedia: add_media,
    StartRecording: start_recording,
    StopRecording: stop_recording,
    SetAirplaneMode: set_airplane_mode,
    ToggleAirplaneMode: toggle_airplane_mode,
}
