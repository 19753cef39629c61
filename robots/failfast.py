"""Fail fast: a waiting check whose screen already shows a known failure fails at that poll.

An error dialog, a credentials message, a browser error page or an HTTP error status, or a
screen left blank for a while will not turn into the expected screen: waiting out the step
timeout only delays the alert and holds the device. Texts the journey itself looks for
(any selector's text or id) never count as a failure, and `monitor.fail_fast: false` turns
the whole watch off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from journeys.model import Journey, Selector
from journeys.results import Category
from journeys.textmatch import Matcher, PatternTimeout
from robots.backends.base import Element, Snapshot
from robots.exceptions import StepFailed
from robots.httpstatus import from_browser
from robots.measure import is_busy
from robots.patterns import Patterns

BLANK_HOLD_S = 3.0  # a screen blank this long (no text, no spinner) is not loading any more
GONE_HOLD_S = 1.0  # the home screen this long in front: the app is gone (crashed or closed)
# The home screen in front (UiAutomator2's root package, XCUITest's SpringBoard).
_LAUNCHER = re.compile(r'package="(?:com\.google\.android\.apps\.nexuslauncher|'
                       r'com\.android\.launcher\d?|com\.sec\.android\.app\.launcher|'
                       r'com\.miui\.home)"|name="SpringBoard"')
_KINDS = (("network", Category.NETWORK), ("backend", Category.BACKEND),
          ("authentication", Category.AUTHENTICATION))


class ScreenFailure(StepFailed):
    """The screen showed a known failure while a check waited: the step fails at once."""


@dataclass(frozen=True, slots=True)
class Shown:
    category: Category
    reason: str


class FailureWatch:
    """Looks at each missed poll of a waiting check for a failure the screen already shows."""

    def __init__(self, journey: Journey, patterns: Patterns, clock: Callable[[], float],
                 selectors: Sequence[Selector] = (), *, blank_hold_s: float = BLANK_HOLD_S
                 ) -> None:
        self.enabled = journey.monitor.fail_fast
        self.patterns = patterns
        self.clock = clock
        self.blank_hold_s = blank_hold_s
        texts = [p for s in selectors for p in (s.text_or_label, s.text) if p]
        self._expected = [Matcher(p) for p in dict.fromkeys(texts) if "${" not in p]
        self._expected_ids = {s.id.rsplit("/", 1)[-1] for s in selectors if s.id}
        self._blank_since: float | None = None
        self._gone_since: float | None = None

    def reset(self) -> None:
        """A new check starts: a blank screen's clock starts again."""
        self._blank_since = None
        self._gone_since = None

    def check(self, snap: Snapshot, what: str) -> None:
        """Raise ScreenFailure when `snap` shows a known failure."""
        if not self.enabled:
            return
        shown = self.shown(snap)
        if shown is not None:
            raise ScreenFailure(f"{what}: {shown.reason} — failed at once (monitor.fail_fast)",
                                shown.category)

    def shown(self, snap: Snapshot) -> Shown | None:
        rendering = snap.browser_error is not None and not snap.visible_texts()
        if snap.url is not None and not rendering:  # an error page says its code a poll later
            sign = from_browser(snap.browser_error, snap.http_status, snap.url)
            if sign is not None:
                return Shown(sign.category, sign.reason)
        texts = self._unexpected_texts(snap)
        for kind, category in _KINDS:
            try:
                hit = self.patterns.search(kind, texts)
            except PatternTimeout:
                hit = None
            if hit is not None:
                return Shown(category, f"the screen says {hit!r}")
        return self._gone(snap) or self._blank(snap)

    def _gone(self, snap: Snapshot) -> Shown | None:
        if snap.url is not None or not _LAUNCHER.search(snap.source[:2000]):
            self._gone_since = None
            return None
        now = self.clock()
        if self._gone_since is None:
            self._gone_since = now
        if now - self._gone_since >= GONE_HOLD_S:
            return Shown(Category.CRASH, "the app is gone: the home screen is in front")
        return None

    def _unexpected_texts(self, snap: Snapshot) -> list[str]:
        out: list[str] = []
        for el in snap.elements:
            if not el.displayed or self._expected_element(el):
                continue
            out += [v for v in (el.text, el.label) if v and v not in out]
        return out

    def _expected_element(self, el: Element) -> bool:
        if el.short_id and el.short_id in self._expected_ids:
            return True
        for matcher in self._expected:
            try:
                if any(matcher.fullmatch(v) for v in (el.text, el.label) if v):
                    return True
            except PatternTimeout:
                continue
        return False

    def _blank(self, snap: Snapshot) -> Shown | None:
        empty = not snap.visible_texts() and not is_busy(snap) and snap.url != "about:blank" \
            and not _LAUNCHER.search(snap.source[:2000])
        if not empty:
            self._blank_since = None
            return None
        now = self.clock()
        if self._blank_since is None:
            self._blank_since = now
            return None
        if now - self._blank_since >= self.blank_hold_s:
            return Shown(Category.DISPLAY, f"the screen stayed blank for "
                         f"{now - self._blank_since:.1f}s")
        return None
