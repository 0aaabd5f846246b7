"""Connections: who may confirm whom, when it counts, and whose contact card can be downloaded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import Connection, Meeting, MeetingSlot, MeetingTable, Registration
from eventnet.services import DomainError, NotFound
from eventnet.services.connections import (
    _fold,
    connections_page,
    export_vcards,
    search_attendees,
    set_connection,
    vcard_text,
)
from tests.factories import make_event, make_organization, make_registration

STARTS = datetime(2027, 4, 15, 10, 0, tzinfo=UTC)
AFTER = STARTS + timedelta(days=1)


def _people():  # type: ignore[no-untyped-def]
    firm = make_organization("Kestävä Materials Oy")
    event = make_event(starts_at=STARTS)
    at = STARTS + timedelta(minutes=10)
    ana = make_registration(event, name="Ana Student", checked_in_at=at)
    ben = make_registration(
        event,
        name="Ben Employer",
        role="employer",
        checked_in_at=at,
        organization_id=firm.id,
        job_title="CTO; founder, \\ owner",
    )
    hidden = make_registration(
        event, name="Hanna Hidden", role="staff", checked_in_at=at, consent_profile_at=None
    )
    absent = make_registration(event, name="Ali Absent", role="employer")  # never checked in
    return event, ana, ben, hidden, absent


def _reload(reg: Registration) -> Registration:
    fresh = db.session.get(Registration, reg.id)
    assert fresh is not None
    return fresh


def test_a_connection_counts_once_both_confirm_and_withdrawing_undoes_it(app_ctx) -> None:
    _event, ana, ben, *_ = _people()
    state = set_connection(ana, ben.id, True, AFTER)
    assert state.mine and not state.theirs and not state.confirmed
    row = db.session.scalar(sa.select(Connection))
    assert row is not None and (row.first_id, row.second_id) == tuple(sorted((ana.id, ben.id)))

    page = connections_page(_reload(ben), AFTER)
    assert [c.name for c in page.awaiting_me] == ["Ana Student"] and not page.confirmed
    assert set_connection(_reload(ben), ana.id, True, AFTER).confirmed
    assert [c.name for c in connections_page(_reload(ana), AFTER).confirmed] == ["Ben Employer"]

    # Confirming twice changes nothing; withdrawing one side leaves a one-sided connection,
    # withdrawing both removes the row.
    assert set_connection(_reload(ana), ben.id, True, AFTER).confirmed
    assert not set_connection(_reload(ana), ben.id, False, AFTER).confirmed
    set_connection(_reload(ben), ana.id, False, AFTER)
    assert db.session.scalar(sa.select(sa.func.count(Connection.id))) == 0


def test_only_attendees_after_the_start_and_never_hidden_strangers(app_ctx) -> None:
    _event, ana, ben, hidden, absent = _people()
    with pytest.raises(DomainError):
        set_connection(ana, ben.id, True, STARTS - timedelta(hours=1))
    with pytest.raises(NotFound):
        set_connection(_reload(ana), absent.id, True, AFTER)  # not an attendee
    with pytest.raises(NotFound):
        set_connection(_reload(ana), ana.id, True, AFTER)  # not yourself
    with pytest.raises(NotFound):
        set_connection(_reload(ana), hidden.id, True, AFTER)  # hides their profile, never met
    with pytest.raises(DomainError):
        set_connection(_reload(absent), ana.id, True, AFTER)  # the no-show cannot connect
    # But a hidden person may confirm someone, and then be confirmed back.
    set_connection(_reload(hidden), ana.id, True, AFTER)
    assert set_connection(_reload(ana), hidden.id, True, AFTER).confirmed


def test_a_meeting_partner_can_be_confirmed_even_with_a_hidden_profile(app_ctx) -> None:
    event, ana, _ben, hidden, _absent = _people()
    slot = MeetingSlot(event_id=event.id, starts_at=STARTS, ends_at=STARTS + timedelta(minutes=15))
    table = MeetingTable(event_id=event.id, label="T1")
    db.session.add_all([slot, table])
    db.session.flush()
    first, second = sorted((ana.id, hidden.id))
    db.session.add(
        Meeting(
            event_id=event.id, first_id=first, second_id=second, slot_id=slot.id, table_id=table.id
        )
    )
    db.session.commit()
    page = connections_page(_reload(ana), AFTER)
    assert [(c.name, c.met) for c in page.met] == [("Hanna Hidden", True)]
    assert set_connection(_reload(ana), hidden.id, True, AFTER).mine


def test_search_finds_only_attendees_who_show_their_profile(app_ctx) -> None:
    _event, ana, *_ = _people()
    make_registration(make_event(), name="Ben Elsewhere", checked_in_at=STARTS)  # another event
    assert [c.name for c in search_attendees(ana, "ben")] == ["Ben Employer"]
    assert [c.name for c in search_attendees(ana, "kestävä")] == ["Ben Employer"]
    assert search_attendees(ana, "hanna") == []  # hidden profile
    assert search_attendees(ana, "ali") == []  # did not attend
    assert search_attendees(ana, "ana") == []  # not yourself
    assert search_attendees(ana, "%") == [] and search_attendees(ana, "  ") == []


def test_vcards_only_for_confirmed_connections_where_both_show_their_profile(app_ctx) -> None:
    _event, ana, ben, hidden, _absent = _people()
    with pytest.raises(NotFound):
        export_vcards(ana, "15 April 2027")
    set_connection(ana, ben.id, True, AFTER)
    with pytest.raises(NotFound):  # Ben has not confirmed yet
        export_vcards(_reload(ana), "15 April 2027")
    set_connection(_reload(ben), ana.id, True, AFTER)
    set_connection(_reload(hidden), ana.id, True, AFTER)
    set_connection(_reload(ana), hidden.id, True, AFTER)
    text = export_vcards(_reload(ana), "15 April 2027")
    assert text.count("BEGIN:VCARD") == 1  # Ben, not Hanna who hides her profile
    assert "FN:Ben Employer\r\n" in text and "ORG:Kestävä Materials Oy\r\n" in text
    assert "TITLE:CTO\\; founder\\, \\\\ owner\r\n" in text
    assert text.endswith("END:VCARD\r\n")
    with pytest.raises(NotFound):  # Hanna hides her profile: no cards for her either
        export_vcards(_reload(hidden), "15 April 2027")


def test_vcard_lines_are_folded_at_75_octets_without_splitting_characters() -> None:
    class Person:
        name = "Nguyễn " * 20
        email = "n@example.org"
        organization = None
        job_title = "Line one\nline two"

    text = vcard_text([Person()], "Event", "1 May 2027")  # type: ignore[list-item]
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert "TITLE:Line one\\nline two" in text
    unfolded = text.replace("\r\n ", "")
    assert "FN:" + "Nguyễn " * 20 in unfolded
    assert _fold("x" * 75) == "x" * 75
