"""Layer boundaries: storage never pulls in Appium/Selenium; robots never touch SQL."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_storage_imports_no_device_driver() -> None:
    code = (
        "import sys, storage, storage.kpi, storage.spool, storage.incidents, storage.prune\n"
        "import ronde.commands.db\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('appium', 'selenium', 'urllib3'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_robots_import_no_sqlalchemy_nor_storage() -> None:
    files = sorted((ROOT / "robots").rglob("*.py"))
    assert files, "robots/ has no modules?"
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in imported_modules(path)
            if name.split(".")[0] in ("sqlalchemy", "alembic", "psycopg", "storage")
        )
        for path in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}
