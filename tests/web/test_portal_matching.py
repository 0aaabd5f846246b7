"""Attendee portal pages: people to meet, requests, bookmarks, agenda, availability, marking."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import Event, Meeting, MeetingRequest, MeetingRequestStatus, MeetingStatus
from eventnet.services import matching as matching_svc
from eventnet.services import meetings as meetings_svc
from tests.conftest import csrf_from, post_form
from tests.services.test_matching_service import small_world

TOKENS = {
    "Ana Student": "ana-token-0123456789",
    "Cleo Employer": "cleo-token-0123456789",
    "Gus Hidden": "gus-token-0123456789",
}


@pytest.fixture
def world(app, db_session):
    """The small world with manage tokens, matching run and published, the event in a month."""
    from eventnet.services.tokens import hash_token

    with app.app_context():
        starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
        w = small_world(slots=2, tables=2)
        event = db.session.get(Event, w.event.id)
        event.starts_at, event.ends_at = starts, starts + timedelta(hours=5)
        for i, slot in enumerate(event.slots):
            slot.starts_at = starts + timedelta(minutes=20 * i)
            slot.ends_at = slot.starts_at + timedelta(minutes=15)
        for name, token in TOKENS.items():
            w.people[name].manage_token_hash = hash_token(token)
        db.session.commit()
        matching_svc.run_matching(event.id, datetime.now(UTC))
        matching_svc.publish_recommendations(event.id, datetime.now(UTC))
        ids = {name: reg.id for name, reg in w.people.items()}
        event_id = event.id
    db.session.remove()
    return {"event_id": event_id, "ids": ids}


def test_people_to_meet_shows_explained_cards_without_emails(client, world) -> None:
    page = client.get(f"/r/{TOKENS['Ana Student']}/people")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Cleo Employer" in html and "Why meet:" in html
    assert "They offer" in html
    assert "@example.org" not in html  # nobody's e-mail address
    assert "Gus Hidden" not in html  # did not consent to show a profile
    assert page.headers["Cache-Control"] == "no-store"


def test_not_participating_or_unpublished_pages_explain_why(client, world) -> None:
    html = client.get(f"/r/{TOKENS['Gus Hidden']}/people").get_data(as_text=True)
    assert "chose not to show your profile" in html
    with client.application.app_context():
        matching_svc.unpublish_recommendations(world["event_id"], datetime.now(UTC))
    html = client.get(f"/r/{TOKENS['Ana Student']}/people").get_data(as_text=True)
    assert "appear here when the organizers publish them" in html
    assert client.get("/r/not-a-token/people").status_code == 404


def test_request_accept_and_bookmark_flow(client, world) -> None:
    ana, cleo = TOKENS["Ana Student"], TOKENS["Cleo Employer"]
    cleo_id, ana_id = world["ids"]["Cleo Employer"], world["ids"]["Ana Student"]
    url = f"/r/{ana}/people/{cleo_id}/request"
    form = client.get(url)
    assert form.status_code == 200 and "never your e-mail address" in form.get_data(as_text=True)
    too_long = post_form(client, url, {"note": "x" * 501})
    assert too_long.status_code == 400
    assert "error-message" in too_long.get_data(as_text=True)
    sent = post_form(client, url, {"note": "Internships in data science?"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/r/{ana}/people")
    again = post_form(client, url, {"note": "again"})
    assert again.status_code == 400 and "already asked" in again.get_data(as_text=True)

    html = client.get(f"/r/{cleo}/people").get_data(as_text=True)
    assert "Requests for you" in html and "Internships in data science?" in html
    with client.application.app_context():
        req = db.session.scalar(
            sa.select(MeetingRequest).where(MeetingRequest.recipient_id == cleo_id)
        )
        req_id = req.id
    accepted = client.post(
        f"/r/{cleo}/requests/{req_id}/accept", data={"csrf_token": csrf_from(html)}
    )
    assert accepted.status_code == 302
    with client.application.app_context():
        assert db.session.get(MeetingRequest, req_id).status == MeetingRequestStatus.ACCEPTED
    html = client.get(f"/r/{ana}/people").get_data(as_text=True)
    assert "You agreed to meet" in html

    # bookmarks toggle, and the redirect keeps only a safe anchor
    token = csrf_from(html)
    saved = client.post(
        f"/r/{ana}/people/{cleo_id}/bookmark",
        data={"csrf_token": token, "anchor": "#person-12"},
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/people#person-12")
    evil = client.post(
        f"/r/{ana}/people/{cleo_id}/bookmark",
        data={"csrf_token": token, "anchor": "@evil.example/x"},
    )
    assert evil.headers["Location"].endswith(f"/r/{ana}/people")
    assert ana_id  # the requester is unchanged


def test_posts_need_csrf_and_the_right_person(client, world) -> None:
    ana, cleo = TOKENS["Ana Student"], TOKENS["Cleo Employer"]
    cleo_id = world["ids"]["Cleo Employer"]
    assert client.post(f"/r/{ana}/people/{cleo_id}/bookmark").status_code == 400
    post_form(client, f"/r/{ana}/people/{cleo_id}/request", {"note": ""})
    with client.application.app_context():
        req_id = db.session.scalar(sa.select(MeetingRequest.id))
    page = client.get(f"/r/{ana}/people").get_data(as_text=True)
    # Ana cannot accept her own request
    response = client.post(
        f"/r/{ana}/requests/{req_id}/accept", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 404
    assert client.get(f"/r/{ana}/people/{world['ids']['Gus Hidden']}/request").status_code == 404
    assert client.get(f"/r/{cleo}/people").status_code == 200


def _schedule(client, world) -> None:
    with client.application.app_context():
        meetings_svc.schedule_meetings(world["event_id"], datetime.now(UTC))
        meetings_svc.publish_schedule(world["event_id"], datetime.now(UTC))


def test_agenda_availability_and_pdf(client, world) -> None:
    ana = TOKENS["Ana Student"]
    html = client.get(f"/r/{ana}/agenda").get_data(as_text=True)
    assert "have not published the meeting schedule" in html
    assert "When you cannot meet" in html
    with client.application.app_context():
        slot_ids = [s.id for s in db.session.get(Event, world["event_id"]).slots]
    saved = post_form(
        client,
        f"/r/{ana}/agenda/availability",
        {"unavailable": [slot_ids[0]]},
        page=f"/r/{ana}/agenda",
    )
    assert saved.status_code == 302
    bad = post_form(
        client,
        f"/r/{ana}/agenda/availability",
        {"unavailable": ["999999"]},
        page=f"/r/{ana}/agenda",
    )
    assert bad.status_code == 400
    with client.application.app_context():
        assert meetings_svc.unavailable_slots(world["ids"]["Ana Student"]) == {slot_ids[0]}
    _schedule(client, world)
    html = client.get(f"/r/{ana}/agenda").get_data(as_text=True)
    with client.application.app_context():
        agenda = meetings_svc.agenda_for(world["ids"]["Ana Student"])
    for item in agenda.items:
        assert item.partner_name in html and item.table in html
        assert item.slot_id != slot_ids[0]
    if agenda.items:
        pdf = client.get(f"/r/{ana}/agenda.pdf")
        assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
        assert pdf.headers["Content-Type"] == "application/pdf"


def test_marking_a_meeting_after_it_started(client, world) -> None:
    _schedule(client, world)
    with client.application.app_context():
        holders = [world["ids"][n] for n in ("Ana Student", "Cleo Employer")]
        meeting = db.session.scalars(
            sa.select(Meeting)
            .where(sa.or_(Meeting.first_id.in_(holders), Meeting.second_id.in_(holders)))
            .order_by(Meeting.id)
        ).first()
        assert meeting is not None
        names = {v: k for k, v in world["ids"].items()}
        name = names[meeting.first_id if meeting.first_id in holders else meeting.second_id]
        meeting_id = meeting.id
    token = TOKENS[name]
    page = client.get(f"/r/{token}/agenda").get_data(as_text=True)
    early = client.post(
        f"/r/{token}/meetings/{meeting_id}/held", data={"csrf_token": csrf_from(page)}
    )
    assert early.status_code == 302
    with client.application.app_context():
        assert db.session.get(Meeting, meeting_id).status == MeetingStatus.SCHEDULED
        meeting = db.session.get(Meeting, meeting_id)
        meeting.slot.starts_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    page = client.get(f"/r/{token}/agenda").get_data(as_text=True)
    assert "We met" in page
    client.post(f"/r/{token}/meetings/{meeting_id}/held", data={"csrf_token": csrf_from(page)})
    with client.application.app_context():
        assert db.session.get(Meeting, meeting_id).status == MeetingStatus.HELD


def test_pages_render_when_csrf_is_switched_off(client, world, monkeypatch) -> None:
    """Button forms use the csrf_token() global, not a form field that may not exist."""
    monkeypatch.setitem(client.application.config, "WTF_CSRF_ENABLED", False)
    _schedule(client, world)
    ana = TOKENS["Ana Student"]
    for url in (f"/r/{ana}/people", f"/r/{ana}/agenda", f"/r/{TOKENS['Cleo Employer']}/people"):
        assert client.get(url).status_code == 200, url
