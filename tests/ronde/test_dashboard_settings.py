"""`dashboard:` in ronde.yaml, password hashes, session cookies, the limiter and the bind rule."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from ronde.config import ConfigError, load_config
from ronde.dashboard.artifacts import media_type
from ronde.dashboard.exceptions import DashboardError
from ronde.dashboard.listen import check_listen, describe_access, is_loopback
from ronde.dashboard.passwords import hash_password, hash_problem, verify_password
from ronde.dashboard.ratelimit import LoginLimiter
from ronde.dashboard.sessions import Signer
from ronde.dashboard.settings import AuthSettings, DashboardSettings

HASH = hash_password("a good password")
TOKEN = "0123456789abcdef0123"


def _load(tmp_path: Path, text: str, **environ: str) -> DashboardSettings:
    file = tmp_path / "ronde.yaml"
    file.write_text(text)
    return load_config(file, environ=environ).dashboard


def _problems(tmp_path: Path, text: str) -> list[str]:
    file = tmp_path / "ronde.yaml"
    file.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(file, environ={})
    return [str(p).replace(str(file), "ronde.yaml") for p in caught.value.problems]


def test_a_full_dashboard_section_loads(tmp_path: Path) -> None:
    settings = _load(tmp_path, f"""\
dashboard:
  auth:
    users:
      alice: "{HASH}"
    token: ${{DASH_TOKEN}}
    proxy_header: X-Forwarded-User
    session: 8h
  trusted_proxies: [127.0.0.1, "10.0.0.0/8"]
""", DASH_TOKEN=TOKEN)
    assert settings.auth is not None
    assert settings.auth.users == {"alice": HASH}
    assert settings.auth.token == TOKEN and settings.auth.session_ms == 8 * 3600 * 1000
    assert settings.trusts("10.1.2.3") and settings.trusts("127.0.0.1")
    assert not settings.trusts("192.168.0.1") and not settings.trusts("garbage")
    assert TOKEN not in repr(settings) and HASH not in repr(settings)  # never in a log line
    assert load_config(None).dashboard == DashboardSettings()


def test_mistakes_point_into_the_file(tmp_path: Path) -> None:
    problems = _problems(tmp_path, """\
dashboard:
  auth:
    users:
      alice: plain-text-password
      "bad name": "x"
    token: short
    proxy_header: Cookie
    sesion: 8h
  trusted_proxies: [not-an-ip]
  allow_unauthenticated: maybe
""")
    assert problems == [
        "ronde.yaml:4:14: dashboard.auth.users.alice: not a password hash (expected "
        "scrypt$N$r$p$salt$key, as printed by `ronde dashboard hash-password`)",
        "ronde.yaml:5:7: dashboard.auth.users: 'bad name' is not a valid user name (expected "
        "letters, digits, '.', '_', '@' or '-')",
        "ronde.yaml:6:12: dashboard.auth.token: too short (expected at least 16 characters, "
        "e.g. from `openssl rand -hex 32`)",
        "ronde.yaml:7:19: dashboard.auth.proxy_header: 'Cookie' cannot carry the user "
        "(expected a header name like X-Forwarded-User)",
        "ronde.yaml:8:5: dashboard.auth: unknown key 'sesion' (did you mean 'session'?)",
        "ronde.yaml:9:20: dashboard.trusted_proxies: 'not-an-ip' is not an address (expected "
        "an IP address or network, like 127.0.0.1 or 10.0.0.0/8)",
        "ronde.yaml:10:26: dashboard.allow_unauthenticated: expected true or false",
    ]


def test_an_empty_auth_or_a_proxy_header_without_proxies_is_refused(tmp_path: Path) -> None:
    assert _problems(tmp_path, "dashboard:\n  auth: {session: 1h}\n") == [
        "ronde.yaml:2:9: dashboard.auth: expected at least one of users, token or proxy_header"
    ]
    assert _problems(tmp_path, "dashboard:\n  auth: {proxy_header: X-Remote-User}\n") == [
        "ronde.yaml:2:9: dashboard.auth.proxy_header: needs dashboard.trusted_proxies "
        "(expected the reverse proxy's addresses, e.g. [127.0.0.1]); otherwise anyone could "
        "send the header"
    ]


def test_password_hashes() -> None:
    assert hash_problem(HASH) is None
    assert verify_password("a good password", HASH)
    assert not verify_password("a good passwore", HASH)
    assert hash_password("a good password") != HASH  # salted
    assert hash_problem("scrypt$3$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5") is not None
    assert hash_problem("scrypt$1099511627776$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5") \
        is not None  # a hash that would cost a terabyte per check is refused
    assert not verify_password("x", "md5$whatever")


def test_session_cookies_expire_and_resist_tampering() -> None:
    signer = Signer("a-configured-session-secret")
    cookie, session = signer.issue("alice", now=1000.0, lifetime_s=60)
    assert signer.read(cookie, now=1059.0) == session
    assert signer.read(cookie, now=1060.0) is None  # expired
    assert Signer("a-configured-session-secret").read(cookie, now=1001.0) == session  # restart
    assert Signer("another-session-secret!").read(cookie, now=1001.0) is None
    assert Signer().read(cookie, now=1001.0) is None  # random key
    payload, mac = cookie.split(".")
    assert signer.read(payload + "x." + mac, now=1001.0) is None
    assert signer.read("é.é", now=1001.0) is None and signer.read(None, now=1.0) is None
    assert signer.login_token_ok("nonce", signer.login_token("nonce"))
    assert not signer.login_token_ok("other", signer.login_token("nonce"))


def test_the_login_limiter_counts_failures_in_a_window() -> None:
    now = [0.0]
    limiter = LoginLimiter(max_failures=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.retry_after("1.2.3.4") == 0
        limiter.failed("1.2.3.4")
    assert limiter.retry_after("1.2.3.4") == 61
    assert limiter.retry_after("5.6.7.8") == 0  # per client
    now[0] = 30.0
    assert limiter.retry_after("1.2.3.4") == 31
    now[0] = 60.0
    assert limiter.retry_after("1.2.3.4") == 0  # the failures left the window
    limiter.failed("1.2.3.4")
    limiter.succeeded("1.2.3.4")
    assert limiter.retry_after("1.2.3.4") == 0


def test_where_the_dashboard_may_listen() -> None:
    open_ = DashboardSettings()
    for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert is_loopback(host)
        check_listen(host, open_)
    for host in ("0.0.0.0", "::", "192.168.1.10", "ronde.example.com", ""):
        assert not is_loopback(host)
        with pytest.raises(DashboardError, match="no login"):
            check_listen(host, open_)
    check_listen("0.0.0.0", DashboardSettings(auth=AuthSettings(token=TOKEN)))
    check_listen("0.0.0.0", DashboardSettings(allow_unauthenticated=True))
    assert describe_access("127.0.0.1", open_) == \
        "no login (dashboard.auth is not set): open to this machine only"
    both = DashboardSettings(
        auth=AuthSettings(users={"a": HASH, "b": HASH}, token=TOKEN, proxy_header="X-User"),
        trusted_proxies=(ipaddress.ip_network("127.0.0.1"),))
    assert describe_access("0.0.0.0", both) == \
        "login required (2 users, token, X-User from trusted proxies)"


def test_evidence_types() -> None:
    assert media_type(Path("a/screen.png")) == "image/png"
    assert media_type(Path("a/shot.JPG")) == "image/jpeg"
    for name in ("page-source.xml", "texts.json", "logcat.txt", "page.html", "x.svg"):
        assert media_type(Path(name)) == "text/plain; charset=utf-8"
