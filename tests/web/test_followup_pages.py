"""The follow-up pages as a browser without JavaScript sees them: forms, errors, links, access."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    Event,
    FeedbackResponse,
    FollowUp,
    OutboxMessage,
    OutboxStatus,
    Outcome,
    Person,
    Registration,
)
from eventnet.services import connections
from eventnet.services.follow_ups import schedule_feedback, schedule_follow_ups
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_event, make_organizer, make_registration


def _setup(client, days_ago: int = 2):  # type: ignore[no-untyped-def]
    organizer = make_organizer("owner@uni.example")
    starts = datetime.now(UTC) - timedelta(days=days_ago, hours=6)
    event = make_event(starts_at=starts, organizers=(organizer,), title="Spring Fair")
    ana = make_registration(
        event,
        email="ana@student.example",
        name="Ana Student",
        checked_in_at=starts,
        token="ana-manage-token-0123456789",
    )
    ben = make_registration(
        event,
        email="ben@firm.example",
        name="Ben Employer",
        role="employer",
        checked_in_at=starts,
        token="ben-manage-token-0123456789",
    )
    ids = event.id, ana.id, ben.id
    with client.application.test_request_context():
        schedule_feedback(event, event.ends_at + timedelta(minutes=1))
        connections.set_connection(ana, ben.id, True, event.ends_at)
        connections.set_connection(ben, ana.id, True, event.ends_at)
        schedule_follow_ups(event, event.ends_at + timedelta(days=30, hours=16))
    # The request context removed the session: hand back fresh objects.
    return (
        db.session.get(Event, ids[0]),
        db.session.get(Registration, ids[1]),
        db.session.get(Registration, ids[2]),
    )


def _token(email: str, kind: str) -> str:
    body = db.session.scalar(
        sa.select(OutboxMessage.body_text).where(
            OutboxMessage.to_address == email, OutboxMessage.kind == kind
        )
    )
    assert body, f"no {kind} mail to {email}"
    match = re.search(r"/f/(?:survey|follow-up)/([\w-]+)", body)
    assert match
    return match.group(1)


def test_survey_from_the_mailed_link_saves_and_can_be_edited(client) -> None:
    _setup(client)
    token = _token("ana@student.example", "survey")
    page = client.get(f"/f/survey/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "How was the event, Ana?" in html
    assert page.headers["Cache-Control"] == "no-store"
    assert 'name="robots" content="noindex' in html
    response = post_form(
        client,
        f"/f/survey/{token}",
        {"overall_rating": "5", "nps": "9", "comment": "Lovely", "quote_consent": "anonymous"},
    )
    assert response.status_code == 303
    again = client.get(f"/f/survey/{token}").get_data(as_text=True)
    assert "Answered" in again and "Lovely" in again and "Save my changes" in again
    assert re.search(r'value="5"[^>]*checked|checked[^>]*value="5"', again)
    row = db.session.scalar(sa.select(FeedbackResponse))
    assert row is not None and (row.overall_rating, row.nps) == (5, 9)


def test_survey_errors_are_shown_next_to_the_field_with_a_400(client) -> None:
    _setup(client)
    token = _token("ana@student.example", "survey")
    response = post_form(client, f"/f/survey/{token}", {"nps": "12", "quote_consent": "none"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please rate the event overall." in html
    assert 'id="overall_rating-error"' in html and 'id="nps-error"' in html
    assert db.session.scalar(sa.select(sa.func.count(FeedbackResponse.id))) == 0
    assert client.post(f"/f/survey/{token}", data={"overall_rating": "4"}).status_code == 400


def test_a_closed_survey_shows_a_notice_and_refuses_answers(client) -> None:
    _setup(client, days_ago=20)
    token = _token("ana@student.example", "survey")
    page = client.get(f"/f/survey/{token}")
    assert page.status_code == 200 and "This survey closed on" in page.get_data(as_text=True)
    response = post_form(client, f"/f/survey/{token}", {"overall_rating": "4"})
    assert response.status_code == 410
    assert db.session.scalar(sa.select(sa.func.count(FeedbackResponse.id))) == 0


def test_unknown_links_are_404(client) -> None:
    for path in ("/f/survey/nope", "/f/follow-up/nope", "/f/unsubscribe/nope"):
        assert client.get(path).status_code == 404
    assert client.post("/f/unsubscribe/nope").status_code == 404


def test_follow_up_page_records_outcomes_per_connection(client) -> None:
    _setup(client)
    token = _token("ana@student.example", "follow_up")
    html = client.get(f"/f/follow-up/{token}").get_data(as_text=True)
    assert "What came of your connection with Ben Employer?" in html
    conn = re.search(r'name="conn_(\d+)"', html)
    assert conn
    cid = conn.group(1)
    bad = post_form(client, f"/f/follow-up/{token}", {f"conn_{cid}": ["nothing_yet", "internship"]})
    assert bad.status_code == 400
    assert "cannot be combined" in bad.get_data(as_text=True)
    ok = post_form(
        client,
        f"/f/follow-up/{token}",
        {
            f"conn_{cid}": ["internship", "still_in_touch"],
            f"note_{cid}": "Starts in June",
            "overall": ["still_in_touch"],
            "comment": "Thanks!",
        },
    )
    assert ok.status_code == 303
    types = sorted(str(t) for t in db.session.scalars(sa.select(Outcome.type)))
    assert types == ["internship", "still_in_touch", "still_in_touch"]
    follow_up = db.session.scalar(sa.select(FollowUp).where(FollowUp.answered_at.is_not(None)))
    assert follow_up is not None and follow_up.comment == "Thanks!"
    page = client.get(f"/f/follow-up/{token}").get_data(as_text=True)
    assert "Starts in June" in page and "Answered" in page


def test_one_click_unsubscribe_needs_no_csrf_and_get_changes_nothing(client) -> None:
    _setup(client)
    token = _token("ben@firm.example", "follow_up")
    message = db.session.scalar(
        sa.select(OutboxMessage).where(
            OutboxMessage.kind == "follow_up", OutboxMessage.to_address == "ben@firm.example"
        )
    )
    assert message is not None
    assert message.headers["List-Unsubscribe"] == f"<http://eventnet.test/f/unsubscribe/{token}>"
    page = client.get(f"/f/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop follow-up e-mails?" in page.get_data(as_text=True)
    person = db.session.scalar(sa.select(Person).where(Person.email == "ben@firm.example"))
    assert person is not None and person.unsubscribed_at is None
    response = client.post(f"/f/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    person = db.session.scalar(sa.select(Person).where(Person.email == "ben@firm.example"))
    assert person is not None and person.unsubscribed_at is not None
    pending = db.session.scalars(
        sa.select(OutboxMessage.status).where(OutboxMessage.to_address == "ben@firm.example")
    ).all()
    assert OutboxStatus.PENDING not in pending
    shown = client.get(f"/f/unsubscribe/{token}").get_data(as_text=True)
    assert "You are unsubscribed" in shown
    back = post_form(client, f"/f/resubscribe/{token}", {}, page=f"/f/unsubscribe/{token}")
    assert back.status_code == 303
    db.session.expire_all()
    person = db.session.scalar(sa.select(Person).where(Person.email == "ben@firm.example"))
    assert person is not None and person.unsubscribed_at is None


def test_portal_connections_page_search_confirm_and_vcard(client) -> None:
    event, ana, _ben = _setup(client)
    cara = make_registration(
        event,
        email="cara@uni.example",
        name="Cara Staff",
        role="staff",
        checked_in_at=event.starts_at,
    )
    ana_id, cara_id = ana.id, cara.id
    base = "/r/ana-manage-token-0123456789/connections"
    html = client.get(base).get_data(as_text=True)
    assert "Ben Employer" in html and "Download 1 contact card" in html
    found = client.get(base, query_string={"q": "cara"}).get_data(as_text=True)
    assert "Cara Staff" in found
    response = post_form(client, f"{base}/{cara_id}/confirm", {"q": "cara"}, page=base)
    assert response.status_code == 303 and "q=cara" in response.headers["Location"]
    db.session.expire_all()
    fresh = db.session.get(Registration, ana_id)
    assert fresh is not None
    assert connections.connection_state(fresh, cara_id).mine
    card = client.get("/r/ana-manage-token-0123456789/connections.vcf")
    assert card.status_code == 200 and card.mimetype == "text/vcard"
    assert "FN:Ben Employer" in card.get_data(as_text=True)
    assert "attachment" in card.headers["Content-Disposition"]
    assert client.get("/r/wrong-token/connections").status_code == 404
    assert client.post(f"{base}/{cara_id}/confirm").status_code == 400  # no CSRF token


def test_organizer_sees_responses_and_changes_follow_up_settings(client) -> None:
    event, *_ = _setup(client)
    event_id, slug = event.id, event.slug
    token = _token("ana@student.example", "survey")
    post_form(
        client,
        f"/f/survey/{token}",
        {"overall_rating": "4", "nps": "10", "improve": "Longer breaks"},
    )
    make_organizer("stranger@uni.example")
    login(client, "stranger@uni.example", PASSWORD)
    assert client.get(f"/admin/events/{slug}/follow-up").status_code == 404
    client.post("/auth/logout", data={})
    client.delete_cookie("session")
    login(client, "owner@uni.example", PASSWORD)
    url = f"/admin/events/{slug}/follow-up"
    html = client.get(url).get_data(as_text=True)
    assert "Longer breaks" in html and "Ana Student" in html
    live = client.get(f"{url}/live.json").get_json()
    assert live["responses"] == 1 and live["invited"] == 2 and live["response_rate"] == "50 %"
    bad = post_form(client, url, {"follow_up_days": "every month"})
    assert bad.status_code == 400 and "Enter whole numbers of days" in bad.get_data(as_text=True)
    ok = post_form(client, url, {"follow_up_days": "45, 120"})
    assert ok.status_code == 303
    db.session.expire_all()
    changed = db.session.get(Event, event_id)
    assert changed is not None and changed.follow_up_days == [45, 120]


def test_institution_outcomes_page_and_pdf(client) -> None:
    event, *_ = _setup(client)
    year = event.starts_at.year
    login(client, "owner@uni.example", PASSWORD)
    html = client.get("/admin/outcomes").get_data(as_text=True)
    assert "What came of our events" in html and "Spring Fair" in html
    pdf = client.get(f"/admin/outcomes/report.pdf?year={year}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    from io import BytesIO

    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
    assert "What came of our events in" in text and "Spring Fair" in text
