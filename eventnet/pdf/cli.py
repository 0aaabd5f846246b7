"""``eventnet report SLUG -o FILE.pdf``: the event report from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext


@click.command("report")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the PDF (default: SLUG-report-DATE.pdf).",
)
@click.option("--attendees", is_flag=True, help="Add the list of consenting attendees.")
@click.option("--lang", default="en", show_default=True, help="Language of the report.")
@click.option(
    "--data",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the data behind the charts (.xlsx, or .zip of CSV files).",
)
@click.option("--timings", is_flag=True, help="Print where the time went.")
@with_appcontext
def report_command(
    slug: str, output: Path | None, attendees: bool, lang: str, data: Path | None, timings: bool
) -> None:
    """Write the report of the event SLUG as a PDF."""
    import sqlalchemy as sa
    from flask import current_app
    from flask_babel import force_locale

    from ..extensions import db
    from ..models import Event, utcnow
    from ..services import DomainError, reports

    event_id = db.session.scalar(sa.select(Event.id).where(Event.slug == slug))
    if event_id is None:
        raise click.ClickException(f"No event with the slug {slug!r}.")
    now = utcnow()
    spent = reports.ReportTimings()
    with current_app.test_request_context(), force_locale(lang):
        try:
            pdf = reports.build_event_report(
                event_id,
                now,
                include_attendees=attendees,
                lang=lang,
                timeout=float(current_app.config.get("REPORT_JOB_TIMEOUT_SECONDS", 600)),
                timings=spent,
            )
            if data is not None:
                blob = (
                    reports.chart_data_xlsx(event_id, now)
                    if data.suffix.lower() == ".xlsx"
                    else reports.chart_data_zip(event_id, now)
                )
                data.write_bytes(blob)
        except DomainError as exc:
            raise click.ClickException(exc.message) from exc
    target = output or Path(reports.report_filename(slug, now))
    target.write_bytes(pdf)
    click.echo(f"Wrote {target} ({spent.pages} pages, {len(pdf) / 1024:.0f} KiB).")
    if data is not None:
        click.echo(f"Wrote {data}.")
    if timings:
        click.echo(
            f"queries {spent.queries:.2f}s, figures {spent.figures:.2f}s, "
            f"charts+HTML {spent.charts:.2f}s, layout {spent.layout:.2f}s, "
            f"PDF {spent.write:.2f}s, total {spent.total:.2f}s"
        )


def register_report_cli(app: Flask) -> None:
    app.cli.add_command(report_command)
