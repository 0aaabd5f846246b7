"""What the event report is computed from: grouped counts, as plain frozen dataclasses.

`eventnet.services.reports.gather_report_data` fills these from a bounded number of GROUP BY
queries (their size depends on how many roles, statuses, interests and organizations there
are, not on how many people registered); tests build them by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..outcomes import EventOutcomes

ROLES: tuple[str, ...] = ("student", "employer", "staff")


@dataclass(frozen=True)
class EventInfo:
    id: int
    slug: str
    title: str
    starts_at: datetime  # aware UTC
    ends_at: datetime
    timezone: str
    venue: str = ""
    address: str = ""
    organizers: tuple[str, ...] = ()
    quotas: tuple[tuple[str, int], ...] = ()  # (role, capacity)
    capacity: int = 0


@dataclass(frozen=True)
class Group:
    """How many registrations share ``key`` (a country, an organization kind...), by state."""

    key: str
    role: str
    status: str  # pending / confirmed / waitlisted / cancelled
    checked_in: bool
    count: int
    promoted: bool = False  # came in from the waiting list


@dataclass(frozen=True)
class OrgGroup:
    organization_id: int
    name: str
    kind: str  # higher_education / employer / other
    country: str
    role: str
    status: str
    checked_in: bool
    count: int


@dataclass(frozen=True)
class TagGroup:
    kind: str  # interest / offer / seek
    label: str
    role: str
    status: str
    checked_in: bool
    count: int


@dataclass(frozen=True)
class TimeCount:
    """Registrations (or check-ins) in one UTC hour, by role."""

    hour: datetime  # aware UTC, truncated to the hour
    role: str
    count: int


@dataclass(frozen=True)
class RolePairCount:
    """Recommendations or meeting requests from one role to another, by status."""

    from_role: str
    to_role: str
    count: int
    status: str = ""


@dataclass(frozen=True)
class MeetingGroup:
    status: str  # scheduled / held / no_show / cancelled
    slot_start: datetime | None  # aware UTC
    first_role: str
    second_role: str
    first_kind: str  # organization kind, "" when unknown
    second_kind: str
    count: int
    source: str = ""


@dataclass(frozen=True)
class OrgPairCount:
    first: str
    second: str
    count: int


@dataclass(frozen=True)
class OutcomeMonth:
    month: str  # "2027-05"
    type: str
    count: int


@dataclass(frozen=True)
class AttendeeRow:
    name: str
    organization: str
    role: str
    country: str


@dataclass(frozen=True)
class ReportData:
    event: EventInfo
    generated_at: datetime
    registrations: tuple[Group, ...] = ()  # key "" (totals by role/status/check-in/promoted)
    countries: tuple[Group, ...] = ()
    org_kinds: tuple[Group, ...] = ()
    study_fields: tuple[Group, ...] = ()  # students' degree programmes
    organizations: tuple[OrgGroup, ...] = ()
    tags: tuple[TagGroup, ...] = ()
    registered_over_time: tuple[TimeCount, ...] = ()
    checked_in_over_time: tuple[TimeCount, ...] = ()
    recommendations: tuple[RolePairCount, ...] = ()
    recommended_people: int = 0
    requests: tuple[RolePairCount, ...] = ()
    meetings: tuple[MeetingGroup, ...] = ()
    organization_pairs: tuple[OrgPairCount, ...] = ()  # held (or else booked) meetings
    outcomes: EventOutcomes | None = None
    outcome_months: tuple[OutcomeMonth, ...] = ()
    attendees: tuple[AttendeeRow, ...] = ()  # only those who consented; empty unless asked
    include_attendees: bool = False
    extra: dict[str, object] = field(default_factory=dict)
