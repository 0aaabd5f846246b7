"""The consistency checks that `eventnet restore` runs find what they are meant to find."""

from __future__ import annotations

from eventnet.models import RegistrationStatus
from eventnet.ops.invariants import invariant_problems
from tests.factories import make_event, make_registration


def test_a_consistent_event_has_no_problems(app_ctx) -> None:
    event = make_event(quotas={"student": 2})
    make_registration(event, role="student")
    make_registration(
        event, role="student", status=RegistrationStatus.WAITLISTED, waitlist_position=1
    )
    assert invariant_problems() == []


def test_oversold_roles_and_gaps_in_the_waiting_list_are_reported(app_ctx) -> None:
    event = make_event(quotas={"student": 1})
    make_registration(event, role="student")
    make_registration(event, role="student")
    for position in (1, 3):
        make_registration(
            event, role="student", status=RegistrationStatus.WAITLISTED, waitlist_position=position
        )
    problems = invariant_problems()
    assert any("2 confirmed for 1 places" in p for p in problems)
    assert any("waiting list positions [1, 3]" in p for p in problems)
