"""What the network said: browser error pages, the main document's HTTP status, logcat's HTTP
lines — the evidence that decides network vs backend vs authentication before any text does.

A screen's words can lie (a shop may print "Oops" for a 503), the protocol does not: these
rules run before the text patterns of `robots.patterns`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from journeys.results import Category

# Chromium's `net::ERR_*` codes that mean the server answered, but wrongly.
_SERVER_ERRORS = frozenset({
    "ERR_INVALID_RESPONSE", "ERR_HTTP_RESPONSE_CODE_FAILURE", "ERR_INVALID_HTTP_RESPONSE",
    "ERR_RESPONSE_HEADERS_TRUNCATED", "ERR_CONTENT_DECODING_FAILED",
})
# OkHttp's logging interceptor: `<-- 503 Service Unavailable https://... (120ms)`, or
# `<-- HTTP FAILED: java.net.UnknownHostException: ...`.
_OKHTTP = re.compile(r"<--\s+(?:(?P<status>[1-5]\d\d)\b(?P<rest>[^\n]*)|HTTP FAILED:\s*"
                     r"(?P<failed>[^\n]*))")
# iOS / generic lines: `HTTP/1.1 503`, `status code: 503`, `statusCode=503`.
_GENERIC = re.compile(r"(?i)\bHTTP/\d(?:\.\d)?\s+(?P<a>[1-5]\d\d)\b"
                      r"|\bstatus\s*code[=: ]+(?P<b>[1-5]\d\d)\b")
_URL = re.compile(r"\b(?:https?://[^\s()]+|/[\w./-]+)")


@dataclass(frozen=True, slots=True)
class HttpSign:
    """One protocol-level sign of a failure, with the category it decides."""

    category: Category
    reason: str


def net_error_category(code: str) -> Category:
    """A browser error page's code: the network, unless the server answered garbage."""
    return Category.BACKEND if code in _SERVER_ERRORS else Category.NETWORK


def status_category(status: int | None) -> Category | None:
    """An HTTP status that decides the category on its own (None: it does not)."""
    if status is None:
        return None
    if status >= 500 or status == 429:
        return Category.BACKEND
    if status in (401, 407):
        return Category.AUTHENTICATION
    return None


def from_browser(error_code: str | None, http_status: int | None,
                 url: str | None = None) -> HttpSign | None:
    """The browser's error page, else the main document's status."""
    if error_code:
        category = net_error_category(error_code)
        return HttpSign(category, f"the browser shows its error page net::{error_code}")
    category = status_category(http_status)
    if category is not None:
        where = f" for {url}" if url else ""
        return HttpSign(category, f"the page answered HTTP {http_status}{where}")
    return None


def from_logs(lines: Sequence[str]) -> HttpSign | None:
    """The last HTTP answer the app logged (OkHttp, NSURLSession-like lines): a failed call
    or an error status decides; a success after it means the app's calls work again."""
    for line in reversed(lines):
        okhttp = _OKHTTP.search(line)
        if okhttp is not None:
            if okhttp.group("failed") is not None:
                return HttpSign(Category.NETWORK, f"the device log shows a failed HTTP call: "
                                f"{okhttp.group('failed')[:120]}")
            status = int(okhttp.group("status"))
            return _status_sign(status, okhttp.group("rest") or "")
        generic = _GENERIC.search(line)
        if generic is not None:
            return _status_sign(int(generic.group("a") or generic.group("b")), line)
    return None


def endpoint(text: str) -> str | None:
    """The request path in an HTTP log line (`/v1/session`), for a narrower diagnosis."""
    found = _URL.search(text)
    if found is None:
        return None
    url = found.group(0)
    path = re.sub(r"^https?://[^/]+", "", url) or "/"
    return path.split("?", 1)[0]


def _status_sign(status: int, context: str) -> HttpSign | None:
    category = status_category(status)
    if category is None:
        return None
    where = endpoint(context)
    return HttpSign(category, f"the device log shows HTTP {status}"
                    + (f" from {where}" if where else ""))
