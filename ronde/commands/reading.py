"""How commands open the results database, and what they say when it is busy or down.

One message and one exit code for a database locked by another process, in every command:
`database busy (locked by another process): try again`, exit EXIT_BUSY (75, EX_TEMPFAIL of
sysexits.h: a temporary failure). Any other storage failure is a one-line error, exit 1.
Never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click

EXIT_BUSY = 75


@contextmanager
def storage_errors(prefix: str = "") -> Iterator[None]:
    """Storage errors inside the block become the command's clean error and exit code."""
    from storage.errors import StorageBusy, StorageError

    try:
        yield
    except StorageBusy as exc:
        busy(exc)
    except StorageError as exc:
        raise click.ClickException(f"{prefix}{exc}") from exc


@contextmanager
def reading(url: str, *, migrate: bool = True) -> Iterator[Any]:
    """A `storage.Store` for a read command. It never replays the robot's spool (that is
    the robot's job, and a write); storage errors as `storage_errors` says."""
    from storage import Store

    with storage_errors():
        store = Store.open(url, migrate=migrate, replay=False)
        try:
            yield store
        finally:
            store.close()


def busy(exc: Exception) -> NoReturn:
    click.echo(f"Error: {exc}", err=True)
    sys.exit(EXIT_BUSY)
