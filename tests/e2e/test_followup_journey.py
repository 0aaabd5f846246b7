"""After the event, an attendee answers the survey and a follow-up from the e-mailed links.

Real Chromium (a phone for the survey, a desktop for the follow-up), the real SMTP server of
tests/conftest.py (the links are read from the delivered mail), axe-core on every page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    FeedbackResponse,
    Meeting,
    MeetingFeedback,
    MeetingSlot,
    MeetingTable,
    Outcome,
    Registration,
)
from tests.e2e.conftest import assert_accessible
from tests.factories import make_event, make_organization, make_registration

ATTENDEE = "leila.haddad@student.example"
PARTNER = "jonas.berg@fjorddata.example"


def _text(message) -> str:  # type: ignore[no-untyped-def]
    return message.get_body(("plain",)).get_content()


def _link(message, kind: str) -> str:  # type: ignore[no-untyped-def]
    match = re.search(rf"https?://\S+/f/{kind}/[\w-]+", _text(message))
    assert match, _text(message)
    return match.group(0)


def _event_that_ended(app) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """An event that ended two days ago; Leila met Jonas there. Surveys are sent."""
    from eventnet.services import connections
    from eventnet.services.follow_ups import schedule_feedback
    from eventnet.services.outbox import deliver_after_commit

    starts = datetime.now(UTC) - timedelta(days=2, hours=6)
    with app.test_request_context():
        firm = make_organization("Fjord Data Systems e2e")
        event = make_event(slug="follow-up-journey", title="Autumn Talent Day", starts_at=starts)
        leila = make_registration(event, email=ATTENDEE, name="Leila Haddad", checked_in_at=starts)
        jonas = make_registration(
            event,
            email=PARTNER,
            name="Jonas Berg",
            role="employer",
            checked_in_at=starts,
            organization_id=firm.id,
            job_title="Data team lead",
        )
        slot = MeetingSlot(
            event_id=event.id,
            starts_at=starts + timedelta(hours=1),
            ends_at=starts + timedelta(hours=1, minutes=15),
        )
        table = MeetingTable(event_id=event.id, label="A1")
        db.session.add_all([slot, table])
        db.session.flush()
        first, second = sorted((leila.id, jonas.id))
        db.session.add(
            Meeting(
                event_id=event.id,
                first_id=first,
                second_id=second,
                slot_id=slot.id,
                table_id=table.id,
            )
        )
        db.session.commit()
        ids = {"event": event.id, "leila": leila.id, "jonas": jonas.id, "ends": event.ends_at}
        assert schedule_feedback(event, event.ends_at + timedelta(hours=1)) == 2
        deliver_after_commit(datetime.now(UTC))
        # Jonas confirms the connection from his side (in his attendee portal).
        jonas = db.session.get(Registration, ids["jonas"])
        connections.set_connection(jonas, ids["leila"], True, datetime.now(UTC))
        db.session.remove()
    return ids


def _send_follow_up(app, ids) -> None:  # type: ignore[no-untyped-def]
    """A month later: the tick queues the follow-up; deliver it at that time."""
    from eventnet.models import Event
    from eventnet.services.follow_ups import schedule_follow_ups
    from eventnet.services.outbox import deliver_after_commit

    later = ids["ends"] + timedelta(days=30, hours=16)
    with app.test_request_context():
        event = db.session.get(Event, ids["event"])
        assert schedule_follow_ups(event, later) == 2
        deliver_after_commit(later)
        db.session.remove()


def test_attendee_answers_the_survey_and_a_follow_up_from_the_mailed_links(
    live_server, browser, smtp_server
) -> None:
    from tests.e2e.conftest import DESKTOP, PHONE

    app = live_server.app
    ids = _event_that_ended(app)

    # The survey mail: personal link, one-click unsubscribe header.
    [mail] = smtp_server.wait_for(ATTENDEE)
    assert mail["Subject"] == "How was Autumn Talent Day? Two minutes of feedback"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    survey_url = _link(mail, "survey")
    assert mail["List-Unsubscribe"].strip("<>").startswith(live_server.url + "/f/unsubscribe/")

    phone = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(15_000)
    page.goto(survey_url)
    assert page.get_by_role("heading", name="How was the event, Leila?").is_visible()
    assert_accessible(page)

    # Sent without the required rating: the error is shown next to the question.
    page.get_by_role("button", name="Send my answers").click()
    assert page.locator("#error-summary").is_visible()
    assert page.locator("#overall_rating-error").is_visible()
    assert_accessible(page)

    rating = page.get_by_role("group", name=re.compile("Overall, how was the event"))
    rating.get_by_label("4", exact=True).check()
    page.get_by_role("group", name=re.compile("How likely are you to recommend")).get_by_label(
        "9", exact=True
    ).check()
    meeting = page.get_by_role("group", name="Was your meeting with Jonas Berg valuable?")
    meeting.get_by_label("Yes").check()
    page.get_by_label("We connected: add Jonas Berg to my connections").check()
    page.get_by_label("What should we improve next time?").fill("Longer coffee breaks")
    page.get_by_label("Anything else you would like to tell us?").fill("Found my thesis topic!")
    page.get_by_label("Yes, anonymously (only my role is shown)").check()
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_text("Thank you! Your answers are saved.").is_visible()
    assert page.get_by_role("button", name="Save my changes").is_visible()
    assert_accessible(page)
    phone.close()

    with app.app_context():
        response = db.session.scalar(
            sa.select(FeedbackResponse).where(FeedbackResponse.registration_id == ids["leila"])
        )
        assert response is not None
        assert (response.overall_rating, response.nps) == (4, 9)
        assert response.comment == "Found my thesis topic!"
        assert db.session.scalar(sa.select(MeetingFeedback.valuable)) is True
        db.session.remove()

    # A month later: the follow-up mail, and the connection both confirmed is on the page.
    _send_follow_up(app, ids)
    mails = smtp_server.wait_for(ATTENDEE, count=2)
    follow_up = mails[-1]
    assert follow_up["Subject"] == "Autumn Talent Day: what came of it?"
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(_link(follow_up, "follow-up"))
    assert page.get_by_role("heading", name="What came of it, Leila?").is_visible()
    assert_accessible(page)
    with_jonas = page.get_by_role("group", name="What came of your connection with Jonas Berg?")
    with_jonas.get_by_label("Thesis or project topic").check()
    with_jonas.get_by_label("We are still in touch").check()
    page.get_by_label("A note (optional)").fill("Thesis on grid data, starts in January")
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_text("Thank you! We have saved your answers.").is_visible()
    assert_accessible(page)

    # Unsubscribe from the same mail's link: a page with a button, then a confirmation.
    page.goto(follow_up["List-Unsubscribe"].strip("<>"))
    assert page.get_by_role("heading", name="Stop follow-up e-mails?").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Unsubscribe").click()
    assert page.get_by_role("heading", name="You are unsubscribed").is_visible()
    context.close()

    with app.app_context():
        types = sorted(
            str(t)
            for t in db.session.scalars(
                sa.select(Outcome.type).where(Outcome.registration_id == ids["leila"])
            )
        )
        assert types == ["still_in_touch", "thesis"]
        db.session.remove()
