"""Named Apprise channels: any service Apprise knows (Slack, Teams, e-mail, PagerDuty, ...).

A channel is known by its name everywhere (logs, the notifications table); its URL holds
credentials and never leaves this module.
"""

from __future__ import annotations

import contextvars
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import apprise

from scheduler.notify.errors import BadChannelURL, DeliveryFailed

_URL_CREDENTIALS = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
WIKI = "https://github.com/caronc/apprise/wiki"


# Apprise's warnings during Ronde's own calls: they may quote a channel URL, tokens included,
# so they go to whoever asked for them, never to the robot's logs. A context variable, not a
# thread id: Apprise 2 delivers from its pool threads with a copy of the caller's context,
# and several channels deliver at the same time (one lane each).
_CAPTURE: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "ronde_apprise_capture", default=None
)


class _Quiet(logging.Filter):
    """Diverts Apprise's records emitted inside `quiet_apprise()` (warnings and worse are kept
    for the caller, the rest dropped); records outside it pass untouched."""

    def filter(self, record: logging.LogRecord) -> bool:
        lines = _CAPTURE.get()
        if lines is None:
            return True
        if record.levelno >= logging.WARNING:
            lines.append(record.getMessage())
        return False


logging.getLogger("apprise").addFilter(_Quiet())


@contextmanager
def quiet_apprise() -> Iterator[list[str]]:
    """Apprise's warnings of the calls made inside, captured instead of logged."""
    lines: list[str] = []
    token = _CAPTURE.set(lines)
    try:
        yield lines
    finally:
        _CAPTURE.reset(token)


@dataclass(frozen=True, slots=True)
class UrlProblem:
    """Why Apprise cannot use a channel URL, in words that quote no part of it but its scheme.

    `usable`: a known service whose tokens are placeholders or malformed — the robot still
    starts and says so (alerts to it will fail); otherwise the URL is refused.
    """

    text: str
    usable: bool = False


def url_problem(url: str) -> UrlProblem | None:
    """Why Apprise cannot use `url` (None: it can); the rest of the URL may hold tokens or
    passwords, so only its scheme is ever quoted.
    """
    from journeys.yamlnodes import did_you_mean

    match = _SCHEME.match(url)
    if match is None:
        return UrlProblem("not a URL (expected an Apprise URL like slack://... or mailtos://...)")
    scheme = match.group(1).lower()
    with quiet_apprise():
        ok = apprise.Apprise().add(url)
    if ok:
        return None
    known = _schemes()
    if scheme not in known:
        hint = did_you_mean(scheme, known)
        return UrlProblem(f"unknown Apprise service '{scheme}://'"
                          f"{hint or f' (expected a service URL from {WIKI})'}")
    return UrlProblem(f"Apprise cannot use this {scheme}:// URL: a token, user, host or option "
                      f"is missing or malformed (expected the {scheme}:// form described at "
                      f"{WIKI})", usable=True)


def _schemes() -> list[str]:
    from apprise.manager_plugins import NotificationManager

    return sorted(str(s) for s in NotificationManager().schemas())


class AppriseChannel:
    """One named channel; each attempt gives up after `timeout_s` (the channel's answer
    included), so a channel that never answers costs a bounded wait in its own lane."""

    def __init__(self, name: str, url: str, *, timeout_s: float = 10.0) -> None:
        self.name = name
        self.timeout_s = timeout_s
        self._url = url
        self._apprise = apprise.Apprise()
        with quiet_apprise():
            added = self._apprise.add(url)
        if not added:
            raise BadChannelURL(
                f"channel {name!r}: Apprise does not understand its URL "
                "(see https://github.com/caronc/apprise/wiki for the URL of each service)"
            )
        # the attempt's deadline says "no answer"; the abandoned socket gives up just after it
        socket_s = timeout_s + 1.0
        for service in self._apprise:
            service.socket_connect_timeout = min(service.socket_connect_timeout, socket_s)
            service.socket_read_timeout = min(service.socket_read_timeout, socket_s)

    def send(self, title: str, body: str, attachments: tuple[Path, ...] = ()) -> None:
        """Deliver once; raise DeliveryFailed with Apprise's own reason (URL scrubbed)."""
        attach = None
        present = [p for p in attachments if p.is_file()]
        if present:
            attach = apprise.AppriseAttachment()
            for path in present:
                attach.add(str(path))
        with quiet_apprise() as logs:
            result = self._apprise.notify(
                body=body, title=title, attach=attach, body_format=apprise.NotifyFormat.TEXT,
                timeout=self.timeout_s,
            )
        if result:
            return
        if result.status == apprise.AppriseResultStatus.TIMEOUT:
            raise DeliveryFailed(f"channel {self.name!r}: no answer within {self.timeout_s:g} s")
        reason = self._scrub("\n".join(logs))
        raise DeliveryFailed(f"channel {self.name!r}: {reason or 'refused'}")

    def _scrub(self, text: str) -> str:
        text = text.replace(self._url, "<channel url>")
        text = _URL_CREDENTIALS.sub(r"\1•••@", text)
        lines = [line.split(" - ", 2)[-1] for line in text.strip().splitlines() if line.strip()]
        return "; ".join(lines)[-500:]
