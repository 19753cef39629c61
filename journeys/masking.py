"""The one place that knows every form a secret can take on its way out, and masks them all.

A secret leaves the robot in whatever encoding a browser, a device, a driver or our own code
gives it: raw, percent-encoded (any safe set, `+` for a space, either hex case, even twice),
JSON-escaped (`\\"`, `\\\\`, `\\uXXXX`, escaped again inside another JSON string),
HTML/XML-escaped (named or numeric entities), split across markup or JSON strings (`<b>`,
`"p", "@"`), or turned from `\\` into `/` by a URL parser. Rather than list whole encoded
strings, the mask matches each character of the secret in any of its forms, so mixes (a
browser encoding some characters, not others) are caught too.

Secrets shorter than SHORT characters are masked only as whole tokens (not next to a letter
or digit): masking a two-character password everywhere would blank out ordinary words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "•••"
SHORT = 4
# Between two characters of a secret: markup tags, or the end and start of JSON strings.
_GAP = r'(?:<[^<>]{0,200}>|"\s*,\s*")*'
_AMP = "&(?:amp;)*"  # an entity's own `&` escaped again: `&amp;lt;`
_TOKEN = (r"(?<![^\W_])", r"(?![^\W_])")
_JSON_SHORT = {'"': '"', "\\": "\\", "/": "/", "\b": "b", "\f": "f", "\n": "n", "\r": "r",
               "\t": "t"}
_HTML_NAMED = {"&": ("amp", "AMP"), "<": ("lt", "LT"), ">": ("gt", "GT"),
               '"': ("quot", "QUOT"), "'": ("apos",), " ": ("nbsp",), "\xa0": ("nbsp",)}


SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|KEY|CREDENTIAL", re.IGNORECASE)
"""Variable names that look secret: their values are masked even when no journey declares them."""


def guessed_secrets(environ: Mapping[str, str]) -> list[str]:
    """Values of secret-looking variables; short values there are flags and counts, not
    secrets, and are left alone."""
    return [v for n, v in environ.items() if SECRET_NAME.search(n) and len(v) >= SHORT]


class Masker:
    """Replaces every secret value, in every encoding it may take, by `•••`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        values: set[str] = set()
        for value in secrets:
            if value:  # the same secret typed on macOS/iOS may arrive decomposed (NFD)
                values.update({value, unicodedata.normalize("NFC", value),
                               unicodedata.normalize("NFD", value)})
        # longest first, so a secret containing another is masked whole
        self.values: tuple[str, ...] = tuple(sorted(values, key=lambda v: (-len(v), v)))
        self._pattern = (re.compile("|".join(_secret_pattern(v, js=False) for v in self.values))
                         if self.values else None)

    @classmethod
    def for_secrets(cls, names: Iterable[str], environ: Mapping[str, str]) -> Masker:
        """The masker of these secrets' values (read from `environ` by name)."""
        return cls(environ.get(name, "") for name in names)

    def extended(self, secrets: Iterable[str]) -> Masker:
        return Masker((*self.values, *secrets))

    def __bool__(self) -> bool:
        return self._pattern is not None

    def mask(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)

    def mask_obj(self, obj: Any) -> Any:
        """Masks texts inside dicts, lists and tuples (for JSON-like evidence)."""
        if isinstance(obj, str):
            return self.mask(obj)
        if isinstance(obj, Mapping):
            return {self.mask_obj(k): self.mask_obj(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return type(obj)(self.mask_obj(v) for v in obj)
        return obj

    def js_pattern(self) -> str | None:
        """The same mask as one JavaScript regular expression (flags `g`, no `u`), for tools
        that filter their own logs (Appium's --log-filters); None without secrets."""
        if not self.values:
            return None
        return "|".join(_secret_pattern(v, js=True) for v in self.values)


def _secret_pattern(value: str, *, js: bool) -> str:
    body = _GAP.join(_char(c, js=js) for c in value)
    if len(value) < SHORT:
        return f"{_TOKEN[0]}(?:{body}){_TOKEN[1]}"
    return f"(?:{body})"


def _char(c: str, *, js: bool) -> str:
    """Every form of one character: raw, percent-encoded, JSON- and HTML-escaped."""
    code = ord(c)
    forms = [_literal(c, js=js)]
    if c == " ":
        forms.append(r"\+")
    if c == "\\":
        forms.append("/")  # WHATWG URL parsers read `\` as `/` in http(s) paths
    forms.append("".join(r"%(?:25)*" + _hex(b, 2) for b in c.encode("utf-8")))
    if c in _JSON_SHORT:
        forms.append(r"\\+" + _literal(_JSON_SHORT[c], js=js))
    units = [code] if code < 0x10000 else [0xD800 + ((code - 0x10000) >> 10),
                                           0xDC00 + ((code - 0x10000) & 0x3FF)]
    forms.append("".join(r"\\+u" + _hex(u, 4) for u in units))
    forms.append(f"{_AMP}#0*{code};")
    forms.append(f"{_AMP}#[xX]0*{_hex(code, 1)};")
    forms += [f"{_AMP}{name};" for name in _HTML_NAMED.get(c, ())]
    return "(?:" + "|".join(forms) + ")"


def _literal(c: str, *, js: bool) -> str:
    if c.isascii() and c.isalnum():
        return c
    code = ord(c)
    if code < 0x10000:
        return f"\\u{code:04x}"
    if not js:
        return f"\\U{code:08x}"
    high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
    return f"\\u{high:04x}\\u{low:04x}"  # JavaScript strings are UTF-16


def _hex(number: int, width: int) -> str:
    """`number` in hexadecimal, either case: 0xe9 -> `[eE]9`."""
    return "".join(f"[{d}{d.upper()}]" if d.isalpha() else d for d in f"{number:0{width}x}")


__all__ = ["MASK", "SECRET_NAME", "SHORT", "Masker", "guessed_secrets"]
