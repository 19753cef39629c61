"""Names for the read side's filter menus and ranges: devices and the first run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from storage.engine import Database
from storage.models import DeviceRow, RunRow


def device_names(db: Database) -> list[str]:
    """Every device that ever ran, by name."""
    with db.read() as session:
        return list(session.scalars(select(DeviceRow.name).order_by(DeviceRow.name)))


def first_run_at(db: Database) -> datetime | None:
    """When the oldest stored run started: the start of "the trial" (an index read)."""
    with db.read() as session:
        return session.scalar(select(func.min(RunRow.started_at)))
