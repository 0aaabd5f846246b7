"""``eventnet match SLUG`` and ``eventnet schedule SLUG``: matching and scheduling from a shell.

Both call the same services as the organizer screens (so settings, overrides, locks and the
audit log behave the same) and print the figures an organizer would check.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext


def _event_id(slug: str) -> int:
    import sqlalchemy as sa

    from .extensions import db
    from .models import Event

    event_id = db.session.scalar(sa.select(Event.id).where(Event.slug == slug))
    if event_id is None:
        raise click.ClickException(f"No event with the slug {slug!r}.")
    return int(event_id)


@click.command("match")
@click.argument("slug")
@click.option("-k", "--k", "k", type=int, help="People suggested to each attendee.")
@click.option("--exposure-cap", type=int, help="Most lists one person may be in (default 2k).")
@click.option("--preview", is_flag=True, help="Only print the figures; store nothing.")
@click.option("--publish", is_flag=True, help="Publish the suggestions to attendees afterwards.")
@with_appcontext
def match_command(
    slug: str, k: int | None, exposure_cap: int | None, preview: bool, publish: bool
) -> None:
    """Compute (and store) the recommendations of the event SLUG."""
    from .models import utcnow
    from .services import DomainError
    from .services import matching as svc

    event_id = _event_id(slug)
    kwargs = {} if exposure_cap is None else {"exposure_cap": exposure_cap}
    try:
        outcome = svc.run_matching(event_id, utcnow(), k=k, preview=preview, **kwargs)
        if publish and not preview:
            svc.publish_recommendations(event_id, utcnow())
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    s = outcome.summary
    q = s.quantiles
    click.echo(
        f"{'Preview' if preview else 'Stored'}: {s.recommendations} recommendations for "
        f"{s.participants} participants (k={s.k}, exposure cap {s.exposure_cap}) "
        f"in {s.seconds:.2f} s [{outcome.embedder}]"
    )
    click.echo(
        f"  coverage {s.coverage:.1%} ({s.short_lists} short lists), cross-role "
        f"{s.cross_role_share:.1%}, mutual {s.reciprocal_share:.1%}, exposure Gini "
        f"{s.exposure_gini:.2f} (max {s.max_exposure}), never shown {s.never_shown}"
    )
    if q:
        click.echo(f"  score median {q['median']:.3f} (p25 {q['p25']:.3f}, p75 {q['p75']:.3f})")
    if outcome.ignored_pins:
        click.echo(f"  {len(outcome.ignored_pins)} pins ignored: {outcome.ignored_pins}")
    if publish and not preview:
        click.echo("  published to attendees")


@click.command("schedule")
@click.argument("slug")
@click.option("--max-meetings", type=int, help="Meetings per person (saved on the event).")
@click.option("--lock", is_flag=True, help="Lock every meeting afterwards.")
@click.option("--publish", is_flag=True, help="Publish and e-mail the agendas afterwards.")
@with_appcontext
def schedule_command(slug: str, max_meetings: int | None, lock: bool, publish: bool) -> None:
    """Build the meeting schedule of the event SLUG (locked meetings stay)."""
    from .models import utcnow
    from .services import DomainError
    from .services import meetings as svc

    event_id = _event_id(slug)
    try:
        s = svc.schedule_meetings(event_id, utcnow(), max_meetings=max_meetings)
        locked = svc.lock_schedule(event_id, utcnow()) if lock else 0
        mailed = svc.publish_schedule(event_id, utcnow()) if publish else 0
    except DomainError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"Schedule: {s.meetings} meetings ({s.placed} placed, {s.kept} kept) in {s.seconds:.2f} s; "
        f"accepted requests {s.accepted_placed}/{s.accepted_total}; "
        f"{s.ratio:.1%} of the LP upper bound ({s.status}); "
        f"{s.without_meeting} participants without a meeting"
    )
    for a, b, reason in s.accepted_unplaced:
        click.echo(f"  accepted request {a}-{b} not placed: {reason}")
    if lock:
        click.echo(f"  {locked} meetings locked")
    if publish:
        click.echo(f"  published; {mailed} agendas e-mailed")


def register_matching_cli(app: Flask) -> None:
    app.cli.add_command(match_command)
    app.cli.add_command(schedule_command)
