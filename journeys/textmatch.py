"""Bounded matching of the journeys' regular expressions: no pattern can freeze the robot.

Selector texts and ids are Maestro's (Java) regular expressions, so lookarounds,
backreferences, atomic groups and possessive quantifiers must keep working: a linear-time
engine such as RE2 refuses them. The `regex` module supports them all, and its `timeout=`
bounds a backtracking pattern such as `(a|a)+(a|a)+$`. `concurrent=True` releases the GIL
while it matches, so the scheduler's heartbeat, the other rounds and the main thread (which
runs the SIGTERM handler) keep going during a slow match; the stdlib `re` holds the GIL for
as long as a match runs, freezing every thread of the process.

A `Matcher` also charges the CPU time of every value it matches to one budget, so a pattern
that is merely slow (just under the timeout on each element) cannot stretch one poll of a
long screen past the step's timeout either.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache

import regex

from journeys.errors import JourneyError, Problem
from journeys.model import NOWHERE, Position

# Maestro's flags: case-insensitive, dot matches newlines (and ^/$ at line ends).
FLAGS = regex.IGNORECASE | regex.DOTALL | regex.MULTILINE
MATCH_BUDGET_S = 0.5  # one pattern, one screen: a sane pattern needs microseconds
PROBE_TIMEOUT_S = 0.05  # `ronde validate`: a sane pattern needs microseconds on the probes
PROBE_LENGTH = 2000
_SHOWN = 80  # characters of a pattern quoted in a message
_SYNTAX = re.compile(r"[.^$*+?{}\[\]\\|()]")  # without any of these a pattern is a literal


class PatternTimeout(JourneyError):
    """A journey's pattern took longer than its budget to match: the journey must change."""

    def __init__(self, pattern: str, budget_s: float, pos: Position = NOWHERE) -> None:
        self.pattern = pattern
        self.budget_ms = round(budget_s * 1000)
        self.message = (f"selector pattern {shown(pattern)} took longer than "
                        f"{self.budget_ms}ms to match: simplify it")
        super().__init__([Problem(pos, self.message)])

    def __str__(self) -> str:
        # Raised mid-run: the failed step already says where it stands in the file.
        return self.message


def shown(pattern: str) -> str:
    """The pattern quoted for a message, cut if it is long."""
    if len(pattern) > _SHOWN:
        pattern = pattern[:_SHOWN] + "…"
    return repr(pattern)


@lru_cache(maxsize=1024)
def compiled(pattern: str, flags: int = FLAGS) -> regex.Pattern[str] | None:
    """The compiled pattern, or None when it is not a valid regex (then compared literally)."""
    try:
        return regex.compile(pattern, flags)
    except (regex.error, ValueError, OverflowError, RecursionError):
        return None


class Matcher:
    """One pattern matched against the values of one screen, under one time budget."""

    def __init__(self, pattern: str, *, flags: int = FLAGS, budget_s: float = MATCH_BUDGET_S,
                 pos: Position = NOWHERE) -> None:
        self.pattern = pattern
        self.budget_s = budget_s
        self.pos = pos
        self._compiled = compiled(pattern, flags)
        # A literal cannot backtrack: it skips the timeout's cost (most selectors are texts).
        self._literal = _SYNTAX.search(pattern) is None
        self._spent = 0.0  # CPU seconds of this thread: waiting for the GIL is not charged

    def fullmatch(self, value: str) -> bool:
        """Maestro's rule: the whole value matches, or equals the pattern (e.g. "Prix (€)")."""
        if value == self.pattern:
            return True
        return self._run(value, full=True)

    def search(self, value: str) -> bool:
        """The pattern matches somewhere in the value."""
        return self._run(value, full=False)

    def _run(self, value: str, *, full: bool) -> bool:
        if self._compiled is None:
            return False
        run = self._compiled.fullmatch if full else self._compiled.search
        if self._literal:
            return run(value) is not None
        left = self.budget_s - self._spent
        if left <= 0:
            raise PatternTimeout(self.pattern, self.budget_s, self.pos)
        began = time.thread_time()
        try:
            found = run(value, timeout=left, concurrent=True)
        except TimeoutError:
            raise PatternTimeout(self.pattern, self.budget_s, self.pos) from None
        finally:
            self._spent += time.thread_time() - began
        return found is not None


def fullmatch(pattern: str, value: str, *, budget_s: float = MATCH_BUDGET_S) -> bool:
    """One bounded full match with Maestro's flags (`PatternTimeout` past the budget)."""
    return Matcher(pattern, budget_s=budget_s).fullmatch(value)


@lru_cache(maxsize=1024)
def backtracks(pattern: str) -> bool:
    """Whether the pattern backtracks catastrophically on a long text made of its own
    characters (a cheap probe for `ronde validate`: exponential or high-polynomial patterns
    such as `(a|a)+$` or `(.*a){20}` time out on it, sane ones take microseconds)."""
    if compiled(pattern) is None:
        return False
    chars = sorted({c for c in pattern if c.isalnum() or c in " -_.@:/'"})[:12]
    chars += [c for c in "a0 " if c not in chars]  # what \w, \d and \s stand for
    texts = [c * PROBE_LENGTH for c in chars] + ["".join(chars) * (PROBE_LENGTH // len(chars))]
    for text in texts:
        for tail in ("", "\u2603"):  # the tail makes a match fail only at the very end
            for full in (True, False):
                matcher = Matcher(pattern, budget_s=PROBE_TIMEOUT_S)
                try:
                    matcher.fullmatch(text + tail) if full else matcher.search(text + tail)
                except PatternTimeout:
                    return True
    return False
