"""Report figures from hand-made grouped counts: the counting rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eventnet.core.outcomes import EventOutcomes, connection_figures, feedback_figures
from eventnet.core.outcomes import outcome_figures as core_outcomes
from eventnet.core.report import (
    EventInfo,
    Group,
    MeetingGroup,
    OrgGroup,
    OutcomeMonth,
    ReportData,
    RolePairCount,
    TagGroup,
    TimeCount,
    compute_figures,
)

START = datetime(2027, 5, 20, 9, 0, tzinfo=UTC)  # 12:00 in Helsinki
EVENT = EventInfo(
    id=1,
    slug="day",
    title="Day",
    starts_at=START,
    ends_at=START + timedelta(hours=5),
    timezone="Europe/Helsinki",
    quotas=(("student", 10), ("employer", 5), ("staff", 5)),
)
AFTER = START + timedelta(days=1)
BEFORE = START - timedelta(days=1)


def g(role: str, status: str, n: int, checked_in: bool = False, key: str = "", promoted=False):
    return Group(key, role, status, checked_in, n, promoted=promoted)


def data(**kw) -> ReportData:
    kw.setdefault("generated_at", AFTER)
    return ReportData(event=EVENT, **kw)


REGISTRATIONS = (
    g("student", "confirmed", 6, checked_in=True),
    g("student", "confirmed", 2),
    g("student", "confirmed", 1, checked_in=True, promoted=True),
    g("student", "waitlisted", 3),
    g("student", "cancelled", 1),
    g("employer", "confirmed", 3, checked_in=True),
    g("employer", "confirmed", 2),
    g("employer", "pending", 1),
    g("staff", "confirmed", 2, checked_in=True),
)


def test_funnel_and_attendance_per_role() -> None:
    f = compute_figures(data(registrations=REGISTRATIONS))
    roles = {r.role: r for r in f.summary.roles}
    student = roles["student"]
    assert (student.registered, student.confirmed, student.attended) == (13, 9, 7)
    assert (student.waitlisted, student.cancelled, student.promoted) == (3, 1, 1)
    assert student.attendance_rate == 7 / 9 and student.no_shows == 2 and student.quota == 10
    assert roles["employer"].pending == 1 and roles["employer"].attendance_rate == 3 / 5
    total = f.summary.total
    assert (total.registered, total.confirmed, total.attended) == (21, 16, 12)
    assert f.summary.attendance_known and f.summary.participants == 12
    assert [(r.label, r.count) for r in f.registration.by_role] == [
        ("student", 7),
        ("employer", 3),
        ("staff", 2),
    ]


def test_before_the_event_attendance_is_unknown_and_confirmed_people_are_described() -> None:
    rows = (g("student", "confirmed", 4), g("employer", "confirmed", 2), g("staff", "pending", 1))
    f = compute_figures(data(registrations=rows, generated_at=BEFORE))
    assert not f.summary.attendance_known
    assert f.summary.total.attended == 0 and f.summary.total.attendance_rate is None
    assert f.summary.participants == 6


def test_after_an_event_without_check_in_every_confirmed_person_attended() -> None:
    rows = (g("student", "confirmed", 4), g("employer", "cancelled", 2))
    f = compute_figures(data(registrations=rows))
    assert f.summary.attendance_known and f.summary.total.attended == 4
    assert f.summary.total.attendance_rate == 1.0


def test_profiles_count_participants_only() -> None:
    countries = (
        g("student", "confirmed", 3, True, key="VN"),
        g("student", "confirmed", 5, False, key="VN"),  # did not come
        g("employer", "confirmed", 2, True, key="FI"),
        g("staff", "confirmed", 1, True, key=""),
        g("student", "cancelled", 9, False, key="CN"),
    )
    orgs = (
        OrgGroup(1, "Aalto", "higher_education", "FI", "student", "confirmed", True, 3),
        OrgGroup(2, "Nokia", "employer", "FI", "employer", "confirmed", True, 2),
        OrgGroup(3, "Ghost Oy", "employer", "FI", "employer", "confirmed", False, 4),
    )
    f = compute_figures(data(registrations=REGISTRATIONS, countries=countries, organizations=orgs))
    assert [(c.label, c.count) for c in f.registration.countries] == [("VN", 3), ("FI", 2)]
    assert f.registration.unknown_country == 1 and f.registration.country_count == 2
    assert [o.name for o in f.organizations] == ["Aalto", "Nokia"]
    assert f.summary.organizations == 2 and f.organizations[0].participants == (3, 0, 0)


def test_offer_and_seek_balance_and_unmet_needs() -> None:
    tags = (
        TagGroup("seek", "Internships", "student", "confirmed", True, 6),
        TagGroup("offer", "Internships", "employer", "confirmed", True, 2),
        TagGroup("seek", "Funding", "staff", "confirmed", True, 3),
        TagGroup("offer", "Mentoring", "employer", "confirmed", True, 4),
        TagGroup("seek", "Mentoring", "student", "confirmed", True, 1),
        TagGroup("interest", "Data", "student", "confirmed", True, 5),
        TagGroup("interest", "Data", "employer", "confirmed", True, 1),
        TagGroup("seek", "Jobs", "student", "confirmed", False, 50),  # did not come
    )
    f = compute_figures(data(registrations=REGISTRATIONS, tags=tags))
    balance = {b.label: (b.offered, b.sought) for b in f.interests.balance}
    assert balance == {"Internships": (2, 6), "Funding": (0, 3), "Mentoring": (4, 1)}
    assert [b.label for b in f.interests.unmet] == ["Internships", "Funding"]
    assert f.interests.interest_roles == (("Data", (5, 1, 0)),)


def test_meetings_requests_and_the_network() -> None:
    slot1, slot2 = START + timedelta(hours=1), START + timedelta(hours=3)
    meetings = (
        MeetingGroup("held", slot1, "student", "employer", "higher_education", "employer", 6),
        MeetingGroup(
            "held", slot1, "student", "student", "higher_education", "higher_education", 2
        ),
        MeetingGroup("no_show", slot2, "employer", "staff", "employer", "higher_education", 2),
        MeetingGroup("held", slot2, "staff", "employer", "higher_education", "employer", 2),
        MeetingGroup("cancelled", slot2, "student", "employer", "", "", 5),
    )
    requests = (
        RolePairCount("student", "employer", 6, "accepted"),
        RolePairCount("student", "employer", 2, "declined"),
        RolePairCount("employer", "student", 1, "expired"),
        RolePairCount("staff", "student", 4, "pending"),
    )
    recs = (RolePairCount("student", "employer", 8), RolePairCount("student", "student", 2))
    f = compute_figures(
        data(
            registrations=REGISTRATIONS,
            meetings=meetings,
            requests=requests,
            recommendations=recs,
            recommended_people=4,
        )
    )
    m = f.matching
    assert (m.booked, m.held, m.no_show, m.cancelled) == (12, 10, 2, 5)
    assert m.held_rate == 10 / 12 and m.basis == "held"
    assert m.acceptance_rate == 6 / 9 and m.requests == 13
    assert m.recommendations == 10 and m.recommendations_cross_role == 0.8
    assert m.cross_role == 8 and m.cross_role_share == 8 / 10
    # ROLES order: student, employer, staff; symmetric.
    assert m.role_matrix == ((2, 6, 0), (6, 0, 2), (0, 2, 0))
    assert [(s.label, s.held, s.no_show) for s in m.slots] == [("13:00", 8, 0), ("15:00", 2, 2)]
    assert m.slots[1].no_show_rate == 0.5


def test_registrations_over_time_in_local_days() -> None:
    # 22:30 UTC is already the next day in Helsinki.
    t0 = datetime(2027, 5, 1, 22, 0, tzinfo=UTC)
    times = (
        TimeCount(t0, "student", 2),
        TimeCount(t0 + timedelta(days=2), "student", 1),
        TimeCount(t0 + timedelta(days=2), "employer", 3),
    )
    f = compute_figures(data(registrations=REGISTRATIONS, registered_over_time=times))
    days = f.registration.days
    assert days[0].isoformat() == "2027-05-02" and len(days) == 3
    assert dict(f.registration.cumulative) == {"student": (2, 2, 3), "employer": (0, 0, 3)}


def test_outcomes_and_feedback_come_from_the_outcomes_core() -> None:
    from eventnet.core.outcomes import ReportedOutcome, SurveyAnswer

    outcomes = EventOutcomes(
        event_id=1,
        attendees=12,
        feedback=feedback_figures(10, [SurveyAnswer(5, 10), SurveyAnswer(3, 4)]),
        connections=connection_figures([], 12, 0),
        outcomes=core_outcomes([ReportedOutcome(1, "internship"), ReportedOutcome(2, "job")]),
    )
    months = (OutcomeMonth("2027-06", "job", 1), OutcomeMonth("2027-06", "internship", 1))
    f = compute_figures(data(registrations=REGISTRATIONS, outcomes=outcomes, outcome_months=months))
    assert f.has_feedback and f.has_outcomes and not f.has_connections
    assert f.summary.nps == 0.0 and f.summary.results == 2 and f.summary.feedback_responses == 2
    assert f.outcome_months == (("2027-06", (("internship", 1), ("job", 1))),)


def test_an_empty_event_has_zeros_and_no_crash() -> None:
    f = compute_figures(data(generated_at=BEFORE))
    assert f.summary.total.registered == 0 and f.summary.participants == 0
    assert not f.matching.has_data and not f.has_feedback and f.registration.days == ()
