"""`${...}` resolution at run time; the secrets' Masker (journeys.masking) is re-exported.

A plain `${NAME}` is looked up here, first hit wins: a runFlow's `env:` (innermost first),
the process environment, then the files' `env:` headers (defaults; innermost first). A
secret (listed in `monitor.secrets`) comes from the environment only and is never an empty
string. Any other `${...}` is JavaScript (Maestro's rule): the robot's engine evaluates it
with these variables as globals (`Evaluator`, `robots.js`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping

from journeys.errors import JourneyError, MissingVariable, Problem
from journeys.js.template import JS_WORDS, split
from journeys.masking import MASK, Masker
from journeys.model import Journey, Position

_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MAX_DEPTH = 20

Evaluator = Callable[[str, "Variables", Position | None], str]
"""(the code inside `${...}`, the scope it runs in, where it stands) -> its value as text."""


class Variables:
    """The variables visible to one flow; `child()` layers a runFlow's `env:` over them."""

    def __init__(self, *, file: str, secrets: Iterable[str], environ: Mapping[str, str],
                 defaults: Iterable[tuple[str, str]] = (),
                 overrides: Iterable[tuple[str, str]] = (),
                 parent: Variables | None = None,
                 evaluator: Evaluator | None = None) -> None:
        self.file = file
        self.secrets = frozenset(secrets)
        self._environ = environ
        self._defaults = dict(defaults)
        self._overrides = dict(overrides)
        self._parent = parent
        self.evaluator = evaluator if evaluator is not None or parent is None else \
            parent.evaluator

    @classmethod
    def for_journey(cls, journey: Journey, environ: Mapping[str, str] | None = None,
                    evaluator: Evaluator | None = None) -> Variables:
        return cls(file=str(journey.path), secrets=journey.monitor.secrets,
                   environ=os.environ if environ is None else environ, defaults=journey.env,
                   evaluator=evaluator)

    def child(self, env_pairs: Iterable[tuple[str, str]],
              defaults: Iterable[tuple[str, str]] = ()) -> Variables:
        """A runFlow's scope: its `env:` (resolved here, in the caller's scope) over ours."""
        return Variables(file=self.file, secrets=self.secrets, environ=self._environ,
                         defaults=defaults, overrides=env_pairs, parent=self,
                         evaluator=self.evaluator)

    @property
    def masker(self) -> Masker:
        return Masker.for_secrets(self.secrets, self._environ)

    def resolve(self, text: str, pos: Position | None = None) -> str:
        """`text` with every `${...}` replaced; MissingVariable names a plain `${NAME}` that
        is not set (in an expression, an unset name is `undefined`, as in Maestro)."""
        return self._resolve(text, pos, 0)

    def get(self, name: str, pos: Position | None = None) -> str:
        return self._lookup(name, pos, 0)

    def _resolve(self, text: str, pos: Position | None, depth: int) -> str:
        if "${" not in text:
            return text
        if "\\${" not in text and "${" not in _REF.sub("", text) and \
                JS_WORDS.isdisjoint(_REF.findall(text)):  # plain names only: the fast path
            return _REF.sub(lambda match: self._lookup(match.group(1), pos, depth), text)
        out: list[str] = []
        for piece in split(text):
            if piece.code is None:
                out.append(piece.text)
            elif piece.name is not None:
                out.append(self._lookup(piece.name, pos, depth))
            elif piece.code.strip():
                out.append(self._evaluate(piece.code, pos))
        return "".join(out)

    def _evaluate(self, code: str, pos: Position | None) -> str:
        if self.evaluator is None:  # a caller below the robot: nothing may run scripts here
            where = pos if pos is not None else Position(self.file, 0, 0)
            raise JourneyError([Problem(where, f"${{{code}}}: JavaScript is evaluated by the "
                                               "robot only")])
        return self.evaluator(code, self, pos)

    def _chain(self) -> list[Variables]:
        chain: list[Variables] = []
        scope: Variables | None = self
        while scope is not None:
            chain.append(scope)
            scope = scope._parent
        return chain

    def _lookup(self, name: str, pos: Position | None, depth: int) -> str:
        if depth > _MAX_DEPTH:  # a default that refers to itself, directly or not
            raise MissingVariable(name, self.file, secret=name in self.secrets, pos=pos)
        chain = self._chain()
        for i, scope in enumerate(chain):
            if name in scope._overrides:
                caller = chain[i + 1] if i + 1 < len(chain) else scope
                return caller._resolve(scope._overrides[name], pos, depth + 1)
        if name in self.secrets:
            value = self._environ.get(name)
            if not value:
                raise MissingVariable(name, self.file, secret=True, pos=pos)
            return value
        if name in self._environ:
            return self._environ[name]
        for scope in chain:
            if name in scope._defaults:
                return scope._resolve(scope._defaults[name], pos, depth + 1)
        raise MissingVariable(name, self.file, secret=False, pos=pos)


__all__ = ["MASK", "Evaluator", "Masker", "Variables"]
