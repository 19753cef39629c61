"""The one interface every device backend implements, and the page model selectors run on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Bounds:
    """An element's rectangle in screen pixels (CSS pixels on web)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def center(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)

    @property
    def empty(self) -> bool:
        return self.width <= 0 or self.height <= 0


@dataclass(slots=True)
class Element:
    """One node of a page snapshot, the same shape for UiAutomator2, XCUITest and the DOM."""

    index: int  # document order in its snapshot
    cls: str  # widget class / XCUIElementType / tag name
    text: str = ""
    label: str = ""  # content-desc / accessibility label / aria-label
    id: str = ""  # resource-id / iOS name / DOM id
    hint: str = ""  # hint text / iOS placeholder / HTML placeholder (Maestro matches it too)
    bounds: Bounds = field(default_factory=lambda: Bounds(0, 0, 0, 0))
    enabled: bool = True
    checked: bool = False
    focused: bool = False
    selected: bool = False
    displayed: bool = True
    password: bool = False
    editable: bool = False
    parent: int | None = None
    children: list[int] = field(default_factory=list)
    locator: tuple[str, str] | None = None  # how the backend finds it again (strategy, value)

    @property
    def short_id(self) -> str:
        """`email` for `com.app:id/email`: Maestro accepts either form."""
        return self.id.rsplit("/", 1)[-1] if ":id/" in self.id else self.id


@dataclass(slots=True)
class Snapshot:
    """One page-source fetch, parsed: a single fetch answers many selectors."""

    elements: list[Element]
    source: str  # the raw page source (XML, or the JSON of the web snapshot)
    sent: float = 0.0  # monotonic seconds: request sent
    received: float = 0.0  # monotonic seconds: answer received
    screen: Bounds | None = None
    url: str | None = None  # web only
    css_matches: dict[str, set[int]] = field(default_factory=dict)  # web: css -> indices
    # web, local browser: when this document's response started (monotonic seconds); nothing
    # in it can have been visible earlier
    not_before: float | None = None
    # web, local browser: when the browser began navigating to this document (monotonic
    # seconds); an action that caused the navigation had reached the browser by then
    navigation_began: float | None = None
    http_status: int | None = None  # web: the main document's HTTP status, when known

    @property
    def browser_error(self) -> str | None:
        """web: the browser's own error page is shown (`net::ERR_*`): its error code."""
        if not (self.url or "").startswith("chrome-error:"):
            return None
        for text in self.visible_texts():
            code = next((w for w in text.split() if w.startswith("ERR_")), None)
            if code:
                return code.rstrip(".")
        return "ERR_FAILED"

    def visible_texts(self) -> list[str]:
        seen: list[str] = []
        for el in self.elements:
            for value in (el.text, el.label):
                if value and el.displayed and value not in seen:
                    seen.append(value)
        return seen

    def children_of(self, el: Element) -> list[Element]:
        return [self.elements[i] for i in el.children]

    def descendants_of(self, el: Element) -> list[Element]:
        out: list[Element] = []
        stack = list(reversed(el.children))
        while stack:
            child = self.elements[stack.pop()]
            out.append(child)
            stack.extend(reversed(child.children))
        return out


class AppState(IntEnum):
    """Appium's `mobile: queryAppState` values."""

    NOT_INSTALLED = 0
    NOT_RUNNING = 1
    BACKGROUND_SUSPENDED = 2
    BACKGROUND = 3
    FOREGROUND = 4
    UNKNOWN = -1


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """What the run records about the device it ran on."""

    model: str | None = None
    os_version: str | None = None
    app_version: str | None = None
    platform: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    udid: str | None = None  # the device the session got (a Grid hub picks it)


@runtime_checkable
class DeviceBackend(Protocol):
    """A live session on one device. Every method is one or a few device round trips.

    Methods may block; the executor calls them through `robots.deadline.Caller` so that a hung
    device never blocks the run past its step timeout.
    """

    platform: str  # android | ios | web

    def start(self) -> DeviceInfo: ...

    def snapshot(self) -> Snapshot: ...

    def tap(self, element: Element, *, long_press: bool = False, double: bool = False) -> None: ...

    def input_text(self, text: str, target: Element | None) -> None: ...

    def erase_text(self, characters: int, target: Element | None) -> None: ...

    def launch_app(self, app_id: str | None, *, clear_state: bool, stop_app: bool) -> None: ...

    def stop_app(self, app_id: str | None) -> None: ...

    def clear_app(self, app_id: str | None) -> None: ...

    def open_link(self, url: str) -> None: ...

    def press_key(self, key: str) -> None: ...

    def back(self) -> None: ...

    def hide_keyboard(self) -> None: ...

    def swipe(self, start: tuple[float, float], end: tuple[float, float], ms: int) -> None: ...

    def screen_size(self) -> tuple[float, float]: ...

    def screenshot(self) -> bytes: ...

    def logs(self, limit: int = 200) -> Sequence[str]: ...

    def app_state(self, app_id: str | None) -> AppState: ...

    def connectivity(self) -> bool | None: ...

    def device_info(self) -> DeviceInfo: ...

    def navigation_timing(self) -> dict[str, float]: ...

    def close(self) -> None: ...


@runtime_checkable
class DeviceControls(Protocol):
    """What a phone can do beyond its screen: Maestro's device commands (robots.device_commands).

    Browsers do not have it (validation refuses these commands on web journeys); a driver
    that lacks one of them raises `BackendUnsupported` naming it.
    """

    def tap_at(self, x: float, y: float, *, long_press: bool = False,
               double: bool = False) -> float: ...

    def kill_app(self, app_id: str | None) -> float: ...

    def clear_keychain(self) -> float: ...

    def set_permissions(self, app_id: str | None, permissions: Mapping[str, str]) -> float: ...

    def launch_with_arguments(self, app_id: str | None, arguments: Mapping[str, str]) -> float:
        ...

    def open_in_browser(self, url: str) -> float: ...

    def set_location(self, latitude: float, longitude: float) -> float: ...

    def add_media(self, name: str, data: bytes) -> float: ...

    def start_recording(self) -> float: ...

    def stop_recording(self) -> bytes: ...

    def set_airplane_mode(self, enabled: bool) -> float: ...

    def airplane_mode(self) -> bool: ...

    def set_clipboard(self, text: str) -> None: ...

    def clipboard(self) -> str: ...
