"""Journey JavaScript at run time: Maestro's script API on a sandboxed QuickJS runtime.

Like Maestro's GraalJS engine, every evaluation gets a fresh global scope in which the flow's
variables (its `env:`, runFlow/runScript `env:`, the robot's environment) are globals — an
undeclared name is `undefined`, so `${APP_ID || 'com.example'}` works — beside `output`
(kept across the whole run), `maestro.copiedText`/`maestro.platform`, `json()`, `http.*`
(`robots.js.http`) and `console.log` (kept, masked, as the run's evidence).

Sandbox: QuickJS has no file system, process or network API of its own (only `http.*` given
here); each evaluation is bounded by the step timeout (interrupt handler) and the run's
scripts share `MEMORY_LIMIT` bytes.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import quickjs

from journeys.errors import MissingVariable
from journeys.masking import Masker
from journeys.model import Position
from journeys.results import Category
from journeys.variables import Variables
from robots.exceptions import ScriptError

if TYPE_CHECKING:
    from robots.js.http import HttpBinding

MEMORY_LIMIT = 64 * 1024 * 1024
_MEMORY_SLACK = 1024 * 1024  # within this of the limit, a thrown `null` is QuickJS out of memory
STACK_LIMIT = 1024 * 1024
MAX_LOG_LINES = 1000
MAX_LOG_CHARS = 2000
_WHERE = re.compile(r"\(?([^\s()]+):(\d+):(\d+)\)?\s*$", re.M)

_PRELUDE = r"""
(function (lookup, log, request) {
  Object.setPrototypeOf(globalThis, new Proxy(Object.prototype, {
    has(target, key) { return typeof key === 'string' ? true : key in target; },
    get(target, key, receiver) {
      if (typeof key !== 'string' || key in target) return Reflect.get(target, key, receiver);
      return lookup(key);
    },
  }));
  const text = (v) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'object' && v !== null) {
      try { return JSON.stringify(v); } catch (e) { return String(v); }
    }
    return String(v);
  };
  const say = (...args) => log(args.map(text).join(' '));
  const call = (method) => (url, params) => {
    const answer = JSON.parse(request(method, String(url),
                                      JSON.stringify(params === undefined ? {} : params)));
    if (answer.error !== undefined) throw new Error(answer.error);
    return answer.response;
  };
  const hidden = (name, value) => Object.defineProperty(globalThis, name, {value: value});
  hidden('__ronde_text', text);
  globalThis.json = (body) => JSON.parse(body);
  globalThis.relativePoint = (x, y) => Math.ceil(x * 100) + '%,' + Math.ceil(y * 100) + '%';
  globalThis.console = {log: say, info: say, warn: say, error: say, debug: say};
  globalThis.http = {get: call('GET'), post: call('POST'), put: call('PUT'),
                     delete: call('DELETE'), request: call('GET')};
})(__ronde_lookup, __ronde_log, __ronde_http);
delete globalThis.__ronde_lookup; delete globalThis.__ronde_log; delete globalThis.__ronde_http;
"""


class ScriptEngine:
    """One run's JavaScript: its `output`, console lines and HTTP client live as long as it."""

    def __init__(self, *, platform: str, masker: Masker, clock: Callable[[], float],
                 limit: Callable[[], float], http: HttpBinding | None = None,
                 memory_limit: int = MEMORY_LIMIT) -> None:
        """`limit()` is the latest moment the evaluation starting now may run to."""
        self.platform = platform
        self.masker = masker
        self.clock = clock
        self.limit = limit
        self.output: dict[str, Any] = {}
        self.copied_text: str | None = None
        self.console: list[str] = []
        self._http = http
        self._until = float("inf")
        self._depth = 0
        self._runtime = quickjs.Runtime()
        self._runtime.set_memory_limit(memory_limit)
        self._runtime.set_max_stack_size(STACK_LIMIT)
        # a weak reference: the runtime is invisible to Python's cycle collector, so a handler
        # holding the engine would keep it, its run and the runtime alive after every run
        engine = weakref.ref(self)
        self._runtime.set_interrupt_handler(lambda: _stop_now(engine))

    # ---- the API the executor uses ---------------------------------------------------

    def expression(self, code: str, scope: Variables, pos: Position | None) -> str:
        """A `${...}` piece's value as text (Maestro: the value's toString)."""
        where = f"${{{code}}}" + (f" at {pos}" if pos is not None and pos.line else "")
        return str(self._evaluate(code, scope, where, "expression", as_text=True))

    def run_script(self, source: str, scope: Variables, *, filename: str) -> None:
        """Runs a runScript file's source (its env is in `scope`)."""
        self._evaluate(source, scope, filename, filename, as_text=False)

    def truthy(self, value: str) -> bool:
        """Maestro's rule for a `true:` condition or assertTrue, on the evaluated text."""
        text = value.strip()
        if not text or text.lower() == "false" or text in ("undefined", "null"):
            return False
        try:
            return float(text) != 0.0
        except ValueError:
            return True

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    # ---- evaluation ------------------------------------------------------------------

    def _evaluate(self, source: str, scope: Variables, where: str, filename: str, *,
                  as_text: bool) -> Any:
        outer = self._until
        self._until = min(outer, self.limit())
        self._depth += 1
        context: Any = None
        value: Any = None
        try:
            context = self._context(scope)
            try:
                value = context.eval(source, filename=filename, strict=True)
                result = context.get("__ronde_text")(value) if as_text else None
                self._keep_output(context)
            except quickjs.JSError as exc:
                raise self._error(exc, where, full=self._memory_full()) from None
            return result
        finally:  # free the scope now: a script that hit the memory limit must not keep it
            value = context = None
            self._runtime.run_gc()
            self._depth -= 1
            self._until = outer

    def _context(self, scope: Variables) -> quickjs.Context:
        context = self._runtime.new_context()
        context.set("__ronde_lookup", lambda name: self._lookup(scope, name))
        context.set("__ronde_log", self._log)
        context.set("__ronde_http", self._request)
        context.eval(_PRELUDE, filename="<ronde>")
        context.set("output", context.parse_json(json.dumps(self.output)))
        context.set("maestro", context.parse_json(json.dumps(
            {"copiedText": self.copied_text, "platform": self.platform})))
        return context

    def _keep_output(self, context: quickjs.Context) -> None:
        kept = context.eval("JSON.stringify(typeof output === 'object' ? output : null)")
        if isinstance(kept, str):
            value = json.loads(kept)
            if isinstance(value, dict):
                self.output = value

    def _lookup(self, scope: Variables, name: str) -> Any:
        try:
            return scope.get(name)
        except MissingVariable:
            return quickjs.Undefined

    def _log(self, line: str) -> None:
        if len(self.console) < MAX_LOG_LINES:
            self.console.append(self.masker.mask(str(line)[:MAX_LOG_CHARS]))

    def _request(self, method: str, url: str, params: str) -> str:
        # imported here: httpx costs every `ronde run` ~50 ms, and few scripts make requests
        from robots.js.http import HttpBinding, HttpFailed

        if self._http is None:
            self._http = HttpBinding()
        try:
            decoded = json.loads(params)
            answer = self._http.request(method, url, decoded if isinstance(decoded, dict) else {},
                                        self._until - self.clock())
        except HttpFailed as exc:
            return json.dumps({"error": str(exc)})
        return json.dumps({"response": answer})

    def _memory_full(self) -> bool:
        """Whether the runtime is at its memory limit: QuickJS then throws `null` when it
        cannot even allocate its out-of-memory error, so the message alone can't tell."""
        usage = self._runtime.compute_memory_usage()
        return usage["malloc_size"] >= usage["malloc_limit"] - _MEMORY_SLACK

    def _error(self, exc: quickjs.JSError, where: str, *, full: bool = False) -> ScriptError:
        message = str(exc)
        if message == "InternalError: interrupted":
            return ScriptError(f"{where}: the script was stopped at its time limit "
                               "(the step timeout)", Category.TIMEOUT)
        if message == "InternalError: out of memory" or (message == "null" and full):
            return ScriptError(f"{where}: the script used more than "
                               f"{MEMORY_LIMIT // 1024 // 1024} MiB of memory")
        found = _WHERE.findall(getattr(exc, "js_stack", "") or "")
        place = next((f"{f}:{line}:{col}" for f, line, col in found if f != "<ronde>"), "")
        detail = f" (at {place})" if place and place not in where else ""
        return ScriptError(self.masker.mask(f"{where}: {message}{detail}"))


def _stop_now(engine: weakref.ref[ScriptEngine]) -> bool:
    """The interrupt handler: past the running evaluation's time limit (or engine gone)."""
    me = engine()
    return me is None or me.clock() > me._until


__all__ = ["MEMORY_LIMIT", "ScriptEngine"]
