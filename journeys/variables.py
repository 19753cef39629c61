"""`${NAME}` resolution at run time, and masking of secret values everywhere they could leak.

Lookup order, first hit wins: a runFlow's `env:` (innermost first), the process
environment, then the files' `env:` headers (defaults; innermost first). A secret (listed
in `monitor.secrets`) comes from the environment only and is never an empty string.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

from journeys.errors import MissingVariable
from journeys.model import Journey, Position

MASK = "•••"
_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MAX_DEPTH = 20


class Masker:
    """Replaces every secret value (and its URL-encoded form) by `•••`."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms = set()
        for value in secrets:
            if value:
                forms.add(value)
                forms.update(f for f in (urllib.parse.quote(value, safe=""),
                                         urllib.parse.quote_plus(value)) if f)
        # longest first, so a secret containing another is masked whole
        self._values = tuple(sorted(forms, key=len, reverse=True))

    def __bool__(self) -> bool:
        return bool(self._values)

    def mask(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, MASK)
        return text

    def mask_obj(self, obj: Any) -> Any:
        """Masks texts inside dicts, lists and tuples (for JSON-like evidence)."""
        if isinstance(obj, str):
            return self.mask(obj)
        if isinstance(obj, Mapping):
            return {self.mask_obj(k): self.mask_obj(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return type(obj)(self.mask_obj(v) for v in obj)
        return obj


class Variables:
    """The variables visible to one flow; `child()` layers a runFlow's `env:` over them."""

    def __init__(self, *, file: str, secrets: Iterable[str], environ: Mapping[str, str],
                 defaults: Iterable[tuple[str, str]] = (),
                 overrides: Iterable[tuple[str, str]] = (),
                 parent: Variables | None = None) -> None:
        self.file = file
        self.secrets = frozenset(secrets)
        self._environ = environ
        self._defaults = dict(defaults)
        self._overrides = dict(overrides)
        self._parent = parent

    @classmethod
    def for_journey(cls, journey: Journey, environ: Mapping[str, str] | None = None,
                    ) -> Variables:
        return cls(file=str(journey.path), secrets=journey.monitor.secrets,
                   environ=os.environ if environ is None else environ, defaults=journey.env)

    def child(self, env_pairs: Iterable[tuple[str, str]],
              defaults: Iterable[tuple[str, str]] = ()) -> Variables:
        """A runFlow's scope: its `env:` (resolved here, in the caller's scope) over ours."""
        return Variables(file=self.file, secrets=self.secrets, environ=self._environ,
                         defaults=defaults, overrides=env_pairs, parent=self)

    @property
    def masker(self) -> Masker:
        return Masker(self._environ.get(name, "") for name in self.secrets)

    def resolve(self, text: str, pos: Position | None = None) -> str:
        """`text` with every `${NAME}` replaced; MissingVariable names what is not set."""
        return self._resolve(text, pos, 0)

    def get(self, name: str, pos: Position | None = None) -> str:
        return self._lookup(name, pos, 0)

    def _resolve(self, text: str, pos: Position | None, depth: int) -> str:
        if "${" not in text:
            return text
        return _REF.sub(lambda match: self._lookup(match.group(1), pos, depth), text)

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


__all__ = ["MASK", "Masker", "Variables"]
