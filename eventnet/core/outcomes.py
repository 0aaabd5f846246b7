"""What came of an event, in numbers: survey figures, connections, outcomes, engagement.

Pure functions over small frozen dataclasses (no Flask, no SQLAlchemy) so that the event
report, the organizer pages and the institution report compute every figure the same way, and
tests can check them against what attendees answered without a database.

Counting rules (they are what the reports promise):

- *response rate* = survey responses / survey invitations sent, per event;
- *NPS* = % promoters (9-10) minus % detractors (0-6) among those who answered the question;
- an *outcome type* counts each attendee once however often they report it (at 1 month and
  again at 3 months, or for several connections), and each confirmed connection once however
  many of its two people report it;
- *a result* is any outcome but "still in touch" and "nothing yet";
- an organization *engages repeatedly* when its people attended two or more events.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# Outcome types in the order reports show them (values of `eventnet.models.OutcomeType`).
OUTCOME_TYPES: tuple[str, ...] = (
    "still_in_touch",
    "internship",
    "job",
    "thesis",
    "project",
    "research_collaboration",
    "guest_lecture",
    "joint_application",
    "nothing_yet",
)
NOT_A_RESULT = frozenset({"still_in_touch", "nothing_yet"})
RESULT_TYPES: tuple[str, ...] = tuple(t for t in OUTCOME_TYPES if t not in NOT_A_RESULT)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(values: Sequence[int]) -> float | None:
    return sum(values) / len(values) if values else None


# --------------------------------------------------------------------------- survey


@dataclass(frozen=True)
class SurveyAnswer:
    """The rated part of one attendee's survey response (None = not answered)."""

    overall_rating: int | None = None
    nps: int | None = None
    recommendations_useful: int | None = None


@dataclass(frozen=True)
class FeedbackFigures:
    invited: int
    responses: int
    response_rate: float | None
    average_rating: float | None
    rating_counts: tuple[int, int, int, int, int]  # how many gave 1, 2, 3, 4, 5 stars
    nps: float | None  # -100..100
    promoters: int
    passives: int
    detractors: int
    average_usefulness: float | None
    meetings_rated: int
    meetings_valuable: int
    valuable_share: float | None


def net_promoter_score(scores: Iterable[int | None]) -> float | None:
    """% promoters (9-10) minus % detractors (0-6); None when nobody answered."""
    answered = [s for s in scores if s is not None]
    if not answered:
        return None
    promoters = sum(1 for s in answered if s >= 9)
    detractors = sum(1 for s in answered if s <= 6)
    return 100.0 * (promoters - detractors) / len(answered)


def feedback_figures(
    invited: int, answers: Sequence[SurveyAnswer], meeting_votes: Sequence[bool] = ()
) -> FeedbackFigures:
    """Survey figures for one event (or several: pass all their answers)."""
    ratings = [a.overall_rating for a in answers if a.overall_rating is not None]
    scores = [a.nps for a in answers if a.nps is not None]
    useful = [a.recommendations_useful for a in answers if a.recommendations_useful is not None]
    counts = Counter(ratings)
    valuable = sum(1 for v in meeting_votes if v)
    return FeedbackFigures(
        invited=invited,
        responses=len(answers),
        response_rate=_share(len(answers), invited),
        average_rating=_mean(ratings),
        rating_counts=(counts[1], counts[2], counts[3], counts[4], counts[5]),
        nps=net_promoter_score(scores),
        promoters=sum(1 for s in scores if s >= 9),
        passives=sum(1 for s in scores if 7 <= s <= 8),
        detractors=sum(1 for s in scores if s <= 6),
        average_usefulness=_mean(useful),
        meetings_rated=len(meeting_votes),
        meetings_valuable=valuable,
        valuable_share=_share(valuable, len(meeting_votes)),
    )


@dataclass(frozen=True)
class Quote:
    """A comment the attendee allowed us to quote; ``name`` only with named consent."""

    text: str
    role: str
    name: str | None = None
    organization: str | None = None


# --------------------------------------------------------------------------- connections


@dataclass(frozen=True)
class ConnectionPair:
    first_role: str
    second_role: str
    first_confirmed: bool
    second_confirmed: bool
    first_organization_id: int | None = None
    second_organization_id: int | None = None

    @property
    def confirmed(self) -> bool:
        return self.first_confirmed and self.second_confirmed


@dataclass(frozen=True)
class ConnectionFigures:
    confirmed: int  # both confirmed
    one_sided: int  # confirmed by one of the two so far
    people_connected: int  # attendees with at least one confirmed connection
    attendees: int
    per_attendee: float | None  # confirmed connections per attendee
    cross_role: int  # confirmed connections between different roles (student-employer, ...)
    by_roles: tuple[tuple[str, int], ...]  # ("employer-student", n), sorted by count


def connection_figures(
    pairs: Sequence[ConnectionPair], attendees: int, people_connected: int
) -> ConnectionFigures:
    confirmed = [p for p in pairs if p.confirmed]
    by_roles = Counter("-".join(sorted((p.first_role, p.second_role))) for p in confirmed)
    return ConnectionFigures(
        confirmed=len(confirmed),
        one_sided=sum(1 for p in pairs if p.first_confirmed != p.second_confirmed),
        people_connected=people_connected,
        attendees=attendees,
        per_attendee=_share(2 * len(confirmed), attendees),
        cross_role=sum(1 for p in confirmed if p.first_role != p.second_role),
        by_roles=tuple(sorted(by_roles.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


# --------------------------------------------------------------------------- outcomes


@dataclass(frozen=True)
class ReportedOutcome:
    """One "what came of it?" answer: a type, for a connection or overall, at a follow-up."""

    registration_id: int
    type: str
    connection_id: int | None = None
    days_after: int | None = None


@dataclass(frozen=True)
class RoundAnswers:
    """One follow-up round (e.g. 30 days) of one event: how many were asked, how many answered."""

    days_after: int
    asked: int
    answered: int


@dataclass(frozen=True)
class OutcomeCount:
    type: str
    people: int  # distinct attendees who reported it
    connections: int  # distinct connections it was reported for


@dataclass(frozen=True)
class RoundFigures:
    days_after: int
    asked: int
    answered: int
    response_rate: float | None
    people_with_result: int  # answered in this round with at least one result type
    by_type: tuple[tuple[str, int], ...]  # (type, people) reported in this round


@dataclass(frozen=True)
class OutcomeFigures:
    by_type: tuple[OutcomeCount, ...]  # every type in OUTCOME_TYPES order
    people_reporting: int  # attendees who reported any outcome (incl. "nothing yet")
    people_with_result: int  # attendees who reported at least one result
    connections_with_result: int  # confirmed connections with at least one result
    results: int  # distinct (attendee, result type) pairs
    rounds: tuple[RoundFigures, ...] = field(default=())

    def count(self, type_: str) -> OutcomeCount:
        return next(c for c in self.by_type if c.type == type_)


def outcome_figures(
    outcomes: Sequence[ReportedOutcome], rounds: Sequence[RoundAnswers] = ()
) -> OutcomeFigures:
    people: dict[str, set[int]] = defaultdict(set)
    connections: dict[str, set[int]] = defaultdict(set)
    for o in outcomes:
        people[o.type].add(o.registration_id)
        if o.connection_id is not None:
            connections[o.type].add(o.connection_id)
    with_result = {o.registration_id for o in outcomes if o.type not in NOT_A_RESULT}
    conns_with_result = {
        o.connection_id
        for o in outcomes
        if o.type not in NOT_A_RESULT and o.connection_id is not None
    }
    round_figures = []
    for r in sorted(rounds, key=lambda r: r.days_after):
        in_round = [o for o in outcomes if o.days_after == r.days_after]
        per_type: dict[str, set[int]] = defaultdict(set)
        for o in in_round:
            per_type[o.type].add(o.registration_id)
        round_figures.append(
            RoundFigures(
                days_after=r.days_after,
                asked=r.asked,
                answered=r.answered,
                response_rate=_share(r.answered, r.asked),
                people_with_result=len(
                    {o.registration_id for o in in_round if o.type not in NOT_A_RESULT}
                ),
                by_type=tuple((t, len(per_type[t])) for t in OUTCOME_TYPES if per_type.get(t)),
            )
        )
    return OutcomeFigures(
        by_type=tuple(
            OutcomeCount(type=t, people=len(people[t]), connections=len(connections[t]))
            for t in OUTCOME_TYPES
        ),
        people_reporting=len({o.registration_id for o in outcomes}),
        people_with_result=len(with_result),
        connections_with_result=len(conns_with_result),
        results=sum(len(people[t]) for t in RESULT_TYPES),
        rounds=tuple(round_figures),
    )


# --------------------------------------------------------------------------- across events


@dataclass(frozen=True)
class Attendance:
    """One person attending one event, with the organization they came from then."""

    person_id: int
    event_id: int
    role: str
    organization_id: int | None = None
    organization_name: str | None = None
    organization_kind: str | None = None


@dataclass(frozen=True)
class OrganizationEngagement:
    organization_id: int
    name: str
    kind: str
    events: int
    people: int  # distinct persons
    attendances: int
    results: int  # distinct (attendee, result type) pairs its people reported

    @property
    def repeat(self) -> bool:
        return self.events >= 2


def organization_engagement(
    attendances: Sequence[Attendance], results_by_person_event: dict[tuple[int, int], int]
) -> list[OrganizationEngagement]:
    """Per organization: events attended, people, attendances and results; repeaters first.

    ``results_by_person_event`` maps (person, event) to that attendee's number of result types.
    """
    grouped: dict[int, list[Attendance]] = defaultdict(list)
    for a in attendances:
        if a.organization_id is not None:
            grouped[a.organization_id].append(a)
    rows = [
        OrganizationEngagement(
            organization_id=org_id,
            name=rows[0].organization_name or "",
            kind=rows[0].organization_kind or "other",
            events=len({a.event_id for a in rows}),
            people=len({a.person_id for a in rows}),
            attendances=len(rows),
            results=sum(results_by_person_event.get((a.person_id, a.event_id), 0) for a in rows),
        )
        for org_id, rows in grouped.items()
    ]
    return sorted(rows, key=lambda r: (-r.events, -r.attendances, -r.results, r.name.casefold()))


@dataclass(frozen=True)
class RepeatAttendance:
    people: int
    returning: int  # people who attended two or more of the events
    returning_share: float | None
    distribution: tuple[tuple[int, int], ...]  # (events attended, people), 1, 2, 3...
    by_role: tuple[tuple[str, int, int], ...]  # (role at last attendance, people, returning)


def repeat_attendance(attendances: Sequence[Attendance]) -> RepeatAttendance:
    """How many people came back, counted through their one identity across events."""
    events_of: dict[int, set[int]] = defaultdict(set)
    last_role: dict[int, str] = {}
    for a in sorted(attendances, key=lambda a: a.event_id):
        events_of[a.person_id].add(a.event_id)
        last_role[a.person_id] = a.role
    per_person = {p: len(ev) for p, ev in events_of.items()}
    returning = sum(1 for n in per_person.values() if n >= 2)
    distribution = Counter(per_person.values())
    roles: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for person, n in per_person.items():
        roles[last_role[person]][0] += 1
        roles[last_role[person]][1] += n >= 2
    return RepeatAttendance(
        people=len(per_person),
        returning=returning,
        returning_share=_share(returning, len(per_person)),
        distribution=tuple(sorted(distribution.items())),
        by_role=tuple((r, v[0], v[1]) for r, v in sorted(roles.items())),
    )


@dataclass(frozen=True)
class EventOutcomes:
    """Everything the event report's outcome section needs, as plain data."""

    event_id: int
    attendees: int
    feedback: FeedbackFigures
    connections: ConnectionFigures
    outcomes: OutcomeFigures
    quotes: tuple[Quote, ...] = ()
    improvements: tuple[str, ...] = ()
