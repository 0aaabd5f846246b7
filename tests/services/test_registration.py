"""Registration service: places, waiting list, double opt-in, duplicates and manage links."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    OrganizationKind,
    OutboxMessage,
    Person,
    Registration,
    RegistrationStatus,
    TagKind,
)
from eventnet.services import DomainError, NotFound
from eventnet.services.registration import (
    RegistrationClosed,
    RegistrationInput,
    ValidationFailed,
    cancel_registration,
    confirm_pending,
    expire_pending_holds,
    promote_waitlist,
    register,
    registration_for_token,
    reissue_manage_link,
    resend_manage_link,
    update_profile,
)
from eventnet.services.tokens import hash_token
from eventnet.services.waitlist import availability, plan_promotions
from tests.factories import make_event, make_organization, make_registration

pytestmark = pytest.mark.usefixtures("app_ctx")


def student(email: str, **kw) -> RegistrationInput:
    values = {
        "name": "Ana Student",
        "email": email,
        "role": "student",
        "degree_programme": "MSc Data Science",
        "consent_privacy": True,
    }
    values.update(kw)
    return RegistrationInput(**values)


def employer(email: str, **kw) -> RegistrationInput:
    values = {
        "name": "Eero Employer",
        "email": email,
        "role": "employer",
        "organization": "Nokia",
        "job_title": "Recruiter",
        "consent_privacy": True,
    }
    values.update(kw)
    return RegistrationInput(**values)


def statuses(event_id: int) -> list[tuple[str, str, int | None]]:
    rows = db.session.execute(
        sa.select(Registration.email, Registration.status, Registration.waitlist_position)
        .where(Registration.event_id == event_id)
        .order_by(Registration.id)
    )
    return [(e, s.value, p) for e, s, p in rows]


def mails(kind: str | None = None, to: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if to:
        query = query.where(OutboxMessage.to_address == to)
    return list(db.session.scalars(query))


def test_places_then_fifo_waiting_list_per_role(now) -> None:
    event = make_event(quotas={"student": 2, "employer": 1})
    outcomes = [register(event.id, student(f"s{i}@uni.example"), now) for i in range(4)]
    assert [o.status for o in outcomes] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [o.waitlist_position for o in outcomes] == [None, None, 1, 2]
    # Another role still has its own places.
    assert register(event.id, employer("e1@corp.example"), now).status == "confirmed"
    assert register(event.id, employer("e2@corp.example"), now).waitlist_position == 1
    info = availability(db.session.get(type(event), event.id), now)
    assert info.left_for("student") == 0 and info.roles["student"].waiting == 2
    assert [m.kind for m in mails(to="s2@uni.example")] == ["waitlist"]
    assert "Your position: 1" in mails(to="s2@uni.example")[0].body_text


def test_each_place_records_its_own_moment_and_no_other(now) -> None:
    """Confirmed, pending and wait-listed registrations carry only their own timestamp."""
    event = make_event(quotas={"student": 1, "employer": 1})
    held = make_event(quotas={"student": 1}, double_opt_in=True)
    ids = [
        register(event.id, student("first@uni.example"), now).registration_id,
        register(event.id, student("second@uni.example"), now).registration_id,
        register(held.id, student("held@uni.example"), now).registration_id,
    ]
    rows = [db.session.get(Registration, i, populate_existing=True) for i in ids]
    times = [(r.status, r.confirmed_at, r.waitlisted_at, r.pending_expires_at) for r in rows]
    assert times == [
        (RegistrationStatus.CONFIRMED, now, None, None),
        (RegistrationStatus.WAITLISTED, None, now, None),
        (
            RegistrationStatus.PENDING,
            None,
            None,
            now + timedelta(minutes=held.pending_hold_minutes),
        ),
    ]
    assert all(r.created_at == r.updated_at == r.consent_privacy_at == now for r in rows)


def test_event_capacity_limits_all_roles_together(now) -> None:
    event = make_event(quotas={"student": 5, "employer": 5}, capacity=2)
    register(event.id, student("a@uni.example"), now)
    register(event.id, employer("b@corp.example"), now)
    third = register(event.id, student("c@uni.example"), now)
    assert third.status == "waitlisted" and third.waitlist_position == 1


def test_role_without_quota_is_not_offered(now) -> None:
    event = make_event(quotas={"student": 5})
    with pytest.raises(ValidationFailed) as err:
        register(event.id, employer("b@corp.example"), now)
    assert "role" in err.value.errors


def test_cancel_promotes_oldest_and_renumbers(now) -> None:
    event = make_event(quotas={"student": 1})
    first = register(event.id, student("first@uni.example"), now)
    for name in ("w1", "w2", "w3"):
        register(event.id, student(f"{name}@uni.example"), now + timedelta(minutes=1))
    promoted = cancel_registration(first.registration_id, now + timedelta(hours=1))
    assert len(promoted) == 1
    assert statuses(event.id) == [
        ("first@uni.example", "cancelled", None),
        ("w1@uni.example", "confirmed", None),
        ("w2@uni.example", "waitlisted", 1),
        ("w3@uni.example", "waitlisted", 2),
    ]
    promotion = mails("promotion", "w1@uni.example")
    assert len(promotion) == 1 and "you have a place" in promotion[0].subject
    assert [m.kind for m in mails(to="first@uni.example")] == ["confirmation", "cancelled"]
    # The promotion mail carries a working (new) link; cancelling twice changes nothing.
    token = promotion[0].body_text.split("/r/")[1].split()[0]
    assert registration_for_token(token).email == "w1@uni.example"
    assert cancel_registration(first.registration_id, now + timedelta(hours=2)) == []


def test_leaving_the_waiting_list_renumbers_it(now) -> None:
    event = make_event(quotas={"student": 1})
    register(event.id, student("a@uni.example"), now)
    w1 = register(event.id, student("w1@uni.example"), now)
    register(event.id, student("w2@uni.example"), now)
    assert cancel_registration(w1.registration_id, now) == []
    assert statuses(event.id)[-1] == ("w2@uni.example", "waitlisted", 1)


def test_raising_a_quota_promotes_fifo(now) -> None:
    event = make_event(quotas={"student": 1})
    for i in range(4):
        register(event.id, student(f"s{i}@uni.example"), now + timedelta(seconds=i))
    event = db.session.get(type(event), event.id)
    event.quota_for("student").capacity = 3
    event.capacity = 3
    db.session.commit()
    promoted = promote_waitlist(event.id, now, role="student")
    assert len(promoted) == 2
    assert [s for _, s, _ in statuses(event.id)] == [
        "confirmed",
        "confirmed",
        "confirmed",
        "waitlisted",
    ]
    assert statuses(event.id)[-1][2] == 1


def test_double_opt_in_holds_then_expires_and_promotes(now) -> None:
    event = make_event(quotas={"student": 1}, double_opt_in=True, pending_hold_minutes=60)
    pending = register(event.id, student("slow@uni.example"), now)
    assert pending.status == "pending"
    waiting = register(event.id, student("next@uni.example"), now)
    assert waiting.status == "waitlisted"
    assert [m.kind for m in mails(to="slow@uni.example")] == ["confirm_email"]
    assert expire_pending_holds(now + timedelta(minutes=59)) == 0
    assert expire_pending_holds(now + timedelta(minutes=61)) == 1
    assert statuses(event.id) == [
        ("slow@uni.example", "cancelled", None),
        ("next@uni.example", "pending", None),  # double opt-in: the promoted must confirm too
    ]
    assert [m.kind for m in mails(to="slow@uni.example")][-1] == "hold_expired"
    promotion = mails("promotion", "next@uni.example")[0]
    assert "Please confirm" in promotion.body_text
    token = promotion.body_text.split("/r/")[1].split("/confirm")[0]
    result = confirm_pending(token, now + timedelta(minutes=70))
    assert result.status == "confirmed"
    assert [m.kind for m in mails(to="next@uni.example")][-1] == "confirmation"
    # The old link of the expired registration cannot be confirmed any more.
    slow_token = mails("confirm_email", "slow@uni.example")[0].body_text.split("/r/")[1]
    with pytest.raises(Exception, match="register again"):
        confirm_pending(slow_token.split("/confirm")[0], now + timedelta(minutes=80))


def test_confirming_within_the_hold_confirms(now) -> None:
    event = make_event(quotas={"student": 1}, double_opt_in=True)
    outcome = register(event.id, student("a@uni.example"), now)
    assert confirm_pending(outcome.manage_token, now + timedelta(minutes=5)).status == "confirmed"
    assert confirm_pending(outcome.manage_token, now + timedelta(minutes=6)).status == "confirmed"
    assert len(mails("confirmation", "a@uni.example")) == 1


def test_late_confirmation_gets_a_free_place_but_not_a_taken_one(now) -> None:
    event = make_event(quotas={"student": 1}, double_opt_in=True, pending_hold_minutes=10)
    late = register(event.id, student("late@uni.example"), now)
    # The hold ran out but nobody needed the place (and no tick released it): still yours.
    assert confirm_pending(late.manage_token, now + timedelta(minutes=20)).status == "confirmed"

    other = make_event(quotas={"student": 1}, double_opt_in=True, pending_hold_minutes=10)
    late = register(other.id, student("late@uni.example"), now)
    # Someone else registers after the hold ran out: the hold is released, the place is theirs.
    assert register(other.id, student("quick@uni.example"), now + timedelta(minutes=20)).status == (
        "pending"
    )
    with pytest.raises(DomainError, match="register again"):
        confirm_pending(late.manage_token, now + timedelta(minutes=21))


def test_already_registered_address_looks_like_a_new_registration(now) -> None:
    event = make_event(quotas={"student": 1})
    first = register(event.id, student("Ana@Uni.example"), now)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
    again = register(event.id, student("  ANA@uni.EXAMPLE "), now)
    after = db.session.scalar(sa.select(sa.func.count()).select_from(Registration))
    assert after == before
    assert again.duplicate and again.manage_token is None and again.registration_id is None
    # Same shape as what a new person would get now (the only place is taken).
    fresh = register(event.id, student("someone@uni.example"), now)
    assert (again.status, again.waitlist_position) == (fresh.status, fresh.waitlist_position)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 2
    mail = mails("already_registered", "ana@uni.example")
    assert len(mail) == 1 and "already registered" in mail[0].body_text
    new_token = mail[0].body_text.split("/r/")[1].split()[0]
    assert registration_for_token(new_token).id == first.registration_id
    assert registration_for_token(first.manage_token) is None  # the old link was replaced


def test_manage_token_is_random_and_only_hashed(now) -> None:
    event = make_event()
    outcome = register(event.id, student("a@uni.example"), now)
    reg = db.session.get(Registration, outcome.registration_id)
    assert len(outcome.manage_token) >= 43  # 256 bits, url-safe base64
    assert reg.manage_token_hash == hash_token(outcome.manage_token)
    assert outcome.manage_token not in (reg.manage_token_hash, reg.ticket_code)
    reissue_manage_link(reg.id, now)
    assert registration_for_token(outcome.manage_token) is None
    link = mails("lost_link", "a@uni.example")[0].body_text.split("/r/")[1].split()[0]
    assert registration_for_token(link).id == reg.id


def test_lost_link_is_silent_for_unknown_addresses_and_rate_limited(now) -> None:
    event = make_event()
    register(event.id, student("a@uni.example"), now)
    resend_manage_link("nobody@uni.example", event.id, now)
    resend_manage_link("not an address", event.id, now)
    resend_manage_link(" A@UNI.example", event.id, now)
    resend_manage_link("a@uni.example", event.id, now + timedelta(minutes=1))
    assert len(mails("lost_link")) == 1
    resend_manage_link("a@uni.example", event.id, now + timedelta(minutes=11))
    assert len(mails("lost_link")) == 2


def test_profile_update_changes_tags_and_consents_not_identity(now) -> None:
    event = make_event()
    outcome = register(
        event.id,
        student("a@uni.example", interests=["Data science"], consent_photos=True),
        now,
    )
    update_profile(
        outcome.registration_id,
        student(
            "evil@elsewhere.example",
            role="employer",
            interests=["circular ECONOMY", "Internships"],
            seeks=["Internships"],
            consent_profile=True,
        ),
        now + timedelta(days=1),
    )
    reg = db.session.get(Registration, outcome.registration_id)
    assert reg.email == "a@uni.example" and reg.role == "student"
    assert reg.tag_labels(TagKind.INTEREST) == ["Circular economy", "Internships"]
    assert reg.tag_labels(TagKind.SEEK) == ["Internships"]
    assert reg.consent_profile_at is not None and reg.consent_photos_at is None


def test_organizations_are_matched_by_key_and_get_a_kind(now) -> None:
    make_organization("Aalto University", OrganizationKind.HIGHER_EDUCATION)
    event = make_event()
    a = register(event.id, student("a@uni.example", organization="  aalto   UNIVERSITY "), now)
    b = register(event.id, employer("b@corp.example", organization="Kone Oyj"), now)
    reg_a = db.session.get(Registration, a.registration_id)
    reg_b = db.session.get(Registration, b.registration_id)
    assert reg_a.organization.name == "Aalto University"
    assert reg_b.organization.kind == OrganizationKind.EMPLOYER


def test_consents_are_time_stamped_with_the_policy_version(now) -> None:
    event = make_event()
    outcome = register(event.id, student("a@uni.example", consent_profile=True), now)
    reg = db.session.get(Registration, outcome.registration_id)
    assert reg.consent_privacy_at == now and reg.privacy_policy_version == "2026-01"
    assert reg.consent_profile_at == now and reg.consent_photos_at is None


def test_validation_errors_name_the_fields_and_write_nothing(now) -> None:
    event = make_event()
    data = RegistrationInput(
        name="",
        email="not-an-email",
        role="student",
        graduation_year="soon",
        country="XX",
        interests=["Knitting"],
        consent_privacy=False,
        goals="x" * 1001,
    )
    with pytest.raises(ValidationFailed) as err:
        register(event.id, data, now)
    assert {"name", "email", "graduation_year", "country", "interests", "consent_privacy"} <= set(
        err.value.errors
    )
    assert "goals" in err.value.errors
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Person)) == 0


def test_wrong_types_are_field_errors_not_crashes(now) -> None:
    data = RegistrationInput.from_mapping(
        {
            "name": 12,
            "email": ["a@b.c"],
            "role": None,
            "languages": "English",
            "interests": [1, 2],
            "consent_privacy": "yes",
            "graduation_year": True,
            "organization_name": {"x": 1},
        }
    )
    errors = data.validate(now=now)
    assert {"name", "email", "role", "languages", "interests", "consent_privacy"} <= set(errors)
    assert {"graduation_year", "organization"} <= set(errors)


def test_control_characters_are_refused(now) -> None:
    errors = student("a@uni.example", name="Ana\x00Li", goals="line\nbreak ok").validate(now=now)
    assert set(errors) == {"name"}


def test_closed_or_unknown_event(now) -> None:
    event = make_event(registration_closes_at=now - timedelta(minutes=1))
    with pytest.raises(RegistrationClosed):
        register(event.id, student("a@uni.example"), now)
    with pytest.raises(NotFound):
        register(987654, student("a@uni.example"), now)


def test_reregistering_after_cancelling_is_a_new_registration(now) -> None:
    event = make_event()
    first = register(event.id, student("a@uni.example"), now)
    cancel_registration(first.registration_id, now)
    second = register(event.id, student("a@uni.example"), now + timedelta(minutes=1))
    assert not second.duplicate and second.status == "confirmed"
    assert second.registration_id != first.registration_id


def test_new_registrations_never_jump_the_waiting_list(now) -> None:
    event = make_event(quotas={"student": 1})
    taken = make_registration(event, email="x@uni.example", role="student")
    waiting = make_registration(
        event,
        email="w@uni.example",
        role="student",
        status=RegistrationStatus.WAITLISTED,
        waitlist_position=1,
        waitlisted_at=now - timedelta(days=1),
    )
    # The place was freed behind the service's back (no promotion ran).
    db.session.get(Registration, taken.id).status = RegistrationStatus.CANCELLED
    db.session.commit()
    newcomer = register(event.id, student("new@uni.example"), now)
    assert newcomer.status == "waitlisted" and newcomer.waitlist_position == 1
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.CONFIRMED


def test_plan_promotions_is_fifo_and_skips_full_roles() -> None:
    quotas = {"student": 2, "employer": 1}
    waiting = [("e1", "employer"), ("s1", "student"), ("s2", "student"), ("s3", "student")]
    assert plan_promotions(10, quotas, {"student": 1, "employer": 1}, waiting) == ["s1"]
    assert plan_promotions(2, quotas, {"student": 1, "employer": 0}, waiting) == ["e1"]
    assert plan_promotions(10, {"student": None}, {}, waiting) == ["s1", "s2", "s3"]
