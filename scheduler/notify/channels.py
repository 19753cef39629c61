"""Named Apprise channels: any service Apprise knows (Slack, Teams, e-mail, PagerDuty, ...).

A channel is known by its name everywhere (logs, the notifications table); its URL holds
credentials and never leaves this module.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import apprise

from scheduler.notify.errors import BadChannelURL, DeliveryFailed

_URL_CREDENTIALS = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")


class AppriseChannel:
    def __init__(self, name: str, url: str) -> None:
        self.name = name
        self._url = url
        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
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
        with apprise.LogCapture(level=logging.WARNING) as logs:
            ok = self._apprise.notify(
                body=body, title=title, attach=attach, body_format=apprise.NotifyFormat.TEXT
            )
            reason = logs.getvalue() if not ok else ""
        if not ok:
            raise DeliveryFailed(f"channel {self.name!r}: {self._scrub(reason) or 'refused'}")

    def _scrub(self, text: str) -> str:
        text = text.replace(self._url, "<channel url>")
        text = _URL_CREDENTIALS.sub(r"\1•••@", text)
        lines = [line.split(" - ", 2)[-1] for line in text.strip().splitlines() if line.strip()]
        return "; ".join(lines)[-500:]
