"""Last line of defence against secrets: the robot masks, storage masks again before writing.

Values of the journey's declared secrets (read from the environment by name), in every
encoding the Masker knows, and the credentials part of any URL are replaced by `•••` in every
text that reaches the database or the spool. Storage never writes environment values or a
journey's `env:` section.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace

from journeys.masking import MASK, Masker
from journeys.results import RunResult

_URL_CREDENTIALS = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")


class Redactor:
    """The secrets' Masker plus the storage's own rule: no URL credentials, secret or not."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.masker = Masker(values)

    @classmethod
    def for_secrets(cls, names: Iterable[str], environ: Mapping[str, str]) -> Redactor:
        return cls(environ.get(name, "") for name in names)

    def text(self, value: str | None) -> str | None:
        if not value:
            return value
        value = self.masker.mask(value)
        return _URL_CREDENTIALS.sub(rf"\1{MASK}@", value)

    def result(self, result: RunResult) -> RunResult:
        t = self.text
        return replace(
            result,
            error=t(result.error),
            transactions=tuple(
                replace(x, name=t(x.name) or "", error=t(x.error)) for x in result.transactions
            ),
            steps=tuple(
                replace(s, description=t(s.description) or "", error=t(s.error))
                for s in result.steps
            ),
        )
