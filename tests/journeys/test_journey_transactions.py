"""Transaction pairing: an action immediately followed by a waiting check, nested flows too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from journeys import model as m
from journeys.parser import load_journey
from journeys.transactions import default_name, iter_transactions, pair_transactions
from tests.journeys.conftest import EXAMPLES, HEADER


def names(journey: m.Journey) -> list[str]:
    return [t.name for t in iter_transactions(journey.commands)]


def test_pairs_and_generated_names(write: Callable[..., Path]) -> None:
    journey = load_journey(write(HEADER + """- launchApp
- assertVisible: "Accueil"
- tapOn: "Se connecter"
- inputText: x
- assertVisible: {id: email}
- tapOn: {id: submit}
- assertNotVisible: "(?i)erreur"
- back
- extendedWaitUntil: {notVisible: {id: spinner}}
- openLink: https://shop.example/cart
- scrollUntilVisible: {element: {text: Payer}}
- swipe: {direction: UP}
- hideKeyboard
- assertVisible: x
- pressKey: Enter
- takeScreenshot: s
- assertVisible: y
"""))
    assert names(journey) == [
        'launchApp -> "Accueil"',
        'inputText -> email',  # inputText is an action; the tapOn before it is not paired
        "tapOn submit -> not \"(?i)erreur\"",
        "back -> not spinner",
        'openLink https://shop.example/cart -> "Payer"',
    ]
    loads = [t.is_load for t in iter_transactions(journey.commands)]
    assert loads == [True, False, False, False, True]


def test_label_names_the_transaction(write: Callable[..., Path]) -> None:
    journey = load_journey(write(HEADER + "- tapOn: {text: Valider, label: Login}\n"
                                 "- assertVisible: {id: welcome_banner, label: ignored}\n"))
    (transaction,) = iter_transactions(journey.commands)
    assert transaction.name == "Login"
    assert isinstance(transaction.action, m.TapOn) and isinstance(transaction.check,
                                                                   m.AssertVisible)


def test_nested_flows_are_paired_inside_their_own_lists(write: Callable[..., Path]) -> None:
    write("appId: com.a\n---\n- tapOn: {text: Valider, label: Login}\n"
          "- assertVisible: Bienvenue\n", "flows/login.yaml")
    journey = load_journey(write(HEADER + """- launchApp: {label: Launch}
- runFlow:
    file: flows/login.yaml
    when: {visible: Se connecter}
- assertVisible: never paired with the runFlow
- repeat:
    times: 2
    commands:
      - tapOn: {text: Suivant, label: Next page}
      - assertVisible: Page
      - runFlow:
          commands:
            - back
            - assertVisible: {id: list, label: ignored}
- tapOn: {text: Panier, label: Open cart}
- runFlow: {commands: [{assertVisible: cart_title}]}
"""))
    assert names(journey) == ["Login", "Next page", "back -> list"]
    top = pair_transactions(journey.commands)
    assert list(top) == []  # launchApp is followed by runFlow, the cart tap by a runFlow


def test_the_examples_name_their_transactions() -> None:
    journey = load_journey(EXAMPLES / "shop-login-cart.yaml")
    assert names(journey) == ["App launch", "Open login", "Login", "Open cart"]
    checkout = load_journey(EXAMPLES / "shop-search-checkout.yaml")
    assert names(checkout)[-2:] == ["Open payment app", "Payment"]
    session = load_journey(EXAMPLES / "shop-cart-session.yaml")
    assert names(session) == ['launchApp -> "Accueil"', "Open login", "Login", "Open cart"]


def test_default_name_is_stable_and_readable() -> None:
    tap = m.TapOn(selector=m.Selector(text_or_label="Valider"))
    check = m.AssertVisible(selector=m.Selector(id="welcome_banner"))
    assert default_name(tap, check) == 'tapOn "Valider" -> welcome_banner'
    assert default_name(m.Back(), m.ExtendedWaitUntil(visible=m.Selector(css=".ok"))) == (
        "back -> css=.ok")


def test_generated_names_show_the_argument_never_a_typed_value(
    write: Callable[..., Path]
) -> None:
    journey = load_journey(write(HEADER + """- pressKey: enter
- assertVisible: {id: results}
- inputText: ${SHOP_PASSWORD}
- assertVisible: {id: ok}
- inputText: hunter2
- assertVisible: {id: ok}
- inputText: "pw-${SHOP_PASSWORD}"
- assertVisible: {id: ok}
- swipe: {direction: UP}
- assertVisible: {id: top}
- swipe: {start: "50%, 80%", end: "50%, 20%"}
- assertVisible: {id: top}
- openLink: "https://qa:pw@shop.example/cart?token=abc#x"
- assertVisible: {id: cart}
"""))
    assert names(journey) == [
        "pressKey Enter -> results",
        "inputText ${SHOP_PASSWORD} -> ok",  # the variable's name, never its value
        "inputText -> ok",  # a literal text may be a secret
        "inputText -> ok",
        "swipe UP -> top",
        "swipe 50%,80% to 50%,20% -> top",
        "openLink https://shop.example/cart -> cart",  # no credentials, query or fragment
    ]
