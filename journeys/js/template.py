"""A text with `${...}` pieces, split as Maestro reads it: each `${...}` is JavaScript.

A piece that is a bare variable name (`${USER}`) stays a plain variable reference (fast, with
the secrets' rules of `journeys.variables`); anything else is an expression for the engine.
`\\${...}` is kept literally, without its backslash (Maestro's escape).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
JS_WORDS = frozenset({"null", "undefined", "true", "false", "NaN", "Infinity", "this",
                      "output", "maestro", "http", "json", "console"})
"""Names that are JavaScript values or the script API, never variables: `${null}` is JS."""
_IDENTIFIER = re.compile(r"(?<![\w$.])[A-Za-z_$][\w$]*")


@dataclass(frozen=True, slots=True)
class Piece:
    """A literal text (`code` None) or one `${...}` (`code` is what stands inside)."""

    text: str  # the literal text, or the whole `${...}` as written
    start: int  # offset in the original text
    code: str | None = None

    @property
    def name(self) -> str | None:
        """The variable name when the piece is a plain `${NAME}` reference."""
        code = self.code.strip() if self.code is not None else ""
        if NAME.fullmatch(code) and code not in JS_WORDS:
            return code
        return None


class Unclosed(ValueError):
    """A `${` without its closing `}`; `offset` is where it starts."""

    def __init__(self, offset: int) -> None:
        super().__init__("unclosed '${'")
        self.offset = offset


def has_script(text: str) -> bool:
    return "${" in text


def split(text: str) -> list[Piece]:
    """The pieces of `text`, in order; Unclosed for a `${` that never ends."""
    pieces: list[Piece] = []
    literal: list[str] = []
    literal_start = 0
    i = 0
    while i < len(text):
        if text.startswith("\\${", i):
            end = _closing(text, i + 3)
            if end is not None:  # an escaped expression stays as written, minus the backslash
                literal.append(text[i + 1:end + 1])
                i = end + 1
                continue
        if text.startswith("${", i):
            end = _closing(text, i + 2)
            if end is None:
                raise Unclosed(i)
            if literal:
                pieces.append(Piece("".join(literal), literal_start))
                literal = []
            pieces.append(Piece(text[i:end + 1], i, text[i + 2:end]))
            i = end + 1
            literal_start = i
            continue
        if not literal:
            literal_start = i
        literal.append(text[i])
        i += 1
    if literal:
        pieces.append(Piece("".join(literal), literal_start))
    return pieces


def names_in(text: str) -> set[str]:
    """Identifiers a text's `${...}` pieces may read (a superset: used to spot secrets)."""
    found: set[str] = set()
    try:
        parts = split(text)
    except Unclosed:
        return found
    for piece in parts:
        if piece.code is not None:
            found.update(_IDENTIFIER.findall(piece.code))
    return found


def _closing(text: str, i: int) -> int | None:
    """The index of the `}` that closes an expression starting at `i` (strings, template
    literals and nested braces skipped), or None."""
    depth = 0
    stack: list[int] = []  # brace depth at which each open template literal resumes
    quote = ""
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if quote == "`" and text.startswith("${", i):
                stack.append(depth)
                depth += 1
                quote = ""
                i += 2
                continue
            if char == quote:
                quote = ""
        elif char in "'\"`":
            quote = char
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
            if stack and depth == stack[-1]:
                stack.pop()
                quote = "`"
        i += 1
    return None


__all__ = ["JS_WORDS", "NAME", "Piece", "Unclosed", "has_script", "names_in", "split"]
