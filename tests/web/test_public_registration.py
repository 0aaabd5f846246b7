"""The public registration journey through the Flask test client: pages, form, abuse guards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    OutboxMessage,
    Person,
    Registration,
    RegistrationStatus,
    TagKind,
)
from tests.conftest import csrf_from, make_test_app, migrate_to_head, post_form
from tests.factories import make_event, make_organization, make_registration

FUTURE = datetime.now(UTC) + timedelta(days=30)


def upcoming(**kw):
    kw.setdefault("starts_at", FUTURE)
    return make_event(**kw)


def form_data(email: str = "ana@uni.example", **kw) -> dict:
    data = {
        "role": "student",
        "name": "Ana Student",
        "email": email,
        "organization": "Aalto University",
        "degree_programme": "MSc Data Science",
        "study_level": "master",
        "graduation_year": str(FUTURE.year + 1),
        "country": "VN",
        "languages": ["English", "Finnish"],
        "interests": ["Data science", "Internships"],
        "offers": ["Data science"],
        "seeks": ["Internships"],
        "offer_text": "Python and data pipelines.",
        "seek_text": "A summer internship.",
        "goals": "Meet two employers.",
        "consent_privacy": "y",
        "consent_profile": "y",
    }
    data.update(kw)
    return data


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_event_page_shows_places_deadline_and_call_to_action(client) -> None:
    event = upcoming(quotas={"student": 2, "employer": 1}, title="Spring Talent Day")
    make_registration(event, role="employer")
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Spring Talent Day" in html
    assert "2 places left" in html and "Full · waiting list open" in html
    assert "Register by" in html and f"/events/{event.slug}/register" in html
    assert ">Register<" in html


def test_full_event_invites_to_the_waiting_list_and_closed_event_says_so(client) -> None:
    full = upcoming(quotas={"student": 1})
    make_registration(full, role="student")
    make_registration(
        full, role="student", status=RegistrationStatus.WAITLISTED, waitlist_position=1
    )
    html = client.get(f"/events/{full.slug}").get_data(as_text=True)
    assert "Join the waiting list" in html and "1 waiting" in html
    closed = upcoming(registration_closes_at=datetime.now(UTC) - timedelta(hours=1))
    slug = closed.slug
    html = client.get(f"/events/{slug}").get_data(as_text=True)
    assert "Registration closed" in html and f"/events/{slug}/register" not in html
    assert client.get(f"/events/{slug}/register").status_code == 200
    response = post_form(client, f"/events/{slug}/register", form_data())
    assert response.status_code == 409 and count(Registration) == 2


def test_home_lists_places_left(client) -> None:
    upcoming(quotas={"student": 3}, title="Places Fair")
    html = client.get("/").get_data(as_text=True)
    assert "Places Fair" in html and "3 places left" in html


def test_form_is_accessible_and_adapts_to_the_roles(client) -> None:
    make_organization("Kone Oyj")
    event = upcoming(quotas={"student": 5, "employer": 5})
    html = client.get(f"/events/{event.slug}/register").get_data(as_text=True)
    assert 'name="role"' in html and 'value="staff"' not in html  # no staff quota
    assert '<datalist id="org-suggestions">' in html and 'value="Kone Oyj"' in html
    assert 'data-roles="student"' in html and 'data-roles="staff employer"' in html
    assert "<legend" in html and "Topics that interest you" in html
    assert '<option value="VN">Vietnam</option>' in html
    assert 'name="website"' in html and "hp-field" in html
    assert "js/register.js" in html and "<script>" not in html


def test_registering_redirects_to_a_page_that_reveals_no_secret(client) -> None:
    event = upcoming(quotas={"student": 1})
    response = post_form(client, f"/events/{event.slug}/register", form_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/events/{event.slug}/registered")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are registered!" in page and "ana@uni.example" in page
    reg = db.session.scalar(sa.select(Registration))
    assert reg.status == RegistrationStatus.CONFIRMED and reg.locale == "en"
    assert reg.tag_labels(TagKind.INTEREST) == ["Data science", "Internships"]
    assert reg.languages == ["English", "Finnish"] and reg.country == "VN"
    assert reg.graduation_year == FUTURE.year + 1 and reg.consent_photos_at is None
    assert "/r/" not in page
    mail = db.session.scalar(sa.select(OutboxMessage))
    assert mail.kind == "confirmation" and mail.to_address == "ana@uni.example"


def test_duplicate_registration_gets_the_very_same_page(client) -> None:
    event = upcoming(quotas={"student": 5})
    make_registration(event, email="known@uni.example", role="student")
    slug = event.slug
    pages = []
    for email in ("known@uni.example", "new@uni.example"):
        with client.session_transaction() as sess:
            sess.clear()
        response = post_form(client, f"/events/{slug}/register", form_data(email=email))
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        pages.append(page.replace(email, "EMAIL"))
    # Strip the CSRF token, which differs per session.
    strip = [p.replace(csrf_from(p), "") for p in pages]
    assert strip[0] == strip[1]
    kinds = db.session.scalars(sa.select(OutboxMessage.kind).order_by(OutboxMessage.id)).all()
    assert kinds == ["already_registered", "confirmation"]
    assert count(Person) == 2


def test_invalid_input_shows_errors_next_to_fields_and_writes_nothing(client) -> None:
    event = upcoming()
    bad = form_data(
        email="not an email", name="", consent_privacy="", graduation_year="soon", role="staff"
    )
    bad.pop("consent_privacy")
    response = post_form(client, f"/events/{event.slug}/register", bad)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    for message in (
        "Please enter your name.",
        "Please enter a valid e-mail address",
        "Please accept the privacy notice",
        "Please enter a year",
        "Please enter your job title.",
    ):
        assert message in html
    assert 'aria-invalid="true"' in html and 'id="email-error"' in html
    assert 'value="Ana Student"' not in html and "MSc Data Science" in html  # input kept
    assert count(Registration) == 0 and count(Person) == 0


def test_missing_csrf_token_is_refused(client) -> None:
    event = upcoming()
    response = client.post(f"/events/{event.slug}/register", data=form_data())
    assert response.status_code == 400 and count(Registration) == 0


def test_honeypot_looks_like_success_and_registers_nothing(client) -> None:
    event = upcoming()
    response = post_form(
        client, f"/events/{event.slug}/register", form_data(website="http://spam.example")
    )
    assert response.status_code == 302
    assert "Thank you" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert count(Registration) == 0 and count(OutboxMessage) == 0


def test_unknown_or_draft_event_registration_is_404(client) -> None:
    assert client.get("/events/nope/register").status_code == 404


def test_lost_link_answers_the_same_for_every_address(client) -> None:
    event = upcoming()
    make_registration(event, email="known@uni.example")
    slug = event.slug
    answers = []
    for email in ("known@uni.example", "unknown@uni.example"):
        response = post_form(client, f"/events/{slug}/lost-link", {"email": email})
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        # The form's CSRF token carries a timestamp: two answers a second apart differ there.
        answers.append(page.replace(email, "EMAIL").replace(csrf_from(page), "CSRF"))
    assert answers[0] == answers[1]
    assert [m.to_address for m in db.session.scalars(sa.select(OutboxMessage))] == [
        "known@uni.example"
    ]
    empty = post_form(client, f"/events/{slug}/lost-link", {"email": ""})
    assert empty.status_code == 400 and "Please enter your e-mail address." in empty.get_data(
        as_text=True
    )


def test_privacy_notice_names_its_version(client) -> None:
    assert "2026-01" in client.get("/privacy").get_data(as_text=True)


def test_oversized_request_gets_the_branded_413(client) -> None:
    slug = upcoming().slug
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    response = client.post(
        f"/events/{slug}/register",
        data={**form_data(goals="x" * (3 * 1024 * 1024)), "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 413
    assert "That upload is too large" in response.get_data(as_text=True)


@pytest.fixture
def limited_app(tmp_path):
    """A separate app with rate limiting on (the shared limiter is restored afterwards)."""
    from eventnet.extensions import limiter

    was_enabled = limiter.enabled
    application = make_test_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'limited.sqlite3'}",
        RATELIMIT_ENABLED=True,
        RATELIMIT_PUBLIC_POST="3 per minute",
        WTF_CSRF_ENABLED=False,
    )
    migrate_to_head(application)
    yield application
    limiter.enabled = was_enabled


def test_public_posts_are_rate_limited_per_ip(limited_app) -> None:
    client = limited_app.test_client()
    codes = [
        client.post("/events/none/lost-link", data={"email": "a@b.example"}).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [404, 404, 404] and codes[3:] == [429, 429]
    assert client.get("/").status_code == 200  # GETs are not limited


def test_an_empty_form_gets_every_message_not_a_crash(client) -> None:
    # Regression: a Jinja `{% set _ = ... %}` once shadowed gettext and turned this into a 500.
    slug = upcoming().slug
    response = post_form(client, f"/events/{slug}/register", {})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Please choose who you are." in html and "Please enter your name." in html
