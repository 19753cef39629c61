"""Bounded pattern matching: a backtracking selector pattern ends quickly, never freezes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from journeys.model import Position, Selector
from journeys.textmatch import Matcher, PatternTimeout, backtracks, fullmatch
from robots.backends.base import Bounds, Element, Snapshot
from robots.patterns import Patterns
from robots.selectors import find_all
from tests.journeys.conftest import HEADER, problems_of

EVIL = r"(a|a)+(a|a)+$"
LONG = "a" * 10_000 + "!"  # 10 kB of text on which EVIL backtracks for ages


def test_pathological_pattern_on_10kb_text_times_out_within_its_budget() -> None:
    began = time.monotonic()
    with pytest.raises(PatternTimeout) as caught:
        fullmatch(EVIL, LONG, budget_s=0.3)
    assert time.monotonic() - began < 1.5
    assert str(caught.value).endswith(
        "selector pattern '(a|a)+(a|a)+$' took longer than 300ms to match: simplify it")
    assert caught.value.pattern == EVIL


def test_other_threads_run_while_a_slow_match_is_bounded() -> None:
    """The match releases the GIL: a heartbeat-like thread keeps ticking all along."""
    ticks: list[float] = []
    stop = threading.Event()

    def tick() -> None:
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.02)

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    began = time.monotonic()
    with pytest.raises(PatternTimeout):
        fullmatch(EVIL, LONG, budget_s=0.5)
    ended = time.monotonic()
    stop.set()
    thread.join()
    during = [t for t in ticks if began < t < ended]
    assert len(during) >= 10  # ~25 expected; the stdlib `re` would allow none


def test_budget_is_shared_by_every_value_of_a_screen() -> None:
    """Each value alone is matched in a few ms; together they exhaust the budget."""
    matcher = Matcher(r"^(a|aa)+$", budget_s=0.1)
    values = ["a" * 24 + "!"] * 200
    began = time.monotonic()
    with pytest.raises(PatternTimeout):
        for value in values:
            matcher.fullmatch(value)
    assert time.monotonic() - began < 1.5


def test_maestro_java_regex_features_still_match() -> None:
    assert fullmatch(r"(?=.*\d)Total.*", "Total 42 €")  # lookahead
    assert fullmatch(r".*(?<!dé)connecter", "Se connecter")  # lookbehind
    assert fullmatch(r"(\w)\1+", "zzz")  # backreference
    assert fullmatch(r"a++b", "aab") and not fullmatch(r"a++a", "aaa")  # possessive
    assert fullmatch(r"(?>a+)b", "aab")  # atomic group
    assert fullmatch(r"se CONNECTER", "Se connecter")  # case-insensitive
    assert fullmatch(r"Ligne 1.Ligne 2", "Ligne 1\nLigne 2")  # dot matches newlines
    assert fullmatch("Prix (€)", "Prix (€)")  # equal to the value: matches unescaped
    assert fullmatch("[oops", "[oops") and not fullmatch("[oops", "oops")  # invalid: literal
    assert not fullmatch("Casque", "Casque audio")  # full match, not search


@pytest.mark.parametrize("pattern", [
    EVIL, r"^(a|aa)+$", r"(.*a){20}", r"(x+x+)+y", r"(\d|\d)+$", r"( | )+$",
])
def test_catastrophic_patterns_are_detected(pattern: str) -> None:
    assert backtracks(pattern)


@pytest.mark.parametrize("pattern", [
    "Se connecter", r"Prix.*€", r"(?i)log.?in|sign.?in", ".*", r"\d+ articles?",
    r"com\.ronde\.demo\.shop:id/.*", r"(?=.*\d)Total.*", "[oops", r"(\w)\1", r"a{2,5}b",
])
def test_sane_patterns_pass_the_probe(pattern: str) -> None:
    assert not backtracks(pattern)


def _snapshot(text: str) -> Snapshot:
    el = Element(index=0, cls="android.widget.TextView", text=text, label="", id="",
                 bounds=Bounds(0, 0, 100, 100))
    return Snapshot([el], "<source/>", screen=Bounds(0, 0, 1080, 1920))


def test_selector_timeout_points_at_the_selector_in_the_file() -> None:
    pos = Position("shop.yaml", 7, 16)
    with pytest.raises(PatternTimeout) as caught:
        find_all(_snapshot(LONG), Selector(text_or_label=EVIL, pos=pos))
    assert str(caught.value) == ("selector pattern '(a|a)+(a|a)+$' took longer than 500ms "
                                 "to match: simplify it")
    assert caught.value.problems[0].pos == pos
    assert find_all(_snapshot("Bonjour"), Selector(text_or_label="bonjour"))


def test_a_slow_diagnosis_pattern_is_skipped() -> None:
    patterns = Patterns(backend=(EVIL, r"(?i)erreur 5\d\d"))
    assert patterns.search("backend", [LONG, "Erreur 503"]) == "Erreur 503"


def test_validate_refuses_a_catastrophic_selector(write: Callable[..., Path]) -> None:
    path = write(HEADER + "- tapOn: '(a|a)+(a|a)+$'\n- assertVisible: {text: 'ok', "
                          "id: '(x+x+)+y'}\n")
    assert problems_of(path) == [
        "3:10: tapOn: selector pattern '(a|a)+(a|a)+$' backtracks catastrophically (over "
        "50ms on a 2000-character text): simplify it, e.g. '(a|a)+' -> 'a+', '(.*x)+' -> '.*x'",
        "4:35: assertVisible.id: selector pattern '(x+x+)+y' backtracks catastrophically (over "
        "50ms on a 2000-character text): simplify it, e.g. '(a|a)+' -> 'a+', '(.*x)+' -> '.*x'",
    ]


def test_validate_accepts_a_pattern_known_only_at_run_time(write: Callable[..., Path]) -> None:
    from journeys.parser import load_journey

    path = write("appId: com.x\nenv: {P: '(a|a)+$'}\n---\n- tapOn: '${P}'\n")
    assert load_journey(path).commands
