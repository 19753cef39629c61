"""`http.get/post/put/delete/request` of journey scripts: real HTTP from the robot, bounded.

Maestro's shape: `http.post(url, {headers: {...}, body: "..."})` returns
`{ok, status, body, headers}`; `request` takes the method in `params.method`. Every call is
bounded by the time left to the script and its answer by `MAX_BODY_BYTES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

MAX_BODY_BYTES = 5 * 1024 * 1024
MAX_TIMEOUT_S = 30.0
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")


class HttpFailed(Exception):
    """The request could not be made or answered; `str()` is a message for the script."""


class HttpBinding:
    """Makes the scripts' requests with one client per run (connections reused)."""

    def __init__(self, transport: httpx.BaseTransport | None = None) -> None:
        self._client = httpx.Client(follow_redirects=True, transport=transport,
                                    headers={"User-Agent": "ronde-robot"})

    def request(self, method: str, url: str, params: Mapping[str, Any], timeout_s: float,
                ) -> dict[str, Any]:
        method = str(params.get("method") or method).upper()
        if method not in METHODS:
            raise HttpFailed(f"http: unknown method {method!r} (expected one of "
                             f"{', '.join(METHODS)})")
        if not url.lower().startswith(("http://", "https://")):
            raise HttpFailed(f"http: {url.split(':', 1)[0]!r} URLs are not allowed "
                             "(expected http:// or https://)")
        headers = {str(k): str(v) for k, v in (params.get("headers") or {}).items()}
        body = params.get("body")
        content = None if body is None else str(body).encode("utf-8")
        timeout = max(0.05, min(timeout_s, MAX_TIMEOUT_S))
        try:
            with self._client.stream(method, url, headers=headers, content=content,
                                     timeout=timeout) as response:
                data = bytearray()
                for chunk in response.iter_bytes():
                    data += chunk
                    if len(data) > MAX_BODY_BYTES:
                        raise HttpFailed(f"http.{method.lower()}: the answer is larger than "
                                         f"{MAX_BODY_BYTES // 1024 // 1024} MiB")
                text = bytes(data).decode(response.encoding or "utf-8", errors="replace")
                return {
                    "ok": response.is_success,
                    "status": response.status_code,
                    "body": text,
                    "headers": {k: ",".join(response.headers.get_list(k))
                                for k in response.headers},
                }
        except httpx.TimeoutException:
            raise HttpFailed(f"http.{method.lower()} {_host(url)}: no answer within "
                             f"{timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise HttpFailed(f"http.{method.lower()} {_host(url)}: "
                             f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        self._client.close()


def _host(url: str) -> str:
    try:
        return httpx.URL(url).host or url
    except (httpx.InvalidURL, TypeError):
        return "?"


__all__ = ["MAX_BODY_BYTES", "HttpBinding", "HttpFailed"]
