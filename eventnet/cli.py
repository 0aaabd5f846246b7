"""The ``eventnet`` command: Flask's CLI for this app plus eventnet's own commands."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def main() -> None:
    """Entry point of the ``eventnet`` console script (same as ``flask --app eventnet``)."""
    from . import create_app

    cli = FlaskGroup(create_app=lambda: create_app(), help="eventnet: networking events.")
    cli.main(prog_name="eventnet")


@click.command("create-organizer")
@click.argument("email")
@click.option("--name", default="", help="Display name.")
@click.option("--admin", is_flag=True, help="Make the organizer an administrator.")
@click.password_option(help="Password (prompted when omitted).")
@with_appcontext
def create_organizer_command(email: str, name: str, admin: bool, password: str) -> None:
    """Create an organizer account for EMAIL."""
    from .services import DomainError
    from .services.accounts import create_organizer

    try:
        create_organizer(email, password, name=name, admin=admin)
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created organizer {email.strip().lower()}{' (admin)' if admin else ''}.")


@click.command("demo")
@click.option("--attendees", default=150, show_default=True, help="Registrations per event.")
@click.option("--seed", default=42, show_default=True, help="Random seed (same seed, same world).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has events.")
@with_appcontext
def demo_command(attendees: int, seed: int, if_empty: bool) -> None:
    """Create a realistic demo world: an upcoming and a past event with attendees."""
    from .demo import DEMO_ORGANIZER_EMAIL, DEMO_ORGANIZER_PASSWORD, database_is_empty, load_demo

    if if_empty and not database_is_empty():
        click.echo("The database already has events; demo not loaded.")
        return
    summary = load_demo(attendees=attendees, seed=seed)
    click.echo(summary)
    click.echo(
        f"Organizer login: {DEMO_ORGANIZER_EMAIL} / {DEMO_ORGANIZER_PASSWORD} (at /auth/login)"
    )


@click.group("outbox")
def outbox_group() -> None:
    """The e-mail outbox (see eventnet/services/outbox.py)."""


@outbox_group.command("send")
@click.option("--limit", default=500, show_default=True, help="At most this many messages.")
@with_appcontext
def outbox_send_command(limit: int) -> None:
    """Deliver pending mail that is due; failures are retried later with backoff."""
    from .models import utcnow
    from .services.outbox import deliver_due

    report = deliver_due(utcnow(), limit=limit)
    click.echo(f"Outbox: {report}.")


@click.command("tick")
@with_appcontext
def tick_command() -> None:
    """Run the periodic work once (expire holds, reminders, deliver mail...); for cron."""
    from .models import utcnow
    from .services.tick import run_tick

    results = run_tick(utcnow())
    for result in results:
        click.echo(str(result))
    if any(r.error for r in results):
        raise SystemExit(1)


@click.command("api-token")
@click.argument("email")
@click.option("--name", default="CLI", show_default=True, help="What the token is for.")
@with_appcontext
def api_token_command(email: str, name: str) -> None:
    """Create a personal API token for the organizer EMAIL; the token is the last line."""
    import sqlalchemy as sa

    from .extensions import db
    from .models import OrganizerAccount, utcnow
    from .services import DomainError
    from .services.api_tokens import create_token

    account = db.session.scalar(
        sa.select(OrganizerAccount).where(OrganizerAccount.email == email.strip().lower())
    )
    if account is None:
        raise click.ClickException(f"No organizer account for {email}.")
    try:
        _token, secret = create_token(account.id, name, utcnow())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"API token for {account.email} ({name}); it is shown only once:")
    click.echo(secret)


def register_cli(app: Flask) -> None:
    app.cli.add_command(create_organizer_command)
    app.cli.add_command(api_token_command)
    app.cli.add_command(demo_command)
    from .pdf.cli import register_report_cli

    register_report_cli(app)
    app.cli.add_command(outbox_group)
    app.cli.add_command(tick_command)
    from .ops.cli import register_ops_cli

    register_ops_cli(app)
    from .matching_cli import register_matching_cli

    register_matching_cli(app)
