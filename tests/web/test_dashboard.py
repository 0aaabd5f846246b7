"""The organizer dashboard: the PDF report's figures in the page, refreshed as JSON."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from eventnet.extensions import db
from eventnet.models import EventStatus, Registration, RegistrationStatus
from eventnet.pdf.report import report_context
from eventnet.services import reports
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_event, make_organizer, make_registration

STAT = re.compile(
    r'<span class="adm-stat-value">(.*?)</span>\s*<span class="adm-stat-label">(.*?)</span>', re.S
)


@pytest.fixture
def world(client: FlaskClient) -> dict[str, object]:
    owner = make_organizer()
    other = make_organizer()
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    event = make_event(organizers=(owner,), starts_at=starts, slug="dash-day")
    make_event(organizers=(other,), slug="not-yours")
    ids = []
    for n, role in enumerate(("student", "student", "employer", "staff")):
        reg = make_registration(event, name=f"Person {n}", role=role, country="FI")
        ids.append(reg.id)
    make_registration(
        event,
        name="Waiting Person",
        role="student",
        status=RegistrationStatus.WAITLISTED,
        waitlist_position=1,
    )
    return {"owner": owner.email, "other": other.email, "event_id": event.id, "ids": ids}


def report_kpis(app: Flask, event_id: int) -> tuple[list[tuple[str, str]], dict]:
    with app.test_request_context():
        figures, findings = reports.event_figures(event_id, datetime.now(UTC))
        context = report_context(figures, findings)
    kpis = [(value, label) for value, label, _note in context["kpis"]]
    return kpis, context


def test_the_dashboard_shows_the_reports_figures(app: Flask, client: FlaskClient, world) -> None:
    login(client, world["owner"], PASSWORD)
    page = client.get("/admin/events/dash-day/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    kpis, context = report_kpis(app, world["event_id"])
    shown = [(v.strip(), label.strip()) for v, label in STAT.findall(html)]
    assert shown[: len(kpis)] == kpis  # key figures first, in the report's order
    assert ("5", "registered") in shown and ("4", "confirmed") in shown
    # Check-in progress per role and in total, before anybody arrived.
    assert "0 of 4" in html and "Nobody is checked in yet." in html
    # The same charts as the report, inline, with their data as a table.
    for chart_id in ("registrations_over_time", "by_role", "funnel"):
        assert str(context["charts"][chart_id].title) in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') >= 5
    assert "Show the numbers" in html
    # Strict CSP: no inline script or style anywhere in the page.
    assert "style=" not in html
    assert re.findall(r"<script(?![^>]*\ssrc=)", html) == []
    assert 'href="/admin/events/dash-day/dashboard" aria-current="page"' in html


def test_the_json_follows_a_check_in(app: Flask, client: FlaskClient, world) -> None:
    login(client, world["owner"], PASSWORD)
    desk = client.get("/admin/events/dash-day/checkin").get_data(as_text=True)
    before = client.get("/admin/events/dash-day/dashboard.json")
    assert before.status_code == 200 and before.headers["Cache-Control"] == "no-store"
    assert "0 of 4" in before.json["parts"]["checkin"]
    response = client.post(
        f"/admin/events/dash-day/attendees/{world['ids'][0]}/checkin",
        data={"csrf_token": csrf_from(desk)},
        headers={"Accept": "application/json", "X-Requested-With": "fetch"},
    )
    assert response.status_code == 200
    after = client.get("/admin/events/dash-day/dashboard.json").json
    parts = after["parts"]
    assert "1 of 4" in parts["checkin"] and "1 of 2" in parts["checkin"]  # all, students
    kpis, _context = report_kpis(app, world["event_id"])
    assert ("1", "attended") in kpis
    assert [(v.strip(), k.strip()) for v, k in STAT.findall(parts["kpis"])] == kpis
    assert re.fullmatch(r"\d\d:\d\d", after["updated"])
    assert {"chart-registrations_over_time", "table-funnel", "meetings"} <= set(parts)
    row = db.session.get(Registration, world["ids"][0])
    assert row is not None and row.checked_in_at is not None


def test_the_dashboard_speaks_the_organizers_language(client: FlaskClient, world) -> None:
    login(client, world["owner"], PASSWORD)
    client.post(
        "/language",
        data={"lang": "fi", "next": "/", "csrf_token": csrf_from(client.get("/").get_data(True))},
    )
    html = client.get("/admin/events/dash-day/dashboard").get_data(as_text=True)
    assert '<html lang="fi">' in html
    updated = re.search(r"data-dash-updated[^>]*>([^<]+)<", html)
    assert updated and re.fullmatch(r"\d{1,2}\.\d\d", updated.group(1))  # Finnish: 12.05


def test_only_the_events_organizers_see_it(client: FlaskClient, world) -> None:
    assert client.get("/admin/events/dash-day/dashboard").status_code == 302  # sign in first
    login(client, world["other"], PASSWORD)
    assert client.get("/admin/events/dash-day/dashboard").status_code == 404
    assert client.get("/admin/events/dash-day/dashboard.json").status_code == 404
    assert client.get("/admin/events/not-yours/dashboard").status_code == 200


def test_an_event_without_registrations_says_what_to_do(client: FlaskClient) -> None:
    owner = make_organizer()
    make_event(organizers=(owner,), slug="empty-day", status=EventStatus.DRAFT)
    login(client, owner.email, PASSWORD)
    html = client.get("/admin/events/empty-day/dashboard").get_data(as_text=True)
    assert "Nobody has registered yet." in html and "publish it on the Overview page" in html
    assert 'data-empty="true"' in html and "<svg" not in html
    assert client.get("/admin/events/empty-day/dashboard.json").json["empty"] is True
