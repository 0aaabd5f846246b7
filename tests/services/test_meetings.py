"""Meeting requests, the schedule, availability, marking meetings, and the e-mails they send."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    Event,
    Meeting,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingSlot,
    MeetingSource,
    MeetingStatus,
    OutboxMessage,
    Unavailability,
)
from eventnet.services import DomainError, Forbidden, NotFound
from eventnet.services import matching as matching_svc
from eventnet.services import meetings as svc
from tests.factories import make_event, make_organizer, make_registration
from tests.services.test_matching_service import World, small_world

DAY = timedelta(days=1)


def before(world: World, days: int = 5):
    return world.event.starts_at - days * DAY


def mails(kind: str, to: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def active_meetings(event_id: int) -> list[Meeting]:
    return list(
        db.session.scalars(
            sa.select(Meeting).where(
                Meeting.event_id == event_id, Meeting.status != MeetingStatus.CANCELLED
            )
        )
    )


# --------------------------------------------------------------------------- requests


def test_request_mails_the_recipient_and_expires_by_the_event_start(app_ctx) -> None:
    world = small_world(published=True)
    ana, cleo = world.people["Ana Student"], world.people["Cleo Employer"]
    now = world.event.starts_at - timedelta(hours=30)
    req = svc.request_meeting(ana.id, cleo.id, "  Data   science internships? ", now)
    assert req.status == MeetingRequestStatus.PENDING and req.note == "Data science internships?"
    assert req.expires_at == world.event.starts_at  # sooner than the 3-day TTL
    [mail] = mails("meeting_request", cleo.email)
    assert "Ana Student" in mail.subject
    assert "Data science internships?" in mail.body_text
    assert ana.email not in mail.body_text and ana.email not in mail.body_html


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("self", "yourself"),
        ("same_org", "same organization"),
        ("hidden", "not available"),
    ],
)
def test_requests_that_make_no_sense_are_refused(app_ctx, who, message) -> None:
    world = small_world(published=True)
    ana = world.people["Ana Student"]
    target = {
        "self": ana,
        "same_org": world.people["Ben Student"],
        "hidden": world.people["Gus Hidden"],
    }[who]
    with pytest.raises(DomainError) as exc:
        svc.request_meeting(ana.id, target.id, "", before(world))
    assert message in exc.value.message


def test_requests_open_only_after_publishing_and_before_the_event(app_ctx) -> None:
    world = small_world()
    ana, cleo = world.id("Ana Student"), world.id("Cleo Employer")
    with pytest.raises(DomainError):
        svc.request_meeting(ana, cleo, "", before(world))
    matching_svc.run_matching(world.event.id, before(world))
    matching_svc.publish_recommendations(world.event.id, before(world))
    with pytest.raises(DomainError):
        svc.request_meeting(ana, cleo, "", world.event.starts_at)
    svc.request_meeting(ana, cleo, "", before(world))


def test_one_open_request_per_pair_in_either_direction(app_ctx) -> None:
    world = small_world(published=True)
    ana, cleo = world.id("Ana Student"), world.id("Cleo Employer")
    svc.request_meeting(ana, cleo, "", before(world))
    with pytest.raises(DomainError, match="already asked"):
        svc.request_meeting(ana, cleo, "", before(world))
    with pytest.raises(DomainError, match="answer their request"):
        svc.request_meeting(cleo, ana, "", before(world))
    with pytest.raises(DomainError) as exc:
        svc.request_meeting(world.id("Eva Staff"), cleo, "x" * 501, before(world))
    assert exc.value.field == "note"


def test_accept_mails_the_requester_and_decline_is_final(app_ctx) -> None:
    world = small_world(published=True)
    ana, cleo, dan = (world.people[n] for n in ("Ana Student", "Cleo Employer", "Dan Employer"))
    req = svc.request_meeting(ana.id, cleo.id, "", before(world))
    with pytest.raises(NotFound):  # only the recipient answers
        svc.respond_to_request(req.id, ana.id, True, before(world))
    svc.respond_to_request(req.id, cleo.id, True, before(world, 4))
    assert db.session.get(MeetingRequest, req.id).status == MeetingRequestStatus.ACCEPTED
    [mail] = mails("meeting_accepted", ana.email)
    assert "Cleo Employer" in mail.subject
    with pytest.raises(DomainError, match="already answered"):
        svc.respond_to_request(req.id, cleo.id, False, before(world, 4))
    with pytest.raises(DomainError, match="already agreed"):
        svc.request_meeting(cleo.id, ana.id, "", before(world, 4))

    other = svc.request_meeting(ana.id, dan.id, "", before(world))
    svc.respond_to_request(other.id, dan.id, False, before(world, 4))
    assert not mails("meeting_accepted", ana.email)[1:]
    with pytest.raises(DomainError, match="declined"):
        svc.request_meeting(ana.id, dan.id, "", before(world, 3))


def test_withdrawn_and_expired_requests(app_ctx) -> None:
    world = small_world(published=True)
    ana, cleo, eva = world.id("Ana Student"), world.id("Cleo Employer"), world.id("Eva Staff")
    now = before(world, 10)
    req = svc.request_meeting(ana, cleo, "", now)
    svc.cancel_request(req.id, ana, now)
    assert db.session.get(MeetingRequest, req.id).status == MeetingRequestStatus.CANCELLED
    again = svc.request_meeting(ana, cleo, "", now)
    late = now + svc.REQUEST_TTL
    with pytest.raises(DomainError, match="expired"):
        svc.respond_to_request(again.id, cleo, True, late)
    assert db.session.get(MeetingRequest, again.id).status == MeetingRequestStatus.EXPIRED
    third = svc.request_meeting(eva, cleo, "", now)
    assert svc.expire_requests(now + timedelta(hours=1)) == 0
    from eventnet.services.tick import run_tick

    results = {r.name: r for r in run_tick(late)}
    assert results["expire meeting requests"].result == 1
    assert db.session.get(MeetingRequest, third.id).status == MeetingRequestStatus.EXPIRED
    # a stale pending row (not yet swept) does not block a new request
    fresh = svc.request_meeting(ana, eva, "", now)
    assert svc.request_meeting(cleo, ana, "", late + timedelta(hours=1)).status == "pending"
    assert fresh.status == MeetingRequestStatus.PENDING


def test_agreed_meetings_are_capped_per_person(app_ctx) -> None:
    world = small_world(published=True)
    event = db.session.get(Event, world.event.id)
    event.max_meetings_per_person = 1
    db.session.commit()
    ana, cleo, dan = world.id("Ana Student"), world.id("Cleo Employer"), world.id("Dan Employer")
    first = svc.request_meeting(ana, cleo, "", before(world))
    second = svc.request_meeting(ana, dan, "", before(world))
    svc.respond_to_request(first.id, cleo, True, before(world))
    with pytest.raises(DomainError, match="as many agreed meetings"):
        svc.respond_to_request(second.id, dan, True, before(world))
    with pytest.raises(DomainError, match="the most this event allows"):
        svc.request_meeting(ana, world.id("Eva Staff"), "", before(world))


def test_bookmarks_toggle(app_ctx) -> None:
    world = small_world(published=True)
    ana, eva = world.id("Ana Student"), world.id("Eva Staff")
    assert svc.toggle_bookmark(ana, eva, before(world)) is True
    view = svc.portal_matching(ana, before(world), lambda r: "")
    assert [c.registration_id for c in view.bookmarked] == [eva]
    assert svc.toggle_bookmark(ana, eva, before(world)) is False
    with pytest.raises(NotFound):
        svc.toggle_bookmark(ana, world.id("Gus Hidden"), before(world))


def test_portal_view_shows_requests_both_ways(app_ctx) -> None:
    world = small_world(published=True)
    ana, cleo = world.id("Ana Student"), world.id("Cleo Employer")
    req = svc.request_meeting(cleo, ana, "Hello", before(world))
    view = svc.portal_matching(ana, before(world), lambda reasons: "why")
    assert [c.registration_id for c in view.incoming] == [cleo]
    assert view.incoming[0].incoming.id == req.id
    assert view.recommended and view.recommended[0].explanation == "why"
    assert all(c.registration_id != world.id("Gus Hidden") for c in view.recommended)
    mine = svc.portal_matching(cleo, before(world), lambda reasons: "")
    assert [c.registration_id for c in mine.outgoing] == [ana]
    hidden = svc.portal_matching(world.id("Gus Hidden"), before(world), lambda r: "")
    assert not hidden.participant and not hidden.recommended


# --------------------------------------------------------------------------- schedule


def requested_and_accepted(world: World, a: str, b: str) -> None:
    req = svc.request_meeting(world.id(a), world.id(b), "", before(world, 6))
    svc.respond_to_request(req.id, world.id(b), True, before(world, 6))


def test_schedule_places_accepted_requests_without_double_booking(app_ctx) -> None:
    world = small_world(published=True, slots=3, tables=2)
    requested_and_accepted(world, "Ben Student", "Eva Staff")
    svc.set_availability(world.id("Cleo Employer"), [world.event.slots[0].id], before(world))
    summary = svc.schedule_meetings(world.event.id, before(world))
    meetings = active_meetings(world.event.id)
    assert summary.placed == len(meetings) > 1
    assert summary.accepted_total == summary.accepted_placed == 1
    pair = {world.id("Ben Student"), world.id("Eva Staff")}
    accepted = [m for m in meetings if {m.first_id, m.second_id} == pair]
    assert accepted and accepted[0].source == MeetingSource.REQUEST and accepted[0].request_id
    seen: set[tuple[int, int]] = set()
    for m in meetings:
        for person in (m.first_id, m.second_id):
            assert (person, m.slot_id) not in seen
            seen.add((person, m.slot_id))
    assert len({(m.slot_id, m.table_id) for m in meetings}) == len(meetings)
    cleo = world.id("Cleo Employer")
    assert all(
        m.slot_id != world.event.slots[0].id for m in meetings if cleo in (m.first_id, m.second_id)
    )
    hidden = {world.id("Gus Hidden"), world.id("Hal Waiting")}
    assert not hidden & {p for m in meetings for p in (m.first_id, m.second_id)}
    assert 0 < summary.ratio <= 1.0001


def test_rerun_keeps_locked_and_held_meetings_and_skips_declined_pairs(app_ctx) -> None:
    world = small_world(published=True, slots=3, tables=3)
    svc.schedule_meetings(world.event.id, before(world))
    meetings = active_meetings(world.event.id)
    locked, held = meetings[0], meetings[1]
    svc.set_meeting_lock(world.event.id, locked.id, True, before(world))
    svc.mark_meeting(held.id, "held", before(world), by_organizer=make_organizer())
    kept = {(m.id, m.slot_id, m.table_id) for m in (locked, held)}
    # decline the pair of a third meeting: it must not come back
    declined = {meetings[2].first_id, meetings[2].second_id}
    a, b = sorted(declined)
    svc.publish_schedule(world.event.id, before(world, 4))
    with pytest.raises(DomainError, match="already have a meeting"):
        svc.request_meeting(a, b, "", before(world, 4))
    svc.cancel_meeting(world.event.id, meetings[2].id, before(world, 4))
    req = svc.request_meeting(a, b, "", before(world, 4))
    svc.respond_to_request(req.id, b, False, before(world, 4))
    summary = svc.schedule_meetings(world.event.id, before(world, 3))
    after = active_meetings(world.event.id)
    assert kept <= {(m.id, m.slot_id, m.table_id) for m in after}
    assert summary.kept == 2
    assert not [m for m in after if {m.first_id, m.second_id} == declined]
    pairs = [frozenset((m.first_id, m.second_id)) for m in after]
    assert len(pairs) == len(set(pairs))


def test_lock_all_and_schedule_needs_slots_and_tables(app_ctx) -> None:
    world = small_world(published=True)
    with pytest.raises(DomainError, match="slots and tables"):
        svc.schedule_meetings(world.event.id, before(world))
    world2 = small_world(published=True, slots=2, tables=2)
    svc.schedule_meetings(world2.event.id, before(world2), max_meetings=1)
    assert db.session.get(Event, world2.event.id).max_meetings_per_person == 1
    n = svc.lock_schedule(world2.event.id, before(world2))
    assert n == len(active_meetings(world2.event.id)) > 0
    assert all(m.locked for m in active_meetings(world2.event.id))
    with pytest.raises(DomainError):
        svc.schedule_meetings(world2.event.id, before(world2), max_meetings=0)


def test_publish_schedule_mails_each_attendee_their_agenda(app_ctx) -> None:
    world = small_world(published=True, slots=2, tables=2)
    with pytest.raises(DomainError):
        svc.publish_schedule(world.event.id, before(world))
    svc.schedule_meetings(world.event.id, before(world))
    sent = svc.publish_schedule(world.event.id, before(world))
    busy = {p for m in active_meetings(world.event.id) for p in (m.first_id, m.second_id)}
    assert sent == len(busy) == len(mails("meeting_agenda"))
    reg = world.people["Ana Student"]
    if reg.id in busy:
        [mail] = mails("meeting_agenda", reg.email)
        agenda = svc.agenda_for(reg.id)
        assert all(item.partner_name in mail.body_text for item in agenda.items)
        assert all(item.table in mail.body_text for item in agenda.items)
    assert db.session.get(Event, world.event.id).schedule_published_at is not None
    without = svc.people_without_meetings(world.event.id)
    participants = matching_svc.participant_count(world.event.id)
    assert len(without) == participants - len(busy & {r.id for r in world.people.values()})


def test_availability_is_replaced_and_checked(app_ctx) -> None:
    world = small_world(published=True, slots=2, tables=1)
    ana = world.id("Ana Student")
    slot_ids = [s.id for s in world.event.slots]
    svc.set_availability(ana, slot_ids, before(world))
    svc.set_availability(ana, slot_ids[:1], before(world))
    assert svc.unavailable_slots(ana) == {slot_ids[0]}
    other = make_event()
    foreign = MeetingSlot(
        event_id=other.id,
        starts_at=other.starts_at,
        ends_at=other.starts_at + timedelta(minutes=15),
    )
    db.session.add(foreign)
    db.session.commit()
    with pytest.raises(DomainError) as exc:
        svc.set_availability(ana, [foreign.id], before(world))
    assert exc.value.field == "unavailable"
    with pytest.raises(DomainError):
        svc.set_availability(ana, [], world.event.starts_at)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Unavailability)
            .where(Unavailability.registration_id == ana)
        )
        == 1
    )


def test_marking_meetings(app_ctx) -> None:
    world = small_world(published=True, slots=1, tables=2)
    svc.schedule_meetings(world.event.id, before(world))
    meeting = active_meetings(world.event.id)[0]
    slot_start = db.session.get(MeetingSlot, meeting.slot_id).starts_at
    with pytest.raises(DomainError, match="once its time has come"):
        svc.mark_meeting(meeting.id, "held", before(world), by_registration_id=meeting.first_id)
    outsider = next(
        r.id for r in world.people.values() if r.id not in (meeting.first_id, meeting.second_id)
    )
    with pytest.raises(NotFound):
        svc.mark_meeting(meeting.id, "held", slot_start, by_registration_id=outsider)
    with pytest.raises(Forbidden):
        svc.mark_meeting(meeting.id, "held", slot_start)
    with pytest.raises(DomainError):
        svc.mark_meeting(meeting.id, "scheduled", slot_start, by_registration_id=meeting.first_id)
    svc.mark_meeting(meeting.id, "held", slot_start, by_registration_id=meeting.first_id)
    agenda = svc.agenda_for(meeting.second_id)
    item = next(i for i in agenda.items if i.meeting_id == meeting.id)
    assert item.status == "held" and item.partner_email  # shared once they met
    svc.mark_meeting(meeting.id, "no_show", slot_start, by_registration_id=meeting.second_id)
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.NO_SHOW
    with pytest.raises(NotFound):
        svc.mark_meeting(meeting.id, "held", slot_start, by_organizer=1, event_id=make_event().id)


def test_cancel_meeting_frees_the_table(app_ctx) -> None:
    world = small_world(published=True, slots=1, tables=1)
    svc.schedule_meetings(world.event.id, before(world))
    [meeting] = active_meetings(world.event.id)
    svc.cancel_meeting(world.event.id, meeting.id, before(world))
    assert db.session.get(Meeting, meeting.id).status == MeetingStatus.CANCELLED
    with pytest.raises(DomainError):
        svc.cancel_meeting(world.event.id, meeting.id, before(world))
    svc.schedule_meetings(world.event.id, before(world))
    assert len(active_meetings(world.event.id)) == 1


def test_agendas_for_event_lists_everyone_and_the_pdf_context_is_plain(app_ctx) -> None:
    world = small_world(published=True, slots=2, tables=2)
    svc.schedule_meetings(world.event.id, before(world))
    agendas = svc.agendas_for_event(world.event.id)
    assert len(agendas) == matching_svc.participant_count(world.event.id)
    context = svc.agenda_pdf_context(world.event, agendas)
    from eventnet.pdf.render import _check_plain

    _check_plain(context)
    assert all(a.items == sorted(a.items, key=lambda i: i.starts_at) for a in agendas)


def test_schedule_job(app_ctx) -> None:
    world = small_world(published=True, slots=2, tables=2)
    job = matching_svc.start_job(
        "schedule", world.event.id, before(world), params={"max_meetings": 2}
    )
    svc.run_schedule_job(job.id)
    status = matching_svc.job_status(world.event.id, job.id)
    assert status["status"] == "finished"
    assert db.session.get(Event, world.event.id).max_meetings_per_person == 2
    empty = make_event()
    make_registration(empty)
    failing = matching_svc.start_job("schedule", empty.id, before(world))
    svc.run_schedule_job(failing.id)
    assert matching_svc.job_status(empty.id, failing.id)["status"] == "failed"


def test_mails_render_in_the_recipients_language(app_ctx) -> None:
    world = small_world(published=True)
    cleo = world.people["Cleo Employer"]
    cleo.locale = "fi"
    db.session.commit()
    svc.request_meeting(world.id("Ana Student"), cleo.id, "", before(world))
    [mail] = mails("meeting_request", cleo.email)
    assert mail.body_text.strip()
