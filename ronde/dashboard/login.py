"""`/login` and `/logout`: the form, its CSRF token, the rate limit and the session cookie.

Every POST carries a CSRF token bound to the browser (a signed nonce cookie before login, the
session's own token after) and must come from this origin when the browser says where from.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ronde.dashboard.auth import TOKEN_USER, Access, identity_of
from ronde.dashboard.passwords import burn_time, verify_password
from ronde.dashboard.sessions import COOKIE, LOGIN_COOKIE

MAX_FORM_BYTES = 4096
LOGIN_FORM_S = 3600  # how long a login page's form stays valid

Render = Callable[..., HTMLResponse]  # (request, template, title, status=, **context)


def safe_next(target: str | None) -> str:
    """Where to go after login: a path of this site, never another site (`//evil`, `\\`)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(c in target for c in "\r\n\\"):
        return "/"
    return target


async def _form(request: Request) -> dict[str, str] | None:
    """The urlencoded body (first value of each field), None when too big or not a form."""
    if request.headers.get("content-type", "").split(";")[0].strip() != \
            "application/x-www-form-urlencoded":
        return None
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return None
    try:
        fields = parse_qs(body.decode(), keep_blank_values=True, max_num_fields=10)
    except (UnicodeDecodeError, ValueError):
        return None
    return {k: v[0] for k, v in fields.items()}


def _same_origin(request: Request) -> bool:
    """False when the browser says the form came from another site (Origin, else Referer)."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return claimed is None
    parts = urlsplit(claimed)
    return parts.netloc.lower() == request.headers.get("host", "").lower()


def login_routes(access: Access, render: Render) -> list[Route]:
    """The login and logout routes of a dashboard with `dashboard.auth` configured."""
    auth = access.auth
    assert auth is not None

    def form_page(request: Request, *, error: str | None = None, status: int = 200,
                  retry_after: int | None = None) -> Response:
        nonce = secrets.token_urlsafe(18)
        response = render(
            request, "login.html", "Log in", status=status, error=error,
            csrf=access.signer.login_token(nonce),
            next=safe_next(request.query_params.get("next")),
            has_users=bool(auth.users), has_token=bool(auth.token),
        )
        response.set_cookie(LOGIN_COOKIE, nonce, max_age=LOGIN_FORM_S, path="/login",
                            httponly=True, samesite="strict", secure=access.is_https(request))
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    async def login(request: Request) -> Response:
        if request.method == "GET":
            if identity_of(request) is not None:
                return RedirectResponse(safe_next(request.query_params.get("next")), 303)
            return form_page(request)
        form = await _form(request)
        if form is None or not _same_origin(request) or not access.signer.login_token_ok(
            request.cookies.get(LOGIN_COOKIE), form.get("csrf")
        ):
            return form_page(request, status=403, error="This login form has expired or did "
                             "not come from this site: please try again.")
        client = access.client(request)
        wait = access.limiter.retry_after(client)
        if wait:
            return form_page(request, status=429, retry_after=wait,
                             error=f"Too many failed logins: try again in {wait} s.")
        user, password = form.get("user", "").strip(), form.get("password", "")
        if not await run_in_threadpool(_check, access, user, password):
            access.limiter.failed(client)
            return form_page(request, status=401, error="Wrong user name or password.")
        access.limiter.succeeded(client)
        cookie, _ = access.signer.issue(user or TOKEN_USER, access.clock(),
                                        auth.session_ms / 1000)
        target = safe_next(form.get("next"))
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, cookie, max_age=int(auth.session_ms / 1000), path="/",
                            httponly=True, samesite="lax", secure=access.is_https(request))
        response.delete_cookie(LOGIN_COOKIE, path="/login")
        return response

    async def logout(request: Request) -> Response:
        identity = identity_of(request)
        form = await _form(request)
        if identity is None or identity.session is None or form is None or \
                not _same_origin(request) or not hmac.compare_digest(
                    form.get("csrf", "").encode(), identity.session.csrf.encode()):
            return render(request, "error.html", "403", status=403,
                          detail="Logging out needs the form of a page of this dashboard.")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                               secure=access.is_https(request))
        return response

    return [Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"])]


def _check(access: Access, user: str, password: str) -> bool:
    """Whether the form's credentials are good; as slow for a wrong user as for a right one."""
    auth = access.auth
    assert auth is not None
    if not user:  # the token, pasted as the password
        burn_time(password)
        return bool(auth.token) and hmac.compare_digest(password.encode(),
                                                        (auth.token or "").encode())
    encoded = auth.users.get(user)
    if encoded is None:
        burn_time(password)
        return False
    return verify_password(password, encoded)
