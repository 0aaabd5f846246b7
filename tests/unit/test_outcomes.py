"""The outcome figures: what each number in the reports means, checked without a database."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from eventnet.core.outcomes import (
    OUTCOME_TYPES,
    Attendance,
    ConnectionPair,
    ReportedOutcome,
    RoundAnswers,
    SurveyAnswer,
    connection_figures,
    feedback_figures,
    net_promoter_score,
    organization_engagement,
    outcome_figures,
    repeat_attendance,
)


def test_nps_is_promoters_minus_detractors_among_those_who_answered() -> None:
    assert net_promoter_score([10, 9, 8, 7, 6, 0, None]) == 100 * (2 - 2) / 6
    assert net_promoter_score([10, 10, 9]) == 100.0
    assert net_promoter_score([0, 6]) == -100.0
    assert net_promoter_score([None, None]) is None
    assert net_promoter_score([]) is None


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10), max_size=40))
def test_nps_is_always_between_minus_100_and_100(scores: list[int]) -> None:
    value = net_promoter_score(scores)
    assert value is None if not scores else -100.0 <= value <= 100.0


def test_feedback_figures_count_rates_averages_and_valuable_meetings() -> None:
    answers = [
        SurveyAnswer(overall_rating=5, nps=10, recommendations_useful=4),
        SurveyAnswer(overall_rating=4, nps=7),
        SurveyAnswer(overall_rating=2, nps=3, recommendations_useful=2),
    ]
    f = feedback_figures(6, answers, [True, True, False, True])
    assert (f.invited, f.responses, f.response_rate) == (6, 3, 0.5)
    assert f.average_rating == 11 / 3
    assert f.rating_counts == (0, 1, 0, 1, 1)
    assert (f.promoters, f.passives, f.detractors) == (1, 1, 1)
    assert f.nps == 0.0
    assert f.average_usefulness == 3.0
    assert (f.meetings_rated, f.meetings_valuable, f.valuable_share) == (4, 3, 0.75)


def test_nothing_to_count_gives_none_not_zero_or_an_error() -> None:
    f = feedback_figures(0, [])
    assert f.response_rate is None and f.average_rating is None and f.nps is None
    assert f.valuable_share is None
    o = outcome_figures([])
    assert o.people_reporting == 0 and all(c.people == 0 for c in o.by_type)


def test_an_outcome_counts_each_person_once_and_each_connection_once() -> None:
    outcomes = [
        # Alice reports the same internship with Bob at 30 and at 90 days: one person, one link.
        ReportedOutcome(1, "internship", connection_id=10, days_after=30),
        ReportedOutcome(1, "internship", connection_id=10, days_after=90),
        # Bob reports it too, for the same connection: two people, still one connection.
        ReportedOutcome(2, "internship", connection_id=10, days_after=30),
        ReportedOutcome(1, "still_in_touch", connection_id=11, days_after=30),
        ReportedOutcome(3, "nothing_yet", days_after=30),
        ReportedOutcome(1, "job", days_after=90),
    ]
    f = outcome_figures(
        outcomes, [RoundAnswers(30, asked=4, answered=3), RoundAnswers(90, asked=4, answered=1)]
    )
    assert [c.type for c in f.by_type] == list(OUTCOME_TYPES)
    assert (f.count("internship").people, f.count("internship").connections) == (2, 1)
    assert f.count("job").people == 1 and f.count("job").connections == 0
    assert f.people_reporting == 3
    assert f.people_with_result == 2  # Alice and Bob; Carol said "nothing yet"
    assert f.connections_with_result == 1  # "still in touch" is not a result
    assert f.results == 3  # (Alice, internship), (Bob, internship), (Alice, job)
    r30, r90 = f.rounds
    assert (r30.days_after, r30.response_rate, r30.people_with_result) == (30, 0.75, 2)
    assert dict(r30.by_type) == {"still_in_touch": 1, "internship": 2, "nothing_yet": 1}
    assert dict(r90.by_type) == {"internship": 1, "job": 1}


def test_connection_figures_count_only_pairs_both_confirmed() -> None:
    pairs = [
        ConnectionPair("student", "employer", True, True),
        ConnectionPair("student", "student", True, True),
        ConnectionPair("staff", "employer", True, False),
        ConnectionPair("staff", "student", False, True),
    ]
    f = connection_figures(pairs, attendees=8, people_connected=4)
    assert (f.confirmed, f.one_sided, f.cross_role) == (2, 2, 1)
    assert f.per_attendee == 0.5  # 2 connections x 2 people / 8 attendees
    assert dict(f.by_roles) == {"employer-student": 1, "student-student": 1}


def _attend(person: int, event: int, org: int | None, role: str = "student") -> Attendance:
    return Attendance(person, event, role, org, f"Org {org}", "employer" if org == 9 else "other")


def test_repeat_attendance_follows_the_person_across_events() -> None:
    rows = [
        _attend(1, 100, 7),
        _attend(1, 101, 7, "staff"),  # same person, now as staff: counted once, as staff
        _attend(2, 100, 7),
        _attend(3, 100, 9, "employer"),
        _attend(3, 101, 9, "employer"),
        _attend(3, 102, 9, "employer"),
    ]
    r = repeat_attendance(rows)
    assert (r.people, r.returning) == (3, 2)
    assert r.distribution == ((1, 1), (2, 1), (3, 1))
    assert r.by_role == (("employer", 1, 1), ("staff", 1, 1), ("student", 1, 0))


def test_organizations_that_engage_repeatedly_come_first() -> None:
    rows = [
        _attend(1, 100, 7),
        _attend(2, 100, 7),
        _attend(3, 100, 9),
        _attend(3, 101, 9),
        _attend(4, 101, None),  # no organization: not in the list
    ]
    orgs = organization_engagement(rows, {(3, 101): 2, (1, 100): 1})
    assert [(o.organization_id, o.events, o.people, o.attendances, o.results) for o in orgs] == [
        (9, 2, 1, 2, 2),
        (7, 1, 2, 2, 1),
    ]
    assert orgs[0].repeat and not orgs[1].repeat
