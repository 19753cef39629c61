"""`ronde start`'s wiring: alerting never switches itself off without a word."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from ronde import service
from ronde.config import Config
from storage import Store


def test_alerting_that_cannot_be_imported_stops_the_robot(monkeypatch: pytest.MonkeyPatch,
                                                          tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "scheduler.alerting", None)  # as if the module were gone
    store = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}")
    try:
        with pytest.raises(ImportError):
            service._alerts(store, Config(artifacts_dir=tmp_path / "artifacts"))
    finally:
        store.close()


def test_an_engine_that_cannot_start_is_an_error_in_the_log(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import scheduler.alerting

    def broken(*_args: object, **_kw: object) -> None:
        raise RuntimeError("no channel answers")

    monkeypatch.setattr(scheduler.alerting, "alert_engine", broken)
    store = Store.open(f"sqlite:///{tmp_path / 'ronde.db'}")
    try:
        with caplog.at_level(logging.ERROR, logger="ronde"):
            assert service._alerts(store, Config(artifacts_dir=tmp_path / "artifacts")) is None
    finally:
        store.close()
    assert [r.getMessage() for r in caplog.records] == ["alerts disabled: no channel answers"]
