"""One boundary: driver exceptions and device evidence in, a status and a category out.

The order of the rules goes from the most specific evidence (the app died, another app is in
front, the protocol's own word — a browser error page, an HTTP status —, the device is offline,
the screen says why) to the least (the expected element is
absent), so the category names the cause an SRE would look at first.
"""

from __future__ import annotations

import http.client
import io
from dataclasses import dataclass, field

from selenium.common.exceptions import (
    InvalidSessionIdException,
    NoSuchDriverException,
    SessionNotCreatedException,
    WebDriverException,
)

from journeys.errors import JourneyError
from journeys.results import Category, Status
from robots.backends.base import AppState, Snapshot
from robots.exceptions import (
    BackendUnsupported,
    DeviceTimeout,
    JourneyTimeout,
    SessionError,
    StaleElement,
    StepFailed,
)
from robots.executor import Failure
from robots.httpstatus import HttpSign, from_browser, from_logs
from robots.patterns import DEFAULT_PATTERNS, Patterns

_LOST = ("session is either terminated", "session not found", "no such session",
         "invalid session id", "device offline", "device not found", "instrumentation process",
         "socket hang up", "econnrefused", "econnreset", "could not proxy", "session deleted")


@dataclass(slots=True)
class Evidence:
    """What the device showed and said at the moment of the failure (each part optional)."""

    snapshot: Snapshot | None = None
    app_state: AppState | None = None
    connectivity: bool | None = None
    logs: list[str] = field(default_factory=list)
    screenshot: bytes | None = None

    @property
    def texts(self) -> list[str]:
        return self.snapshot.visible_texts() if self.snapshot else []


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    category: Category
    reason: str  # why this category (shown next to the error)


def session_lost(exc: BaseException) -> bool:
    """Appium unreachable, the session refused or gone, the device lost: the robot's side."""
    if isinstance(exc, SessionError | SessionNotCreatedException | InvalidSessionIdException |
                  NoSuchDriverException | ConnectionError | http.client.HTTPException):
        return True
    try:
        from urllib3.exceptions import HTTPError as Urllib3Error
    except ImportError:  # pragma: no cover - selenium depends on urllib3
        Urllib3Error = ()  # type: ignore[assignment]
    if isinstance(exc, Urllib3Error):
        return True
    if isinstance(exc, WebDriverException):
        msg = (exc.msg or str(exc)).lower()
        return any(part in msg for part in _LOST)
    return False


def decided_by_exception(exc: BaseException) -> Verdict | None:
    """Failures whose category does not depend on what the screen shows."""
    if session_lost(exc):
        return Verdict(Status.ERROR, Category.SESSION, "the device session failed")
    if isinstance(exc, DeviceTimeout | JourneyTimeout):
        return Verdict(Status.FAILED, Category.TIMEOUT, "the device did not answer in time")
    if isinstance(exc, JourneyError | BackendUnsupported):
        return Verdict(Status.ERROR, Category.ROBOT, "the robot cannot run this journey")
    if not isinstance(exc, StepFailed | StaleElement | WebDriverException):
        return Verdict(Status.ERROR, Category.ROBOT, f"unexpected {type(exc).__name__}")
    return None


def is_uniform(png: bytes | None) -> bool | None:
    """A blank screen: every pixel the same (within a small tolerance)."""
    if not png:
        return None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(png)) as img:
            low, high = img.convert("L").getextrema()
    except (OSError, ValueError):
        return None
    return high - low <= 2


def http_sign(ev: Evidence) -> HttpSign | None:
    """Protocol evidence: a browser error page or the document's status on the web, the last
    HTTP answer in the device log on a phone."""
    snap = ev.snapshot
    if snap is not None and snap.url is not None:  # a browser
        return from_browser(snap.browser_error, snap.http_status, snap.url)
    return from_logs(ev.logs)


def categorize(failure: Failure, ev: Evidence, patterns: Patterns = DEFAULT_PATTERNS) -> Verdict:
    """The run's status and category from the failure and the evidence collected after it."""
    exc = failure.exc
    early = decided_by_exception(exc)
    if early is not None:
        return early
    texts = ev.texts
    failed = Status.FAILED
    if ev.app_state in (AppState.NOT_RUNNING, AppState.NOT_INSTALLED):
        return Verdict(failed, Category.CRASH, "the app is not running any more")
    if ev.app_state in (AppState.BACKGROUND, AppState.BACKGROUND_SUSPENDED):
        return Verdict(failed, Category.THIRD_PARTY, "another app or site is in front")
    sign = http_sign(ev)
    if sign is not None:
        return Verdict(failed, sign.category, sign.reason)
    if ev.connectivity is False:
        return Verdict(failed, Category.NETWORK, "the device has no network connection")
    hit = patterns.search("network", texts)
    if hit:
        return Verdict(failed, Category.NETWORK, f"the screen says {hit!r}")
    hit = patterns.search("backend", texts)
    if hit:
        return Verdict(failed, Category.BACKEND, f"the screen says {hit!r}")
    hit = patterns.search("authentication", texts)
    if hit:
        return Verdict(failed, Category.AUTHENTICATION, f"the screen says {hit!r}")
    hit = patterns.search("http_5xx", ev.logs)
    if hit:
        return Verdict(failed, Category.BACKEND, f"the device log shows {hit[:120]!r}")
    blank = is_uniform(ev.screenshot)
    if blank or (blank is None and ev.snapshot is not None and not texts):
        return Verdict(failed, Category.DISPLAY, "the screen is blank")
    if isinstance(exc, StepFailed) and exc.unchanged:
        return Verdict(failed, Category.TIMEOUT, "nothing changed on screen before the timeout")
    if failure.after_login and ev.snapshot is not None and any(
            el.password and el.displayed for el in ev.snapshot.elements):
        return Verdict(failed, Category.AUTHENTICATION, "the login screen came back")
    if failure.is_login:
        return Verdict(failed, Category.AUTHENTICATION, "the login step failed")
    if isinstance(exc, StepFailed):
        return Verdict(failed, exc.category or Category.DISPLAY, "the expected element is absent")
    if isinstance(exc, StaleElement):
        return Verdict(failed, Category.DISPLAY, "the screen kept changing")
    return Verdict(Status.ERROR, Category.ROBOT, f"driver error: {exc}")
