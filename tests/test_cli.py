"""The eventnet command: organizer creation and the deterministic demo."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import Event, OrganizerAccount, Registration, RegistrationStatus


def test_console_script_is_the_flask_cli() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from eventnet.cli import main; main()", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("db", "run", "create-organizer", "demo"):
        assert command in out


def test_create_organizer_prompts_for_the_password(cli, db_session) -> None:
    result = cli.invoke(
        args=["create-organizer", "Coord@Uni.example", "--admin"],
        input="a-long-password\na-long-password\n",
    )
    assert result.exit_code == 0, result.output
    account = db_session.scalar(sa.select(OrganizerAccount))
    assert account.email == "coord@uni.example" and account.is_admin
    assert account.check_password("a-long-password")
    assert "a-long-password" not in account.password_hash


def test_create_organizer_refuses_a_short_password(cli, db_session) -> None:
    result = cli.invoke(args=["create-organizer", "x@uni.example"], input="short\nshort\n")
    assert result.exit_code != 0 and "at least" in result.output


def _world() -> list[tuple[str, str, str]]:
    rows = db.session.execute(
        sa.select(Registration.email, Registration.role, Registration.status).order_by(
            Registration.id
        )
    )
    return [(e, r.value, s.value) for e, r, s in rows]


def test_demo_is_realistic_and_deterministic(cli, db_session) -> None:
    result = cli.invoke(args=["demo", "--seed", "7", "--attendees", "60"])
    assert result.exit_code == 0, result.output
    assert "organizer@eventnet.example" in result.output
    first = _world()
    statuses = {s for _, _, s in first}
    roles = {r for _, r, _ in first}
    assert roles == {"staff", "student", "employer"}
    assert {"confirmed", "waitlisted"} <= statuses
    events = db_session.scalars(sa.select(Event)).all()
    assert len(events) == 2
    for event in events:
        for quota in event.quotas:
            taken = db_session.scalar(
                sa.select(sa.func.count()).where(
                    Registration.event_id == event.id,
                    Registration.role == quota.role,
                    Registration.status.in_(
                        [RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING]
                    ),
                )
            )
            assert taken <= quota.capacity
    # Same seed, same world: rebuild from scratch and compare.
    db_session.execute(sa.delete(Registration))
    db_session.execute(sa.delete(Event))
    db_session.expunge_all()
    cli.invoke(args=["demo", "--seed", "7", "--attendees", "60"])
    assert [row[0] for row in _world()] == [row[0] for row in first]


def test_demo_if_empty_leaves_existing_data_alone(cli, db_session) -> None:
    cli.invoke(args=["demo", "--attendees", "10"])
    result = cli.invoke(args=["demo", "--if-empty"])
    assert "already has events" in result.output
