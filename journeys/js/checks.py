"""Validation of the JavaScript in a journey text: each `${...}` compiles, and where it fails.

Positions point into the YAML file: exact for a one-line plain or quoted scalar (the usual
`tapOn: ${...}`), the scalar's own position otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from journeys.js.syntax import check
from journeys.js.template import Unclosed, split

_SHOWN = 40


@dataclass(frozen=True, slots=True)
class TextProblem:
    """A mistake in a text: where its `${` stands, where in the expression, and what."""

    offset: int  # of the `${` in the text
    line: int  # 1-based, in the expression
    column: int  # 1-based, in the expression; -1 points at the `${` itself
    message: str


def text_problems(text: str) -> list[TextProblem]:
    """The syntax errors of a text's `${...}` expressions (plain `${NAME}`s need no check)."""
    try:
        pieces = split(text)
    except Unclosed as exc:
        return [TextProblem(exc.offset, 1, -1, "unclosed '${' (expected ${NAME} or "
                                              "${expression}, closed by '}')")]
    out: list[TextProblem] = []
    for piece in pieces:
        if piece.code is None or piece.name is not None or not piece.code.strip():
            continue
        error = check(piece.code, "expression")
        if error is not None:
            out.append(TextProblem(piece.start, error.line, error.column,
                                   f"JavaScript syntax error in {_shown(piece.text)}: "
                                   f"{error.message}"))
    return out


def place(line: int, column: int, style: str | None, text: str,
          problem: TextProblem) -> tuple[int, int]:
    """(line, column), 1-based, of `problem` in the file, from the scalar's 1-based start."""
    before = text[:problem.offset]
    if style not in (None, "'", '"') or "\n" in before or problem.line != 1:
        return line, column
    quote = 0 if style is None else 1
    return line, column + quote + problem.offset + 2 + problem.column - 1


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN - 4] + "...}"


__all__ = ["TextProblem", "place", "text_problems"]
