"""Errors of the alerting layer; messages say what to do."""

from __future__ import annotations


class AlertError(Exception):
    """Base class for alerting errors."""


class IncidentNotFound(AlertError):
    def __init__(self, incident_id: int | str) -> None:
        super().__init__(
            f"no incident with id {incident_id} (list them with `ronde alerts`)"
        )
        self.incident_id = incident_id
