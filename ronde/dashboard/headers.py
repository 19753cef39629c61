"""Security headers on every response: no script, no framing, no sniffing, no referrer leaks.

The pages use no JavaScript at all, so the policy allows none; the one inline style (the SVG
charts' sizing) is allowed by its hash, not by 'unsafe-inline'.
"""

from __future__ import annotations

import base64
import hashlib

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ronde.report.charts import SVG_STYLE


def _style_hash(style: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(style.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    f"style-src 'self' 'unsafe-hashes' {_style_hash(SVG_STYLE)}",
    "img-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware: adds SECURITY_HEADERS, and `no-store` to all but the static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not static and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"  # figures and evidence: never cached
            await send(message)

        await self.app(scope, receive, send_with_headers)
