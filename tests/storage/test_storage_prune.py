"""Retention and the `ronde db` command: files first, then rows; counts reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from journeys.results import Artifact
from ronde.cli import main
from storage import StorageError, Store
from storage.migrate import head_revision
from storage.models import ArtifactRow, MeasurementRow, StepRow, TransactionRow
from tests.storage.builders import result, tx

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def artifact(root: Path, relative: str, *, create: bool = True) -> Artifact:
    path = root / relative
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x" * 10)
    return Artifact("screenshot", relative, "0" * 64, 10)


def count(store: Store, table: type) -> int:
    with store.db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def seed(store: Store, artifacts: Path) -> tuple[str, str]:
    old = result(at=NOW - timedelta(days=100), load_ms=900.0, run_id="old",
                 transactions=(tx("Launch", 900.0, load=True),),
                 artifacts=(artifact(artifacts, "old/failure.png"),
                            artifact(artifacts, "shared/logo.png"),
                            artifact(artifacts, "old/gone.png", create=False),
                            Artifact("texts", "../outside.txt", "0" * 64, 3)))
    recent = result(at=NOW - timedelta(days=10), run_id="recent",
                    transactions=(tx("Launch", 800.0, load=True),),
                    artifacts=(artifact(artifacts, "recent/ok.png"),
                               Artifact("screenshot", "shared/logo.png", "0" * 64, 10)))
    store.record_run(old)
    store.record_run(recent)
    incident = store.open_incident("k", kind="app", rule="r", journey="shop-login")
    store.resolve_incident(incident.id)
    store.record_notification(incident.id, "qa-mail", "resolved", True)
    return old.run_id, recent.run_id


def test_prune_deletes_files_then_rows(store_url: str, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"
    (tmp_path / "outside.txt").write_text("not ours")
    now = [NOW - timedelta(days=95)]
    store = Store.open(store_url, spool_path=tmp_path / "s.jsonl", clock=lambda: now[0])
    try:
        seed(store, artifacts)
        now[0] = NOW
        report = store.prune(timedelta(days=90), artifacts)
        assert (report.runs, report.files_deleted, report.files_missing) == (1, 1, 1)
        assert (report.bytes_freed, report.incidents, report.notifications) == (10, 1, 1)
        assert [r.run_id for r in store.runs()] == ["recent"]
        assert not (artifacts / "old").exists()  # file and its emptied folder
        assert (artifacts / "shared/logo.png").exists()  # still used by a kept run
        assert (artifacts / "recent/ok.png").exists()
        assert (tmp_path / "outside.txt").exists()  # never outside the artifacts dir
        assert (count(store, TransactionRow), count(store, ArtifactRow)) == (1, 2)
        assert (count(store, MeasurementRow), count(store, StepRow)) == (0, 0)
        assert store.incidents() == [] and store.notifications() == []
        assert store.prune(timedelta(days=90), artifacts).runs == 0
    finally:
        store.close()


def test_ronde_db_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    before = runner.invoke(main, ["db", "current", "--url", url])
    assert before.exit_code == 0, before.output
    assert "revision none" in before.output and "needs `ronde db upgrade`" in before.output
    upgraded = runner.invoke(main, ["db", "upgrade", "--url", url])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"at revision {head_revision()}" in upgraded.output
    after = runner.invoke(main, ["db", "current", "--url", url])
    assert "up to date" in after.output

    artifacts = tmp_path / "artifacts"
    store = Store.open(url, spool_path=tmp_path / "s.jsonl", clock=lambda: NOW)
    store.record_run(result(at=datetime.now(UTC) - timedelta(days=100),
                            artifacts=(artifact(artifacts, "a/1.png"),)))
    store.record_run(result(at=datetime.now(UTC) - timedelta(days=1)))
    store.close()
    pruned = runner.invoke(main, ["db", "prune", "--older-than", "90d", "--url", url,
                                  "--artifacts", str(artifacts)])
    assert pruned.exit_code == 0, pruned.output
    assert "1 runs, 1 artifact files (10 bytes" in pruned.output
    assert not (artifacts / "a/1.png").exists()
    bad = runner.invoke(main, ["db", "prune", "--older-than", "soon", "--url", url])
    assert bad.exit_code == 2 and "expected an age like 90d" in bad.output
    down = runner.invoke(main, ["db", "upgrade", "--url",
                                "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert down.exit_code == 1 and "unreachable" in down.output
    down_current = runner.invoke(main, ["db", "current", "--url",
                                        "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert down_current.exit_code == 1 and "unreachable" in down_current.output
    assert not isinstance(down_current.exception, StorageError)  # a message, no traceback
    other = runner.invoke(main, ["db", "current", "--url", "mysql://u:hunter2@h/db"])
    assert other.exit_code == 1 and "database URL mysql://...: " in other.output
    assert "SQLite or PostgreSQL" in other.output and "hunter2" not in other.output


def test_ronde_db_reads_the_configuration(tmp_path: Path) -> None:
    db = tmp_path / "from-config.db"
    config = tmp_path / "ronde.yaml"
    config.write_text(f"storage: sqlite:///{db}\nartifacts: {tmp_path / 'art'}\n")
    runner = CliRunner()
    done = runner.invoke(main, ["db", "upgrade", "--config", str(config)])
    assert done.exit_code == 0, done.output
    assert db.exists() and str(db) in done.output
    pruned = runner.invoke(main, ["db", "prune", "--older-than", "12w", "--config", str(config)])
    assert pruned.exit_code == 0 and "0 runs" in pruned.output
    config.write_text("storage: [not, a, url]\n")
    bad = runner.invoke(main, ["db", "current", "--config", str(config)])
    assert bad.exit_code == 1 and "ronde.yaml:1" in bad.output
    missing = runner.invoke(main, ["db", "current", "--config", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "no such configuration file" in missing.output
