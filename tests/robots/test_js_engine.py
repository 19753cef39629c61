"""The run's JavaScript engine: Maestro's API, its sandbox and bounds, real HTTP, masking."""

from __future__ import annotations

import time

import pytest

from journeys.masking import Masker
from journeys.results import Category
from journeys.variables import Variables
from robots.exceptions import ScriptError
from robots.js.engine import ScriptEngine
from tests.robots.js_api import json_api

ENV = {"PASSWORD": "pa55-w0rd-xyz", "REGION": "eu"}


def _engine(limit_s: float = 1.0) -> tuple[ScriptEngine, Variables]:
    masker = Masker.for_secrets(["PASSWORD"], ENV)
    engine = ScriptEngine(platform="ios", masker=masker, clock=time.monotonic,
                          limit=lambda: time.monotonic() + limit_s)
    scope = Variables(file="f.yaml", secrets=["PASSWORD"], environ=ENV,
                      defaults=[("NAME", "ada")], evaluator=engine.expression)
    return engine, scope


def test_expressions_read_variables_and_output_like_maestro() -> None:
    engine, scope = _engine()
    assert scope.resolve("${APP_ID || 'com.example.app'}") == "com.example.app"
    assert scope.resolve("${NAME.toUpperCase()}-${REGION}-${1 + 1}-${7 / 2}") == "ADA-eu-2-3.5"
    engine.run_script("output.user = {name: NAME, tags: ['a']}; var local = 1;", scope,
                      filename="s.js")
    assert scope.resolve("${output.user.name}/${output.user.tags}/${typeof local}") == \
        "ada/[\"a\"]/undefined"  # output lasts, a script's own variables do not
    assert scope.resolve("${maestro.platform} ${json('{\"a\": 2}').a} ${null} ${undefined}") \
        == "ios 2 null undefined"
    child = scope.child([("NAME", "bob")])
    assert child.resolve("${NAME + '!'}") == "bob!"


@pytest.mark.parametrize(("value", "truthy"), [
    ("true", True), ("1", True), ("text", True), ("false", False), ("FALSE", False),
    ("0", False), ("0.0", False), ("", False), ("null", False), ("undefined", False)])
def test_truthiness_is_maestros(value: str, truthy: bool) -> None:
    assert _engine()[0].truthy(value) is truthy


def test_the_sandbox_has_no_system_access_and_bounds() -> None:
    engine, scope = _engine(limit_s=0.3)
    assert scope.resolve("${[typeof require, typeof process, typeof std, typeof os, "
                         "typeof fetch, typeof XMLHttpRequest].join()}") == \
        "undefined,undefined,undefined,undefined,undefined,undefined"
    started = time.monotonic()
    with pytest.raises(ScriptError, match="stopped at its time limit") as caught:
        engine.run_script("while (true) {}", scope, filename="loop.js")
    assert caught.value.category is Category.TIMEOUT
    assert time.monotonic() - started < 1.0
    with pytest.raises(ScriptError, match="more than 64 MiB"):
        engine.run_script("var a = []; while (true) a.push('x'.repeat(65536) + a.length);",
                          scope, filename="hog.js")
    with pytest.raises(ScriptError, match=r"^null.js: null$"):  # a script's own `throw null`
        engine.run_script("throw null", scope, filename="null.js")
    with pytest.raises(ScriptError, match=r"oops.js: TypeError: .* \(at oops.js:2:"):
        engine.run_script("var x = null;\nx.y = 1;", scope, filename="oops.js")
    assert scope.resolve("${1 + 1}") == "2"  # the engine is still usable after all that


def test_console_lines_are_masked() -> None:
    engine, scope = _engine()
    engine.run_script("console.log('pw', PASSWORD, {p: PASSWORD}); console.error(2)", scope,
                      filename="log.js")
    assert engine.console == ["pw ••• {\"p\":\"•••\"}", "2"]
    assert all("pa55" not in line for line in engine.console)


def test_http_is_real_and_bounded() -> None:
    engine, scope = _engine()
    with json_api() as (api, seen):
        engine.run_script(f"""
            var r = http.get('{api}/a');
            output.get = [r.ok, r.status, json(r.body).method];
            var p = http.post('{api}/b', {{headers: {{'X-Token': 't'}}, body: 'hi'}});
            output.post = json(p.body).echo;
            output.put = json(http.put('{api}/c', {{body: 'x'}}).body).method;
            output.del = json(http.delete('{api}/d').body).method;
            output.req = json(http.request('{api}/e', {{method: 'PUT'}}).body).method;
            var m = http.get('{api}/missing');
            output.missing = [m.ok, m.status];
        """, scope, filename="api.js")
    assert engine.output == {"get": [True, 200, "GET"], "post": "hi", "put": "PUT",
                             "del": "DELETE", "req": "PUT", "missing": [False, 404]}
    assert [s[:3] for s in seen][:2] == [("GET", "/a", ""), ("POST", "/b", "t")]
    with pytest.raises(ScriptError, match=r"http.get 127.0.0.1: ConnectError"):
        engine.run_script("http.get('http://127.0.0.1:9/')", scope, filename="down.js")
    engine.run_script("try { http.get('file:///etc/passwd') } catch (e) { output.e = "
                      "e.message }", scope, filename="file.js")
    assert engine.output["e"] == "http: 'file' URLs are not allowed (expected http:// or " \
        "https://)"
