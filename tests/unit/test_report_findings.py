"""Findings: each rule speaks when its evidence is strong enough, and only then."""

from __future__ import annotations

from datetime import timedelta

from eventnet.core.report import (
    Group,
    MeetingGroup,
    ReportData,
    TagGroup,
    compute_figures,
    compute_findings,
)
from tests.unit.test_report_figures import AFTER, EVENT, START


def findings(**kw):
    kw.setdefault("generated_at", AFTER)
    return {f.key: f for f in compute_findings(compute_figures(ReportData(event=EVENT, **kw)))}


def people(students: int, employers: int, staff: int = 0) -> tuple[Group, ...]:
    return tuple(
        Group("", role, "confirmed", True, n)
        for role, n in (("student", students), ("employer", employers), ("staff", staff))
        if n
    )


def interest(label: str, **per_role: int) -> tuple[TagGroup, ...]:
    return tuple(
        TagGroup("interest", label, role, "confirmed", True, n) for role, n in per_role.items()
    )


def test_three_attendees_produce_no_findings() -> None:
    assert findings(registrations=people(2, 1)) == {}


def test_employers_outnumbering_students_in_an_interest_despite_more_students_overall() -> None:
    tags = interest("Health tech", student=2, employer=6) + interest("Data", student=20, employer=8)
    found = findings(registrations=people(40, 15), tags=tags)
    ratio = found["interest_ratio"].params
    assert ratio["interest"] == "Health tech" and ratio["more"] == "employer"
    assert ratio["fewer"] == "student" and ratio["ratio"] == 3
    # "Data" mirrors the overall mix (20:8 ~ 40:15): not a finding.
    assert all(f.params.get("interest") != "Data" for f in found.values())


def test_a_ratio_that_only_reflects_the_overall_mix_is_not_a_finding() -> None:
    tags = interest("Finance", student=12, employer=3)
    assert "interest_ratio" not in findings(registrations=people(40, 10), tags=tags)


def test_no_show_rate_doubling_after_a_time_is_found() -> None:
    slots = [START + timedelta(hours=1, minutes=30 * k) for k in range(6)]
    meetings = tuple(
        MeetingGroup(status, slot, "student", "employer", "", "", n)
        for k, slot in enumerate(slots)
        for status, n in (("held", 19 if k < 3 else 16), ("no_show", 1 if k < 3 else 4))
    )
    found = findings(registrations=people(30, 20), meetings=meetings)
    rise = found["no_show_after"].params
    assert rise["time"] == "14:30"  # local time of the fourth slot
    assert rise["before"] == 0.05 and rise["after"] == 0.2 and rise["factor"] == 4.0


def test_small_slots_do_not_make_a_no_show_finding() -> None:
    meetings = (
        MeetingGroup("held", START, "student", "employer", "", "", 3),
        MeetingGroup("no_show", START + timedelta(hours=2), "student", "employer", "", "", 3),
    )
    assert "no_show_after" not in findings(registrations=people(30, 20), meetings=meetings)


def test_unmet_need_and_role_balance_and_waiting_list() -> None:
    tags = (
        TagGroup("seek", "Funding applications", "staff", "confirmed", True, 7),
        TagGroup("offer", "Internships", "employer", "confirmed", True, 5),
        TagGroup("seek", "Internships", "student", "confirmed", True, 6),
    )
    regs = (*people(45, 15, 5), Group("", "student", "waitlisted", False, 12))
    found = findings(registrations=regs, tags=tags)
    assert found["need_unmet_none"].params == {
        "need": "Funding applications",
        "sought": 7,
        "offered": 0,
    }
    assert found["roles_ratio"].params["more"] == "student"
    assert found["roles_ratio"].params["fewer"] == "staff"
    assert found["waitlist_full"].params == {"role": "student", "waiting": 12, "promoted": 0}


def test_attendance_gap_between_roles() -> None:
    regs = (
        Group("", "student", "confirmed", True, 18),
        Group("", "student", "confirmed", False, 2),
        Group("", "employer", "confirmed", True, 6),
        Group("", "employer", "confirmed", False, 4),
    )
    gap = findings(registrations=regs)["attendance_gap"].params
    assert gap["low_role"] == "employer" and gap["low_rate"] == 0.6
    assert gap["high_role"] == "student" and gap["high_rate"] == 0.9


def test_at_most_eight_findings_strongest_first() -> None:
    tags = (
        *interest("A", student=1, employer=9),
        *interest("B", student=0, employer=8),
        TagGroup("seek", "X", "student", "confirmed", True, 9),
    )
    regs = (*people(60, 20, 10), Group("", "staff", "waitlisted", False, 5))
    result = compute_findings(
        compute_figures(ReportData(event=EVENT, generated_at=AFTER, registrations=regs, tags=tags))
    )
    assert len(result) <= 8
    strengths = [f.strength for f in result]
    assert strengths == sorted(strengths, reverse=True)
