"""Organizer matching and schedule screens: preview, run, publish, pins, schedule, marks, PDF."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    Event,
    EventOrganizer,
    MatchOverride,
    Meeting,
    MeetingStatus,
    Recommendation,
)
from eventnet.services import matching as matching_svc
from eventnet.services import meetings as meetings_svc
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_event, make_organizer
from tests.services.test_matching_service import small_world


@pytest.fixture
def setup(app, db_session):
    with app.app_context():
        organizer = make_organizer("matcher@uni.example")
        world = small_world(slots=3, tables=2)
        db.session.add(EventOrganizer(event_id=world.event.id, organizer=organizer, is_owner=True))
        db.session.commit()
        data = {
            "slug": world.event.slug,
            "event_id": world.event.id,
            "emails": {name: reg.email for name, reg in world.people.items()},
        }
    db.session.remove()
    return data


def settings(**overrides: object) -> dict[str, object]:
    base = {
        "settings-k": 3,
        "settings-exposure_cap": "",
        "settings-interest": 0.25,
        "settings-reciprocity": 0.35,
        "settings-text": 0.4,
        "settings-one_way_floor": 0.25,
        "settings-rp_employer_student": 1,
        "settings-rp_employer_staff": 1,
        "settings-rp_staff_student": 0.6,
        "settings-rp_student_student": 0.2,
        "settings-rp_staff_staff": 0.2,
        "settings-rp_employer_employer": 0.2,
    }
    base.update(overrides)
    return base


def count(model: type, event_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(model.event_id == event_id)
        )
    )


def test_only_the_events_organizers_see_the_screens(client, setup) -> None:
    url = f"/admin/events/{setup['slug']}/matching"
    assert client.get(url).status_code in (302, 401)
    make_organizer("other@uni.example")
    login(client, "other@uni.example", PASSWORD)
    assert client.get(url).status_code == 404
    assert client.get(f"/admin/events/{setup['slug']}/schedule").status_code == 404


def test_preview_then_run_then_publish(client, setup) -> None:
    login(client, "matcher@uni.example", PASSWORD)
    url = f"/admin/events/{setup['slug']}/matching"
    page = client.get(url)
    assert page.status_code == 200 and "Save and run matching" in page.get_data(as_text=True)

    preview = post_form(client, url, {**settings(), "action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Preview" in html and "Coverage" in html
    with client.application.app_context():
        assert count(Recommendation, setup["event_id"]) == 0

    bad = post_form(client, url, {**settings(**{"settings-k": 0}), "action": "run"})
    assert bad.status_code == 400 and "error-message" in bad.get_data(as_text=True)
    zero = post_form(
        client,
        url,
        {
            **settings(**{"settings-interest": 0, "settings-reciprocity": 0, "settings-text": 0}),
            "action": "preview",
        },
    )
    assert zero.status_code == 400

    run = post_form(client, url, {**settings(**{"settings-k": 2}), "action": "run"})
    assert run.status_code == 302 and "job=" in run.headers["Location"]
    done = client.get(run.headers["Location"])
    assert "Recommendations saved." in done.get_data(as_text=True)
    with client.application.app_context():
        assert count(Recommendation, setup["event_id"]) > 0
        assert db.session.get(Event, setup["event_id"]).recommendations_k == 2

    published = post_form(client, f"{url}/publish", {}, page=url)
    assert published.status_code == 302
    with client.application.app_context():
        assert db.session.get(Event, setup["event_id"]).recommendations_published_at
    hidden = post_form(client, f"{url}/publish", {"action": "unpublish"}, page=url)
    assert hidden.status_code == 302
    with client.application.app_context():
        assert db.session.get(Event, setup["event_id"]).recommendations_published_at is None


def test_pins_and_blocks(client, setup) -> None:
    login(client, "matcher@uni.example", PASSWORD)
    url = f"/admin/events/{setup['slug']}/matching"
    emails = setup["emails"]
    pin = {
        "override-first": emails["Ben Student"],
        "override-second": emails["Eva Staff"],
        "override-kind": "pin",
    }
    added = post_form(client, f"{url}/overrides", pin, page=url)
    assert added.status_code == 302
    same_org = {**pin, "override-second": emails["Finn Staff"]}
    refused = post_form(client, f"{url}/overrides", same_org, page=url)
    assert refused.status_code == 400
    assert "same organization" in refused.get_data(as_text=True)
    unknown = {**pin, "override-second": "nobody@example.org"}
    assert post_form(client, f"{url}/overrides", unknown, page=url).status_code == 400
    with client.application.app_context():
        override_id = db.session.scalar(sa.select(MatchOverride.id))
    page = client.get(url).get_data(as_text=True)
    assert "Pinned" in page and "Ben Student" in page
    removed = client.post(
        f"{url}/overrides/{override_id}/delete", data={"csrf_token": csrf_from(page)}
    )
    assert removed.status_code == 302
    with client.application.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MatchOverride)) == 0


def test_schedule_run_lock_publish_mark_and_pdf(client, setup) -> None:
    login(client, "matcher@uni.example", PASSWORD)
    base = f"/admin/events/{setup['slug']}"
    post_form(client, f"{base}/matching", {**settings(), "action": "run"})
    page = client.get(f"{base}/schedule")
    assert page.status_code == 200 and "Run the schedule" in page.get_data(as_text=True)
    bad = post_form(
        client, f"{base}/schedule/run", {"schedule-max_meetings": 0}, page=f"{base}/schedule"
    )
    assert bad.status_code == 400
    run = post_form(
        client, f"{base}/schedule/run", {"schedule-max_meetings": 2}, page=f"{base}/schedule"
    )
    assert run.status_code == 302
    html = client.get(run.headers["Location"]).get_data(as_text=True)
    assert "Last run" in html and "of the best possible total" in html
    with client.application.app_context():
        meetings = db.session.scalars(
            sa.select(Meeting).where(Meeting.event_id == setup["event_id"])
        ).all()
        assert meetings
        first = meetings[0].id
        names = {meetings[0].first.name, meetings[0].second.name}
    assert all(name in html for name in names)
    assert "No meeting yet" in html

    token = csrf_from(html)
    assert client.post(f"{base}/schedule/lock", data={"csrf_token": token}).status_code == 302
    with client.application.app_context():
        assert all(
            m.locked
            for m in db.session.scalars(
                sa.select(Meeting).where(Meeting.event_id == setup["event_id"])
            )
        )
    client.post(f"{base}/meetings/{first}/held", data={"csrf_token": token})
    with client.application.app_context():
        assert db.session.get(Meeting, first).status == MeetingStatus.HELD
    published = client.post(f"{base}/schedule/publish", data={"csrf_token": token})
    assert published.status_code == 302
    with client.application.app_context():
        assert db.session.get(Event, setup["event_id"]).schedule_published_at is not None
    pdf = client.get(f"{base}/schedule/agendas.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    job = client.get(run.headers["Location"].replace("schedule?job=", "schedule/jobs/"))
    assert job.status_code == 200 and job.get_json()["status"] == "finished"


def test_schedule_without_slots_says_what_to_do(client, app) -> None:
    with app.app_context():
        organizer = make_organizer("lonely@uni.example")
        event = make_event(organizers=(organizer,))
        slug = event.slug
    login(client, "lonely@uni.example", PASSWORD)
    html = client.get(f"/admin/events/{slug}/schedule").get_data(as_text=True)
    assert "Add time slots and tables first." in html
    run = post_form(
        client,
        f"/admin/events/{slug}/schedule/run",
        {"schedule-max_meetings": 3},
        page=f"/admin/events/{slug}/schedule",
    )
    follow = client.get(run.headers["Location"]).get_data(as_text=True)
    assert "Add meeting slots and tables before scheduling." in follow


def test_large_events_prepare_the_printed_agendas_in_the_background(
    client, setup, monkeypatch
) -> None:
    from eventnet.services import meetings as meetings_svc

    monkeypatch.setattr(meetings_svc, "AGENDAS_INLINE_MAX", 1)
    login(client, "matcher@uni.example", PASSWORD)
    base = f"/admin/events/{setup['slug']}"
    post_form(client, f"{base}/matching", {**settings(), "action": "run"})
    post_form(client, f"{base}/schedule/run", {"schedule-max_meetings": 2}, page=f"{base}/schedule")
    page = client.get(f"{base}/schedule").get_data(as_text=True)
    assert "Prepare the agendas PDF" in page
    assert client.get(f"{base}/schedule/agendas.pdf").status_code == 302  # too many for inline
    queued = client.post(f"{base}/schedule/agendas", data={"csrf_token": csrf_from(page)})
    assert queued.status_code == 302
    page = client.get(f"{base}/schedule").get_data(as_text=True)
    assert "The agendas PDF is ready." in page
    with client.application.app_context():
        from eventnet.services.matching import latest_job

        job = latest_job(setup["event_id"], meetings_svc.AGENDAS_JOB)
        assert job is not None and job.status.value == "finished" and job.result_path
        job_id = job.id
    pdf = client.get(f"{base}/schedule/agendas/{job_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"{base}/schedule/agendas/{job_id + 999}.pdf").status_code == 404


def test_an_event_without_participants_previews_without_error(client, app) -> None:
    with app.app_context():
        organizer = make_organizer("empty@uni.example")
        slug = make_event(organizers=(organizer,)).slug
    login(client, "empty@uni.example", PASSWORD)
    url = f"/admin/events/{slug}/matching"
    page = client.get(url)
    assert page.status_code == 200 and "No suggestions yet" in page.get_data(as_text=True)
    preview = post_form(client, url, {**settings(), "action": "preview"})
    assert preview.status_code == 200 and "Coverage" in preview.get_data(as_text=True)
    run = post_form(client, url, {**settings(), "action": "run"})
    assert run.status_code == 302
    published = post_form(client, f"{url}/publish", {}, page=url)
    follow = client.get(published.headers["Location"]).get_data(as_text=True)
    assert "Run matching first" in follow


def test_admin_pages_render_when_csrf_is_switched_off(client, setup, monkeypatch) -> None:
    login(client, "matcher@uni.example", PASSWORD)
    monkeypatch.setitem(client.application.config, "WTF_CSRF_ENABLED", False)
    base = f"/admin/events/{setup['slug']}"
    with client.application.app_context():
        matching_svc.run_matching(setup["event_id"], datetime.now(UTC))
        meetings_svc.schedule_meetings(setup["event_id"], datetime.now(UTC))
    for url in (f"{base}/matching", f"{base}/schedule"):
        assert client.get(url).status_code == 200, url
