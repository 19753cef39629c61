"""Named Apprise channels: any service Apprise knows (Slack, Teams, e-mail, PagerDuty, ...).

A channel is known by its name everywhere (logs, the notifications table); its URL holds
credentials and never leaves this module.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import apprise

from scheduler.notify.errors import BadChannelURL, DeliveryFailed

_URL_CREDENTIALS = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
WIKI = "https://github.com/caronc/apprise/wiki"


class _Quiet(logging.Filter):
    """Keeps Apprise's log lines out of the robot's logs while Ronde works with a URL: they
    may quote it, tokens included. The lines go to whoever asked for them instead.
    """

    def __init__(self) -> None:
        super().__init__()
        self.threads: dict[int, list[str]] = {}  # add(): runs in the calling thread
        self.sending: list[list[str]] = []  # notify(): Apprise may use its own threads

    def filter(self, record: logging.LogRecord) -> bool:
        lines = self.threads.get(record.thread or 0)
        if lines is None and self.sending:
            lines = self.sending[-1]
        if lines is None:
            return True
        if record.levelno >= logging.WARNING:
            lines.append(record.getMessage())
        return False


_QUIET = _Quiet()
logging.getLogger("apprise").addFilter(_QUIET)
_SENDING = threading.Lock()  # deliveries are serial (one worker): one capture at a time


@contextmanager
def quiet_apprise(*, sending: bool = False) -> Iterator[list[str]]:
    """Apprise's warnings, captured instead of logged: this thread's only, or, `sending`,
    every thread's (Apprise may deliver from a pool thread) for one delivery at a time.
    """
    lines: list[str] = []
    if sending:
        with _SENDING:
            _QUIET.sending.append(lines)
            try:
                yield lines
            finally:
                _QUIET.sending.remove(lines)
        return
    me = threading.get_ident()
    _QUIET.threads[me] = lines
    try:
        yield lines
    finally:
        _QUIET.threads.pop(me, None)


def url_problem(url: str) -> str | None:
    """Why Apprise cannot use `url` (None: it can), in words that quote no part of it but
    its scheme: the rest may hold tokens or passwords.
    """
    from journeys.yamlnodes import did_you_mean

    match = _SCHEME.match(url)
    if match is None:
        return "not a URL (expected an Apprise URL like slack://... or mailtos://...)"
    scheme = match.group(1).lower()
    with quiet_apprise():
        ok = apprise.Apprise().add(url)
    if ok:
        return None
    known = _schemes()
    if scheme not in known:
        hint = did_you_mean(scheme, known)
        return (f"unknown Apprise service '{scheme}://'"
                f"{hint or f' (expected a service URL from {WIKI})'}")
    return (f"Apprise cannot use this {scheme}:// URL: a token, user, host or option is missing "
            f"or malformed (expected the {scheme}:// form described at {WIKI})")


def _schemes() -> list[str]:
    from apprise.manager_plugins import NotificationManager

    return sorted(str(s) for s in NotificationManager().schemas())


class AppriseChannel:
    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self._url = url
        self._apprise = apprise.Apprise()
        with quiet_apprise():
            added = self._apprise.add(url)
        if not added:
            raise BadChannelURL(
                f"channel {name!r}: Apprise does not understand its URL "
                "(see https://github.com/caronc/apprise/wiki for the URL of each service)"
            )

    def send(self, title: str, body: str, attachments: tuple[Path, ...] = ()) -> None:
        """Deliver once; raise DeliveryFailed with Apprise's own reason (URL scrubbed)."""
        attach = None
        present = [p for p in attachments if p.is_file()]
        if present:
            attach = apprise.AppriseAttachment()
            for path in present:
                attach.add(str(path))
        with quiet_apprise(sending=True) as logs:
            ok = self._apprise.notify(
                body=body, title=title, attach=attach, body_format=apprise.NotifyFormat.TEXT
            )
        reason = "\n".join(logs) if not ok else ""
        if not ok:
            raise DeliveryFailed(f"channel {self.name!r}: {self._scrub(reason) or 'refused'}")

    def _scrub(self, text: str) -> str:
        text = text.replace(self._url, "<channel url>")
        text = _URL_CREDENTIALS.sub(r"\1•••@", text)
        lines = [line.split(" - ", 2)[-1] for line in text.strip().splitlines() if line.strip()]
        return "; ".join(lines)[-500:]
