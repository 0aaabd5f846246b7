"""The figures of an event report, computed from `ReportData` (pure, deterministic).

Counting rules (the report's footnotes say the same):

- *registered*: every registration, whatever became of it (cancelled ones included);
  *confirmed*: holding a place now; *waiting list*: still waiting; *promoted*: got a place
  from the waiting list; *cancelled*: gave the place up (or never confirmed).
- *attended*: confirmed and checked in. When nobody at all was checked in and the event is
  over, every confirmed registration counts as attended (an event run without door check-in),
  the same rule as `eventnet.services.outcomes.attended`. Before the event, attendance is
  unknown and the report describes the confirmed registrations instead.
- *participants*: who the profile figures (countries, organizations, interests) describe:
  attendees once attendance is known, confirmed registrations before.
- *attendance rate*: attended / confirmed.
- *request acceptance rate*: accepted / (accepted + declined + expired); pending and
  withdrawn requests are left out.
- *booked meetings*: scheduled, held or no-show (not cancelled); *held rate*: held / booked.
- *cross-role*: the two people of a meeting have different roles.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ..outcomes import EventOutcomes, OutcomeCount
from .data import ROLES, Group, MeetingGroup, ReportData, TagGroup

ORG_KINDS: tuple[str, ...] = ("higher_education", "employer", "other")
TOP_N = 10


def share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Ranked:
    label: str
    count: int
    share: float | None = None


@dataclass(frozen=True)
class RoleFigures:
    role: str  # a role, or "all"
    registered: int
    confirmed: int
    attended: int
    pending: int
    waitlisted: int
    cancelled: int
    promoted: int
    quota: int | None
    attendance_rate: float | None

    @property
    def no_shows(self) -> int:
        return max(self.confirmed - self.attended, 0)


@dataclass(frozen=True)
class Summary:
    roles: tuple[RoleFigures, ...]
    total: RoleFigures
    attendance_known: bool
    participants: int
    organizations: int
    countries: int
    meetings_requested: int
    meetings_accepted: int
    meetings_booked: int
    meetings_held: int
    meetings_no_show: int
    connections_confirmed: int
    results: int  # outcome results (internships, jobs...) reported so far
    feedback_responses: int
    average_rating: float | None
    nps: float | None


@dataclass(frozen=True)
class RegistrationFigures:
    days: tuple[date, ...]  # local dates from the first registration to the last
    cumulative: tuple[tuple[str, tuple[int, ...]], ...]  # (role, running total per day)
    by_role: tuple[Ranked, ...]  # participants
    org_kinds: tuple[tuple[str, tuple[int, ...]], ...]  # (kind, participants per role in ROLES)
    countries: tuple[Ranked, ...]  # top countries of participants
    other_countries: int  # participants from countries outside the top
    country_count: int
    unknown_country: int
    study_fields: tuple[Ranked, ...]
    other_study_fields: int
    arrivals: tuple[tuple[str, int], ...]  # (local "HH:00", check-ins in that hour)


@dataclass(frozen=True)
class Balance:
    label: str
    offered: int
    sought: int

    @property
    def unmet(self) -> int:
        return max(self.sought - self.offered, 0)


@dataclass(frozen=True)
class InterestFigures:
    top_by_role: tuple[tuple[str, tuple[Ranked, ...]], ...]  # (role, top interests)
    balance: tuple[Balance, ...]  # offer/seek tags, most sought first
    unmet: tuple[Balance, ...]  # sought by at least 3 times as many as offered it (or none)
    interest_roles: tuple[tuple[str, tuple[int, ...]], ...]  # (interest, participants per role)


@dataclass(frozen=True)
class SlotFigures:
    label: str  # local "HH:MM"
    start: datetime
    booked: int
    held: int
    no_show: int

    @property
    def no_show_rate(self) -> float | None:
        return share(self.no_show, self.held + self.no_show)


@dataclass(frozen=True)
class MatchingFigures:
    recommendations: int
    recommended_people: int
    recommendations_cross_role: float | None
    requests: int
    requests_by_status: tuple[tuple[str, int], ...]
    accepted: int
    acceptance_rate: float | None
    booked: int
    held: int
    no_show: int
    scheduled: int
    cancelled: int
    held_rate: float | None
    basis: str  # "held" or "booked": which meetings the network picture shows
    cross_role: int
    cross_role_share: float | None
    role_matrix: tuple[tuple[int, ...], ...]  # ROLES x ROLES, symmetric
    kind_matrix: tuple[tuple[int, ...], ...]  # ORG_KINDS x ORG_KINDS, symmetric
    slots: tuple[SlotFigures, ...]
    organization_pairs: tuple[tuple[str, str, int], ...]
    sources: tuple[tuple[str, int], ...]

    @property
    def has_data(self) -> bool:
        return bool(self.recommendations or self.requests or self.booked or self.cancelled)


@dataclass(frozen=True)
class OrganizationRow:
    name: str
    kind: str
    country: str
    participants: tuple[int, ...]  # per role in ROLES

    @property
    def total(self) -> int:
        return sum(self.participants)


@dataclass(frozen=True)
class ReportFigures:
    data: ReportData
    summary: Summary
    registration: RegistrationFigures
    interests: InterestFigures
    matching: MatchingFigures
    outcomes: EventOutcomes | None
    outcome_months: tuple[tuple[str, tuple[tuple[str, int], ...]], ...]  # (month, (type, n))
    organizations: tuple[OrganizationRow, ...]

    @property
    def has_feedback(self) -> bool:
        return bool(self.outcomes and self.outcomes.feedback.responses)

    @property
    def has_outcomes(self) -> bool:
        return bool(self.outcomes and self.outcomes.outcomes.people_reporting)

    @property
    def has_connections(self) -> bool:
        o = self.outcomes
        return bool(o and (o.connections.confirmed or o.connections.one_sided))


class _People:
    """Who counts as attended / participant for grouped rows of one report."""

    def __init__(self, data: ReportData) -> None:
        self.any_checked_in = any(g.checked_in for g in data.registrations)
        self.attendance_known = self.any_checked_in or data.generated_at >= data.event.ends_at

    def attended(self, row: Group | TagGroup | object) -> bool:
        if getattr(row, "status", "") != "confirmed":
            return False
        return (
            bool(getattr(row, "checked_in", False))
            if self.any_checked_in
            else (self.attendance_known)
        )

    def participant(self, row: object) -> bool:
        if self.attendance_known:
            return self.attended(row)
        return getattr(row, "status", "") == "confirmed"


def _role_figures(
    role: str, rows: Iterable[Group], people: _People, quota: int | None
) -> RoleFigures:
    rows = list(rows)

    def total(predicate) -> int:  # type: ignore[no-untyped-def]
        return sum(g.count for g in rows if predicate(g))

    confirmed = total(lambda g: g.status == "confirmed")
    attended = total(people.attended)
    return RoleFigures(
        role=role,
        registered=total(lambda g: True),
        confirmed=confirmed,
        attended=attended,
        pending=total(lambda g: g.status == "pending"),
        waitlisted=total(lambda g: g.status == "waitlisted"),
        cancelled=total(lambda g: g.status == "cancelled"),
        promoted=total(lambda g: g.promoted),
        quota=quota,
        attendance_rate=share(attended, confirmed) if people.attendance_known else None,
    )


def _ranked(counter: Counter[str], total: int, top: int = TOP_N) -> tuple[tuple[Ranked, ...], int]:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    head = tuple(Ranked(k, v, share(v, total)) for k, v in items[:top])
    return head, sum(v for _, v in items[top:])


def _local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def _registration(data: ReportData, people: _People, tz: ZoneInfo) -> RegistrationFigures:
    per_day: dict[str, Counter[date]] = defaultdict(Counter)
    for t in data.registered_over_time:
        per_day[t.role][_local_day(t.hour, tz)] += t.count
    all_days = sorted({d for c in per_day.values() for d in c})
    days: tuple[date, ...] = ()
    cumulative: list[tuple[str, tuple[int, ...]]] = []
    if all_days:
        first, last = all_days[0], all_days[-1]
        days = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
        for role in ROLES:
            running, series = 0, []
            for day in days:
                running += per_day[role][day]
                series.append(running)
            if running:
                cumulative.append((role, tuple(series)))

    participants = [g for g in data.registrations if people.participant(g)]
    by_role_counter: Counter[str] = Counter()
    for g in participants:
        by_role_counter[g.role] += g.count
    total = sum(by_role_counter.values())
    by_role = tuple(Ranked(r, by_role_counter[r], share(by_role_counter[r], total)) for r in ROLES)

    kinds: dict[str, list[int]] = {k: [0] * len(ROLES) for k in ORG_KINDS}
    for g in data.org_kinds:
        if people.participant(g) and g.role in ROLES:
            kinds.setdefault(g.key or "other", [0] * len(ROLES))[ROLES.index(g.role)] += g.count
    org_kinds = tuple((k, tuple(v)) for k, v in kinds.items() if any(v))

    countries: Counter[str] = Counter()
    unknown = 0
    for g in data.countries:
        if people.participant(g):
            if g.key:
                countries[g.key] += g.count
            else:
                unknown += g.count
    top_countries, other_countries = _ranked(countries, total)

    fields: Counter[str] = Counter()
    for g in data.study_fields:
        if people.participant(g) and g.key:
            fields[g.key] += g.count
    students = by_role_counter["student"]
    top_fields, other_fields = _ranked(fields, students)

    arrivals: Counter[int] = Counter()
    for t in data.checked_in_over_time:
        arrivals[t.hour.astimezone(tz).hour] += t.count
    arrival_rows: tuple[tuple[str, int], ...] = ()
    if arrivals:
        lo, hi = min(arrivals), max(arrivals)
        arrival_rows = tuple((f"{h:02d}:00", arrivals[h]) for h in range(lo, hi + 1))

    return RegistrationFigures(
        days=days,
        cumulative=tuple(cumulative),
        by_role=by_role,
        org_kinds=org_kinds,
        countries=top_countries,
        other_countries=other_countries,
        country_count=len(countries),
        unknown_country=unknown,
        study_fields=top_fields,
        other_study_fields=other_fields,
        arrivals=arrival_rows,
    )


def _interests(data: ReportData, people: _People) -> InterestFigures:
    by_role: dict[str, Counter[str]] = defaultdict(Counter)
    role_totals: Counter[str] = Counter()
    for g in data.registrations:
        if people.participant(g):
            role_totals[g.role] += g.count
    offered: Counter[str] = Counter()
    sought: Counter[str] = Counter()
    interest_roles: dict[str, list[int]] = defaultdict(lambda: [0] * len(ROLES))
    for t in data.tags:
        if not people.participant(t):
            continue
        if t.kind == "interest":
            by_role[t.role][t.label] += t.count
            if t.role in ROLES:
                interest_roles[t.label][ROLES.index(t.role)] += t.count
        elif t.kind == "offer":
            offered[t.label] += t.count
        elif t.kind == "seek":
            sought[t.label] += t.count
    top_by_role = tuple(
        (role, _ranked(by_role[role], role_totals[role], top=8)[0])
        for role in ROLES
        if by_role[role]
    )
    labels = set(offered) | set(sought)
    balance = tuple(
        sorted(
            (Balance(label, offered[label], sought[label]) for label in labels),
            key=lambda b: (-b.sought, -b.offered, b.label.casefold()),
        )
    )
    unmet = tuple(
        sorted(
            (b for b in balance if b.sought >= 3 and b.sought >= 3 * b.offered),
            key=lambda b: (-b.unmet, b.label.casefold()),
        )
    )
    ordered = sorted(interest_roles.items(), key=lambda kv: (-sum(kv[1]), kv[0].casefold()))
    return InterestFigures(
        top_by_role=top_by_role,
        balance=balance,
        unmet=unmet,
        interest_roles=tuple((label, tuple(v)) for label, v in ordered),
    )


def _matrix(
    pairs: Iterable[tuple[str, str, int]], axis: Sequence[str]
) -> tuple[tuple[int, ...], ...]:
    grid = [[0] * len(axis) for _ in axis]
    for a, b, n in pairs:
        if a in axis and b in axis:
            i, j = axis.index(a), axis.index(b)
            grid[i][j] += n
            if i != j:
                grid[j][i] += n
    return tuple(tuple(row) for row in grid)


def _matching(data: ReportData, tz: ZoneInfo) -> MatchingFigures:
    recs = sum(r.count for r in data.recommendations)
    recs_cross = sum(r.count for r in data.recommendations if r.from_role != r.to_role)
    by_status: Counter[str] = Counter()
    for r in data.requests:
        by_status[r.status] += r.count
    accepted = by_status["accepted"]
    decided = accepted + by_status["declined"] + by_status["expired"]
    meetings: Counter[str] = Counter()
    for m in data.meetings:
        meetings[m.status] += m.count
    held, no_show = meetings["held"], meetings["no_show"]
    booked = held + no_show + meetings["scheduled"]
    basis = "held" if held else "booked"
    shown: list[MeetingGroup] = [
        m for m in data.meetings if (m.status == "held" if held else m.status != "cancelled")
    ]
    cross = sum(m.count for m in shown if m.first_role != m.second_role)
    shown_total = sum(m.count for m in shown)
    slots: dict[datetime, list[int]] = {}
    for m in data.meetings:
        if m.slot_start is None or m.status == "cancelled":
            continue
        row = slots.setdefault(m.slot_start, [0, 0, 0])
        row[0] += m.count
        row[1] += m.count if m.status == "held" else 0
        row[2] += m.count if m.status == "no_show" else 0
    slot_rows = tuple(
        SlotFigures(start.astimezone(tz).strftime("%H:%M"), start, *counts)
        for start, counts in sorted(slots.items())
    )
    sources: Counter[str] = Counter()
    for m in data.meetings:
        if m.status != "cancelled" and m.source:
            sources[m.source] += m.count
    return MatchingFigures(
        recommendations=recs,
        recommended_people=data.recommended_people,
        recommendations_cross_role=share(recs_cross, recs),
        requests=sum(by_status.values()),
        requests_by_status=tuple(sorted(by_status.items(), key=lambda kv: (-kv[1], kv[0]))),
        accepted=accepted,
        acceptance_rate=share(accepted, decided),
        booked=booked,
        held=held,
        no_show=no_show,
        scheduled=meetings["scheduled"],
        cancelled=meetings["cancelled"],
        held_rate=share(held, booked),
        basis=basis,
        cross_role=cross,
        cross_role_share=share(cross, shown_total),
        role_matrix=_matrix(((m.first_role, m.second_role, m.count) for m in shown), ROLES),
        kind_matrix=_matrix(
            ((m.first_kind or "other", m.second_kind or "other", m.count) for m in shown),
            ORG_KINDS,
        ),
        slots=slot_rows,
        organization_pairs=tuple((p.first, p.second, p.count) for p in data.organization_pairs),
        sources=tuple(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _organizations(data: ReportData, people: _People) -> tuple[OrganizationRow, ...]:
    rows: dict[int, tuple[str, str, str, list[int]]] = {}
    for g in data.organizations:
        if not people.participant(g) or g.role not in ROLES:
            continue
        entry = rows.setdefault(g.organization_id, (g.name, g.kind, g.country, [0] * len(ROLES)))
        entry[3][ROLES.index(g.role)] += g.count
    return tuple(
        sorted(
            (OrganizationRow(n, k, c, tuple(v)) for n, k, c, v in rows.values()),
            key=lambda r: r.name.casefold(),
        )
    )


def _outcome_months(data: ReportData) -> tuple[tuple[str, tuple[tuple[str, int], ...]], ...]:
    months: dict[str, Counter[str]] = defaultdict(Counter)
    for m in data.outcome_months:
        months[m.month][m.type] += m.count
    return tuple((month, tuple(sorted(c.items()))) for month, c in sorted(months.items()))


def compute_figures(data: ReportData) -> ReportFigures:
    """Every number of the report, from grouped counts."""
    people = _People(data)
    tz = ZoneInfo(data.event.timezone)
    quotas = dict(data.event.quotas)
    by_role: dict[str, list[Group]] = defaultdict(list)
    for g in data.registrations:
        by_role[g.role].append(g)
    roles = tuple(_role_figures(r, by_role[r], people, quotas.get(r)) for r in ROLES)
    total = _role_figures(
        "all", data.registrations, people, sum(quotas.values()) if quotas else None
    )
    registration = _registration(data, people, tz)
    organizations = _organizations(data, people)
    matching = _matching(data, tz)
    outcomes = data.outcomes
    feedback = outcomes.feedback if outcomes else None
    summary = Summary(
        roles=roles,
        total=total,
        attendance_known=people.attendance_known,
        participants=sum(r.count for r in registration.by_role),
        organizations=len(organizations),
        countries=registration.country_count,
        meetings_requested=matching.requests,
        meetings_accepted=matching.accepted,
        meetings_booked=matching.booked,
        meetings_held=matching.held,
        meetings_no_show=matching.no_show,
        connections_confirmed=outcomes.connections.confirmed if outcomes else 0,
        results=outcomes.outcomes.results if outcomes else 0,
        feedback_responses=feedback.responses if feedback else 0,
        average_rating=feedback.average_rating if feedback else None,
        nps=feedback.nps if feedback else None,
    )
    return ReportFigures(
        data=data,
        summary=summary,
        registration=registration,
        interests=_interests(data, people),
        matching=matching,
        outcomes=outcomes,
        outcome_months=_outcome_months(data),
        organizations=organizations,
    )


def outcome_results(outcomes: EventOutcomes | None) -> tuple[OutcomeCount, ...]:
    """Outcome types somebody reported, most frequent first ("nothing yet" last)."""
    if not outcomes:
        return ()
    counts = [c for c in outcomes.outcomes.by_type if c.people]
    return tuple(
        sorted(
            counts, key=lambda c: (c.type == "nothing_yet", c.type == "still_in_touch", -c.people)
        )
    )
