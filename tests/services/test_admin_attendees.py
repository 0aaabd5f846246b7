"""The attendee list, one attendee's page, places by hand, check-in, exports, import, messages."""

from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook

from eventnet.extensions import db
from eventnet.models import (
    AttendeeRole,
    AuditEntry,
    Event,
    Organization,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    RegistrationTag,
    TagKind,
)
from eventnet.services import DomainError, attendees, checkin, exports, imports, messages
from eventnet.services.attendees import AttendeeQuery
from eventnet.services.registration import RegistrationInput
from tests.factories import make_event, make_organization, make_organizer, make_registration


@contextmanager
def count_queries():
    """Count SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)


@pytest.fixture
def crowd(app_ctx, now):
    """An event with a varied crowd (and a second event whose people must never show)."""
    event = make_event(quotas={"staff": 10, "student": 10, "employer": 10})
    other = make_event()
    aalto = make_organization("Aalto University")
    nokia = make_organization("Nokia")
    people = [
        ("Ines Student", "student", RegistrationStatus.CONFIRMED, aalto),
        ("Oskar Heikkinen", "employer", RegistrationStatus.CONFIRMED, nokia),
        ("Aino Staff", "staff", RegistrationStatus.PENDING, aalto),
        ("Bo Waiting", "student", RegistrationStatus.WAITLISTED, None),
        ("Cy Cancelled", "employer", RegistrationStatus.CANCELLED, nokia),
    ]
    regs = {}
    for i, (name, role, status, org) in enumerate(people):
        regs[name] = make_registration(
            event,
            name=name,
            role=role,
            status=status,
            organization=org,
            created_at=now - timedelta(days=10 - i),
            waitlist_position=1 if status == RegistrationStatus.WAITLISTED else None,
        )
    make_registration(other, name="Ines Elsewhere", role="student")
    regs["Oskar Heikkinen"].checked_in_at = now
    regs["Ines Student"].consent_profile_at = None
    interest = event.interests[0]
    db.session.add(
        RegistrationTag(
            registration_id=regs["Oskar Heikkinen"].id,
            interest_id=interest.id,
            kind=TagKind.INTEREST,
        )
    )
    db.session.commit()
    return event, regs, interest


def names(page: attendees.AttendeePage) -> list[str]:
    return [r.name for r in page.rows]


def test_filters_search_sort_and_counts(crowd) -> None:
    event, regs, interest = crowd
    page = attendees.list_attendees(event.id, AttendeeQuery())
    assert names(page) == [
        "Cy Cancelled",
        "Bo Waiting",
        "Aino Staff",
        "Oskar Heikkinen",
        "Ines Student",
    ]  # newest first
    assert page.total == 5 and page.status_counts[RegistrationStatus.CONFIRMED] == 2

    def q(**kw):
        return names(attendees.list_attendees(event.id, AttendeeQuery(**kw)))

    assert q(q="ines") == ["Ines Student"]
    assert q(q="aalto", sort="name", descending=False) == ["Aino Staff", "Ines Student"]
    assert q(q="NOKIA.") == []  # no false positives from LIKE wildcards
    assert q(q=regs["Bo Waiting"].ticket_code.replace("-", "").lower()) == ["Bo Waiting"]
    assert q(role=AttendeeRole.EMPLOYER) == ["Cy Cancelled", "Oskar Heikkinen"]
    assert q(interest_id=interest.id) == ["Oskar Heikkinen"]
    assert q(checked_in=True) == ["Oskar Heikkinen"]
    assert q(consent="no_profile") == ["Ines Student"]
    by_org = ["Oskar Heikkinen", "Cy Cancelled", "Bo Waiting"]  # no organization: last
    assert q(sort="organization", descending=False)[-3:] == by_org
    assert q(sort="organization")[-1] == "Bo Waiting"
    filtered = attendees.list_attendees(
        event.id, AttendeeQuery(status=RegistrationStatus.CONFIRMED, q="aalto")
    )
    # Counts per status ignore the status filter (the tabs), the total respects it.
    assert filtered.total == 1
    assert filtered.status_counts[RegistrationStatus.PENDING] == 1


def test_query_args_round_trip_and_garbage_is_ignored() -> None:
    query = AttendeeQuery.from_args(
        {
            "q": "  ada\x00 lovelace ",
            "role": "wizard",
            "status": "waitlisted",
            "checked_in": "no",
            "sort": "name; drop table",
            "page": "-4",
            "per_page": "7",
            "interest": "x",
        }
    )
    assert query.q == "ada lovelace"
    assert query.role is None and query.status == RegistrationStatus.WAITLISTED
    assert query.checked_in is False and query.sort == "created" and query.page == 1
    assert query.per_page == 50 and query.interest_id is None
    assert AttendeeQuery.from_args(query.to_args()) == query


def test_pagination_stays_in_range(crowd) -> None:
    event, _regs, _interest = crowd
    page = attendees.list_attendees(event.id, AttendeeQuery(per_page=25, page=99))
    assert page.query.page == 1 and page.pages == 1 and len(page.rows) == 5


def test_a_page_costs_two_queries_whatever_its_size(app_ctx) -> None:
    event = make_event(quotas={"staff": 500, "student": 500, "employer": 500})
    orgs = [make_organization(f"Org {i}") for i in range(5)]
    for i in range(120):
        make_registration(
            event, role=("student", "staff", "employer")[i % 3], organization=orgs[i % 5]
        )
    event_id = event.id
    db.session.expire_all()
    for per_page in (25, 100):
        with count_queries() as statements:
            page = attendees.list_attendees(
                event_id, AttendeeQuery(per_page=per_page, q="test", sort="organization")
            )
            [(r.name, r.organization, r.role) for r in page.rows]
        assert len(page.rows) == per_page
        assert len(statements) == 2, statements


def test_history_tells_the_story(crowd, now) -> None:
    event, regs, _interest = crowd
    reg = regs["Oskar Heikkinen"]
    organizer = make_organizer(name="Desk Person")
    attendees.set_notes(event.id, reg.id, "Prefers Finnish", actor=organizer, now=now)
    messages.send_message(
        event.id,
        AttendeeQuery(q="oskar"),
        "Hello {first_name}",
        "See you at {event_venue}.",
        actor=organizer,
        now=now + timedelta(minutes=1),
    )
    reg = db.session.get(Registration, reg.id)
    items = attendees.history(reg)
    kinds = [i.kind for i in items]
    assert {"registered", "confirmed", "checked_in", "audit", "mail"} <= set(kinds)
    assert [i.at for i in items] == sorted(i.at for i in items)
    notes = next(i for i in items if i.kind == "audit")
    assert notes.actor == "Desk Person" and notes.details["after"] == {"notes": "Prefers Finnish"}
    mail = next(i for i in items if i.kind == "mail")
    assert "Hello Oskar" in mail.label


def test_notes_are_private_audited_and_limited(crowd, now) -> None:
    event, regs, _ = crowd
    organizer = make_organizer()
    attendees.set_notes(event.id, regs["Bo Waiting"].id, "VIP", actor=organizer, now=now)
    attendees.set_notes(event.id, regs["Bo Waiting"].id, "VIP", actor=organizer, now=now)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEntry.action == "registration.notes")
        )
        == 1
    )
    with pytest.raises(DomainError):
        attendees.set_notes(event.id, regs["Bo Waiting"].id, "x" * 5001, actor=organizer, now=now)


def test_an_organizer_edits_details_and_tags(crowd, now) -> None:
    event, regs, interest = crowd
    organizer = make_organizer()
    reg = regs["Ines Student"]
    attendees.update_registration(
        event.id,
        reg.id,
        {"name": "Ines S. Student", "country": "se", "graduation_year": 2028},
        organization="  University of Turku ",
        tags={TagKind.INTEREST: [interest.id], TagKind.OFFER: []},
        actor=organizer,
        now=now,
    )
    reg = db.session.get(Registration, reg.id)
    assert reg.name == "Ines S. Student" and reg.country == "SE"
    assert reg.organization.name == "University of Turku"
    assert reg.tag_labels(TagKind.INTEREST) == [interest.label]
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "registration.updated")
    )
    assert entry.before["name"] == "Ines Student" and entry.after["country"] == "SE"
    with pytest.raises(DomainError):
        attendees.update_registration(
            event.id, reg.id, {"country": "Sweden"}, actor=organizer, now=now
        )


def _input(name: str, email: str, role: str = "student", **kw) -> RegistrationInput:
    values = {
        "name": name,
        "email": email,
        "role": role,
        "consent_privacy": True,
        "degree_programme": "MSc Data Science" if role == "student" else "",
        "organization": "" if role == "student" else "Nokia",
        "job_title": "" if role == "student" else "Recruiter",
    }
    values.update(kw)
    return RegistrationInput(**values)


def test_manual_add_is_audited_and_refuses_a_known_address(app_ctx, now) -> None:
    organizer = make_organizer()
    event = make_event(status="closed")  # outside the registration window is fine
    result = attendees.add_attendee(
        event.id, _input("Ada New", "ada@uni.example"), actor=organizer, now=now, notify=False
    )
    assert result.status == RegistrationStatus.CONFIRMED
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.registration_id == result.registration_id)
    )
    assert entry.action == "registration.added" and entry.actor_id == organizer.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    with pytest.raises(DomainError, match="already registered") as caught:
        attendees.add_attendee(
            event.id, _input("Ada Again", "ADA@uni.example"), actor=organizer, now=now
        )
    assert caught.value.details["registration_id"] == result.registration_id


def test_moving_someone_off_a_full_waiting_list_needs_an_explicit_yes(app_ctx, now) -> None:
    organizer = make_organizer()
    event = make_event(quotas={"staff": 1, "student": 1, "employer": 1})
    make_registration(event, role="student")
    first = make_registration(
        event,
        role="student",
        status=RegistrationStatus.WAITLISTED,
        waitlist_position=1,
        waitlisted_at=now - timedelta(hours=2),
    )
    second = make_registration(
        event,
        role="student",
        status=RegistrationStatus.WAITLISTED,
        waitlist_position=2,
        waitlisted_at=now - timedelta(hours=1),
    )
    with pytest.raises(DomainError, match="All 1 places"):
        attendees.promote_by_hand(event.id, second.id, actor=organizer, now=now)
    attendees.promote_by_hand(event.id, second.id, actor=organizer, now=now, over_quota=True)
    second, first = db.session.get(Registration, second.id), db.session.get(Registration, first.id)
    assert second.status == RegistrationStatus.CONFIRMED and second.promoted_at == now
    assert first.waitlist_position == 1
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "registration.promoted_by_hand")
    )
    assert entry.after == {"status": "confirmed", "over_quota": True}
    assert (
        db.session.scalar(
            sa.select(OutboxMessage.kind).where(OutboxMessage.registration_id == second.id)
        )
        == "promotion"
    )


def test_cancelling_frees_the_place_for_the_first_in_line(app_ctx, now) -> None:
    organizer = make_organizer()
    event = make_event(quotas={"staff": 1, "student": 1, "employer": 1})
    taken = make_registration(event, role="student")
    waiting = make_registration(
        event,
        role="student",
        status=RegistrationStatus.WAITLISTED,
        waitlist_position=1,
        waitlisted_at=now - timedelta(hours=1),
    )
    promoted = attendees.cancel_by_organizer(event.id, taken.id, actor=organizer, now=now)
    assert promoted == [waiting.id]
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.CONFIRMED
    assert attendees.cancel_by_organizer(event.id, taken.id, actor=organizer, now=now) == []


def test_check_in_is_idempotent_confirms_pending_and_refuses_the_waiting_list(crowd, now) -> None:
    event, regs, _ = crowd
    desk = make_organizer()
    result = checkin.check_in(regs["Aino Staff"].id, desk, now, event_id=event.id)
    assert not result.already and result.registration.status == RegistrationStatus.CONFIRMED
    again = checkin.check_in(regs["Aino Staff"].id, desk, now + timedelta(minutes=5))
    assert again.already and again.registration.checked_in_at == now
    with pytest.raises(DomainError, match="waiting list"):
        checkin.check_in(regs["Bo Waiting"].id, desk, now)
    with pytest.raises(DomainError, match="cancelled"):
        checkin.check_in(regs["Cy Cancelled"].id, desk, now)
    other = make_event()
    with pytest.raises(DomainError):
        checkin.check_in(regs["Aino Staff"].id, desk, now, event_id=other.id)
    checkin.undo_check_in(regs["Aino Staff"].id, desk, now)
    assert db.session.get(Registration, regs["Aino Staff"].id).checked_in_at is None
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.registration_id == regs["Aino Staff"].id)
    ).all()
    assert actions == ["registration.checked_in", "registration.check_in_undone"]


def test_desk_search_and_counts(crowd) -> None:
    event, regs, _ = crowd
    hits = checkin.desk_search(event.id, "in")
    assert [h.name for h in hits][:2] == ["Ines Student", "Aino Staff"]  # name prefix first
    assert hits[-1].name != "Ines Elsewhere"
    code = regs["Bo Waiting"].ticket_code
    assert [h.name for h in checkin.desk_search(event.id, code.lower())] == ["Bo Waiting"]
    assert checkin.desk_search(event.id, "%") == []
    counts = {c.role.value: (c.expected, c.arrived) for c in checkin.desk_counts(event.id)}
    assert counts == {"staff": (1, 0), "student": (1, 0), "employer": (1, 1)}


def test_exports_contain_every_field_and_neutralize_formulas(app_ctx) -> None:
    event = make_event(timezone="Europe/Helsinki")
    make_registration(
        event,
        name='=HYPERLINK("http://evil")',
        goals="+SUM(A1)",
        dietary_needs="@cmd",
        offer_text="-1+2",
        seek_text="\tTabbed",
        organizer_notes="\rCarriage",
    )
    make_registration(event, name="Plain Person")
    query = AttendeeQuery(sort="name", descending=False)
    text = "".join(exports.to_csv(event, query)).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2
    evil = next(r for r in rows if "HYPERLINK" in r["Name"])
    assert evil["Name"].startswith("'=")
    assert evil["Goals"] == "'+SUM(A1)" and evil["Dietary needs"] == "'@cmd"
    assert evil["What they offer"] == "'-1+2" and evil["What they look for"] == "'\tTabbed"
    assert evil["Organizer notes"] == "'\rCarriage"
    assert {c.title for c in exports.columns(event.timezone)} <= set(rows[0])
    book = load_workbook(io.BytesIO(exports.to_xlsx(event, query)))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][2] == "Name"
    assert any(str(v).startswith("'=HYPERLINK") for row in values for v in row)
    assert not any(
        isinstance(v, str) and v.startswith(("=", "+", "-", "@")) for row in values for v in row
    )


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_previews_row_errors_and_imports_all_or_nothing(app_ctx, now) -> None:
    organizer = make_organizer()
    event = make_event(quotas={"staff": 5, "student": 1, "employer": 5}, interests=("AI",))
    make_registration(event, email="taken@uni.example")
    header = [
        "Name",
        "E-mail",
        "role",
        "degree_programme",
        "organisation",
        "job title",
        "interests",
    ]
    good = [
        ["Ada One", "ada@uni.example", "student", "MSc AI", "", "", "ai"],
        ["Bea Two", "bea@uni.example", "Student", "MSc AI", "", "", ""],
        ["Cid Three", "cid@uni.example", "employer", "", "Nokia", "CTO", ""],
    ]
    bad = [
        ["", "not-an-email", "wizard", "", "", "", "Quantum"],
        ["Dup", "taken@uni.example", "student", "MSc", "", "", ""],
        ["Twice", "ada@uni.example", "student", "MSc", "", "", ""],
    ]
    rows = imports.read_table("people.xlsx", _xlsx([header, *good, *bad]))
    preview = imports.preview(db.session.get(Event, event.id), rows, now)
    assert not preview.ok
    errors = {r.line: r.errors for r in preview.error_rows}
    assert set(errors) == {2, 5, 6, 7}  # line 2: Ada appears twice in the file
    assert {"name", "email", "role", "interests"} <= set(errors[5])
    assert "Already registered" in errors[6]["email"][0]
    with pytest.raises(DomainError):
        imports.run_import(event.id, rows, actor=organizer, now=now, notify=False)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1

    rows = imports.read_table("people.xlsx", _xlsx([header, *good]))
    preview = imports.preview(db.session.get(Event, event.id), rows, now)
    assert preview.ok
    assert preview.placements[AttendeeRole.STUDENT] == (0, 2)  # the one student place is taken
    payload = imports.pack(event.id, preview.rows)
    with pytest.raises(DomainError):
        imports.unpack(event.id + 1, payload)
    result = imports.run_import(
        event.id, imports.unpack(event.id, payload), actor=organizer, now=now, notify=True
    )
    assert (result.imported, result.waitlisted) == (3, 2)
    ada = db.session.scalar(sa.select(Registration).where(Registration.email == "ada@uni.example"))
    assert ada.source == "import" and ada.tag_labels(TagKind.INTEREST) == ["AI"]
    audited = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.event_id == event.id)
    ).all()
    assert audited.count("registration.imported") == 3 and "attendees.imported" in audited
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 3


def test_register_many_keeps_nobody_when_one_row_fails(app_ctx, now) -> None:
    from eventnet.services.registration import ValidationFailed, register_many

    event = make_event()
    items = [_input("Ok Person", "ok@uni.example"), _input("", "bad@uni.example")]
    with pytest.raises(ValidationFailed) as caught:
        register_many(event.id, items, now, source="import", notify=False)
    assert caught.value.details["row"] == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0


def test_import_is_atomic_when_a_row_fails_at_commit_time(app_ctx, now) -> None:
    organizer = make_organizer()
    event = make_event()
    rows = [
        imports.to_input_dict(
            {"name": n, "email": f"{n}@uni.example", "role": "student", "degree_programme": "MSc"}
        )
        for n in ("one", "two")
    ]
    # Someone registers "two" between the preview and the import: the re-check refuses all.
    make_registration(event, email="two@uni.example")
    with pytest.raises(DomainError, match="Nothing was imported"):
        imports.run_import(event.id, rows, actor=organizer, now=now, notify=False)
    emails = db.session.scalars(sa.select(Registration.email)).all()
    assert emails == ["two@uni.example"]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("people.pdf", b"x", "Upload a .csv or .xlsx"),
        ("people.csv", b"", "empty"),
        ("people.csv", b"foo,bar\n1,2\n", "missing: name, email, role"),
        ("people.xlsx", b"not a zip", "not an Excel"),
    ],
)
def test_unreadable_files_get_a_clear_message(app_ctx, name, data, message) -> None:
    with pytest.raises(DomainError, match=message):
        imports.read_table(name, data)


def test_csv_with_semicolons_and_cp1252_is_read(app_ctx) -> None:
    data = 'name;email;role;languages\nJoão Ümlaut;j@uni.example;student;"English; Finnish"\n'
    rows = imports.read_table("x.csv", data.encode("cp1252"))
    assert rows[0]["name"] == "João Ümlaut"
    assert imports.to_input_dict(rows[0])["role"] == "student"
    assert imports.to_input_dict(rows[0])["languages"] == ["English", "Finnish"]


def test_messages_validate_placeholders_and_record_what_was_sent(crowd, now) -> None:
    event, regs, _ = crowd
    organizer = make_organizer()
    with pytest.raises(DomainError) as caught:
        messages.preview(event, AttendeeQuery(), "Hi {frist_name}", "x")
    assert "{frist_name}" in caught.value.errors["subject"]
    preview = messages.preview(event, AttendeeQuery(), "Hi {first_name}", "Code {ticket_code}")
    assert preview.recipients == 4  # not the cancelled one
    assert preview.subject == "Hi Aino" and preview.body.startswith("Code ")
    old_hash = db.session.get(Registration, regs["Ines Student"].id).manage_token_hash
    n = messages.send_message(
        event.id,
        AttendeeQuery(role=AttendeeRole.STUDENT),
        "Your place, {first_name}",
        "Manage it here: {manage_link}\n{{not a placeholder}}",
        actor=organizer,
        now=now,
    )
    assert n == 2
    sent = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "organizer_message")
    ).all()
    assert {m.to_address for m in sent} == {regs["Ines Student"].email, regs["Bo Waiting"].email}
    ines = next(m for m in sent if m.to_address == regs["Ines Student"].email)
    assert ines.subject == "Your place, Ines" and "/r/" in ines.body_text
    assert db.session.get(Registration, regs["Ines Student"].id).manage_token_hash != old_hash
    listed = messages.sent_messages(event.id)
    assert listed[0].recipients == 2 and listed[0].subject == "Your place, {first_name}"
    _message, rows = messages.deliveries(event.id, listed[0].id)
    assert sorted(r.name for r in rows) == ["Bo Waiting", "Ines Student"]


def test_badges_data_fits_long_names(crowd) -> None:
    from eventnet.services import badges

    event, regs, _ = crowd
    selection = badges.BadgeSelection(query=AttendeeQuery())
    rows = badges.badge_rows(event, selection)
    assert [r["name"] for r in rows] == ["Aino Staff", "Ines Student", "Oskar Heikkinen"]
    assert badges.count_badges(event, selection) == 3
    assert rows[0]["qr"].startswith("data:image/svg+xml")
    assert badges.name_size("Bo Li") == "xl"
    assert badges.name_size("Maximilian Alexander von Hohenzollern-Sigmaringen") == "s"
    one = badges.badge_rows(event, badges.BadgeSelection(AttendeeQuery(), regs["Bo Waiting"].id))
    assert [r["name"] for r in one] == ["Bo Waiting"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) >= 2


def test_an_import_too_large_for_one_form_post_asks_to_split(app_ctx, monkeypatch) -> None:
    monkeypatch.setattr(imports, "PAYLOAD_MAX_SIZE", 200)
    rows = [imports.PreviewRow(line=n, data={"name": f"Person {n}" * 10}) for n in range(20)]
    with pytest.raises(DomainError, match="split it into"):
        imports.pack(1, rows)
