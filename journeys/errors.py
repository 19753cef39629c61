"""Errors of the journey language: every problem carries the file position it is about."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from journeys.model import Position


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a file: where it is and what is wrong (and what was expected)."""

    pos: Position
    message: str

    def __str__(self) -> str:
        if self.pos.line <= 0:
            return f"{self.pos.file}: {self.message}"
        return f"{self.pos}: {self.message}"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.pos.file, self.pos.line, self.pos.column, self.message)


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order, each reported once."""
    return sorted(set(problems), key=Problem.sort_key)


class ProblemsError(Exception):
    """Several problems found at once; `str()` is one `file:line:column: message` per line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = sorted_problems(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class JourneyError(ProblemsError):
    """A journey file (or one of its runFlow files) is not valid: nothing of it is usable."""


class MissingVariable(JourneyError):
    """`${NAME}` could not be resolved at run time (a secret never becomes an empty string)."""

    def __init__(self, name: str, file: str, *, secret: bool, pos: Position | None = None) -> None:
        self.name = name
        self.file = file
        self.secret = secret
        where = pos if pos is not None else Position(file, 0, 0)
        if secret:
            what = (f"secret {name} is not set (set it in the robot's environment; "
                    "secrets are never read from the journey file)")
        else:
            what = (f"variable {name} is not set (expected it in the journey's env: "
                    "or in the robot's environment)")
        super().__init__([Problem(where, what)])


__all__ = [
    "JourneyError",
    "MissingVariable",
    "Problem",
    "ProblemsError",
    "sorted_problems",
]
