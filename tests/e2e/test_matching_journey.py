"""The matching journey in a real browser, with axe-core on every page.

Two attendees see each other suggested, with the reasons; one asks for a meeting, the other
accepts; the organizer runs and publishes the schedule; both agendas show the same slot and
table.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.e2e.conftest import assert_accessible

ORGANIZER = ("organizer@eventnet.example", "demo-organizer")  # the demo's organizer
ANA_TOKEN = "e2e-matching-ana-0123456789abcdef"
CLEO_TOKEN = "e2e-matching-cleo-0123456789abcdef"


@pytest.fixture(scope="module")
def journey_event(live_server) -> str:
    """A small event of the demo organizer: four attendees, two slots, two tables."""
    from eventnet.extensions import db
    from eventnet.models import (
        EventOrganizer,
        MeetingSlot,
        MeetingTable,
        OrganizerAccount,
        RegistrationTag,
        TagKind,
    )
    from tests.factories import make_event, make_organization, make_registration

    with live_server.app.app_context():
        organizer = db.session.query(OrganizerAccount).filter_by(email=ORGANIZER[0]).one()
        starts = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=20)
        event = make_event(
            slug="e2e-matching-day",
            title="Matching Journey Day",
            starts_at=starts,
            interests=("Data science", "Internships", "Thesis topics", "Circular economy"),
        )
        db.session.add(EventOrganizer(event_id=event.id, organizer=organizer, is_owner=True))
        labels = {i.label: i for i in event.interests}

        def person(name, role, org, token=None, interests=(), offers=(), seeks=(), **kw):
            reg = make_registration(
                event,
                name=name,
                role=role,
                email=f"{name.split()[0].lower()}@e2e-matching.example",
                organization_id=make_organization(f"{org} (e2e matching)").id,
                token=token,
                **kw,
            )
            for kind, items in (("interest", interests), ("offer", offers), ("seek", seeks)):
                reg.tags.extend(
                    RegistrationTag(interest=labels[x], kind=TagKind(kind)) for x in items
                )
            db.session.commit()

        person(
            "Ana Student",
            "student",
            "Uni A",
            ANA_TOKEN,
            interests=("Data science",),
            seeks=("Internships",),
            seek_text="I am looking for a data science internship.",
        )
        person(
            "Cleo Employer",
            "employer",
            "Firm C",
            CLEO_TOKEN,
            interests=("Data science",),
            offers=("Internships",),
            seeks=("Thesis topics",),
            offer_text="We offer data science internships.",
        )
        person(
            "Eero Staff",
            "staff",
            "Uni B",
            interests=("Circular economy",),
            offers=("Thesis topics",),
        )
        person(
            "Dana Employer",
            "employer",
            "Firm D",
            interests=("Circular economy",),
            seeks=("Thesis topics",),
        )
        for i in range(2):
            db.session.add(
                MeetingSlot(
                    event_id=event.id,
                    starts_at=starts + timedelta(hours=1, minutes=20 * i),
                    ends_at=starts + timedelta(hours=1, minutes=20 * i + 15),
                )
            )
            db.session.add(MeetingTable(event_id=event.id, label=f"Table {i + 1}", position=i))
        db.session.commit()
        return event.slug


def sign_in(page, url: str) -> None:
    page.goto(url + "/auth/login")
    page.get_by_label("E-mail").fill(ORGANIZER[0])
    page.get_by_label("Password").fill(ORGANIZER[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")


def agenda_entry(page, url: str, token: str, partner: str) -> tuple[str, str]:
    page.goto(f"{url}/r/{token}/agenda")
    item = page.locator(".agenda-item", has_text=partner)
    assert item.count() == 1
    when = item.locator(".agenda-time").inner_text()
    table = item.locator(".agenda-table").inner_text()
    assert re.fullmatch(r"\d\d:\d\d–\d\d:\d\d", when), when
    assert_accessible(page)
    return when, table


def test_two_attendees_meet_through_suggestion_request_and_schedule(
    live_server, journey_event, browser
) -> None:
    url = live_server.url
    organizer = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    ana = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True, has_touch=True
    )
    cleo = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    org_page, ana_page, cleo_page = organizer.new_page(), ana.new_page(), cleo.new_page()
    for p in (org_page, ana_page, cleo_page):
        p.set_default_timeout(20_000)
    org_page.on("dialog", lambda dialog: dialog.accept())
    try:
        # the organizer runs matching and publishes the suggestions
        sign_in(org_page, url)
        org_page.goto(f"{url}/admin/events/{journey_event}/matching")
        assert_accessible(org_page)
        org_page.get_by_role("button", name="Save and run matching").click()
        org_page.get_by_text("Recommendations saved.").wait_for()
        org_page.get_by_role("button", name="Publish suggestions").click()
        org_page.get_by_text("Suggestions published").wait_for()
        assert_accessible(org_page)

        # each sees the other suggested, with the reasons
        ana_page.goto(f"{url}/r/{ANA_TOKEN}/people")
        card = ana_page.locator("article.person-card", has_text="Cleo Employer")
        assert card.first.is_visible()
        why = card.first.locator(".person-why").inner_text()
        assert "They offer Internships, which you are looking for." in why
        assert_accessible(ana_page)
        cleo_page.goto(f"{url}/r/{CLEO_TOKEN}/people")
        cleo_card = cleo_page.locator("article.person-card", has_text="Ana Student")
        assert "They are looking for Internships, which you offer." in cleo_card.first.inner_text()
        assert_accessible(cleo_page)

        # Ana asks for a meeting with a note
        card.first.get_by_role("link", name=re.compile("Request a meeting")).click()
        assert_accessible(ana_page)
        ana_page.get_by_label("A short note (optional)").fill("Data science internships?")
        ana_page.get_by_role("button", name="Send request").click()
        ana_page.get_by_text("Your request was sent to Cleo Employer.").wait_for()
        assert ana_page.get_by_text("Request sent: waiting for an answer.").first.is_visible()

        # Cleo accepts it
        cleo_page.goto(f"{url}/r/{CLEO_TOKEN}/people")
        incoming = cleo_page.locator(
            "section", has=cleo_page.get_by_role("heading", name=re.compile("Requests for you"))
        )
        assert "Data science internships?" in incoming.inner_text()
        assert_accessible(cleo_page)
        incoming.get_by_role("button", name=re.compile("^Accept")).click()
        cleo_page.get_by_text("You accepted the meeting.").wait_for()

        # the organizer schedules and publishes the agendas
        org_page.goto(f"{url}/admin/events/{journey_event}/schedule")
        assert_accessible(org_page)
        org_page.get_by_role("button", name="Run the schedule").click()
        org_page.get_by_text("Schedule ready.").wait_for()
        row = org_page.locator("tr", has_text="Ana Student").filter(has_text="Cleo Employer")
        assert "Accepted request" in row.inner_text()
        assert_accessible(org_page)
        org_page.get_by_role("button", name="Publish and e-mail agendas").click()
        org_page.get_by_text("Schedule published").wait_for()

        # both agendas show the same slot and table
        ana_when, ana_table = agenda_entry(ana_page, url, ANA_TOKEN, "Cleo Employer")
        cleo_when, cleo_table = agenda_entry(cleo_page, url, CLEO_TOKEN, "Ana Student")
        assert (ana_when, ana_table) == (cleo_when, cleo_table)
        assert ana_table.startswith("Table ")
    finally:
        for context in (organizer, ana, cleo):
            context.close()


def test_the_matching_page_follows_a_background_job(live_server, journey_event, page) -> None:
    """With workers, the page polls the job and shows the result when it is done."""
    import threading

    from eventnet.extensions import db
    from eventnet.models import BackgroundJob, Event, JobStatus, utcnow

    app = live_server.app
    with app.app_context():
        event_id = db.session.query(Event.id).filter_by(slug=journey_event).scalar()
        job = BackgroundJob(
            kind="matching",
            event_id=event_id,
            status=JobStatus.RUNNING,
            progress=40,
            message="scoring pairs",
            created_at=utcnow(),
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id

    def finish() -> None:
        with app.app_context():
            row = db.session.get(BackgroundJob, job_id)
            row.status, row.progress, row.message = JobStatus.FINISHED, 100, "done"
            row.finished_at = utcnow()
            db.session.commit()

    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/events/{journey_event}/matching?job={job_id}")
    box = page.locator(".job-progress")
    assert box.is_visible() and box.locator("progress").get_attribute("value") == "40"
    assert "scoring pairs" in box.inner_text()
    assert_accessible(page)
    timer = threading.Timer(1.0, finish)
    timer.start()
    try:
        box.wait_for(state="detached", timeout=20_000)  # the script reloaded the page
    finally:
        timer.join()
    assert page.get_by_role("heading", name="Matching", exact=True).is_visible()
