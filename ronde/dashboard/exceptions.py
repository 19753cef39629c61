"""Errors of the dashboard, said so the user knows what to do."""

from __future__ import annotations


class DashboardError(Exception):
    """The dashboard could not start (port taken, store unreachable...)."""
