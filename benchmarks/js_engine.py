"""Start-up and per-evaluation cost of the JavaScript engines considered for journeys' scripts.

    .venv/bin/python benchmarks/js_engine.py

QuickJS (PyPI quickjs-bindings, the chosen one) is always measured, through Ronde's own
`ScriptEngine` (fresh scope per evaluation, as Maestro's GraalJS). V8 (PyPI mini-racer) is
measured when it is importable, and Node.js (the one Appium runs on) when `node` is on PATH,
as a long-lived subprocess answering one line per evaluation.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable

N = 300
EXPRESSION = "APP_ID || 'com.example.app'"


def _timed(fn: Callable[[], object], n: int = N) -> float:
    """Median milliseconds of `fn` over n calls."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def quickjs_engine() -> tuple[float, float]:
    from journeys.masking import Masker
    from journeys.variables import Variables
    from robots.js.engine import ScriptEngine

    started = time.perf_counter()
    engine = ScriptEngine(platform="android", masker=Masker.for_secrets([], {}),
                          clock=time.monotonic, limit=lambda: time.monotonic() + 5)
    scope = Variables(file="f", secrets=(), environ={}, evaluator=engine.expression)
    scope.resolve("${1}")
    start_ms = (time.perf_counter() - started) * 1000
    return start_ms, _timed(lambda: scope.resolve("${" + EXPRESSION + "}"))


def mini_racer() -> tuple[float, float] | None:
    try:
        from py_mini_racer import MiniRacer
    except ImportError:
        return None
    started = time.perf_counter()
    ctx = MiniRacer()
    ctx.eval("1")
    start_ms = (time.perf_counter() - started) * 1000
    return start_ms, _timed(lambda: ctx.eval(f"var APP_ID; {EXPRESSION}"))


def node() -> tuple[float, float] | None:
    binary = shutil.which("node")
    if binary is None:
        return None
    loop = ("const vm=require('vm');const rl=require('readline').createInterface({input:"
            "process.stdin});rl.on('line',l=>{const c=vm.createContext({});let v;try{v="
            "String(vm.runInContext(JSON.parse(l),c,{timeout:1000}))}catch(e){v='!'+e}"
            "process.stdout.write(JSON.stringify(v)+'\\n')})")
    started = time.perf_counter()
    proc = subprocess.Popen([binary, "-e", loop], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, bufsize=1)
    assert proc.stdin is not None and proc.stdout is not None

    def ask() -> str:
        proc.stdin.write(json.dumps(f"var APP_ID; {EXPRESSION}") + "\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        return proc.stdout.readline()  # type: ignore[union-attr]

    ask()
    start_ms = (time.perf_counter() - started) * 1000
    try:
        return start_ms, _timed(ask)
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    rows = [("QuickJS 2025 (quickjs-bindings), Ronde's ScriptEngine", quickjs_engine()),
            ("V8 (mini-racer)", mini_racer()),
            ("Node.js subprocess, vm context per evaluation", node())]
    print(f"{'engine':55} {'start-up ms':>12} {'per evaluation ms':>18}")
    for name, got in rows:
        if got is None:
            print(f"{name:55} {'not installed':>12}")
        else:
            print(f"{name:55} {got[0]:12.2f} {got[1]:18.3f}")


if __name__ == "__main__":
    main()
