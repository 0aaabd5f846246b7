"""Hypothesis throws anything at the registration form and at the service behind it:
never a 5xx, and either a whole registration is written or nothing at all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventnet.extensions import db
from eventnet.models import (
    Event,
    Organization,
    OutboxMessage,
    Person,
    Registration,
    RegistrationTag,
)
from eventnet.services import DomainError
from eventnet.services.registration import RegistrationInput, register
from tests.conftest import csrf_from
from tests.factories import make_event

SETTINGS = settings(
    max_examples=35,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TABLES = (Registration, Person, Organization, OutboxMessage, RegistrationTag)
TEXT_FIELDS = [
    "name",
    "organization",
    "job_title",
    "degree_programme",
    "other_interests",
    "offer_text",
    "seek_text",
    "goals",
    "dietary_needs",
    "accessibility_needs",
]

text = st.text(max_size=60) | st.text(min_size=190, max_size=1200) | st.just("")
valid_email = st.integers(0, 10_000).map(lambda n: f"  Person{n}@Uni.example ")
field_values = {
    "role": st.sampled_from(["student", "staff", "employer", "admin", ""]) | text,
    "email": valid_email | text,
    "study_level": st.sampled_from(["", "master", "bachelor", "phd"]) | text,
    "graduation_year": st.sampled_from(["2028", "", "20x8", "-1", "99999999999999"]) | text,
    "country": st.sampled_from(["FI", "vn", "XX", "150", ""]) | text,
    "languages": st.lists(st.sampled_from(["English", "Finnish"]) | text, max_size=14),
    "interests": st.lists(st.sampled_from(["Data science", "Internships"]) | text, max_size=22),
    "offers": st.lists(st.sampled_from(["Internships"]) | text, max_size=3),
    "seeks": st.lists(st.sampled_from(["Data science"]) | text, max_size=3),
    "consent_privacy": st.sampled_from(["y", "", "no", "true"]) | text,
    "consent_profile": st.sampled_from(["y", ""]) | text,
    "website": st.just("") | text,
    **{name: text for name in TEXT_FIELDS},
}
form_posts = st.fixed_dictionaries({}, optional=field_values)


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in TABLES)


@SETTINGS
@given(data=form_posts)
def test_the_form_never_fails_and_never_half_writes(client, data) -> None:
    slug = _event_slug()
    token = csrf_from(client.get(f"/events/{slug}/register").get_data(as_text=True))
    before = counts()
    response = client.post(f"/events/{slug}/register", data={**data, "csrf_token": token})
    after = counts()
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code != 302:
        assert response.status_code in (400, 409, 413)
        assert after == before
    else:
        added = after[0] - before[0]
        assert added in (0, 1)
        if added:  # a whole registration: its person and its confirmation mail too
            assert after[3] > before[3]


def _event_slug() -> str:
    """One event per test transaction (found again by its fixed slug)."""
    slug = "fuzz-day"
    if not db.session.scalar(sa.select(Event.id).where(Event.slug == slug)):
        make_event(
            slug=slug,
            starts_at=datetime.now(UTC) + timedelta(days=20),
            quotas={"student": 3, "staff": 3, "employer": 3},
            interests=("Data science", "Internships"),
        )
    return slug


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
service_input = st.fixed_dictionaries(
    {},
    optional={
        name: json_values | st.text(max_size=300) for name in RegistrationInput.__dataclass_fields__
    },
)


@SETTINGS
@given(payload=service_input)
def test_the_service_turns_wrong_types_into_field_errors(app_ctx, payload) -> None:
    """What the JSON API and CSV import send: any JSON value in any field."""
    slug = _event_slug()
    event_id = db.session.scalar(sa.select(Event.id).where(Event.slug == slug))
    data = RegistrationInput.from_mapping(payload)
    errors = data.validate(now=datetime.now(UTC))
    assert isinstance(errors, dict)
    assert all(isinstance(m, str) for messages in errors.values() for m in messages)
    before = counts()
    try:
        outcome = register(event_id, data, datetime.now(UTC))
    except DomainError as exc:
        assert exc.status_code < 500 or exc.status_code == 503
        assert counts() == before
    else:
        assert not errors and outcome.status
