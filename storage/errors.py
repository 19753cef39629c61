"""Storage errors. Callers catch these, never SQLAlchemy's own exceptions."""

from __future__ import annotations


class StorageError(Exception):
    """Something went wrong storing or reading results."""


class StorageUnavailable(StorageError):
    """The database cannot be reached (server down, file locked); results go to the spool."""


class StorageBusy(StorageUnavailable):
    """Another process holds a lock on the database (SQLite BEGIN EXCLUSIVE, PostgreSQL LOCK
    TABLE): the call gave up after its lock timeout instead of waiting; try again later."""


class StorageConflict(StorageBusy):
    """PostgreSQL rolled this transaction back to break a deadlock or a serialization
    conflict with a concurrent one: nothing was written, and the same write run again
    normally succeeds (the caller retries it, then spools it like any busy write)."""


class StorageFull(StorageUnavailable):
    """The database's disk is full: results wait in the spool until space returns."""


class DuplicateRun(StorageError):
    """Another run holds this journey's (scheduled_at, attempt) slot: do not run it twice."""


class DuplicateIncident(StorageError):
    """An incident with this dedup key is still open (firing or acknowledged)."""


class UnknownIncident(StorageError):
    """No incident has this id."""


class InvalidTransition(StorageError):
    """An incident state change that its lifecycle does not allow (e.g. from resolved)."""


class SpoolError(StorageError):
    """The local spool file cannot be written: a result would be lost, so this is loud."""
