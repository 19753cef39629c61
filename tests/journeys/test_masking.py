"""The Masker finds a secret in every encoding, and in mixes of them, but leaves plain text be."""

from __future__ import annotations

import json
import subprocess

import pytest

from journeys.masking import MASK, Masker

SECRET = "p@ss w0rd!x"


@pytest.mark.parametrize("form", [
    "p@ss w0rd!x",                       # raw
    "p@ss%20w0rd!x",                     # the browser's own URL (the incident)
    "p%40ss%20w0rd%21x", "p%40ss+w0rd%21x", "%70%40%73%73%20%77%30%72%64%21%78",
    "p%2540ss%2520w0rd%2521x",           # encoded twice
    "p&#64;ss&#x20;w0rd&#33;x", "p&amp;#64;ss w0rd!x",   # entities, escaped again
    "p\\u0040ss\\u0020w0rd\\u0021x", "p\\\\u0040ss w0rd!x",  # JSON, JSON in JSON
    "p<b>@ss</b> <i>w0rd</i>!x",         # split across markup
])
def test_every_form_of_a_secret_is_masked(form: str) -> None:
    assert Masker([SECRET]).mask(f"before {form} after") == f"before {MASK} after"


def test_a_secret_typed_as_a_list_of_characters_is_masked() -> None:
    """Selenium sends `value: ["p", "@", ...]` with every sendKeys; Appium logs it."""
    typed = json.dumps({"text": SECRET, "value": list(SECRET)})
    assert Masker([SECRET]).mask(typed) == f'{{"text": "{MASK}", "value": ["{MASK}"]}}'


def test_quotes_backslashes_and_non_ascii() -> None:
    secret = "q\"uo'te\\b<é>😀"
    masker = Masker([secret])
    for form in (json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
                 "q&quot;uo&#x27;te\\b&lt;&#233;&gt;&#128512;",
                 "q%22uo%27te%5Cb%3C%C3%A9%3E%F0%9F%98%80",
                 "q%22uo%27te/b%3C%c3%a9%3E%f0%9f%98%80"):  # a URL parser's `\` -> `/`
        assert masker.mask(f"[{form}]") == f"[{MASK}]", form
    decomposed = "cafe\u0301!"  # NFD, as macOS may hand it over
    assert Masker(["café!"]).mask(decomposed) == MASK


def test_short_secrets_are_masked_as_whole_tokens_only() -> None:
    masker = Masker(["ab", "§"])
    assert masker.mask("about ab; ?pw=ab&x; tab; a%62; §; x§y") == \
        f"about {MASK}; ?pw={MASK}&x; tab; {MASK}; {MASK}; x§y"


def test_longest_secret_first_and_nothing_else_touched() -> None:
    masker = Masker(["abcd", "abcdefgh", ""])
    assert masker.mask("xabcdefghx abcd") == f"x{MASK}x {MASK}"
    assert masker.mask("a-b-c-d a%20b") == "a-b-c-d a%20b"
    assert not Masker([""]) and Masker([]).mask("abcd") == "abcd"
    assert Masker([]).js_pattern() is None


def test_the_javascript_pattern_masks_the_same_forms() -> None:
    """Appium's --log-filters compile it with `new RegExp(pattern, "g")`."""
    secrets = [SECRET, "pässwörd😀", "ab"]
    samples = ["p%40ss%20w0rd!x", "p@ss+w0rd%21x", "p\\u00e4ssw\\u00f6rd\\ud83d\\ude00",
               '"p", "@", "s", "s", " ", "w", "0", "r", "d", "!", "x"', "about ab"]
    script = ("const [p, s] = JSON.parse(process.argv[1]); const re = new RegExp(p, 'g');"
              "console.log(JSON.stringify(s.map((x) => x.replace(re, '•••'))));")
    out = subprocess.run(["node", "-e", script,
                          json.dumps([Masker(secrets).js_pattern(), samples])],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    assert json.loads(out) == [MASK, MASK, MASK, f'"{MASK}"', f"about {MASK}"]
