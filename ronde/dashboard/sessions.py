"""Signed session cookies: who logged in, until when, and the CSRF token of their forms.

The cookie is `<payload>.<HMAC-SHA256>`, both base64url; nothing secret is inside it, and a
cookie that was altered, or has expired, is simply not a session.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

COOKIE = "ronde_session"
LOGIN_COOKIE = "ronde_login"  # the CSRF token of the login form, before there is a session


@dataclass(frozen=True, slots=True)
class Session:
    user: str
    expires: float  # Unix seconds
    csrf: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Makes and checks session cookies with one key (random unless configured)."""

    def __init__(self, secret: str | None = None) -> None:
        material = secret.encode() if secret else secrets.token_bytes(32)
        self._key = hashlib.sha256(b"ronde-dashboard-session\0" + material).digest()

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, user: str, now: float, lifetime_s: float) -> tuple[str, Session]:
        """A new session for `user` and its cookie value."""
        session = Session(user, now + lifetime_s, secrets.token_urlsafe(24))
        payload = _b64(json.dumps({"u": session.user, "e": session.expires,
                                   "c": session.csrf}).encode())
        return f"{payload}.{self._mac(payload)}", session

    def read(self, cookie: str | None, now: float) -> Session | None:
        """The session in `cookie`, or None when absent, altered or expired."""
        if not cookie or cookie.count(".") != 1:
            return None
        payload, mac = cookie.split(".")
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            return None
        try:
            data = json.loads(_unb64(payload))
            session = Session(str(data["u"]), float(data["e"]), str(data["c"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        return session if session.expires > now else None

    def login_token(self, nonce: str) -> str:
        """The login form's CSRF token for a browser's `LOGIN_COOKIE` nonce."""
        return self._mac("login:" + nonce)

    def login_token_ok(self, nonce: str | None, token: str | None) -> bool:
        if not nonce or not token:
            return False
        return hmac.compare_digest(token.encode(), self.login_token(nonce).encode())
