"""Errors of the report, said so the user knows what to do."""

from __future__ import annotations


class ReportError(Exception):
    """The report could not be written (bad period, no Chromium for the PDF...)."""
