"""The event report as a PDF: its figures match the database, sections say when there is no
data, names in any script survive, and nothing a user typed can make the renderer fetch."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import sqlalchemy as sa
from flask import Flask
from pypdf import PdfReader

from eventnet.core.outcomes import net_promoter_score
from eventnet.demo import load_demo
from eventnet.extensions import db
from eventnet.models import (
    Connection,
    Event,
    EventStatus,
    FeedbackResponse,
    Meeting,
    MeetingRequest,
    Organization,
    Registration,
    RegistrationStatus,
)
from eventnet.services.reports import ReportTimings, build_event_report
from tests.factories import make_event, make_organization, make_registration
from tests.pdf.activity import add_activity
from tests.pdf.conftest import RecordingServer, embedded_files, pdf_text

UNICODE_PEOPLE = ("Nguyễn Văn An", "Øyvind Ødegård", "Zoë Lefèvre", "王芳", "فاطمة الزهراء")


def words(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def outline_titles(pdf: bytes) -> list[str]:
    reader = PdfReader(BytesIO(pdf))
    titles: list[str] = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item["/Title"])

    walk(reader.outline)
    return titles


def count(*where: object) -> int:
    return int(
        db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(*where))
    )


def test_demo_past_event_report_matches_the_database(app_ctx: Flask, now: datetime) -> None:
    load_demo(attendees=40, seed=42, now=now)
    event = db.session.scalar(sa.select(Event).where(Event.status == EventStatus.CLOSED))
    assert event is not None
    # Attendees with names in many scripts who agreed to be listed.
    org = make_organization("Đại học Bách khoa Hà Nội")
    for name in UNICODE_PEOPLE:
        make_registration(
            event,
            name=name,
            role="student",
            organization=org,
            country="VN",
            checked_in_at=event.starts_at + timedelta(minutes=5),
        )
    hidden = make_registration(
        event,
        name="Private Person",
        role="employer",
        consent_profile_at=None,
        checked_in_at=event.starts_at,
    )
    eid = event.id
    base = (Registration.event_id == eid,)
    confirmed = (*base, Registration.status == RegistrationStatus.CONFIRMED)
    attended = (*confirmed, Registration.checked_in_at.is_not(None))
    expected = {
        "registered": count(*base),
        "confirmed": count(*confirmed),
        "attended": count(*attended),
        "organizations": db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Registration.organization_id))).where(*attended)
        ),
        "countries": db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Registration.country))).where(*attended)
        ),
    }
    held = db.session.scalar(
        sa.select(sa.func.count()).where(Meeting.event_id == eid, Meeting.status == "held")
    )
    booked = db.session.scalar(
        sa.select(sa.func.count()).where(Meeting.event_id == eid, Meeting.status != "cancelled")
    )
    requests = db.session.scalar(
        sa.select(sa.func.count()).select_from(MeetingRequest).where(MeetingRequest.event_id == eid)
    )
    connections = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Connection)
        .where(
            Connection.event_id == eid,
            Connection.first_confirmed_at.is_not(None),
            Connection.second_confirmed_at.is_not(None),
        )
    )
    scores = db.session.scalars(
        sa.select(FeedbackResponse.nps).where(FeedbackResponse.event_id == eid)
    ).all()

    timings = ReportTimings()
    pdf = build_event_report(eid, now, include_attendees=True, timings=timings)
    text = words(pdf)
    tight = text.replace(" ", "")  # a key figure's number and label are separate blocks

    for label, value in expected.items():
        assert f"{value:,}{label}" in tight, label
    rate = round(100 * expected["attended"] / expected["confirmed"])
    assert f"{rate}%attendancerate" in tight
    per_role = {
        role: (count(*base, Registration.role == role), count(*attended, Registration.role == role))
        for role in ("student", "employer", "staff")
    }
    students = per_role["student"]
    assert f"Students {event.quota_for('student').capacity} {students[0]} " in text
    assert f"{held if held else booked}meetings{'held' if held else 'booked'}" in tight
    assert f"{connections}connectionsconfirmed" in tight
    nps = net_promoter_score(scores)
    if nps is None:
        assert "–NetPromoterScore" in tight
    else:
        signed = f"+{round(nps)}" if round(nps) > 0 else str(round(nps))
        assert f"{signed}NetPromoterScore" in tight
    if requests:
        assert f"{requests}meetingrequests" in tight
    # The consenting attendees are listed, in their own scripts; the others are not.
    for name in UNICODE_PEOPLE[:4]:
        assert name in text
    arabic = "".join(ch for ch in text if "\u0600" <= ch <= "\u06ff")
    assert set("فاطمةالزهراء") <= set(arabic)
    assert hidden.name not in text
    # Structure: title, language, bookmarks, page x of y, tagged.
    reader = PdfReader(BytesIO(pdf))
    assert reader.metadata.title == f"Event report: {event.title}"
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    titles = outline_titles(pdf)
    for section in (
        "Summary",
        "Findings",
        "Registration",
        "Interests",
        "Matching and meetings",
        "Feedback and outcomes",
        "Appendix: attendees",
    ):
        assert section in titles
    assert f"Page 2 of {timings.pages}" in text
    assert timings.pages >= 10 and timings.refused_urls == ()

    # The upcoming demo event: attendance is not known yet, confirmed people are described.
    upcoming = db.session.scalar(sa.select(Event).where(Event.status == EventStatus.PUBLISHED))
    assert upcoming is not None
    up = (Registration.event_id == upcoming.id,)
    soon = words(build_event_report(upcoming.id, now))
    tight = soon.replace(" ", "")
    assert f"{count(*up)}registered" in tight
    confirmed_up = count(*up, Registration.status == RegistrationStatus.CONFIRMED)
    assert f"{confirmed_up}confirmed" in tight
    assert f"describe the {confirmed_up} confirmed registrations" in soon
    assert "attendance rate" not in soon


def test_meetings_feedback_and_outcomes_are_read_from_their_tables(
    app_ctx: Flask, now: datetime
) -> None:
    event = make_event(
        starts_at=now - timedelta(days=120), quotas={"student": 40, "employer": 20, "staff": 10}
    )
    orgs = [make_organization(f"Org {n}") for n in range(6)]
    for n in range(36):
        make_registration(
            event,
            name=f"Person {n}",
            role=("student", "employer", "staff")[n % 3],
            organization=orgs[n % 6],
            country=("FI", "SE", "VN")[n % 3],
            checked_in_at=event.starts_at if n % 6 else None,
        )
    made = add_activity(event.id, seed=11)
    assert made.meetings and made.feedback and made.outcomes
    eid = event.id
    held = db.session.scalar(
        sa.select(sa.func.count()).where(Meeting.event_id == eid, Meeting.status == "held")
    )
    no_show = db.session.scalar(
        sa.select(sa.func.count()).where(Meeting.event_id == eid, Meeting.status == "no_show")
    )
    responses = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(FeedbackResponse)
        .where(FeedbackResponse.event_id == eid)
    )
    pdf = build_event_report(eid, now)
    text = words(pdf)
    tight = text.replace(" ", "")
    assert f"{held}meetingsheld" in tight and f"{no_show}no-shows" in tight
    assert f"{responses}answers" in tight
    assert f"{made.recommendations}recommendationsmade" in tight
    assert "people have reported what came of the event" in text and "Internship" in text
    assert "No data yet" not in text


def test_a_three_person_event_says_no_data_yet(app_ctx: Flask, now: datetime) -> None:
    event = make_event(starts_at=now - timedelta(days=3), title="Pieni tapaaminen – 小会议")
    for name, role in zip(UNICODE_PEOPLE, ("student", "employer", "staff"), strict=False):
        make_registration(event, name=name, role=role, checked_in_at=event.starts_at)
    timings = ReportTimings()
    pdf = build_event_report(event.id, now, include_attendees=True, timings=timings)
    text = words(pdf)
    assert "3attended" in text.replace(" ", "") and "Pieni tapaaminen – 小会议" in text
    assert "Not enough data yet for findings" in text
    assert "No data yet: recommendations, meeting requests and meetings" in text
    assert "No feedback yet" in text and "No data yet: outcomes" in text
    for name in UNICODE_PEOPLE[:3]:
        assert name in text
    assert timings.pages <= 12


def hostile(server: RecordingServer, limit: int) -> str:
    payloads = [
        '<img src="file:///etc/passwd">',
        f'<img src="{server.base}/redirect">',
        f'<link rel="attachment" href="{server.base}/a">',
        '<a rel="attachment" href="file:///etc/hostname">x</a>',
        f'<svg><image href="{server.base}/s"/></svg>',
    ]
    text = ""
    for p in payloads:
        if len(text) + len(p) <= limit:
            text += p
    return text


def test_nothing_a_user_typed_reaches_a_file_or_the_network(
    app_ctx: Flask, now: datetime, http_canary: RecordingServer
) -> None:
    from eventnet.models import Interest, Outcome, RegistrationTag, TagKind
    from eventnet.services.certificates import certificate_for_token, render_certificate
    from tests.factories import make_organizer

    h = lambda n: hostile(http_canary, n)  # noqa: E731
    organizer = make_organizer(name=h(200))
    event = make_event(
        title=h(200),
        venue=h(200),
        address=h(300),
        organizers=(organizer,),
        starts_at=now - timedelta(days=40),
        interests=(h(80),),
    )
    event.interests[0].slug = "x"
    org = make_organization(h(200))
    regs = [
        make_registration(
            event,
            name=h(200),
            role=role,
            organization=org,
            country="FI",
            degree_programme=h(200),
            checked_in_at=event.starts_at,
            token="tok-hostile" if n == 0 else None,
        )
        for n, role in enumerate(("student", "employer", "staff", "student"))
    ]
    interest = db.session.scalar(sa.select(Interest).where(Interest.event_id == event.id))
    for reg in regs:
        for kind in TagKind:
            db.session.add(RegistrationTag(registration=reg, interest=interest, kind=kind))
    db.session.commit()
    add_activity(event.id, seed=5, slots=3)
    for response in db.session.scalars(
        sa.select(FeedbackResponse).where(FeedbackResponse.event_id == event.id)
    ):
        response.comment, response.quote_consent = h(2000), "named"
    for outcome in db.session.scalars(sa.select(Outcome).where(Outcome.event_id == event.id)):
        outcome.text = h(2000)
    db.session.commit()
    before = len(http_canary.requests)

    timings = ReportTimings()
    report = build_event_report(event.id, now, include_attendees=True, timings=timings)
    certificate, _slug = certificate_for_token("tok-hostile")
    cert = render_certificate(certificate)

    assert http_canary.requests[before:] == []
    assert timings.refused_urls == ()  # autoescaped: nothing was even attempted
    for pdf in (report, cert):
        assert embedded_files(pdf) == []
        assert b"/EmbeddedFile" not in pdf and b"/FileAttachment" not in pdf
        text = words(pdf)
        assert "root:x:0:0" not in text and "HTTP-CANARY" not in text
        assert '<img src="file:///etc/passwd">' in text  # shown as the text it is
    assert db.session.get(Organization, org.id) is not None


def test_gathering_costs_the_same_number_of_queries_for_any_size(
    app_ctx: Flask, now: datetime
) -> None:
    from eventnet.services.reports import gather_report_data

    def queries_for(event_id: int) -> int:
        statements: list[str] = []

        def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            data = gather_report_data(event_id, now, include_attendees=True)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        assert data.event.id == event_id
        return len(statements)

    small = make_event(starts_at=now - timedelta(days=30))
    for n in range(3):
        make_registration(small, name=f"S {n}", checked_in_at=small.starts_at)
    big = make_event(starts_at=now - timedelta(days=30))
    orgs = [make_organization(f"Big org {n}") for n in range(5)]
    for n in range(40):
        make_registration(
            big,
            name=f"B {n}",
            role=("student", "employer", "staff")[n % 3],
            organization=orgs[n % 5],
            checked_in_at=big.starts_at,
        )
    add_activity(big.id, seed=2)
    assert queries_for(small.id) == queries_for(big.id) <= 30
