"""`dashboard:` in ronde.yaml: who may read the dashboard, and which proxies are believed.

```yaml
dashboard:
  auth:
    users: {alice: "scrypt$16384$8$1$..."}   # from `ronde dashboard hash-password`
    token: ${RONDE_DASHBOARD_TOKEN}            # Authorization: Bearer (Prometheus, scripts)
    proxy_header: X-Forwarded-User             # the user a trusted reverse proxy logged in
    session: 12h                               # how long a login lasts
    session_secret: ${RONDE_SESSION_SECRET}    # keeps logins across restarts (else random)
  trusted_proxies: [127.0.0.1]                 # whose X-Forwarded-* headers are honoured
  allow_unauthenticated: false                 # listen beyond loopback with no auth at all
  status_page: private                         # public: /status readable without a login
```

The YAML is read by ronde.config's reader (positions, `${ENV}`); this module holds the values
and the checks, so config.py only wires the section in.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from journeys.yamlnodes import MappingNode, Node, is_null, kind_of, pairs, scalar
from ronde.dashboard.passwords import hash_problem

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_SESSION_MS = 12 * 3600 * 1000
MIN_TOKEN_LENGTH = 16
_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
_HEADER = re.compile(r"^[A-Za-z0-9-]+$")
_RESERVED_HEADERS = {"authorization", "cookie", "host", "content-type", "content-length"}


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """How a reader proves who they are; at least one of users, token, proxy_header is set."""

    users: dict[str, str] = field(default_factory=dict, repr=False)  # name -> scrypt hash
    token: str | None = field(default=None, repr=False)
    proxy_header: str | None = None
    session_ms: int = DEFAULT_SESSION_MS
    session_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class DashboardSettings:
    """The dashboard's access rules; the default (no auth) is for a loopback address only."""

    auth: AuthSettings | None = None
    trusted_proxies: tuple[IPNetwork, ...] = ()
    allow_unauthenticated: bool = False
    status_page_public: bool = False  # /status (no evidence, no internals) needs no login

    def trusts(self, address: str | None) -> bool:
        """Whether `address` (the TCP peer) is a configured reverse proxy."""
        if not address or not self.trusted_proxies:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted_proxies)


class _Reader(Protocol):
    """What ronde.config's reader offers (positions, `${ENV}` expansion, error collection)."""

    src: Any

    def error(self, node: Node | None, message: str) -> None: ...

    def text(self, node: Node, where: str, *, allow_null: bool = False) -> str | None: ...

    def texts(self, node: Node, where: str) -> tuple[str, ...] | None: ...

    def mapping(self, node: Node, where: str, keys: Any) -> dict[str, Node] | None: ...

    def duration(self, node: Node, where: str) -> int | None: ...


def read_dashboard(reader: _Reader, node: Node) -> DashboardSettings:
    """The `dashboard:` section; problems go to the reader (file:line:column, key, expected)."""
    if is_null(node):
        return DashboardSettings()
    data = reader.mapping(node, "dashboard", ("auth", "trusted_proxies",
                                               "allow_unauthenticated", "status_page"))
    if data is None:
        return DashboardSettings()
    proxies = _proxies(reader, data["trusted_proxies"]) if "trusted_proxies" in data else ()
    auth = _auth(reader, data["auth"]) if "auth" in data and not is_null(data["auth"]) else None
    allow = False
    if "allow_unauthenticated" in data:
        value = scalar(data["allow_unauthenticated"]) if not isinstance(
            data["allow_unauthenticated"], MappingNode) else None
        if not isinstance(value, bool):
            reader.error(data["allow_unauthenticated"], "dashboard.allow_unauthenticated: "
                         "expected true or false")
        else:
            allow = value
    public = False
    if "status_page" in data:
        value = scalar(data["status_page"]) if not isinstance(
            data["status_page"], MappingNode) else None
        if value not in ("public", "private"):
            reader.error(data["status_page"], "dashboard.status_page: expected public or "
                         "private (public: /status is readable without a login)")
        else:
            public = value == "public"
    if auth is not None and auth.proxy_header and not proxies:
        reader.error(data["auth"], "dashboard.auth.proxy_header: needs dashboard.trusted_proxies "
                     "(expected the reverse proxy's addresses, e.g. [127.0.0.1]); otherwise "
                     "anyone could send the header")
    return DashboardSettings(auth=auth, trusted_proxies=proxies, allow_unauthenticated=allow,
                             status_page_public=public)


def _proxies(reader: _Reader, node: Node) -> tuple[IPNetwork, ...]:
    out: list[IPNetwork] = []
    for text in reader.texts(node, "dashboard.trusted_proxies") or ():
        try:
            out.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            reader.error(node, f"dashboard.trusted_proxies: {text!r} is not an address "
                         "(expected an IP address or network, like 127.0.0.1 or 10.0.0.0/8)")
    return tuple(out)


def _auth(reader: _Reader, node: Node) -> AuthSettings | None:
    where = "dashboard.auth"
    keys = ("users", "token", "proxy_header", "session", "session_secret")
    data = reader.mapping(node, where, keys)
    if data is None:
        return None
    fields: dict[str, Any] = {}
    if "users" in data:
        fields["users"] = _users(reader, data["users"])
    if "token" in data:
        token = reader.text(data["token"], f"{where}.token")
        if token is not None and len(token) < MIN_TOKEN_LENGTH:
            # never quote the token itself: this message may be printed or logged
            reader.error(data["token"], f"{where}.token: too short (expected at least "
                         f"{MIN_TOKEN_LENGTH} characters, e.g. from `openssl rand -hex 32`)")
        elif token is not None:
            fields["token"] = token
    if "proxy_header" in data:
        header = reader.text(data["proxy_header"], f"{where}.proxy_header")
        if header is not None and (not _HEADER.match(header)
                                   or header.lower() in _RESERVED_HEADERS):
            reader.error(data["proxy_header"], f"{where}.proxy_header: {header!r} cannot carry "
                         "the user (expected a header name like X-Forwarded-User)")
        elif header is not None:
            fields["proxy_header"] = header
    if "session" in data:
        ms = reader.duration(data["session"], f"{where}.session")
        if ms is not None:
            fields["session_ms"] = ms
    if "session_secret" in data:
        secret = reader.text(data["session_secret"], f"{where}.session_secret")
        if secret is not None and len(secret) < MIN_TOKEN_LENGTH:
            reader.error(data["session_secret"], f"{where}.session_secret: too short (expected "
                         f"at least {MIN_TOKEN_LENGTH} characters)")
        elif secret is not None:
            fields["session_secret"] = secret
    if not any(k in data for k in ("users", "token", "proxy_header")):
        reader.error(node, f"{where}: expected at least one of users, token or proxy_header")
        return None
    if not (fields.get("users") or fields.get("token") or fields.get("proxy_header")):
        return None  # each was refused above, with its own message
    return AuthSettings(**fields)


def _users(reader: _Reader, node: Node) -> dict[str, str]:
    where = "dashboard.auth.users"
    if is_null(node):
        return {}
    if not isinstance(node, MappingNode):
        reader.error(node, f"{where}: expected a mapping of user names to password hashes "
                     f"(found {kind_of(node)})")
        return {}
    out: dict[str, str] = {}
    for name, key_node, value in pairs(reader.src, node, where):
        if not _USER.match(name):
            reader.error(key_node, f"{where}: {name!r} is not a valid user name (expected "
                         "letters, digits, '.', '_', '@' or '-')")
            continue
        encoded = reader.text(value, f"{where}.{name}")
        if encoded is None:
            continue
        problem = hash_problem(encoded)
        if problem is not None:
            reader.error(value, f"{where}.{name}: {problem}")
            continue
        out[name] = encoded
    return out
