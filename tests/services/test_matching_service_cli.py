"""``eventnet match SLUG`` and ``eventnet schedule SLUG``."""

from __future__ import annotations

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import Event, Meeting, Recommendation
from tests.services.test_matching_service import small_world


def test_match_then_schedule_from_the_command_line(app, cli) -> None:
    with app.app_context():
        world = small_world(slots=3, tables=2)
        slug, event_id = world.event.slug, world.event.id
    preview = cli.invoke(args=["match", slug, "--preview", "-k", "2"])
    assert preview.exit_code == 0, preview.output
    assert preview.output.startswith("Preview: ") and "coverage" in preview.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)) == 0

    stored = cli.invoke(args=["match", slug, "-k", "2", "--publish"])
    assert stored.exit_code == 0, stored.output
    assert "Stored: " in stored.output and "published" in stored.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Recommendation)) > 0
        assert db.session.get(Event, event_id).recommendations_published_at is not None

    scheduled = cli.invoke(args=["schedule", slug, "--max-meetings", "2", "--lock"])
    assert scheduled.exit_code == 0, scheduled.output
    assert "of the LP upper bound" in scheduled.output and "meetings locked" in scheduled.output
    with app.app_context():
        meetings = db.session.scalars(sa.select(Meeting)).all()
        assert meetings and all(m.locked for m in meetings)


def test_unknown_event_and_bad_settings_fail_cleanly(app, cli) -> None:
    missing = cli.invoke(args=["match", "no-such-event"])
    assert missing.exit_code != 0 and "No event" in missing.output
    with app.app_context():
        slug = small_world().event.slug
    bad = cli.invoke(args=["match", slug, "-k", "0"])
    assert bad.exit_code != 0 and "Error" in bad.output
    no_room = cli.invoke(args=["schedule", slug])
    assert no_room.exit_code != 0 and "slots and tables" in no_room.output
