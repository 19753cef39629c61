"""The dashboard's login, token, proxy trust, headers and evidence serving, over real HTTP."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from ronde.cli import main
from ronde.dashboard.exceptions import DashboardError
from ronde.dashboard.headers import SECURITY_HEADERS
from ronde.dashboard.passwords import hash_password
from ronde.dashboard.server import DashboardHandle, serve_in_thread
from ronde.dashboard.settings import AuthSettings, DashboardSettings
from tests.fixtures.readside import PNG_1PX, Readside

PASSWORD = "correct horse battery"
TOKEN = "t0k3n-" + "x" * 26
HTML = {"Accept": "text/html,application/xhtml+xml"}
_HASH = hash_password(PASSWORD)


def _settings(**auth: object) -> DashboardSettings:
    fields: dict[str, object] = {"users": {"alice": _HASH}, "token": TOKEN}
    fields.update(auth)
    proxies = fields.pop("trusted_proxies", ())
    return DashboardSettings(auth=AuthSettings(**fields),  # type: ignore[arg-type]
                             trusted_proxies=proxies)  # type: ignore[arg-type]


def _serve(readside: Readside, settings: DashboardSettings,
           artifacts: Path | None = None) -> DashboardHandle:
    return serve_in_thread(readside.store_url, artifacts or readside.artifacts_dir,
                           "127.0.0.1", 0, clock=lambda: readside.now, settings=settings)


@pytest.fixture(scope="module")
def secured(readside: Readside) -> Iterator[DashboardHandle]:
    handle = _serve(readside, _settings())
    yield handle
    handle.stop()


def _login(client: httpx.Client, user: str, password: str, next_: str = "/",
           **headers: str) -> httpx.Response:
    form = client.get("/login", params={"next": next_}, headers=HTML)
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf, form.text
    return client.post("/login", data={"csrf": csrf.group(1), "user": user,
                                       "password": password, "next": next_},
                       headers=headers)


def test_strangers_get_the_login_page_or_a_401(secured: DashboardHandle,
                                               readside: Readside) -> None:
    with httpx.Client(base_url=secured.url, timeout=10) as c:
        page = c.get("/runs?journey=shop-login", headers=HTML)
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=%2Fruns%3Fjourney%3Dshop-login"
        for path in ("/metrics", "/", f"/runs/{readside.failed_run_id}",
                     f"/artifacts/{readside.screenshot}"):
            refused = c.get(path)  # no Accept: text/html, like Prometheus or curl
            assert refused.status_code == 401, path
            assert refused.headers["www-authenticate"] == 'Bearer realm="ronde"'
            assert "shop-login" not in refused.text and refused.content != PNG_1PX
        assert c.get("/healthz").text == "ok\n"
        assert c.get("/static/style.css").status_code == 200
        login = c.get("/login", headers=HTML)
        assert login.status_code == 200 and 'action="/login"' in login.text
        assert 'href="/runs"' not in login.text  # no navigation before logging in


def test_every_response_carries_the_security_headers(secured: DashboardHandle) -> None:
    with httpx.Client(base_url=secured.url, timeout=10) as c:
        for path, status in (("/login", 200), ("/healthz", 200), ("/metrics", 401),
                             ("/static/style.css", 200), ("/static/nope.css", 404)):
            response = c.get(path)
            assert response.status_code == status, path
            for name, value in SECURITY_HEADERS.items():
                assert response.headers[name] == value, (path, name)
        authed = c.get("/no-such-page", headers={"Authorization": f"Bearer {TOKEN}"})
        assert authed.status_code == 404 and authed.headers["cache-control"] == "no-store"
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src" not in csp and "unsafe-inline" not in csp


class _BuggySource:
    """A source with a bug: every read raises an error no handler knows about."""

    def __getattr__(self, name: str) -> object:
        def fail(*args: object, **kwargs: object) -> object:
            raise RuntimeError("a bug in the read side")

        return fail


def test_a_crash_page_carries_the_security_headers_too(tmp_path: Path) -> None:
    buggy: object = _BuggySource()
    with (serve_in_thread("unused", tmp_path, source=buggy) as handle,  # type: ignore[arg-type]
          httpx.Client(base_url=handle.url, timeout=10) as c):
        crashed = c.get("/")
        assert crashed.status_code == 500
        assert "a bug in the read side" not in crashed.text
        for name, value in SECURITY_HEADERS.items():
            assert crashed.headers[name] == value, name
        assert crashed.headers["cache-control"] == "no-store"
        # uvicorn closes the crashed connection; a new one is served as before
        assert httpx.get(handle.url + "/healthz", timeout=10).headers["x-frame-options"] == "DENY"


def test_metrics_and_pages_take_the_bearer_token(secured: DashboardHandle) -> None:
    good = {"Authorization": f"Bearer {TOKEN}"}
    metrics = httpx.get(f"{secured.url}/metrics", headers=good, timeout=10)
    assert metrics.status_code == 200
    assert 'ronde_runs_total{device="sim-b",journey="shop-search",status="passed"} 4.0' \
        in metrics.text
    assert httpx.get(f"{secured.url}/", headers=good, timeout=10).status_code == 200
    for wrong in (f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN):
        refused = httpx.get(f"{secured.url}/metrics", headers={"Authorization": wrong},
                            timeout=10)
        assert refused.status_code == 401, wrong


def test_login_session_and_logout(secured: DashboardHandle, readside: Readside) -> None:
    with httpx.Client(base_url=secured.url, timeout=10) as c:
        wrong = _login(c, "alice", "wrong password")
        assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text
        assert "ronde_session" not in c.cookies
        unknown = _login(c, "mallory", PASSWORD)
        assert unknown.status_code == 401 and "Wrong user name or password." in unknown.text
        target = f"/runs/{readside.failed_run_id}"
        ok = _login(c, "alice", PASSWORD, next_=target)
        assert ok.status_code == 303 and ok.headers["location"] == target
        cookie = ok.headers["set-cookie"]
        assert cookie.startswith("ronde_session=")
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http here; see the proxy test for https
        page = c.get(target, headers=HTML)
        assert page.status_code == 200 and "shop-login on sim-a" in page.text
        assert '<span class="who">alice' in page.text
        assert c.get(f"/artifacts/{readside.screenshot}").content == PNG_1PX
        assert c.get("/metrics").status_code == 200  # the nav's link works for a person too
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        assert c.post("/logout", data={"csrf": "forged"}).status_code == 403
        assert c.get("/", headers=HTML).status_code == 200  # still logged in
        out = c.post("/logout", data={"csrf": csrf.group(1)})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert c.get("/", headers=HTML).status_code == 303
        token_login = _login(c, "", TOKEN)  # the token works in the form, user name empty
        assert token_login.status_code == 303
        assert c.get("/", headers=HTML).status_code == 200


def test_a_tampered_or_foreign_session_cookie_is_no_session(secured: DashboardHandle,
                                                            readside: Readside) -> None:
    with httpx.Client(base_url=secured.url, timeout=10) as c:
        assert _login(c, "alice", PASSWORD).status_code == 303
        value = c.cookies["ronde_session"]
    payload, mac = value.split(".")
    forged = {"ronde_session": payload[:-2] + "AA." + mac}
    assert httpx.get(f"{secured.url}/", cookies=forged, timeout=10).status_code == 401
    other = _serve(readside, _settings())  # another process: another random signing key
    try:
        stolen = httpx.get(f"{other.url}/", cookies={"ronde_session": value}, timeout=10)
        assert stolen.status_code == 401
    finally:
        other.stop()


def test_login_posts_need_the_form_token_and_this_origin(secured: DashboardHandle) -> None:
    with httpx.Client(base_url=secured.url, timeout=10) as c:
        bare = c.post("/login", data={"user": "alice", "password": PASSWORD})
        assert bare.status_code == 403 and "ronde_session" not in c.cookies
        evil = _login(c, "alice", PASSWORD, Origin="http://evil.example")
        assert evil.status_code == 403 and "ronde_session" not in c.cookies
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        with httpx.Client(base_url=secured.url, timeout=10) as c:
            redirected = _login(c, "alice", PASSWORD, next_=target)
            assert redirected.headers["location"] == "/", target


def test_failed_logins_are_rate_limited(readside: Readside) -> None:
    handle = _serve(readside, _settings())
    try:
        with httpx.Client(base_url=handle.url, timeout=10) as c:
            for _ in range(5):
                assert _login(c, "alice", "guess").status_code == 401
            limited = _login(c, "alice", PASSWORD)
            assert limited.status_code == 429
            assert 0 < int(limited.headers["retry-after"]) <= 300
            assert "Too many failed logins" in limited.text
            assert "ronde_session" not in c.cookies
    finally:
        handle.stop()


def test_a_trusted_proxy_names_the_user_and_says_https(readside: Readside) -> None:
    settings = _settings(proxy_header="X-Forwarded-User", trusted_proxies=(
        ipaddress.ip_network("127.0.0.1/32"),))
    handle = _serve(readside, settings)
    try:
        page = httpx.get(f"{handle.url}/", headers={"X-Forwarded-User": "bob", **HTML},
                         timeout=10)
        assert page.status_code == 200 and '<span class="who">bob' in page.text
        with httpx.Client(base_url=handle.url, timeout=10) as c:
            ok = _login(c, "alice", PASSWORD, **{"X-Forwarded-Proto": "https"})
            assert ok.status_code == 303 and "; Secure" in ok.headers["set-cookie"]
    finally:
        handle.stop()
    untrusted = _settings(proxy_header="X-Forwarded-User", trusted_proxies=(
        ipaddress.ip_network("10.0.0.0/8"),))
    handle = _serve(readside, untrusted)
    try:  # the same header from an address that is not a configured proxy: ignored
        refused = httpx.get(f"{handle.url}/metrics", headers={"X-Forwarded-User": "bob"},
                            timeout=10)
        assert refused.status_code == 401
        with httpx.Client(base_url=handle.url, timeout=10) as c:
            ok = _login(c, "alice", PASSWORD, **{"X-Forwarded-Proto": "https"})
            assert "Secure" not in ok.headers["set-cookie"]
    finally:
        handle.stop()


def test_only_evidence_the_database_lists_is_served(readside: Readside, tmp_path: Path) -> None:
    unlisted = readside.artifacts_dir / readside.failed_run_id / "unlisted.png"
    unlisted.write_bytes(PNG_1PX)
    handle = _serve(readside, DashboardSettings())  # loopback, no login
    try:
        listed = httpx.get(f"{handle.url}/artifacts/{readside.screenshot}", timeout=10)
        assert listed.status_code == 200 and listed.headers["content-type"] == "image/png"
        relative = unlisted.relative_to(readside.artifacts_dir)
        assert httpx.get(f"{handle.url}/artifacts/{relative}", timeout=10).status_code == 404
    finally:
        handle.stop()
    # `artifacts: /` (refused by ronde.yaml, but a config object can still say it)
    root = _serve(readside, DashboardSettings(), artifacts=Path("/"))
    try:
        for path in ("etc/passwd", readside.secret_file.relative_to("/")):
            assert httpx.get(f"{root.url}/artifacts/{path}", timeout=10).status_code == 404
    finally:
        root.stop()


def test_no_login_is_refused_beyond_loopback(readside: Readside, tmp_path: Path) -> None:
    with pytest.raises(DashboardError, match=r"0\.0\.0\.0 with no login.*dashboard: \{auth"):
        serve_in_thread(readside.store_url, readside.artifacts_dir, "0.0.0.0", 0)
    config = tmp_path / "ronde.yaml"
    config.write_text(f"storage: {readside.store_url}\nartifacts: {readside.artifacts_dir}\n")
    runner = CliRunner()
    result = runner.invoke(main, ["dashboard", "--config", str(config), "--host", "0.0.0.0"])
    assert result.exit_code == 1
    assert "would listen on 0.0.0.0 with no login" in result.output
    journeys = Path(__file__).resolve().parents[2] / "journeys" / "examples"
    result = runner.invoke(main, ["start", str(journeys), "--config", str(config), "--once",
                                  "--dashboard", "0.0.0.0:8080", "--no-live"])
    assert result.exit_code == 1
    assert "would listen on 0.0.0.0 with no login" in result.output


def test_hash_password_command_output_verifies() -> None:
    from ronde.dashboard.passwords import verify_password

    runner = CliRunner()
    result = runner.invoke(main, ["dashboard", "hash-password"],
                           input="s3cret-pass\ns3cret-pass\n")
    assert result.exit_code == 0, result.output
    encoded = result.output.strip().splitlines()[-1]
    assert encoded.startswith("scrypt$16384$8$1$") and "s3cret-pass" not in result.output
    assert verify_password("s3cret-pass", encoded)
    assert not verify_password("s3cret-pasS", encoded)
    short = runner.invoke(main, ["dashboard", "hash-password", "--stdin"], input="abc\n")
    assert short.exit_code == 1 and "at least 8 characters" in short.output


def _csp_errors(driver: object) -> list[str]:
    logs = driver.get_log("browser")  # type: ignore[attr-defined]
    return [e["message"] for e in logs if "Content Security Policy" in e["message"]]


@pytest.mark.chromium
def test_pages_render_in_chromium_under_the_csp(secured: DashboardHandle, readside: Readside,
                                                tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                 "--window-size=1280,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(f"{secured.url}/runs/{readside.failed_run_id}")
        assert driver.title == "Log in · Ronde"
        driver.find_element(By.ID, "user").send_keys("alice")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        driver.find_element(By.CSS_SELECTOR, ".login-form button").click()
        WebDriverWait(driver, 10).until(lambda d: "/login" not in d.current_url)
        assert driver.current_url == f"{secured.url}/runs/{readside.failed_run_id}"
        chart = driver.find_element(By.CSS_SELECTOR, ".chart-box svg.chart")
        assert chart.value_of_css_property("max-width") == "100%"  # the hashed inline style
        shot = driver.find_element(By.CSS_SELECTOR, ".shots img")
        assert driver.execute_script("return arguments[0].naturalWidth", shot) == 1
        for path in ("/", "/incidents", "/runs"):
            driver.get(secured.url + path)
            assert driver.find_element(By.CSS_SELECTOR, "span.who").text.startswith("alice")
            assert driver.find_element(By.TAG_NAME, "link").get_attribute("href").endswith(
                "/static/style.css")
            background = driver.find_element(By.CSS_SELECTOR, "header.top")
            assert background.value_of_css_property("display") == "flex"  # style.css applied
        assert _csp_errors(driver) == []
        # the control: an injected inline script is refused, and the log above would show it
        driver.execute_script("const s = document.createElement('script');"
                              "s.textContent = 'document.title = \"pwned\"';"
                              "document.body.appendChild(s);")
        assert driver.title != "pwned"
        assert any("script-src" in m or "default-src" in m for m in _csp_errors(driver))
        driver.find_element(By.CSS_SELECTOR, "form.logout button").click()
        WebDriverWait(driver, 10).until(lambda d: "/login" in d.current_url)
        assert driver.title == "Log in · Ronde"
        driver.get(secured.url + "/")
        assert driver.title == "Log in · Ronde"
    finally:
        driver.quit()
