"""The protocol's word decides the category before any text: browser error pages, the main
document's status, the last HTTP answer in the device log."""

from __future__ import annotations

from journeys.results import Category
from robots.httpstatus import endpoint, from_browser, from_logs


def test_browser_error_pages_and_document_status() -> None:
    assert from_browser("ERR_CONNECTION_REFUSED", None).category is Category.NETWORK
    assert from_browser("ERR_NAME_NOT_RESOLVED", None).category is Category.NETWORK
    assert from_browser("ERR_CERT_DATE_INVALID", None).category is Category.NETWORK
    assert from_browser("ERR_INVALID_RESPONSE", None).category is Category.BACKEND
    assert from_browser(None, 503, "https://shop/x").category is Category.BACKEND
    assert from_browser(None, 429).category is Category.BACKEND
    assert from_browser(None, 401).category is Category.AUTHENTICATION
    assert from_browser(None, 404) is None and from_browser(None, 200) is None


def test_the_last_http_answer_in_logcat_decides() -> None:
    lines = [
        "11-25 10:00:00.000  1234  1271 I okhttp.OkHttpClient: <-- 200 OK "
        "https://api/v1/config (80ms)",
        "11-25 10:00:01.000  1234  1271 I okhttp.OkHttpClient: --> POST https://api/v1/session",
        "11-25 10:00:01.700  1234  1271 I okhttp.OkHttpClient: <-- 503 Service Unavailable "
        "https://api/v1/session (700ms)",
    ]
    sign = from_logs(lines)
    assert sign is not None and sign.category is Category.BACKEND
    assert "HTTP 503 from /v1/session" in sign.reason
    assert from_logs(lines[:1]) is None  # the app's calls work
    assert from_logs([*lines, lines[0]]) is None  # it answered again since
    failed = "I okhttp.OkHttpClient: <-- HTTP FAILED: java.net.UnknownHostException: host"
    assert from_logs([failed]).category is Category.NETWORK
    assert from_logs(["<-- 401 Unauthorized https://api/v1/session"]).category is (
        Category.AUTHENTICATION)
    assert from_logs(["NSURLSession task finished, status code: 502"]).category is (
        Category.BACKEND)
    assert endpoint("<-- 500 https://api.example/v2/transfers?id=3 (12ms)") == "/v2/transfers"
