"""The selector engine on saved page sources (UiAutomator2 and XCUITest XML)."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeys.model import Selector
from robots.backends.base import Snapshot
from robots.backends.pagesource import PageSourceError, parse_page_source
from robots.selectors import find_all, find_one, matches

DATA = Path(__file__).parent / "data"


def snapshot(name: str) -> Snapshot:
    source = (DATA / name).read_text(encoding="utf-8")
    elements, screen = parse_page_source(source)
    return Snapshot(elements, source, screen=screen)


@pytest.fixture(scope="module")
def android() -> Snapshot:
    return snapshot("android_catalogue.xml")


@pytest.fixture(scope="module")
def ios() -> Snapshot:
    return snapshot("ios_login.xml")


def texts(found: list) -> list[str]:
    return [el.text for el in found]


def test_text_is_a_full_match_regex_case_insensitive() -> None:
    assert matches("Casque.*", "Casque audio")
    assert not matches("Casque", "Casque audio")  # full match, not search
    assert matches("casque AUDIO", "Casque audio")  # Maestro ignores case
    assert matches("79,90 €", "79,90 €")
    assert matches("Prix (TTC)", "Prix (TTC)")  # equal to the value: matches unescaped
    assert matches("[oops", "[oops")  # an invalid regex is compared literally
    assert not matches("[oops", "oops")


def test_bare_text_matches_text_label_or_hint(android: Snapshot) -> None:
    assert texts(find_all(android, Selector(text_or_label="Casque audio"))) == ["Casque audio"]
    by_label = find_one(android, Selector(text_or_label="Lancer la recherche"))
    assert by_label is not None and by_label.short_id == "search_button"
    by_hint = find_one(android, Selector(text_or_label="Rechercher un produit"))
    assert by_hint is not None and by_hint.short_id == "search"


def test_id_matches_short_or_full_resource_id(android: Snapshot) -> None:
    short = find_all(android, Selector(id="price"))
    full = find_all(android, Selector(id="com.ronde.demo.shop:id/price"))
    assert texts(short) == texts(full) == ["79,90 €", "49,00 €"]
    assert texts(find_all(android, Selector(id="row_.*"))) == ["", ""]


def test_hidden_and_off_screen_elements_are_not_visible(android: Snapshot) -> None:
    assert find_one(android, Selector(text_or_label="Caché")) is None
    assert find_one(android, Selector(text_or_label="Mentions légales")) is None
    # ...but an off-screen element exists for scrollUntilVisible's purposes
    assert find_one(android, Selector(text_or_label="Mentions légales"), in_screen=False)


def test_index_counts_from_the_top(android: Snapshot) -> None:
    assert texts(find_all(android, Selector(id="name", index=0))) == ["Casque audio"]
    assert texts(find_all(android, Selector(id="name", index=1))) == ["Enceinte"]
    assert find_all(android, Selector(id="name", index=2)) == []


def test_state_keys(android: Snapshot) -> None:
    assert find_one(android, Selector(id="search_button", enabled=False)) is not None
    assert find_one(android, Selector(id="search_button", enabled=True)) is None
    assert texts(find_all(android, Selector(checked=True))) == ["En stock"]
    focused = find_one(android, Selector(focused=True))
    assert focused is not None and focused.short_id == "search" and focused.editable
    assert [e.short_id for e in find_all(android, Selector(selected=True))] == ["row_2"]


def test_relative_positions(android: Snapshot) -> None:
    price = Selector(id="price")
    # every element to the right qualifies, the closest first (Maestro picks that one)
    assert texts(find_all(android, Selector(id="price", right_of=Selector(
        text_or_label="Enceinte")))) == ["49,00 €", "79,90 €"]
    assert texts(find_all(android, Selector(id="name", left_of=Selector(
        text_or_label="79,90 €")))) == ["Casque audio", "Enceinte"]
    # below: the closest first
    below = find_all(android, Selector(id="name", below=Selector(id="search")))
    assert texts(below) == ["Casque audio", "Enceinte"]
    above = find_one(android, Selector(id="price", above=Selector(text_or_label="En stock")))
    assert above is not None and above.text == "49,00 €"
    # a reference that is not on screen matches nothing
    assert find_all(android, Selector(id="name", below=Selector(text_or_label="Absent"))) == []
    assert find_one(android, price) is not None


def test_child_of_and_contains_child(android: Snapshot) -> None:
    inside = find_all(android, Selector(id="price", child_of=Selector(id="row_2")))
    assert texts(inside) == ["49,00 €"]
    rows = find_all(android, Selector(contains_child=Selector(text_or_label="Casque audio")))
    assert [r.short_id for r in rows] == ["row_1"]


def test_variables_are_resolved_before_matching(android: Snapshot) -> None:
    def resolve(text: str) -> str:
        return text.replace("${PRODUCT}", "Enceinte")

    assert texts(find_all(android, Selector(text_or_label="${PRODUCT}"), resolve)) == ["Enceinte"]


def test_android_locators_prefer_unique_ids(android: Snapshot) -> None:
    search = find_one(android, Selector(id="search"))
    assert search is not None and search.locator == ("id", "com.ronde.demo.shop:id/search")
    name = find_one(android, Selector(text_or_label="Enceinte"))
    assert name is not None
    assert name.locator == ("xpath", "/hierarchy/android.widget.FrameLayout[1]/"
                                     "android.widget.LinearLayout[2]/android.widget.TextView[1]")
    assert android.screen is not None and (android.screen.width, android.screen.height) == (
        1080, 2400)


def test_password_field_is_flagged(android: Snapshot) -> None:
    field = find_one(android, Selector(id="password"))
    assert field is not None and field.password and field.editable


def test_ios_source(ios: Snapshot) -> None:
    submit = find_one(ios, Selector(text_or_label="Valider"))
    assert submit is not None and submit.id == "submit"
    assert submit.locator == ("accessibility id", "submit")
    assert find_one(ios, Selector(id="password")).password  # type: ignore[union-attr]
    assert find_one(ios, Selector(text_or_label="Mot de passe")) is not None  # placeholder
    assert find_one(ios, Selector(text_or_label="Aide")) is None  # visible="false"
    remember = find_one(ios, Selector(id="remember", checked=True))
    assert remember is not None
    below = find_one(ios, Selector(below=Selector(id="password"), text_or_label=".*"))
    assert below is not None and below.id == "submit"
    assert ios.screen is not None and ios.screen.width == 390


def test_not_xml_is_a_clear_error() -> None:
    with pytest.raises(PageSourceError, match="not XML"):
        parse_page_source("<html><body>oops")
