"""A realistic, deterministic demo world: same seed, same people, same events.

Dates are relative to today so the upcoming event stays upcoming; everything else comes from
``random.Random(seed)``. Later features extend `load_demo` so the demo always shows them.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    AttendeeRole,
    Event,
    EventOrganizer,
    EventStatus,
    Interest,
    Organization,
    OrganizationKind,
    OrganizerAccount,
    Person,
    Registration,
    RegistrationStatus,
    RegistrationTag,
    RoleQuota,
    TagKind,
)
from ..services.tokens import TICKET_ALPHABET, hash_token
from ..services.waitlist import plan_promotions
from . import data

DEMO_ORGANIZER_EMAIL = "organizer@eventnet.example"
DEMO_ORGANIZER_PASSWORD = "demo-organizer"  # noqa: S105 - printed for the local demo only
DEMO_COORDINATOR_EMAIL = "coordinator@eventnet.example"
HELSINKI = ZoneInfo("Europe/Helsinki")
ROLE_SHARE = (
    (AttendeeRole.STUDENT, 0.55),
    (AttendeeRole.EMPLOYER, 0.25),
    (AttendeeRole.STAFF, 0.2),
)


@dataclass
class DemoSummary:
    events: list[str] = field(default_factory=list)
    registrations: int = 0
    showcase_links: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"Demo loaded: {len(self.events)} events, {self.registrations} registrations."]
        lines += [f"  event: /events/{slug}" for slug in self.events]
        lines += [f"  attendee manage link: {link}" for link in self.showcase_links]
        return "\n".join(lines)


def database_is_empty() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def _local(day: datetime, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day.date(), time(hour, minute), HELSINKI).astimezone(UTC)


class _World:
    """Builds the demo with one random generator so the result depends on the seed only."""

    def __init__(self, seed: int, today: datetime) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - deterministic demo data
        self.today = today
        self.organizations: dict[str, Organization] = {}
        self.persons: dict[str, Person] = {}
        self.used_codes: set[str] = set()
        self.manage_tokens: dict[str, str] = {}  # "<slug>:<email>" -> manage token

    def organization(self, name: str, country: str, kind: OrganizationKind) -> Organization:
        key = Organization.key_for(name)
        if key not in self.organizations:
            org = db.session.scalar(sa.select(Organization).where(Organization.name_key == key))
            if org is None:
                org = Organization(name=name, name_key=key, country=country, kind=kind)
                db.session.add(org)
            self.organizations[key] = org
        return self.organizations[key]

    def token(self, purpose: str) -> str:
        return hashlib.sha256(f"{purpose}:{self.rng.random()}".encode()).hexdigest()[:43]

    def manage_token(self, slug: str, email: str) -> str:
        token = self.token(f"{slug}:{email}")
        self.manage_tokens[f"{slug}:{email}"] = token
        return token

    def ticket_code(self) -> str:
        while True:
            chars = "".join(self.rng.choice(TICKET_ALPHABET) for _ in range(8))
            code = f"{chars[:4]}-{chars[4:]}"
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def person(self, role: AttendeeRole) -> tuple[Person, Organization]:
        rng = self.rng
        attempt = 0
        while True:
            attempt += 1
            first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
            name = f"{first} {last}"
            local = "".join(
                ch for ch in f"{first}.{last}".lower() if ch.isascii() and ch not in " '"
            )
            if role == AttendeeRole.EMPLOYER:
                org_name, country = rng.choice(data.EMPLOYERS)
                kind = OrganizationKind.EMPLOYER
            else:
                org_name, country = rng.choice(data.UNIVERSITIES)
                kind = OrganizationKind.HIGHER_EDUCATION
            domain = "".join(ch for ch in org_name.lower() if ch.isascii() and ch.isalnum())[:20]
            suffix = str(attempt) if attempt > 10 else ""
            email = f"{local}{suffix}@{domain}.example"
            if email not in self.persons:
                break
        org = self.organization(org_name, country, kind)
        if role == AttendeeRole.STUDENT:
            country = rng.choice(data.STUDENT_COUNTRIES)
        person = db.session.scalar(sa.select(Person).where(Person.email == email))
        if person is None:
            person = Person(email=email, name=name, country=country, organization=org)
            db.session.add(person)
        self.persons[email] = person
        return person, org


def _event_interests(event: Event) -> dict[str, Interest]:
    interests = {}
    for category, labels in {**data.INTERESTS, **data.OPPORTUNITIES}.items():
        for label in labels:
            slug = "-".join(label.lower().split())
            interest = Interest(label=label, slug=slug, category=category)
            event.interests.append(interest)
            interests[label] = interest
    return interests


def _make_event(world: _World, *, slug: str, title: str, starts: datetime, past: bool) -> Event:
    ends = starts + timedelta(hours=5)
    event = Event(
        slug=slug,
        title=title,
        summary="International degree students, university staff and employers meet in "
        "short 1:1 meetings chosen for them.",
        description=(
            "Meet the people worth meeting. **International degree students**, "
            "**higher-education staff** and **employers** come together for an afternoon of "
            "short, well-prepared 1:1 meetings.\n\n"
            "When you register, tell us what you can *offer* and what you are *looking for*. "
            "eventnet suggests a few people you should really meet, and explains why.\n\n"
            "- Internships, thesis topics and summer jobs\n"
            "- Research collaboration and guest lectures\n"
            "- Mentoring for international talent\n"
        ),
        agenda=(
            "- **12:00** Doors open, coffee and check-in\n"
            "- **12:30** Welcome: why networking is about relationships\n"
            "- **13:00** 1:1 meetings, 15 minutes each\n"
            "- **15:30** Open networking and employer stands\n"
            "- **17:00** Close\n"
        ),
        translations={
            "fi": {
                "title": title.replace(
                    "International Talent Meets Employers", "Kansainväliset osaajat ja työnantajat"
                )
            },
            "sv": {
                "title": title.replace(
                    "International Talent Meets Employers",
                    "Internationella talanger möter arbetsgivare",
                )
            },
        },
        starts_at=starts,
        ends_at=ends,
        timezone="Europe/Helsinki",
        venue="Think Corner, University of Helsinki",
        address="Yliopistonkatu 4, 00100 Helsinki",
        status=EventStatus.CLOSED if past else EventStatus.PUBLISHED,
        registration_opens_at=starts - timedelta(days=45),
        registration_closes_at=starts - timedelta(days=1),
        double_opt_in=not past,
    )
    db.session.add(event)
    return event


def _register_all(
    world: _World,
    event: Event,
    n: int,
    quotas: dict[AttendeeRole, int],
    interests: dict[str, Interest],
    *,
    past: bool,
) -> list[Registration]:
    rng = world.rng
    topical = [label for labels in data.INTERESTS.values() for label in labels]
    opportunities = data.OPPORTUNITIES["Opportunities"]
    opened = event.registration_opens_at or event.starts_at
    confirmed_count = dict.fromkeys(AttendeeRole, 0)
    waitlist_count = dict.fromkeys(AttendeeRole, 0)
    registrations = []
    seen: set[int] = set()
    stamps = sorted(opened + timedelta(minutes=rng.randint(0, 60 * 24 * 40)) for _ in range(n))
    for created in stamps:
        role = rng.choices([r for r, _ in ROLE_SHARE], weights=[w for _, w in ROLE_SHARE])[0]
        person, org = world.person(role)
        if id(person) in seen:
            continue
        seen.add(id(person))
        reg = Registration(
            event=event,
            person=person,
            role=role,
            name=person.name,
            email=person.email,
            organization=org,
            country=person.country,
            created_at=created,
            privacy_policy_version="2026-01",
            consent_privacy_at=created,
            consent_profile_at=created if rng.random() < 0.9 else None,
            consent_photos_at=created if rng.random() < 0.7 else None,
            languages=sorted({"English", rng.choice(data.LANGUAGES)}),
            dietary_needs=rng.choice(data.DIETARY),
            ticket_code=world.ticket_code(),
            manage_token_hash=hash_token(world.manage_token(event.slug, person.email)),
            source="demo",
        )
        if role == AttendeeRole.STUDENT:
            programme, focus = rng.choice(data.DEGREE_PROGRAMMES)
            reg.degree_programme = programme
            reg.study_level = (
                "doctoral"
                if programme.startswith("Doctoral")
                else ("bachelor" if programme.startswith("Bachelor") else "master")
            )
            reg.graduation_year = event.starts_at.year + rng.randint(0, 2)
            chosen = set(focus) | set(rng.sample(topical, rng.randint(1, 2)))
            offers = set(rng.sample(["Student projects", "Research collaboration"], 1))
            seeks = set(
                rng.sample(
                    [
                        "Internships",
                        "Thesis topics",
                        "Summer jobs",
                        "Mentoring",
                        "Trainee programmes",
                    ],
                    rng.randint(1, 3),
                )
            )
        else:
            reg.job_title = rng.choice(
                data.EMPLOYER_TITLES if role == AttendeeRole.EMPLOYER else data.STAFF_TITLES
            )
            chosen = set(rng.sample(topical, rng.randint(2, 4)))
            if role == AttendeeRole.EMPLOYER:
                offers = set(
                    rng.sample(
                        [
                            "Internships",
                            "Thesis topics",
                            "Summer jobs",
                            "Trainee programmes",
                            "Mentoring",
                            "Company visits",
                        ],
                        rng.randint(2, 3),
                    )
                )
                seeks = set(
                    rng.sample(
                        [
                            "Recruitment",
                            "Research collaboration",
                            "Student projects",
                            "Guest lectures",
                        ],
                        rng.randint(1, 2),
                    )
                )
            else:
                offers = set(
                    rng.sample(
                        [
                            "Research collaboration",
                            "Student projects",
                            "Guest lectures",
                            "Thesis topics",
                        ],
                        rng.randint(1, 2),
                    )
                )
                seeks = set(
                    rng.sample(
                        [
                            "Industry contacts",
                            "Company visits",
                            "Guest lectures",
                            "Funding applications",
                            "Thesis topics",
                        ],
                        rng.randint(1, 2),
                    )
                )
        main_tag = sorted(chosen)[0]
        reg.offer_text = rng.choice(data.OFFER_SENTENCES[role.value]).format(
            tag=main_tag.lower(), lang=rng.choice(data.LANGUAGES[3:])
        )
        reg.seek_text = rng.choice(data.SEEK_SENTENCES[role.value]).format(tag=main_tag.lower())
        reg.goals = rng.choice(data.GOALS[role.value])
        for kind, labels in (
            (TagKind.INTEREST, chosen),
            (TagKind.OFFER, offers),
            (TagKind.SEEK, seeks),
        ):
            reg.tags.extend(
                RegistrationTag(interest=interests[label], kind=kind) for label in sorted(labels)
            )
        assert set(opportunities) >= offers | seeks
        # Capacity: confirmed within the quota, FIFO waiting list beyond it.
        if confirmed_count[role] < quotas[role]:
            confirmed_count[role] += 1
            reg.status = RegistrationStatus.CONFIRMED
            reg.confirmed_at = created + timedelta(minutes=rng.randint(1, 90))
        else:
            waitlist_count[role] += 1
            reg.status = RegistrationStatus.WAITLISTED
            reg.waitlist_position = waitlist_count[role]
            reg.waitlisted_at = created
        db.session.add(reg)
        registrations.append(reg)
    return registrations


def _cancel_some(world: _World, registrations: list[Registration], share: float) -> None:
    """Cancel a few confirmed registrations after the fact, as people do."""
    for reg in registrations:
        if reg.status == RegistrationStatus.CONFIRMED and world.rng.random() < share:
            reg.status = RegistrationStatus.CANCELLED
            reg.cancelled_at = (reg.confirmed_at or reg.created_at) + timedelta(days=3)
            reg.manage_token_hash = None


def _promote(
    registrations: list[Registration], quotas: dict[AttendeeRole, int], capacity: int
) -> None:
    """Fill places freed by cancellations from the waiting list: the same rule as the
    service (`eventnet.services.waitlist.plan_promotions`), applied in memory."""
    taken = dict.fromkeys(quotas, 0)
    for reg in registrations:
        if reg.status in (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING):
            taken[reg.role] += 1
    waiting = sorted(
        (r for r in registrations if r.status == RegistrationStatus.WAITLISTED),
        key=lambda r: (r.waitlisted_at or r.created_at, r.waitlist_position or 0),
    )
    chosen = plan_promotions(
        capacity, dict(quotas.items()), taken, [(r.ticket_code, r.role) for r in waiting]
    )
    promoted = set(chosen)
    counters = dict.fromkeys(quotas, 0)
    for reg in waiting:
        if reg.ticket_code in promoted:
            reg.status = RegistrationStatus.CONFIRMED
            reg.waitlist_position = None
            reg.promoted_at = reg.confirmed_at = (reg.waitlisted_at or reg.created_at) + timedelta(
                days=4
            )
        else:
            counters[reg.role] += 1
            reg.waitlist_position = counters[reg.role]


def _make_pending(
    world: _World, registrations: list[Registration], count: int, now: datetime
) -> None:
    """The newest few confirmed registrations have not clicked their confirmation link yet
    (their hold runs out a few hours from now, so `eventnet tick` releases them later)."""
    confirmed = [r for r in registrations if r.status == RegistrationStatus.CONFIRMED]
    for reg in confirmed[-count:]:
        reg.status = RegistrationStatus.PENDING
        reg.confirmed_at = None
        reg.pending_expires_at = now + timedelta(hours=world.rng.randint(2, 20))


DEMO_IMPROVE = (
    "More time for each meeting: 15 minutes went by very fast.",
    "A quieter room for the 1:1 meetings.",
    "Send the meeting schedule a few days earlier.",
    "More employers from the public sector.",
    "Name badges with larger text.",
    "A short session on how to follow up after the event.",
)
DEMO_COMMENTS = (
    "I met two companies that offered thesis topics in my field. Very well organized!",
    "The suggested people were surprisingly relevant, and the reasons helped me prepare.",
    "Great mix of students and employers; I recruited a summer trainee.",
    "Useful afternoon. I would like more researchers from other universities next time.",
    "The structured meetings made it easy to talk to people I would never have approached.",
)
DEMO_NOTES = {
    "still_in_touch": ("Meeting again next month.", "We talk every few weeks.", ""),
    "internship": ("Summer internship agreed.", "Interview scheduled."),
    "job": ("Offered a trainee position.", "Second interview next week."),
    "thesis": ("Master's thesis topic agreed.", "Co-supervising a master's thesis."),
    "project": ("Course project with real data.", "Student team starts in January."),
    "research_collaboration": ("Joint pilot study planned.", "Sharing data for a study."),
    "guest_lecture": ("Guest lecture in the spring term.",),
    "joint_application": ("Planning a joint funding application.",),
}


def _demo_follow_up(
    event: Event, registrations: list[Registration], seed: int, now: datetime
) -> None:
    """The past event's survey answers, confirmed connections and 1-month outcomes.

    Uses its own random generator so the rest of the demo stays the same whatever this adds.
    Connections pair checked-in attendees across roles, never within one organization.
    """
    from ..models import (
        Connection,
        FeedbackInvitation,
        FeedbackResponse,
        FollowUp,
        Outcome,
        OutcomeType,
        QuoteConsent,
    )
    from ..services import follow_ups as fu

    rng = random.Random(f"follow-up-demo-{seed}")  # noqa: S311 - deterministic demo data
    db.session.flush()  # registration ids, for ordered connection pairs
    came = [r for r in registrations if r.checked_in_at is not None]
    due = fu.survey_due_at(event)
    closes = fu.survey_closes_at(event)

    def token_hash(purpose: str, reg: Registration) -> str:
        return hash_token(f"demo-{purpose}-{seed}-{event.slug}-{reg.id}")

    for reg in came:
        db.session.add(
            FeedbackInvitation(
                event_id=event.id,
                registration_id=reg.id,
                token_hash=token_hash("survey", reg),
                sent_at=due,
                reminder_sent_at=closes - fu.SURVEY_REMINDER_BEFORE_CLOSE,
                created_at=event.ends_at,
            )
        )
        if rng.random() < 0.62:
            rating = rng.choices([2, 3, 4, 5], weights=[3, 15, 45, 37])[0]
            comment = rng.choice(DEMO_COMMENTS) if rng.random() < 0.35 else ""
            db.session.add(
                FeedbackResponse(
                    event_id=event.id,
                    registration_id=reg.id,
                    overall_rating=rating,
                    nps=max(0, min(10, rating * 2 + rng.randint(-2, 1))),
                    recommendations_useful=max(1, min(5, rating + rng.randint(-1, 0))),
                    improve=rng.choice(DEMO_IMPROVE) if rng.random() < 0.4 else "",
                    comment=comment,
                    quote_consent=rng.choice(list(QuoteConsent)) if comment else QuoteConsent.NONE,
                    submitted_at=due + timedelta(hours=rng.randint(1, 120)),
                    updated_at=due + timedelta(hours=rng.randint(121, 200)),
                )
            )

    # Plausible pairs: across roles, never two people of one organization.
    pairs: dict[tuple[int, int], Connection] = {}
    for reg in came:
        others = [
            o for o in came if o.role != reg.role and o.organization_id != reg.organization_id
        ]
        for other in rng.sample(others, min(len(others), rng.randint(0, 2))):
            first, second = sorted((reg.id, other.id))
            if (first, second) in pairs:
                continue
            met = event.ends_at - timedelta(minutes=rng.randint(10, 200))
            both = rng.random() < 0.75
            pairs[(first, second)] = Connection(
                event_id=event.id,
                first_id=first,
                second_id=second,
                created_at=met,
                first_confirmed_at=met + timedelta(days=rng.randint(0, 3)),
                second_confirmed_at=met + timedelta(days=rng.randint(1, 6)) if both else None,
            )
    db.session.add_all(pairs.values())
    db.session.flush()

    month = fu.follow_up_due_at(event, 30)
    if month > now:
        return
    by_reg: dict[int, list[Connection]] = {}
    for c in pairs.values():
        if c.first_confirmed_at and c.second_confirmed_at:
            by_reg.setdefault(c.first_id, []).append(c)
            by_reg.setdefault(c.second_id, []).append(c)
    roles = {r.id: r.role for r in came}
    for reg in came:
        answered = rng.random() < 0.48
        follow_up = FollowUp(
            event_id=event.id,
            registration_id=reg.id,
            days_after=30,
            due_at=month,
            token_hash=token_hash("follow-up-30", reg),
            sent_at=month,
            reminder_sent_at=None if answered else month + fu.FOLLOW_UP_REMINDER_AFTER,
            answered_at=month + timedelta(hours=rng.randint(2, 150)) if answered else None,
        )
        db.session.add(follow_up)
        if not answered:
            continue
        db.session.flush()
        reported = False
        for c in by_reg.get(reg.id, []):
            other_role = roles[c.second_id if c.first_id == reg.id else c.first_id]
            pair = {reg.role.value, other_role.value}
            likely = [OutcomeType.STILL_IN_TOUCH]
            if pair == {"student", "employer"}:
                likely += [OutcomeType.INTERNSHIP, OutcomeType.JOB, OutcomeType.THESIS]
            elif pair == {"student", "staff"}:
                likely += [OutcomeType.THESIS, OutcomeType.PROJECT]
            else:
                likely += [
                    OutcomeType.RESEARCH_COLLABORATION,
                    OutcomeType.GUEST_LECTURE,
                    OutcomeType.JOINT_APPLICATION,
                    OutcomeType.PROJECT,
                ]
            if rng.random() < 0.3:
                continue
            chosen = {OutcomeType.STILL_IN_TOUCH}
            if rng.random() < 0.45:
                chosen.add(rng.choice(likely[1:]))
            note = rng.choice(DEMO_NOTES[max(chosen, key=lambda t: t != "still_in_touch")])
            for kind in sorted(chosen):
                db.session.add(
                    Outcome(
                        event_id=event.id,
                        registration_id=reg.id,
                        connection_id=c.id,
                        follow_up_id=follow_up.id,
                        type=kind,
                        text=note,
                        reported_at=follow_up.answered_at,
                    )
                )
            reported = True
        if not reported:
            db.session.add(
                Outcome(
                    event_id=event.id,
                    registration_id=reg.id,
                    follow_up_id=follow_up.id,
                    type=OutcomeType.NOTHING_YET,
                    reported_at=follow_up.answered_at,
                )
            )


def _showcase_links(world: _World, slug: str, registrations: list[Registration]) -> list[str]:
    """Manage links of one confirmed and one wait-listed attendee, to try the portal."""
    from flask import current_app

    base = str(current_app.config.get("BASE_URL", "")).rstrip("/")
    links = []
    for status in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED):
        reg = next(
            (
                r
                for r in registrations
                if r.status == status
                and (r.role == AttendeeRole.STUDENT or status == RegistrationStatus.WAITLISTED)
                and r.consent_profile_at is not None
            ),
            None,
        )
        if reg is not None:
            token = world.manage_tokens[f"{slug}:{reg.email}"]
            links.append(f"{base}/r/{token} ({status.value}, {reg.name})")
    return links


def load_demo(attendees: int = 150, seed: int = 42, now: datetime | None = None) -> DemoSummary:
    """Create the demo organizer, an upcoming event and a past event; commit once."""
    now = now or datetime.now(UTC)
    today = now.astimezone(HELSINKI).replace(hour=0, minute=0, second=0, microsecond=0)
    world = _World(seed, today)
    summary = DemoSummary()

    organizer = db.session.scalar(
        sa.select(OrganizerAccount).where(OrganizerAccount.email == DEMO_ORGANIZER_EMAIL)
    )
    if organizer is None:
        organizer = OrganizerAccount(
            email=DEMO_ORGANIZER_EMAIL, name="Demo Organizer", is_admin=True, password_hash=""
        )
        organizer.set_password(DEMO_ORGANIZER_PASSWORD)
        db.session.add(organizer)
    coordinator = db.session.scalar(
        sa.select(OrganizerAccount).where(OrganizerAccount.email == DEMO_COORDINATOR_EMAIL)
    )
    if coordinator is None:
        coordinator = OrganizerAccount(
            email=DEMO_COORDINATOR_EMAIL, name="Sanna Coordinator", password_hash=""
        )
        coordinator.set_password(f"demo-coordinator-{seed}")
        db.session.add(coordinator)

    upcoming_day = today + timedelta(days=21)
    past_day = today - timedelta(days=60)
    specs = [
        (
            f"talent-meets-employers-{upcoming_day.year}-{seed}"
            if seed != 42
            else f"talent-meets-employers-{upcoming_day.year}",
            f"International Talent Meets Employers {upcoming_day.year}",
            upcoming_day,
            False,
            attendees,
        ),
        (
            f"nordic-networking-day-{past_day.year}-{seed}"
            if seed != 42
            else f"nordic-networking-day-{past_day.year}",
            f"Nordic Networking Day {past_day.year}",
            past_day,
            True,
            max(3, attendees * 4 // 5),
        ),
    ]
    for slug, title, day, past, n in specs:
        if db.session.scalar(sa.select(Event.id).where(Event.slug == slug)):
            continue
        event = _make_event(world, slug=slug, title=title, starts=_local(day, 12), past=past)
        quotas = {
            AttendeeRole.STUDENT: round(n * 0.52),
            AttendeeRole.EMPLOYER: round(n * 0.22),
            AttendeeRole.STAFF: round(n * 0.18),
        }
        event.capacity = sum(quotas.values())
        event.quotas = [RoleQuota(role=r, capacity=c) for r, c in quotas.items()]
        event.memberships = [
            EventOrganizer(organizer=organizer, is_owner=True),
            EventOrganizer(organizer=coordinator),
        ]
        interests = _event_interests(event)
        registrations = _register_all(world, event, n, quotas, interests, past=past)
        _cancel_some(world, registrations, 0.04)
        _promote(registrations, quotas, event.capacity)
        if past:
            for reg in registrations:
                if reg.status == RegistrationStatus.CONFIRMED and world.rng.random() < 0.82:
                    reg.checked_in_at = event.starts_at + timedelta(
                        minutes=world.rng.randint(-20, 90)
                    )
            _demo_follow_up(event, registrations, seed, now)
        else:
            _make_pending(world, registrations, 4, now)
            summary.showcase_links += _showcase_links(world, slug, registrations)
        from .admin import demo_organizer_activity

        demo_organizer_activity(
            db.session, event, registrations, organizer, coordinator, past=past, seed=seed
        )
        summary.events.append(slug)
        summary.registrations += len(registrations)
    db.session.commit()
    from .matching import load_matching_demo

    load_matching_demo(summary.events, seed=seed, now=now)
    return summary
