"""What `ronde run --no-store` imports: nothing of SQL, the scheduler, httpx or Pillow.

Every call pays for its imports (0.5-1 s were most of its cost beyond the journey): the
modules a run uses, imported as a fresh process would, must leave these out. The same check
after real runs, storing and not, is in tests/robots/test_run_command.py (it needs Appium).
"""

from __future__ import annotations

import json
import subprocess
import sys

NOT_LOADED = ("sqlalchemy", "storage", "alembic", "psycopg", "apscheduler", "httpx", "PIL")
RUN_PATH = (
    "ronde.cli", "ronde.commands.run", "ronde.config",
    "emulators.shared_appium", "emulators.appium_server",
    "robots.runner", "robots.backends.appium_native", "robots.js.engine", "robots.evidence",
)
LIST = f"""
import importlib, json, sys
for name in {RUN_PATH!r}:
    importlib.import_module(name)
print(json.dumps([m for m in {NOT_LOADED!r} if m in sys.modules]))
"""


def test_a_run_imports_no_sql_scheduler_nor_httpx() -> None:
    done = subprocess.run([sys.executable, "-c", LIST], capture_output=True, text=True,
                          timeout=120, check=True)
    assert json.loads(done.stdout) == []
