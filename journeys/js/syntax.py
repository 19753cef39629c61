"""Syntax checks of journey JavaScript with the engine that runs it (QuickJS), at validation.

Nothing is run here: the source is only compiled, so a check is fast and has no effect.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import quickjs

_WHERE = re.compile(r"at [^\n]*?:(\d+):(\d+)")
_LOCAL = threading.local()  # a QuickJS runtime must stay on the thread that made it
MAX_SCRIPT_BYTES = 256 * 1024
"""A script file larger than this is refused (a journey's script is a few lines)."""


@dataclass(frozen=True, slots=True)
class JsSyntaxError:
    """A syntax mistake: 1-based line and column in the checked source, and what is wrong."""

    line: int
    column: int
    message: str


def check(source: str, filename: str = "script.js") -> JsSyntaxError | None:
    """None when `source` compiles as a script; else where and why it does not."""
    try:
        _context().eval(source, filename=filename, compile_only=True)
    except quickjs.JSError as exc:
        return _problem(exc)
    return None


def _problem(exc: quickjs.JSError) -> JsSyntaxError:
    message = str(exc).removeprefix("SyntaxError: ")
    where = _WHERE.search(getattr(exc, "js_stack", "") or "")
    if where is None:
        return JsSyntaxError(1, 1, message)
    return JsSyntaxError(int(where.group(1)), int(where.group(2)), message)


def _context() -> quickjs.Context:
    context = getattr(_LOCAL, "context", None)
    if context is None:
        runtime = quickjs.Runtime()
        runtime.set_memory_limit(32 * 1024 * 1024)
        context = runtime.new_context()
        _LOCAL.runtime, _LOCAL.context = runtime, context
    return context


__all__ = ["MAX_SCRIPT_BYTES", "JsSyntaxError", "check"]
