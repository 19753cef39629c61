"""Errors of the delivery layer; messages say what to do."""

from __future__ import annotations


class NotifyError(Exception):
    """Base class for delivery errors."""


class UnknownChannel(NotifyError):
    def __init__(self, name: str, known: list[str]) -> None:
        names = ", ".join(sorted(known)) or "none configured"
        super().__init__(
            f"no channel named {name!r} in ronde.yaml `channels:` (known: {names})"
        )
        self.name = name


class BadChannelURL(NotifyError):
    """Apprise does not understand a channel's URL."""


class DeliveryFailed(NotifyError):
    """One delivery attempt failed; the worker retries it with back-off."""


class NoAlertmanager(NotifyError):
    def __init__(self) -> None:
        super().__init__("no `alertmanager:` URL in ronde.yaml: add one to send alerts there")
