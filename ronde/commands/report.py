"""`ronde report`: the trial report (HTML, inline charts, optional PDF) for decision makers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from journeys.durations import parse_duration


def _period(ctx: click.Context, param: click.Parameter, value: str) -> timedelta:
    if value.strip().isdigit():  # a duration's bare integer is milliseconds: an empty report
        raise click.BadParameter(f"{value!r} has no unit (expected a period like 7d, 10d or 36h)")
    try:
        return timedelta(milliseconds=parse_duration(value))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _missing_sqlite_file(url: str) -> Path | None:
    """The SQLite file a URL names when it does not exist (a report never creates a database)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


@click.command(name="report")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="ronde.yaml (default: ./ronde.yaml if present, else the defaults).")
@click.option("--since", "since", default="10d", show_default=True, callback=_period,
              help="Length of the trial period, ending now (or at --until): 7d, 10d, 36h...")
@click.option("--until", "until", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
              default=None, help="End of the period, UTC (default: now).")
@click.option("--out", "out", type=click.Path(path_type=Path), default=Path("report.html"),
              show_default=True, help="Where to write the HTML report.")
@click.option("--pdf", "pdf", type=click.Path(path_type=Path), default=None,
              help="Also print the report to this PDF file (needs Chromium).")
@click.option("--title", default=None,
              help="The report's title (default: 'Ronde trial report', in its language).")
@click.option("--lang", "lang", type=click.Choice(["en", "fr"]), default="en", show_default=True,
              help="The report's language: texts, dates and number formats.")
def command(
    config_path: Path | None,
    since: timedelta,
    until: datetime | None,
    out: Path,
    pdf: Path | None,
    title: str | None,
    lang: str,
) -> None:
    """Write the trial report: availability, response and load times, errors, incidents."""
    from ronde.commands.reading import storage_errors
    from ronde.config import ConfigError, load_command_config
    from ronde.report.exceptions import ReportError
    from ronde.report.pdf import html_to_pdf
    from ronde.report.render import render_report
    from ronde.report.store_source import StoreSource

    end = until.replace(tzinfo=UTC) if until else datetime.now(UTC)
    start = end - since
    try:
        config = load_command_config(config_path)
    except ConfigError as exc:
        raise click.ClickException(f"invalid configuration:\n{exc}") from exc
    missing = _missing_sqlite_file(config.storage_url)
    if missing is not None:
        raise click.ClickException(
            f"no results database at {missing} (the `storage:` of "
            f"{config_path or 'the default configuration'}): run the robot first, or pass "
            "--config with the ronde.yaml it used"
        )
    with storage_errors("cannot read the results database: "):
        source = StoreSource.open(config.storage_url)
        try:
            trial = source.trial(start, end)
        finally:
            source.close()
    out.parent.mkdir(parents=True, exist_ok=True)
    if title is None:
        title = "Rapport d'essai Ronde" if lang == "fr" else "Ronde trial report"
    out.write_text(render_report(trial, title=title, lang=lang), encoding="utf-8")
    click.echo(f"report: {out} ({len(trial.journeys)} journeys, {trial.overall.runs} runs)")
    if pdf is not None:
        try:
            html_to_pdf(out, pdf)
        except ReportError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"pdf: {pdf}")
