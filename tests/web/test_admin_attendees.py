"""Organizer screens for attendees: list, detail, add, import, exports, messages, badges."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from eventnet.extensions import db
from eventnet.models import OutboxMessage, Registration, RegistrationStatus
from tests.conftest import csrf_from, login, post_form
from tests.factories import (
    PASSWORD,
    make_event,
    make_organization,
    make_organizer,
    make_registration,
)


@pytest.fixture
def fair(client):
    """Alice runs "fair" with a few attendees and is signed in."""
    alice = make_organizer("alice@uni.example")
    event = make_event(
        slug="fair", organizers=(alice,), quotas={"staff": 2, "student": 2, "employer": 2}
    )
    nokia = make_organization("Nokia")
    regs = {
        "ines": make_registration(event, name="Ines Student", role="student"),
        "oskar": make_registration(
            event, name="Oskar Heikkinen", role="employer", organization=nokia
        ),
        "bo": make_registration(
            event,
            name="Bo Waiting",
            role="student",
            status=RegistrationStatus.WAITLISTED,
            waitlist_position=1,
        ),
    }
    ids = {k: (r.id, r.ticket_code, r.email) for k, r in regs.items()}
    login(client, "alice@uni.example", PASSWORD)
    return ids


def test_list_search_and_filters(client, fair) -> None:
    html = client.get("/admin/events/fair/attendees").get_data(as_text=True)
    assert "Showing 1–3 of 3" in html and "Ines Student" in html
    html = client.get("/admin/events/fair/attendees?q=nokia").get_data(as_text=True)
    assert "Oskar Heikkinen" in html and "Ines Student" not in html
    html = client.get("/admin/events/fair/attendees?status=waitlisted").get_data(as_text=True)
    assert "Bo Waiting" in html and "Waiting list #1" in html and "Ines Student" not in html
    html = client.get("/admin/events/fair/attendees?q=zzz").get_data(as_text=True)
    assert "Nobody matches these filters." in html
    assert client.get("/admin/events/fair/attendees?page=abc&sort=%00").status_code == 200


def test_detail_notes_and_history(client, fair) -> None:
    reg_id = fair["ines"][0]
    url = f"/admin/events/fair/attendees/{reg_id}"
    response = post_form(client, url, {"notes-notes": "Needs a wheelchair space"})
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert "Needs a wheelchair space" in html and "Organizer notes changed" in html
    assert client.get("/admin/events/fair/attendees/999999").status_code == 404
    assert client.get("/admin/events/fair/attendees/99999999999999999999").status_code == 404


def test_edit_attendee(client, fair) -> None:
    reg_id = fair["ines"][0]
    url = f"/admin/events/fair/attendees/{reg_id}/edit"
    bad = post_form(client, url, {"name": "", "country": "Finland"})
    assert bad.status_code == 400
    good = post_form(
        client, url, {"name": "Ines Renamed", "organization": "Aalto", "country": "fi"}
    )
    assert good.status_code == 302
    reg = db.session.get(Registration, reg_id)
    assert reg.name == "Ines Renamed" and reg.country == "FI" and reg.organization.name == "Aalto"


def test_add_attendee_joins_the_waiting_list_when_full(client, fair) -> None:
    data = {
        "name": "Late Student",
        "email": "late@uni.example",
        "role": "student",
        "position": "MSc Physics",
        "consent_privacy": "y",
    }
    missing = post_form(client, "/admin/events/fair/attendees/new", dict(data, consent_privacy=""))
    assert missing.status_code == 400
    assert "agreement to the privacy notice" in missing.get_data(as_text=True)
    response = post_form(client, "/admin/events/fair/attendees/new", data, follow_redirects=True)
    html = response.get_data(as_text=True)
    # Bo (first in line) took the free place; the new person queues behind nobody.
    assert "number 1 on the waiting list" in html
    dup = post_form(client, "/admin/events/fair/attendees/new", dict(data, email=fair["ines"][2]))
    assert dup.status_code == 400 and "already registered" in dup.get_data(as_text=True)
    employer = post_form(
        client,
        "/admin/events/fair/attendees/new",
        dict(data, email="boss@nokia.example", role="employer", organization=""),
    )
    assert employer.status_code == 400
    assert "Please enter your organization." in employer.get_data(as_text=True)


def test_promote_by_hand_and_cancel(client, fair) -> None:
    bo, ines = fair["bo"][0], fair["ines"][0]
    refused = post_form(
        client,
        f"/admin/events/fair/attendees/{bo}/promote",
        {},
        page=f"/admin/events/fair/attendees/{bo}",
        follow_redirects=True,
    )
    # One student place is still free: Bo can move up without going over the quota.
    assert "now has a confirmed place" in refused.get_data(as_text=True)
    response = post_form(
        client,
        f"/admin/events/fair/attendees/{ines}/cancel",
        {},
        page=f"/admin/events/fair/attendees/{ines}",
        follow_redirects=True,
    )
    assert "Registration cancelled." in response.get_data(as_text=True)
    assert db.session.get(Registration, ines).status == RegistrationStatus.CANCELLED


def test_csv_export_keeps_the_filters(client, fair) -> None:
    response = client.get("/admin/events/fair/attendees.csv?role=employer")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["Name"] for r in rows] == ["Oskar Heikkinen"]
    assert rows[0]["Organization"] == "Nokia"
    xlsx = client.get("/admin/events/fair/attendees.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    assert response.headers["Cache-Control"] == "no-store"


def test_import_preview_then_confirm(client, fair) -> None:
    page = client.get("/admin/events/fair/attendees/import")
    token = csrf_from(page.get_data(as_text=True))
    template = client.get("/admin/events/fair/attendees/import-template.csv")
    assert b"degree_programme" in template.data
    content = (
        b"name,email,role,degree_programme,organization,job_title\n"
        b"New One,new1@uni.example,employer,,Kone,Engineer\n"
        b"New Two,new2@uni.example,staff,,Aalto,Lecturer\n"
    )
    preview = client.post(
        "/admin/events/fair/attendees/import",
        data={
            "csrf_token": token,
            "consent_attested": "y",
            "file": (io.BytesIO(content), "people.csv"),
        },
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "All 2 rows are fine." in html and "Nobody gets an e-mail." in html
    payload = html.split('name="payload" type="hidden" value="')[1].split('"')[0]
    done = client.post(
        "/admin/events/fair/attendees/import/confirm",
        data={"csrf_token": token, "payload": payload, "send_email": ""},
        follow_redirects=True,
    )
    assert "2 people imported: 2 confirmed" in done.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                Registration.email.in_(["new1@uni.example", "new2@uni.example"])
            )
        )
        == 2
    )
    bad = client.post(
        "/admin/events/fair/attendees/import",
        data={
            "csrf_token": token,
            "consent_attested": "y",
            "file": (io.BytesIO(b"name,email,role\nX,x@uni.example,pirate\n"), "p.csv"),
        },
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "Nothing was imported" in bad.get_data(as_text=True)
    assert 'name="payload"' not in bad.get_data(as_text=True)


def test_message_preview_then_send(client, fair) -> None:
    url = "/admin/events/fair/messages/new?role=student"
    page = client.get(url).get_data(as_text=True)
    assert "2 recipients" in page
    preview = post_form(
        client, url, {"subject": "Hi {first_name}", "body": "See you", "preview": "1"}
    )
    assert preview.status_code == 200
    assert "Hi Bo" in preview.get_data(as_text=True)
    typo = post_form(client, url, {"subject": "Hi {firstname}", "body": "x", "send": "1"})
    assert typo.status_code == 400 and "Unknown placeholder" in typo.get_data(as_text=True)
    sent = post_form(client, url, {"subject": "Hi {first_name}", "body": "See you", "send": "1"})
    assert sent.status_code == 302
    listing = client.get("/admin/events/fair/messages").get_data(as_text=True)
    assert "Hi {first_name}" in listing
    subjects = db.session.scalars(
        sa.select(OutboxMessage.subject).where(OutboxMessage.kind == "organizer_message")
    ).all()
    assert sorted(subjects) == ["Hi Bo", "Hi Ines"]


def test_badges_pdf_for_one_and_for_a_filter(client, fair) -> None:
    one = client.get(f"/admin/events/fair/badges.pdf?registration={fair['oskar'][0]}&layout=label")
    assert one.status_code == 200 and one.headers["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(one.data)).pages)
    assert "Oskar Heikkinen" in text and "Nokia" in text and fair["oskar"][1] in text
    sheet = client.get("/admin/events/fair/badges.pdf?role=student")
    reader = PdfReader(io.BytesIO(sheet.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Ines Student" in text and "Oskar" not in text and "Bo Waiting" not in text
    page = client.get("/admin/events/fair/badges?role=student").get_data(as_text=True)
    assert "1 badge" in page
