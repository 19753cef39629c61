"""Maestro's workspace config.yaml (flows globs, includeTags/excludeTags, executionOrder), as
`validate`, `run` and `start` read a folder; on workspaces shaped like Maestro's own fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from journeys.parser import load_journeys
from journeys.workspace import glob_regex
from ronde.cli import main
from scheduler.catalog import Catalog

FLOW = "appId: com.example.app\n{extra}---\n- launchApp\n"
TAGGED = {"flowA.yaml": ["included", "featureA"], "flowA_subflow.yaml": ["featureA"],
          "flowB.yaml": ["included", "featureB"], "flowC.yaml": ["included"],
          "flowD.yaml": ["notIncluded"], "flowE.yaml": []}
# folder -> (config file name and text, {flow path: extra header lines})
WORKSPACES: dict[str, tuple[tuple[str, str] | None, dict[str, str]]] = {
    "simple": (None, {"flowA.yaml": "", "flowB.yaml": ""}),
    "include_pattern": (("config.yaml", "flows:\n  - featureA/*\n  - featureB/*\n"),
                        {"featureA/flowA.yaml": "", "featureB/flowB.yaml": "",
                         "featureC/flowC.yaml": "", "flowD.yaml": ""}),
    "subfolders": (("config.yaml", 'flows:\n  - "**"\n'),
                   {"featureA/flowA.yaml": "", "featureB/flowB.yaml": "",
                    "featureC/subfolder/flowC.yaml": "", "flowD.yaml": ""}),
    "literal_pattern": (("config.yaml", "flows: featureA/*\n"),
                        {"featureA/flowA.yaml": "", "featureB/flowB.yaml": ""}),
    "custom_fields": (("config.yml", "customField: Custom Value\n"),
                      {"flowA.yaml": "", "flowB.yaml": ""}),
    "include_tags": (("config.yaml", "includeTags:\n  - featureA\n"),
                     {n: f"tags: {t}\n" if t else "" for n, t in TAGGED.items()}),
    "exclude_tags": (("config.yaml", "excludeTags: notIncluded\n"),
                     {n: f"tags: {t}\n" if t else "" for n, t in TAGGED.items()}),
    "execution_order": (("config.yaml",
                         "executionOrder:\n  flowsOrder:\n    - flowB\n    - flowC\n"
                         "    - flowD\n"),
                        {"flowA.yaml": "", "flowB.yaml": "",
                         "flowCWithCustomName.yaml": "name: flowC\n", "flowD.yaml": ""}),
}


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("workspaces")
    for folder, (config, flows) in WORKSPACES.items():
        for name, extra in flows.items():
            path = root / folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(FLOW.format(extra=extra.replace("'", "")), encoding="utf-8")
        if config is not None:
            (root / folder / config[0]).write_text(config[1], encoding="utf-8")
    return root


def names(root: Path, folder: str) -> list[str]:
    journeys, problems = load_journeys([root / folder])
    assert problems == []
    return [j.path.relative_to(root / folder).as_posix() for j in journeys]


def test_flows_globs_choose_the_files(workspaces: Path) -> None:
    assert names(workspaces, "simple") == ["flowA.yaml", "flowB.yaml"]  # no config: top level
    assert names(workspaces, "include_pattern") == ["featureA/flowA.yaml", "featureB/flowB.yaml"]
    assert names(workspaces, "subfolders") == [
        "featureA/flowA.yaml", "featureB/flowB.yaml", "featureC/subfolder/flowC.yaml",
        "flowD.yaml"]
    assert names(workspaces, "literal_pattern") == ["featureA/flowA.yaml"]  # `flows:` as text
    assert names(workspaces, "custom_fields") == ["flowA.yaml", "flowB.yaml"]  # other keys


def test_tags_filter_and_execution_order(workspaces: Path) -> None:
    assert names(workspaces, "include_tags") == ["flowA.yaml", "flowA_subflow.yaml"]
    excluded = names(workspaces, "exclude_tags")
    assert "flowD.yaml" not in excluded and "flowE.yaml" in excluded
    # flowsOrder names flows by their `name:` (flowC's is flowC) or file name, first
    assert names(workspaces, "execution_order") == [
        "flowB.yaml", "flowCWithCustomName.yaml", "flowD.yaml", "flowA.yaml"]


def test_a_config_whose_globs_or_tags_match_nothing_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "flow.yaml").write_text("appId: a\ntags: [x]\n---\n- back\n")
    (tmp_path / "config.yaml").write_text("flows: [nothing/*]\n")
    _, problems = load_journeys([tmp_path])
    assert [p.message for p in problems] == [
        "flows: nothing/* match no journey file in this folder"]
    (tmp_path / "config.yaml").write_text("includeTags: [y]\n")
    journeys, problems = load_journeys([tmp_path])
    assert journeys == []
    assert [p.message for p in problems] == [
        "includeTags / excludeTags leave no journey in this folder"]


def test_java_glob_semantics() -> None:
    assert glob_regex("*").fullmatch("a.yaml") and not glob_regex("*").fullmatch("d/a.yaml")
    assert glob_regex("**").fullmatch("d/e/a.yaml")
    assert glob_regex("feature{A,B}/*.y?ml").fullmatch("featureB/x.yaml")
    assert not glob_regex("feature[!A]/*").fullmatch("featureA/x.yaml")


def test_validate_and_start_honour_the_workspace(tmp_path: Path) -> None:
    for name, tags in (("smoke", "[smoke]"), ("slow", "[slow]")):
        sub = tmp_path / "flows"
        sub.mkdir(exist_ok=True)
        (sub / f"{name}.yaml").write_text(f"appId: com.a\ntags: {tags}\nextra: 1\n---\n- back\n")
    (tmp_path / "config.yaml").write_text("flows: ['flows/*']\nexcludeTags: slow\n")
    result = CliRunner().invoke(main, ["validate", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "1 journey valid" in result.output
    assert "note: " in result.output and "'extra' is not a Ronde key" in result.output
    catalog = Catalog([tmp_path])
    assert catalog.load().added == ("smoke",)
