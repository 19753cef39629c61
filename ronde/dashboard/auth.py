"""Who is asking: the one place that reads tokens, trusted proxy headers and session cookies.

`Access.identify` answers for every request; `AuthGate` turns strangers away (a login page for
a browser, 401 + `WWW-Authenticate: Bearer` for Prometheus and scripts). With no
`dashboard.auth` configured everyone is let in: that is only allowed on a loopback address
(see `listen.py`).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ronde.dashboard.ratelimit import LoginLimiter
from ronde.dashboard.sessions import COOKIE, Session, Signer
from ronde.dashboard.settings import DashboardSettings

TOKEN_USER = "token"  # the session user of someone who logged in with the token
PUBLIC_PATHS = ("/login", "/healthz")
PUBLIC_PREFIXES = ("/static/",)
STATUS_PAGE = "/status"  # public when dashboard.status_page is `public`


@dataclass(frozen=True, slots=True)
class Identity:
    """Someone let in: `via` is open, token, proxy or session (only sessions post forms)."""

    user: str
    via: str
    session: Session | None = None


OPEN = Identity("anonymous", "open")


class Access:
    """The dashboard's access rules, its session signer and its login limiter."""

    def __init__(self, settings: DashboardSettings,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.auth = settings.auth
        self.signer = Signer(self.auth.session_secret if self.auth else None)
        self.limiter = LoginLimiter()
        self.clock = clock

    @property
    def open(self) -> bool:
        return self.auth is None

    def peer(self, request: Request) -> str:
        return request.client.host if request.client else ""

    def client(self, request: Request) -> str:
        """The address of the person (behind trusted proxies), for rate limiting."""
        peer = self.peer(request)
        if not self.settings.trusts(peer):
            return peer
        hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
        for hop in reversed([h for h in hops if h]):
            if not self.settings.trusts(hop):
                return hop
        return peer

    def is_https(self, request: Request) -> bool:
        """Whether the browser talks TLS: directly, or to a trusted proxy that says so."""
        if request.url.scheme == "https":
            return True
        if not self.settings.trusts(self.peer(request)):
            return False
        proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
        return proto == "https"

    def identify(self, request: Request) -> Identity | None:
        auth = self.auth
        if auth is None:
            return OPEN
        if auth.token:
            scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(
                credentials.strip().encode(), auth.token.encode()
            ):
                return Identity(TOKEN_USER, "token")
        if auth.proxy_header and self.settings.trusts(self.peer(request)):
            user = request.headers.get(auth.proxy_header, "").strip()
            if user:
                return Identity(user, "proxy")
        session = self.signer.read(request.cookies.get(COOKIE), self.clock())
        if session is not None and self.still_allowed(session.user):
            return Identity(session.user, "session", session)
        return None

    def still_allowed(self, user: str) -> bool:
        """A session outlives neither its user's removal nor the token's."""
        assert self.auth is not None
        return user in self.auth.users or (user == TOKEN_USER and bool(self.auth.token))

    def challenge(self, request: Request) -> Response:
        """What a stranger gets: the login page for a browser, 401 for anything else."""
        wants_html = "text/html" in request.headers.get("accept", "")
        if request.url.path == "/metrics" or not wants_html or request.method != "GET" \
                or "authorization" in request.headers:
            return PlainTextResponse(
                "authentication required (Authorization: Bearer <dashboard.auth.token>)\n",
                status_code=401, headers={"WWW-Authenticate": 'Bearer realm="ronde"'},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


def identity_of(request: Request) -> Identity | None:
    """The identity `AuthGate` found for this request (None on public pages for strangers)."""
    return request.scope.get("state", {}).get("identity")


class AuthGate:
    """ASGI middleware: identifies every request; only public paths admit strangers."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        identity = self.access.identify(request)
        scope.setdefault("state", {})["identity"] = identity
        path = request.url.path
        public = path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or (
            path == STATUS_PAGE and self.access.settings.status_page_public)
        if identity is None and not public:
            await self.access.challenge(request)(scope, receive, send)
            return
        await self.app(scope, receive, send)
