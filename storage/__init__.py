"""Every run in SQL (SQLAlchemy 2, Alembic): SQLite by default, PostgreSQL at scale; no Appium."""

from storage.errors import (
    DuplicateIncident,
    DuplicateRun,
    StorageError,
    StorageUnavailable,
)
from storage.records import (
    IncidentRecord,
    NotificationRecord,
    Recorded,
    RunDetail,
    RunRecord,
    TransactionRecord,
)
from storage.store import DEFAULT_URL, Store

__all__ = [
    "DEFAULT_URL",
    "DuplicateIncident",
    "DuplicateRun",
    "IncidentRecord",
    "NotificationRecord",
    "Recorded",
    "RunDetail",
    "RunRecord",
    "StorageError",
    "StorageUnavailable",
    "Store",
    "TransactionRecord",
]
