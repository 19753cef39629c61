"""Hostile journeys and ronde.yaml files: each refused fast and cleanly, reading nothing outside.

The corpus is data in tests/security/hostile/ (journeys/ and config/); cases that need this
machine's paths (an oversize file, symbolic links, a secret beside the journeys' folder) are
made in a temporary folder. Every refusal goes through the commands' own loaders: `validate`,
`run` and `start`'s (the scheduler's catalogue), in process.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from ronde.cli import main
from ronde.config import default_config
from ronde.service import _loader
from scheduler.catalog import Catalog

HOSTILE = Path(__file__).parent / "hostile"
JOURNEYS = sorted((HOSTILE / "journeys").glob("*.yaml"))
CONFIGS = sorted((HOSTILE / "config").glob("*.yaml"))
EXAMPLE = Path(__file__).parents[2] / "journeys" / "examples" / "maestro-home-smoke.yaml"
POSITION = re.compile(r"^\S+:\d+:\d+: \S", re.MULTILINE)
PASSWD = Path("/etc/passwd").read_text(encoding="utf-8", errors="replace")
SECRET = "TOPSECRET-4f1c-ronde-must-never-show-this"
LIMIT_S = 2.0


def leaked(text: str) -> list[str]:
    """Pieces of /etc/passwd (or of the planted secret) found in a message."""
    pieces = [SECRET, "root:x:0", "/bin/bash", "nologin", *PASSWD.splitlines()[:3]]
    return [p for p in pieces if p and p in text]


def invoke(*args: str) -> tuple[Result, float]:
    start = time.perf_counter()
    result = CliRunner().invoke(main, list(args), catch_exceptions=True)
    return result, time.perf_counter() - start


def assert_refused(result: Result, seconds: float, code: int) -> None:
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"an exception escaped: {result.exception!r}\n{text}"
    assert result.exit_code == code, text
    assert "Traceback" not in text
    assert POSITION.search(text), f"no file:line:column in:\n{text}"
    assert not leaked(text), leaked(text)
    assert seconds < LIMIT_S, f"{seconds:.2f} s"


def test_the_corpus_has_at_least_fifty_hostile_files() -> None:
    assert len(JOURNEYS) + len(CONFIGS) >= 50
    assert len(JOURNEYS) >= 40 and len(CONFIGS) >= 10


@pytest.mark.parametrize("path", JOURNEYS, ids=lambda p: p.stem)
def test_hostile_journey_is_refused_by_every_loader(path: Path) -> None:
    assert_refused(*invoke("validate", str(path)), code=1)
    assert_refused(*invoke("run", str(path), "--no-store"), code=2)
    start = time.perf_counter()
    reload = Catalog([path], loader=_loader(default_config())).load()  # `ronde start`'s loading
    assert time.perf_counter() - start < LIMIT_S
    assert reload.problems and not reload.added
    assert all(p.pos.line >= 1 and p.pos.column >= 1 for p in reload.problems)
    assert not leaked("\n".join(str(p) for p in reload.problems))
    assert not Path("/tmp/ronde-pwned").exists()  # `!!python/object/apply` never constructed


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_hostile_ronde_yaml_is_refused_by_every_command(path: Path) -> None:
    assert_refused(*invoke("validate", str(EXAMPLE), "--config", str(path)), code=1)
    assert_refused(*invoke("run", str(EXAMPLE), "--config", str(path), "--no-store"), code=2)
    assert_refused(*invoke("start", str(EXAMPLE), "--config", str(path), "--once",
                           "--dashboard", "off", "--no-live"), code=2)


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """journeys/ beside secret.yaml (a valid-looking flow whose text is a secret)."""
    (tmp_path / "secret.yaml").write_text(f"appId: {SECRET}\n---\n- inputText: {SECRET}\n")
    (tmp_path / "secret.txt").write_text(SECRET + "\n")
    root = tmp_path / "journeys"
    root.mkdir()
    return root


@pytest.mark.parametrize("flow", ["../secret.yaml", "{tmp}/secret.yaml", "link.yaml",
                                  "inner/../../secret.yaml", "linked-dir/secret.yaml",
                                  "../secret.txt", "text-link.yaml"])
def test_sub_flows_outside_the_root_are_never_read(planted: Path, flow: str) -> None:
    (planted / "link.yaml").symlink_to(planted.parent / "secret.yaml")
    (planted / "text-link.yaml").symlink_to(planted.parent / "secret.txt")
    (planted / "linked-dir").symlink_to(planted.parent)
    (planted / "inner").mkdir()
    journey = planted / "main.yaml"
    journey.write_text(f"appId: com.x\n---\n- runFlow: {flow.format(tmp=planted.parent)}\n")
    result, seconds = invoke("validate", str(journey))
    assert_refused(result, seconds, code=1)
    assert "outside the journeys' folder" in result.output + result.stderr or \
        "not a .yaml file" in result.output + result.stderr


def test_a_link_out_of_the_journeys_folder_is_not_loaded(planted: Path) -> None:
    (planted / "evil.yaml").symlink_to(planted.parent / "secret.yaml")
    (planted / "passwd.yaml").symlink_to("/etc/passwd")
    (planted / "good.yaml").write_text(EXAMPLE.read_text())
    result, seconds = invoke("validate", str(planted))
    assert_refused(result, seconds, code=1)
    assert "1 journey valid" in result.stderr and "a link to a file outside" in result.stderr


def test_flow_roots_lets_a_configured_folder_in(planted: Path) -> None:
    shared = planted.parent / "shared"
    shared.mkdir()
    (shared / "login.yaml").write_text("appId: com.x\n---\n- back\n")
    journey = planted / "main.yaml"
    journey.write_text("appId: com.x\n---\n- runFlow: ../shared/login.yaml\n")
    assert invoke("validate", str(journey))[0].exit_code == 1
    config = planted.parent / "ronde.yaml"
    config.write_text("flow_roots: [shared]\n")
    done, _ = invoke("validate", str(journey), "--config", str(config))
    assert done.exit_code == 0, done.output + done.stderr


def test_link_schemes_enables_a_refused_scheme(tmp_path: Path) -> None:
    journey = tmp_path / "j.yaml"
    journey.write_text("appId: com.x\n---\n- openLink: file:///srv/app/index.html\n")
    refused, _ = invoke("validate", str(journey))
    assert refused.exit_code == 1 and "file: links are refused" in refused.stderr
    assert "/srv/app" not in refused.stderr  # only the scheme is named
    config = tmp_path / "ronde.yaml"
    config.write_text("link_schemes: [file]\n")
    done, _ = invoke("validate", str(journey), "--config", str(config))
    assert done.exit_code == 0, done.stderr


def test_an_oversize_journey_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w") as handle:
        handle.write("appId: com.x\n---\n")
        handle.write("- inputText: " + "x" * 100 + "\n" * 1)
        handle.write(("- back\n" * 10_000) * 30)  # 2 MiB
    result, seconds = invoke("validate", str(big))
    assert_refused(result, seconds, code=1)
    assert "larger than 1.0 MiB" in result.stderr
    assert seconds < 0.5


def test_an_oversize_ronde_yaml_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "ronde.yaml"
    config.write_text("# padding\n" * 200_000)
    assert_refused(*invoke("validate", str(EXAMPLE), "--config", str(config)), code=1)
