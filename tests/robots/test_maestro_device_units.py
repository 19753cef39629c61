"""Maestro's selector keys (size, traits, descendants, `${VAR}` numbers) and the device
commands' pure parts (travel's plan, random text, visibility), without a device."""

from __future__ import annotations

import random

import pytest

from journeys.errors import JourneyError
from journeys.model import (
    Deferred,
    Direction,
    InputRandomEmail,
    InputRandomNumber,
    InputRandomPersonName,
    InputRandomText,
    Selector,
)
from robots.backends.base import Bounds, Element, Snapshot
from robots.commands import near_center, visible_share
from robots.device_commands import distance_m, random_text, travel_plan
from robots.selectors import find_all

SCREEN = Bounds(0, 0, 1000, 2000)


def page() -> Snapshot:
    els = [
        Element(0, "List", bounds=Bounds(0, 0, 1000, 1000), children=[1, 2]),
        Element(1, "TextView", text="Apple", parent=0, bounds=Bounds(0, 0, 100, 100)),
        Element(2, "Row", parent=0, bounds=Bounds(0, 100, 500, 100), children=[3]),
        Element(3, "TextView", text="x" * 250, parent=2, bounds=Bounds(0, 100, 400, 100)),
        Element(4, "Image", bounds=Bounds(0, 1500, 200, 198)),
    ]
    return Snapshot(els, "", screen=SCREEN)


def ids(found: list[Element]) -> list[int]:
    return [e.index for e in found]


def test_size_traits_and_descendants() -> None:
    snap = page()
    assert ids(find_all(snap, Selector(width=400, height=100))) == [3]
    assert ids(find_all(snap, Selector(width=205, tolerance=5))) == [4]
    assert ids(find_all(snap, Selector(width=205))) == []
    assert ids(find_all(snap, Selector(traits=("long-text",)))) == [3]
    assert ids(find_all(snap, Selector(traits=("square",)))) == [0, 1, 4]
    both = (Selector(text_or_label="Apple"), Selector(text="x+"))
    assert ids(find_all(snap, Selector(contains_descendants=both))) == [0]


def test_selector_numbers_written_with_variables() -> None:
    snap = page()
    index = Deferred("${I}", "int", "tapOn.index", 0, 10_000)
    env = {"I": "1"}
    found = find_all(snap, Selector(traits=("text",), index=index), lambda t: t.replace(
        "${I}", env["I"]))
    assert ids(found) == [3]
    with pytest.raises(JourneyError, match=r"tapOn.index: \$\{I\} is 'one': expected an integer"):
        find_all(snap, Selector(index=index), lambda t: "one")


def test_travel_moves_once_a_second_along_the_way() -> None:
    a, b = (48.8566, 2.3522), (48.8576, 2.3522)
    metres = distance_m(a, b)
    assert 110 < metres < 112  # 0.001 degree of latitude
    plan = travel_plan((a, b), speed_mps=37.0)
    assert plan[0] == (0.0, a) and plan[-1][1] == pytest.approx(b)
    assert plan[-1][0] == pytest.approx(metres / 37.0)
    assert len(plan) == 1 + 4  # 3 s of travel: an update a second, rounded up


def test_random_inputs_have_maestros_shapes() -> None:
    rng = random.Random(7)
    assert random_text(InputRandomNumber(), 6, rng).isdigit()
    assert len(random_text(InputRandomText(), 12, rng)) == 12
    assert random_text(InputRandomEmail(), 8, rng).endswith("@example.com")
    assert len(random_text(InputRandomPersonName(), 8, rng).split()) == 2


def test_visibility_and_centre_for_scroll_until_visible() -> None:
    half = Element(0, "Row", bounds=Bounds(0, 1900, 100, 200))
    assert visible_share(half, SCREEN) == pytest.approx(0.5)
    middle = Element(1, "Row", bounds=Bounds(0, 950, 100, 100))
    assert near_center(middle, SCREEN, Direction.DOWN)
    assert not near_center(half, SCREEN, Direction.DOWN)
