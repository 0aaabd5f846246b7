"""The manage link (/r/<token>): view, edit, confirm, cancel, ticket, calendar, new link."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from icalendar import Calendar
from pypdf import PdfReader

from eventnet.extensions import db
from eventnet.models import OutboxMessage, Registration, RegistrationStatus, TagKind
from eventnet.services.tokens import hash_token
from tests.conftest import post_form
from tests.factories import make_event, make_registration

FUTURE = datetime.now(UTC) + timedelta(days=30)
TOKEN = "t" * 43


def setup_registration(**kw) -> tuple[str, int]:
    event = make_event(starts_at=FUTURE, quotas={"student": 1}, **kw)
    reg = make_registration(event, email="ana@uni.example", token=TOKEN, name="Ana Li")
    return event, reg.id


def test_manage_page_shows_the_registration_without_leaking_the_link(client) -> None:
    setup_registration()
    response = client.get(f"/r/{TOKEN}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Hello Ana" in html and "Your place is confirmed" in html
    assert f"/r/{TOKEN}/ticket" in html and f"/r/{TOKEN}/cancel" in html


def test_unknown_or_revoked_link_is_a_friendly_404(client) -> None:
    response = client.get("/r/not-a-real-token")
    assert response.status_code == 404
    assert "This link does not work" in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/r/nope/ticket").status_code == 404


def test_edit_profile_changes_interests(client) -> None:
    setup_registration()
    page = client.get(f"/r/{TOKEN}/edit").get_data(as_text=True)
    assert "Edit your profile" in page and "ana@uni.example" in page
    response = post_form(
        client,
        f"/r/{TOKEN}/edit",
        {
            "name": "Ana Li",
            "degree_programme": "MSc Physics",
            "interests": ["Circular economy"],
            "consent_privacy": "y",
        },
    )
    assert response.status_code == 302
    reg = db.session.scalar(sa.select(Registration))
    assert reg.tag_labels(TagKind.INTEREST) == ["Circular economy"]
    assert reg.degree_programme == "MSc Physics" and reg.consent_profile_at is None
    assert "Your changes are saved." in client.get(f"/r/{TOKEN}").get_data(as_text=True)


def test_edit_with_errors_stays_on_the_form(client) -> None:
    setup_registration()
    response = post_form(client, f"/r/{TOKEN}/edit", {"name": "", "consent_privacy": "y"})
    assert response.status_code == 400
    assert "Please enter your name." in response.get_data(as_text=True)


def test_cancel_needs_confirmation_then_promotes_the_waiting_list(client) -> None:
    event, _ = setup_registration()
    waiting = make_registration(
        event,
        email="next@uni.example",
        status=RegistrationStatus.WAITLISTED,
        waitlist_position=1,
        waitlisted_at=datetime.now(UTC),
    )
    waiting_id = waiting.id
    page = client.get(f"/r/{TOKEN}/cancel").get_data(as_text=True)
    assert "Cancel your registration?" in page
    response = post_form(client, f"/r/{TOKEN}/cancel", {})
    assert response.status_code == 302
    html = client.get(f"/r/{TOKEN}").get_data(as_text=True)
    assert "Your registration is cancelled" in html
    assert db.session.get(Registration, waiting_id).status == RegistrationStatus.CONFIRMED
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["cancelled", "promotion"]


def test_double_opt_in_confirms_with_a_button_not_a_get(client) -> None:
    event = make_event(starts_at=FUTURE, double_opt_in=True)
    make_registration(
        event,
        email="a@uni.example",
        token=TOKEN,
        status=RegistrationStatus.PENDING,
        pending_expires_at=datetime.now(UTC) + timedelta(hours=5),
    )
    page = client.get(f"/r/{TOKEN}/confirm")
    assert page.status_code == 200 and "Confirm my registration" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(Registration.status)) == RegistrationStatus.PENDING
    response = post_form(client, f"/r/{TOKEN}/confirm", {})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Registration.status)) == RegistrationStatus.CONFIRMED
    assert "Your place is confirmed" in client.get(f"/r/{TOKEN}").get_data(as_text=True)


def test_ticket_page_pdf_and_calendar(client) -> None:
    _event, reg_id = setup_registration(title="Ticket Fair")
    code = db.session.get(Registration, reg_id).ticket_code
    html = client.get(f"/r/{TOKEN}/ticket").get_data(as_text=True)
    assert code in html and 'src="data:image/svg+xml' in html and "Ticket Fair" in html
    pdf = client.get(f"/r/{TOKEN}/ticket.pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    text = reader.pages[0].extract_text()
    assert code in text and "Ticket Fair" in text and len(reader.pages) == 1
    ics = client.get(f"/r/{TOKEN}/event.ics")
    assert ics.headers["Content-Type"].startswith("text/calendar")
    [vevent] = Calendar.from_ical(ics.data).walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Ticket Fair" and code in str(vevent["DESCRIPTION"])


def test_ticket_qr_encodes_the_organizer_check_in_url(app_ctx) -> None:
    from eventnet.services.tickets import checkin_url

    assert checkin_url("spring-day", "ABCD-EFGH") == (
        "http://eventnet.test/admin/events/spring-day/checkin/ABCD-EFGH"
    )


def test_waitlisted_person_has_no_ticket_yet(client) -> None:
    event = make_event(starts_at=FUTURE)
    make_registration(event, token=TOKEN, status=RegistrationStatus.WAITLISTED, waitlist_position=3)
    html = client.get(f"/r/{TOKEN}").get_data(as_text=True)
    assert "Your position: 3" in html and f"/r/{TOKEN}/ticket" not in html
    assert client.get(f"/r/{TOKEN}/ticket").status_code == 302


def test_new_link_revokes_the_old_one(client) -> None:
    setup_registration()
    response = post_form(client, f"/r/{TOKEN}/new-link", {}, page=f"/r/{TOKEN}")
    assert response.status_code == 200 and "new link" in response.get_data(as_text=True)
    assert client.get(f"/r/{TOKEN}").status_code == 404
    reg = db.session.scalar(sa.select(Registration))
    assert reg.manage_token_hash != hash_token(TOKEN)
    mail = db.session.scalar(sa.select(OutboxMessage))
    new_token = mail.body_text.split("/r/")[1].split()[0]
    assert client.get(f"/r/{new_token}").status_code == 200


def test_portal_forms_work_although_no_referrer_makes_the_origin_null(client) -> None:
    # Browsers send `Origin: null` from pages with `Referrer-Policy: no-referrer`.
    setup_registration()
    page = client.get(f"/r/{TOKEN}/cancel").get_data(as_text=True)
    from tests.conftest import csrf_from

    token = csrf_from(page)
    forged = client.post(
        f"/r/{TOKEN}/cancel", data={"csrf_token": token}, headers={"Origin": "null"}
    )
    assert forged.status_code == 403
    same_site = client.post(
        f"/r/{TOKEN}/cancel",
        data={"csrf_token": token},
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )
    assert same_site.status_code == 302
