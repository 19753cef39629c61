"""`${VAR}` resolution and secret masking: secrets never resolve empty and never leak."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from journeys import model as m
from journeys.errors import JourneyError, MissingVariable
from journeys.parser import load_journey
from journeys.variables import MASK, Masker, Variables
from tests.journeys.conftest import EXAMPLES

SECRET_JOURNEY = """appId: com.a
env:
  SHOP_USER: qa-robot@example.com
  GREETING: hello ${SHOP_USER}
monitor:
  secrets: [SHOP_PASSWORD]
---
- inputText: ${SHOP_PASSWORD}
"""


@pytest.fixture
def journey(write: Callable[..., Path]) -> m.Journey:
    return load_journey(write(SECRET_JOURNEY))


def test_validation_does_not_need_secrets_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOP_PASSWORD", raising=False)
    journey = load_journey(EXAMPLES / "shop-login-cart.yaml")
    assert journey.monitor.secrets == ("SHOP_PASSWORD",)


def test_resolution_order_env_defaults_then_environment(journey: m.Journey) -> None:
    plain = Variables.for_journey(journey, environ={"SHOP_PASSWORD": "demo-secret"})
    assert plain.resolve("${SHOP_USER}/${SHOP_PASSWORD}") == "qa-robot@example.com/demo-secret"
    assert plain.resolve("${GREETING}!") == "hello qa-robot@example.com!"  # defaults nest
    assert plain.resolve("no variables, $HOME stays") == "no variables, $HOME stays"
    overridden = Variables.for_journey(journey, environ={"SHOP_PASSWORD": "x",
                                                         "SHOP_USER": "ops@example.com"})
    assert overridden.resolve("${SHOP_USER}") == "ops@example.com"  # the environment wins


def test_missing_secret_is_an_error_never_an_empty_string(journey: m.Journey) -> None:
    for environ in ({}, {"SHOP_PASSWORD": ""}):
        variables = Variables.for_journey(journey, environ=environ)
        with pytest.raises(MissingVariable) as caught:
            variables.resolve("pw=${SHOP_PASSWORD}")
        assert caught.value.name == "SHOP_PASSWORD" and caught.value.secret
        assert caught.value.file == str(journey.path)
        assert isinstance(caught.value, JourneyError)
        assert str(caught.value) == (
            f"{journey.path}: secret SHOP_PASSWORD is not set (set it in the robot's "
            "environment; secrets are never read from the journey file)")


def test_missing_plain_variable_names_the_variable_and_the_position(journey: m.Journey) -> None:
    variables = Variables.for_journey(journey, environ={})
    where = journey.commands[0].pos
    with pytest.raises(MissingVariable) as caught:
        variables.resolve("${NOPE}", where)
    assert str(caught.value) == (f"{where}: variable NOPE is not set (expected it in the "
                                 "journey's env: or in the robot's environment)")
    assert Variables.for_journey(journey, environ={"NOPE": ""}).resolve("[${NOPE}]") == "[]"


def test_run_flow_env_layers_over_the_parent(journey: m.Journey) -> None:
    parent = Variables.for_journey(journey, environ={"SHOP_PASSWORD": "pw", "REGION": "eu"})
    child = parent.child([("LOGIN", "${SHOP_USER}"), ("REGION", "us")],
                         defaults=[("LOGIN", "unused"), ("TIMEOUT", "5")])
    assert child.resolve("${LOGIN} ${REGION} ${TIMEOUT}") == "qa-robot@example.com us 5"
    grandchild = child.child([("LOGIN", "${LOGIN}-2")])  # evaluated in the caller's scope
    assert grandchild.resolve("${LOGIN} ${SHOP_PASSWORD}") == "qa-robot@example.com-2 pw"
    assert parent.resolve("${REGION}") == "eu"


def test_self_referencing_defaults_do_not_loop(write: Callable[..., Path]) -> None:
    journey = load_journey(write("appId: com.a\nenv: {A: '${B}', B: '${A}'}\n---\n- back\n"))
    with pytest.raises(MissingVariable):
        Variables.for_journey(journey, environ={}).resolve("${A}")


def test_masker_hides_every_secret_value(journey: m.Journey) -> None:
    secret = "p@ss word&1"
    variables = Variables.for_journey(journey, environ={"SHOP_PASSWORD": secret,
                                                        "OTHER": "visible"})
    masker = variables.masker
    text = f"typed {secret} then url ?pw=p%40ss%20word%261 and form p%40ss+word%261, visible"
    assert masker.mask(text) == f"typed {MASK} then url ?pw={MASK} and form {MASK}, visible"
    assert masker.mask_obj({"k": [secret, ("x", secret)], secret: 1}) == {
        "k": [MASK, ("x", MASK)], MASK: 1}
    assert bool(masker)


def test_masker_masks_the_longest_secret_first() -> None:
    masker = Masker(["abc", "abcdef", ""])
    assert masker.mask("xabcdefx abc") == f"x{MASK}x {MASK}"
    assert not Masker([""])
    assert Masker([]).mask("abc") == "abc"


def test_secret_values_in_the_file_are_refused(write: Callable[..., Path]) -> None:
    path = write("appId: com.a\nenv:\n  SHOP_PASSWORD: oops\nmonitor:\n"
                 "  secrets: [SHOP_PASSWORD]\n---\n- back\n")
    with pytest.raises(JourneyError, match="secret SHOP_PASSWORD must not have a value"):
        load_journey(path)
