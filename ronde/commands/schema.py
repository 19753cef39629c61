"""`ronde schema [-o FILE]`: the JSON Schema of journey files, for editors."""

from __future__ import annotations

import json
from pathlib import Path

import click

from journeys.schema import journey_schema


@click.command(name="schema")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the schema to this file (default: standard output).")
def command(output: Path | None) -> None:
    """Print the JSON Schema (draft 2020-12) of journey files (for yaml-language-server)."""
    text = json.dumps(journey_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}", err=True)
