"""The organizer's view of an event's registrations: find, filter, read, edit, annotate.

The list stays fast at thousands of registrations because the database does the work:
filtering, sorting and paging happen in SQL (backed by indexes on ``event_id`` with
``status/role``, ``created_at`` and ``name``), the counts per status come from one GROUP BY,
and a page costs a fixed number of queries whatever its size (tests count them).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import (
    AttendeeRole,
    AuditEntry,
    Interest,
    Organization,
    OrganizerAccount,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    RegistrationTag,
    TagKind,
)
from . import DomainError, NotFound, audit

PER_PAGE_CHOICES = (25, 50, 100, 200)
CONSENT_FILTERS = ("profile", "no_profile", "photos", "no_photos")
TICKET_RE = re.compile(r"^[A-Za-z0-9]{4}-?[A-Za-z0-9]{4}$")


def _sort_columns() -> dict[str, Any]:
    return {
        "created": Registration.created_at,
        "name": sa.func.lower(Registration.name),
        "email": Registration.email,
        "organization": sa.func.lower(Organization.name),
        "role": Registration.role,
        "status": Registration.status,
        "checked_in": Registration.checked_in_at,
    }


NULLABLE_SORTS = ("organization", "checked_in")


def ordering(sort: str, descending: bool) -> list[Any]:
    """ORDER BY for a sort key: empty values last in both directions and on every backend
    (SQLite puts NULL first, PostgreSQL last), then the id so pages never overlap."""
    column = _sort_columns()[sort]
    order: list[Any] = []
    if sort in NULLABLE_SORTS:
        order.append(column.is_(None))
    order.append(column.desc() if descending else column.asc())
    order.append(Registration.id.desc() if descending else Registration.id.asc())
    return order


SORT_KEYS = ("created", "name", "email", "organization", "role", "status", "checked_in")


@dataclass
class AttendeeQuery:
    """What the organizer asked for: search text, filters, sort order and page."""

    q: str = ""
    role: AttendeeRole | None = None
    status: RegistrationStatus | None = None
    interest_id: int | None = None
    checked_in: bool | None = None
    consent: str | None = None
    sort: str = "created"
    descending: bool = True
    page: int = 1
    per_page: int = 50

    def __post_init__(self) -> None:
        if self.sort not in SORT_KEYS:
            self.sort = "created"
        if self.per_page not in PER_PAGE_CHOICES:
            self.per_page = 50
        if self.consent not in CONSENT_FILTERS:
            self.consent = None
        self.page = max(1, self.page)
        self.q = clean_search(self.q)

    @classmethod
    def from_args(cls, args: Any) -> AttendeeQuery:
        """Parse query-string arguments; anything unknown or malformed is ignored."""

        def enum_or_none(enum_cls: Any, value: str | None) -> Any:
            try:
                return enum_cls(value) if value else None
            except ValueError:
                return None

        def int_or(value: str | None, default: int | None) -> int | None:
            try:
                return int(value) if value not in (None, "") else default
            except (TypeError, ValueError):
                return default

        checked = args.get("checked_in")
        return cls(
            q=args.get("q", ""),
            role=enum_or_none(AttendeeRole, args.get("role")),
            status=enum_or_none(RegistrationStatus, args.get("status")),
            interest_id=int_or(args.get("interest"), None),
            checked_in={"yes": True, "no": False}.get(checked or ""),
            consent=args.get("consent") or None,
            sort=args.get("sort", "created"),
            descending=args.get("dir", "desc" if args.get("sort") in (None, "created") else "asc")
            == "desc",
            page=int_or(args.get("page"), 1) or 1,
            per_page=int_or(args.get("per_page"), 50) or 50,
        )

    def to_args(self, **overrides: Any) -> dict[str, Any]:
        """Query-string arguments for links (pagination, sorting) and exports."""
        values: dict[str, Any] = {
            "q": self.q or None,
            "role": self.role.value if self.role else None,
            "status": self.status.value if self.status else None,
            "interest": self.interest_id,
            "checked_in": {True: "yes", False: "no"}.get(self.checked_in),  # type: ignore[arg-type]
            "consent": self.consent,
            "sort": self.sort if self.sort != "created" else None,
            "dir": None
            if self.descending == (self.sort == "created")
            else ("desc" if self.descending else "asc"),
            "page": self.page if self.page > 1 else None,
            "per_page": self.per_page if self.per_page != 50 else None,
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v is not None}

    @property
    def filtered(self) -> bool:
        return bool(
            self.q
            or self.role
            or self.status
            or self.interest_id
            or self.checked_in is not None
            or self.consent
        )


def clean_search(text: str | None, limit: int = 100) -> str:
    """Search text without control characters, whitespace folded."""
    text = "".join(ch for ch in (text or "") if ch.isprintable() or ch == " ")
    return " ".join(text.split())[:limit]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_conditions(
    event_id: int, query: AttendeeQuery, *, with_status: bool = True
) -> list[sa.ColumnElement[bool]]:
    """SQL conditions for the query (the caller outer-joins Organization)."""
    where: list[sa.ColumnElement[bool]] = [Registration.event_id == event_id]
    if query.q:
        pattern = f"%{_escape_like(query.q.lower())}%"
        match = [
            sa.func.lower(Registration.name).like(pattern, escape="\\"),
            Registration.email.like(pattern, escape="\\"),
            sa.func.lower(Organization.name).like(pattern, escape="\\"),
        ]
        if TICKET_RE.match(query.q):
            code = query.q.upper().replace("-", "")
            match.append(Registration.ticket_code == f"{code[:4]}-{code[4:]}")
        where.append(sa.or_(*match))
    if query.role:
        where.append(Registration.role == query.role)
    if with_status and query.status:
        where.append(Registration.status == query.status)
    if query.interest_id:
        where.append(
            sa.exists().where(
                RegistrationTag.registration_id == Registration.id,
                RegistrationTag.interest_id == query.interest_id,
            )
        )
    if query.checked_in is True:
        where.append(Registration.checked_in_at.is_not(None))
    elif query.checked_in is False:
        where.append(Registration.checked_in_at.is_(None))
    if query.consent == "profile":
        where.append(Registration.consent_profile_at.is_not(None))
    elif query.consent == "no_profile":
        where.append(Registration.consent_profile_at.is_(None))
    elif query.consent == "photos":
        where.append(Registration.consent_photos_at.is_not(None))
    elif query.consent == "no_photos":
        where.append(Registration.consent_photos_at.is_(None))
    return where


@dataclass(frozen=True)
class AttendeeRow:
    id: int
    name: str
    email: str
    organization: str
    role: AttendeeRole
    status: RegistrationStatus
    waitlist_position: int | None
    created_at: datetime
    checked_in_at: datetime | None
    ticket_code: str
    source: str
    has_notes: bool


@dataclass
class AttendeePage:
    rows: list[AttendeeRow]
    total: int  # matching the whole query
    status_counts: dict[RegistrationStatus, int]  # matching the query except its status filter
    query: AttendeeQuery
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / self.query.per_page))

    @property
    def all_statuses_total(self) -> int:
        return sum(self.status_counts.values())


ROW_COLUMNS = (
    Registration.id,
    Registration.name,
    Registration.email,
    Organization.name,
    Registration.role,
    Registration.status,
    Registration.waitlist_position,
    Registration.created_at,
    Registration.checked_in_at,
    Registration.ticket_code,
    Registration.source,
    Registration.organizer_notes != "",
)


def list_attendees(event_id: int, query: AttendeeQuery) -> AttendeePage:
    """One page of registrations with counts: two queries, whatever the page size."""
    counts = dict.fromkeys(RegistrationStatus, 0)
    count_rows = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .select_from(Registration)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(*filter_conditions(event_id, query, with_status=False))
        .group_by(Registration.status)
    )
    for status, n in count_rows:
        counts[status] = n
    total = counts[query.status] if query.status else sum(counts.values())
    pages = max(1, math.ceil(total / query.per_page))
    if query.page > pages:
        query.page = pages
    rows = db.session.execute(
        sa.select(*ROW_COLUMNS)
        .select_from(Registration)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(*filter_conditions(event_id, query))
        .order_by(*ordering(query.sort, query.descending))
        .limit(query.per_page)
        .offset((query.page - 1) * query.per_page)
    ).all()
    return AttendeePage(
        rows=[AttendeeRow(*(r[:3]), r[3] or "", *(r[4:])) for r in rows],
        total=total,
        status_counts=counts,
        query=query,
    )


def role_counts(event_id: int) -> dict[AttendeeRole, dict[RegistrationStatus, int]]:
    """Registrations per role and status (one GROUP BY)."""
    counts: dict[AttendeeRole, dict[RegistrationStatus, int]] = {
        role: dict.fromkeys(RegistrationStatus, 0) for role in AttendeeRole
    }
    for role, status, n in db.session.execute(
        sa.select(Registration.role, Registration.status, sa.func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.role, Registration.status)
    ):
        counts[role][status] = n
    return counts


# -- one registration ------------------------------------------------------------------


def get_registration(event_id: int, registration_id: int) -> Registration:
    reg = db.session.get(Registration, registration_id)
    if reg is None or reg.event_id != event_id:
        raise NotFound(_("This registration does not exist."))
    return reg


def get_by_ticket(event_id: int, ticket_code: str) -> Registration:
    code = (ticket_code or "").strip().upper().replace(" ", "")
    if len(code) == 8:
        code = f"{code[:4]}-{code[4:]}"
    reg = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event_id, Registration.ticket_code == code
        )
    )
    if reg is None:
        raise NotFound(_("No ticket with this code for this event."))
    return reg


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    kind: str  # "registered", "confirmed", ..., "audit", "mail"
    label: str
    actor: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def history(reg: Registration) -> list[HistoryItem]:
    """What happened to this registration, oldest first: its milestones, organizer actions
    from the audit log and the e-mails queued for it (with their delivery status)."""
    items: list[HistoryItem] = [HistoryItem(reg.created_at, "registered", _("Registered"))]
    milestones = (
        (reg.waitlisted_at, "waitlisted", _("Put on the waiting list")),
        (reg.promoted_at, "promoted", _("Promoted from the waiting list")),
        (reg.confirmed_at, "confirmed", _("Confirmed")),
        (reg.cancelled_at, "cancelled", _("Cancelled")),
    )
    items += [HistoryItem(at, kind, label) for at, kind, label in milestones if at]
    if reg.checked_in_at:
        items.append(HistoryItem(reg.checked_in_at, "checked_in", _("Checked in")))
    logged = db.session.execute(
        sa.select(AuditEntry, OrganizerAccount.name, OrganizerAccount.email)
        .outerjoin(OrganizerAccount, OrganizerAccount.id == AuditEntry.actor_id)
        .where(AuditEntry.registration_id == reg.id)
    ).all()
    for entry, name, email in logged:
        items.append(
            HistoryItem(
                entry.at,
                "audit",
                audit.action_label(entry.action),
                actor=name
                or email
                or (_("the attendee") if entry.actor_kind == "attendee" else None),
                details={"before": entry.before or {}, "after": entry.after or {}},
            )
        )
    mails = db.session.execute(
        sa.select(
            OutboxMessage.created_at,
            OutboxMessage.subject,
            OutboxMessage.status,
            OutboxMessage.kind,
            OutboxMessage.sent_at,
        ).where(OutboxMessage.registration_id == reg.id)
    ).all()
    for created, subject, status, kind, sent_at in mails:
        items.append(
            HistoryItem(
                created,
                "mail",
                _("E-mail: %(subject)s", subject=subject or kind),  # empty until written
                details={"status": status.value, "kind": kind, "sent_at": sent_at},
            )
        )
    return sorted(items, key=lambda i: i.at)


def tags_by_kind(reg: Registration) -> dict[TagKind, list[str]]:
    result: dict[TagKind, list[str]] = defaultdict(list)
    for tag in reg.tags:
        result[tag.kind].append(tag.interest.label)
    return {kind: sorted(result[kind]) for kind in TagKind}


# -- edits --------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "name",
    "job_title",
    "degree_programme",
    "study_level",
    "graduation_year",
    "country",
    "offer_text",
    "seek_text",
    "goals",
    "dietary_needs",
    "accessibility_needs",
)
FIELD_LIMITS = {
    "name": 200,
    "job_title": 200,
    "degree_programme": 200,
    "study_level": 32,
    "offer_text": 500,
    "seek_text": 500,
    "goals": 1000,
    "dietary_needs": 300,
    "accessibility_needs": 300,
}


def _organization_for(name: str) -> Organization | None:
    name = " ".join((name or "").split())
    if not name:
        return None
    key = Organization.key_for(name)
    org = db.session.scalar(sa.select(Organization).where(Organization.name_key == key))
    if org is None:
        org = Organization(name=name[:200], name_key=key[:200])
        db.session.add(org)
    return org


def update_registration(
    event_id: int,
    registration_id: int,
    values: dict[str, Any],
    *,
    organization: str | None = None,
    tags: dict[TagKind, list[int]] | None = None,
    actor: OrganizerAccount,
    now: datetime,
) -> Registration:
    """An organizer corrects what a registrant told us (not their role, status or e-mail)."""
    reg = get_registration(event_id, registration_id)
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key, value in values.items():
        if key not in EDITABLE_FIELDS:
            raise ValueError(f"not editable: {key}")
        if isinstance(value, str):
            value = value.strip()
            if len(value) > FIELD_LIMITS.get(key, 200):
                errors[key] = _("At most %(n)d characters.", n=FIELD_LIMITS.get(key, 200))
        clean[key] = value
    if "name" in clean and not clean["name"]:
        errors["name"] = _("Please give a name.")
    if "country" in clean:
        clean["country"] = str(clean["country"] or "").upper() or None
        if clean["country"] and not re.fullmatch(r"[A-Z]{2}", clean["country"]):
            errors["country"] = _("Use a two-letter country code such as FI.")
    year = clean.get("graduation_year")
    if year is not None and not 1950 <= int(year) <= 2100:
        errors["graduation_year"] = _("Give a year such as 2028.")
    if errors:
        from .event_admin import InvalidInput

        raise InvalidInput(errors)
    before = audit.snapshot(reg, clean.keys())
    for key, value in clean.items():
        setattr(reg, key, value)
    after = audit.snapshot(reg, clean.keys())
    if organization is not None:
        before["organization"] = reg.organization.name if reg.organization else ""
        reg.organization = _organization_for(organization)
        after["organization"] = reg.organization.name if reg.organization else ""
    if tags is not None:
        before_tags = {k.value: v for k, v in tags_by_kind(reg).items()}
        _set_tags(reg, tags)
        db.session.flush()
        db.session.expire(reg, ["tags"])
        after_tags = {k.value: v for k, v in tags_by_kind(reg).items()}
        before["tags"], after["tags"] = before_tags, after_tags
    old, new = audit.changes(before, after)
    if new:
        reg.updated_at = now
        audit.record(
            "registration.updated",
            event_id=event_id,
            registration_id=reg.id,
            actor=actor,
            before=old,
            after=new,
            at=now,
        )
    db.session.commit()
    return reg


def _set_tags(reg: Registration, tags: dict[TagKind, list[int]]) -> None:
    valid = set(db.session.scalars(sa.select(Interest.id).where(Interest.event_id == reg.event_id)))
    wanted = {(iid, kind) for kind, ids in tags.items() for iid in ids if iid in valid}
    for tag in list(reg.tags):
        if tag.kind in tags and (tag.interest_id, tag.kind) not in wanted:
            reg.tags.remove(tag)
    have = {(t.interest_id, t.kind) for t in reg.tags}
    for iid, kind in sorted(wanted - have):
        reg.tags.append(RegistrationTag(interest_id=iid, kind=kind))


def set_notes(
    event_id: int, registration_id: int, notes: str, *, actor: OrganizerAccount, now: datetime
) -> Registration:
    """Private organizer notes: never shown to the attendee nor exported to them."""
    reg = get_registration(event_id, registration_id)
    notes = (notes or "").strip()
    if len(notes) > 5000:
        raise DomainError(_("Notes can have at most 5,000 characters."), "notes")
    if notes != reg.organizer_notes:
        audit.record(
            "registration.notes",
            event_id=event_id,
            registration_id=reg.id,
            actor=actor,
            before={"notes": reg.organizer_notes},
            after={"notes": notes},
            at=now,
        )
        reg.organizer_notes = notes
        reg.updated_at = now
    db.session.commit()
    return reg


# -- places: add, move off the waiting list, cancel ---------------------------------------


@dataclass(frozen=True)
class AddResult:
    registration_id: int
    status: RegistrationStatus
    waitlist_position: int | None


def active_registration_for(event_id: int, email: str) -> Registration | None:
    from ..models import ACTIVE_STATUSES

    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event_id,
            Registration.email == (email or "").strip().lower(),
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )


def add_attendee(
    event_id: int,
    data: Any,
    *,
    actor: OrganizerAccount,
    now: datetime,
    source: str = "organizer",
    notify: bool = True,
) -> AddResult:
    """An organizer registers someone (manual add or walk-in at the desk).

    Same rules as the public form (places, waiting list, validation) except the registration
    window; ``data`` is a `RegistrationInput`. An address already registered is refused
    with a message that names the existing registration (organizers may see it).
    """
    from .registration import register

    existing = active_registration_for(event_id, str(data.email or ""))
    if existing is not None:
        raise DomainError(
            _(
                "%(email)s is already registered (%(name)s).",
                email=existing.email,
                name=existing.name,
            ),
            "email",
            registration_id=existing.id,
        )

    def log(reg: Registration) -> None:
        audit.record(
            "registration.walk_in" if source == "desk" else "registration.added",
            event_id=event_id,
            registration_id=reg.id,
            actor=actor,
            after={"status": reg.status, "role": reg.role, "notified": notify},
            at=now,
        )

    outcome = register(
        event_id,
        data,
        now,
        source=source,
        notify=notify,
        ignore_window=True,
        on_registered=log,
    )
    if outcome.registration_id is None:  # registered concurrently a moment ago
        raise DomainError(_("This person is already registered."), "email")
    return AddResult(outcome.registration_id, outcome.status, outcome.waitlist_position)


def promote_by_hand(
    event_id: int,
    registration_id: int,
    *,
    actor: OrganizerAccount,
    now: datetime,
    over_quota: bool = False,
) -> Registration:
    """Give a wait-listed person a confirmed place now, out of queue order (logged).

    Places free up automatically for the first in line, so a full role is the usual case:
    then the organizer must say explicitly that the quota may be exceeded.
    """
    from .notifications import queue_promotion_mail
    from .outbox import deliver_after_commit
    from .tickets import rotate_token
    from .waitlist import availability, load_locked_event, renumber_waitlist

    event = load_locked_event(event_id)
    try:
        reg = db.session.get(Registration, registration_id, populate_existing=True)
        if reg is None or reg.event_id != event_id:
            raise NotFound(_("This registration does not exist."))
        if reg.status != RegistrationStatus.WAITLISTED:
            raise DomainError(_("%(name)s is not on the waiting list.", name=reg.name))
        info = availability(event, now).roles.get(reg.role)
        full = info is None or info.left <= 0
        if full and not over_quota:
            raise DomainError(
                _(
                    "All %(quota)s places of this role are taken. Tick “Confirm even though "
                    "the role's quota is full” to go over the quota, or raise the quota in "
                    "the event's settings (which promotes the first in line).",
                    quota=info.quota if info and info.quota is not None else event.capacity,
                ),
                "over_quota",
            )
    except DomainError:
        db.session.rollback()
        raise
    before = {"status": reg.status, "waitlist_position": reg.waitlist_position}
    reg.status = RegistrationStatus.CONFIRMED
    reg.waitlist_position = None
    reg.promoted_at = reg.confirmed_at = now
    reg.updated_at = now
    db.session.flush()
    queue_promotion_mail(reg, rotate_token(reg), now)
    renumber_waitlist(event.id)
    audit.record(
        "registration.promoted_by_hand",
        event_id=event_id,
        registration_id=reg.id,
        actor=actor,
        before=before,
        after={"status": reg.status, "over_quota": bool(full)},
        at=now,
    )
    db.session.commit()
    deliver_after_commit(now)
    return reg


def cancel_by_organizer(
    event_id: int,
    registration_id: int,
    *,
    actor: OrganizerAccount,
    now: datetime,
    notify: bool = True,
) -> list[int]:
    """Cancel a registration (its place goes to the waiting list); returns promoted ids."""
    from .notifications import queue_status_mail
    from .outbox import deliver_after_commit
    from .waitlist import expire_locked, load_locked_event, promote_locked, renumber_waitlist

    event = load_locked_event(event_id)
    reg = db.session.get(Registration, registration_id, populate_existing=True)
    if reg is None or reg.event_id != event_id:
        db.session.rollback()
        raise NotFound(_("This registration does not exist."))
    if reg.status == RegistrationStatus.CANCELLED:
        db.session.rollback()
        return []
    before = {"status": reg.status, "waitlist_position": reg.waitlist_position}
    reg.status = RegistrationStatus.CANCELLED
    reg.cancelled_at = now
    reg.waitlist_position = None
    reg.updated_at = now
    if notify:
        queue_status_mail(reg, "cancelled", now)
    db.session.flush()
    expire_locked(event, now)
    promoted = promote_locked(event, now)
    renumber_waitlist(event.id)
    audit.record(
        "registration.cancelled",
        event_id=event_id,
        registration_id=reg.id,
        actor=actor,
        before=before,
        after={"status": reg.status, "promoted": [r.id for r, _t in promoted]},
        at=now,
    )
    db.session.commit()
    deliver_after_commit(now)
    return [r.id for r, _t in promoted]
