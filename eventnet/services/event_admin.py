"""Running an event's settings: create, edit, clone, publish/close/archive, quotas.

Every change is validated first (all problems at once, per field), then applied in one
transaction together with its audit entry. Quota changes run under the event lock, because
registrations count confirmed places under the same lock: lowering a quota below the places
already taken is refused with an explanation, raising one promotes the waiting list.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import (
    AttendeeRole,
    Event,
    EventOrganizer,
    EventStatus,
    Interest,
    MeetingSlot,
    MeetingTable,
    OrganizerAccount,
    Registration,
    RegistrationStatus,
    RoleQuota,
)
from . import DomainError, NotFound, audit

TRANSLATED_FIELDS = {"title": 200, "summary": 300, "description": 20000}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_CAPACITY = 100_000
# Places that count against a quota: confirmed ones and pending ones (held until they expire).
TAKEN_STATUSES = (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)


class InvalidInput(DomainError):
    """Input that breaks one or more rules; ``errors`` maps each field to its message."""

    status_code = 422

    def __init__(self, errors: Mapping[str, str]) -> None:
        first = next(iter(errors.items()))
        super().__init__(first[1], first[0])
        self.errors = dict(errors)


@dataclass
class EventData:
    """Everything an organizer sets on an event. Datetimes are aware (stored in UTC)."""

    slug: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str = "Europe/Helsinki"
    summary: str = ""
    description: str = ""
    agenda: str = ""
    venue: str = ""
    address: str = ""
    capacity: int = 100
    quotas: dict[str, int] = field(default_factory=dict)
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    double_opt_in: bool = False
    pending_hold_minutes: int = 60 * 24
    default_locale: str = "en"
    accent_color: str | None = None
    # {"fi": {"title": ..., "summary": ..., "description": ...}}: shown to visitors in that
    # language (empty fields fall back to the default language).
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_event(cls, event: Event) -> EventData:
        values = {f.name: getattr(event, f.name) for f in fields(cls) if f.name != "quotas"}
        values["quotas"] = {q.role.value: q.capacity for q in event.quotas}
        values["translations"] = {
            lang: dict(texts) for lang, texts in (event.translations or {}).items()
        }
        return cls(**values)


@dataclass(frozen=True)
class EventUpdate:
    event: Event
    promoted: int  # registrations moved from the waiting list because a quota went up
    capacity_full: bool = False  # a quota went up but the event's capacity held people back


# The fields an edit may change, compared for the audit log.
EVENT_FIELDS = tuple(f.name for f in fields(EventData) if f.name != "quotas")


def has_control_chars(text: str, *, multiline: bool = False) -> bool:
    """Invisible control characters (NUL and friends) that no field should store."""
    allowed = {"\n", "\r", "\t"} if multiline else {"\t"}
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in text)


def timezone_names() -> list[str]:
    return sorted(available_timezones() - {"localtime", "Factory"})


def local_to_utc(value: datetime | None, tz: str) -> datetime | None:
    """A naive wall-clock time in ``tz`` (what a form gives) as an aware UTC datetime."""
    if value is None:
        return None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)


def utc_to_local(value: datetime | None, tz: str) -> datetime | None:
    """An aware datetime as the naive wall-clock time in ``tz`` (what a form shows)."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def slugify(text: str, max_length: int = 80) -> str:
    slug = re.sub(r"[^\w]+", "-", text.casefold(), flags=re.UNICODE).strip("-_")
    slug = re.sub(r"[_-]+", "-", slug)
    return slug[:max_length].strip("-") or "tag"


def validate_event(data: EventData, *, event_id: int | None = None) -> dict[str, str]:
    """Every rule an event's settings must satisfy; field name -> message (empty if fine)."""
    errors: dict[str, str] = {}
    if not data.slug:
        errors["slug"] = _("Please give the event a web address.")
    elif len(data.slug) > 80 or not SLUG_RE.match(data.slug):
        errors["slug"] = _(
            "Use lower-case letters, digits and hyphens only, e.g. career-day-2027 "
            "(at most 80 characters)."
        )
    else:
        taken = db.session.scalar(
            sa.select(Event.id).where(Event.slug == data.slug, Event.id != (event_id or -1))
        )
        if taken:
            errors["slug"] = _("Another event already uses this web address.")
    if not data.title.strip():
        errors["title"] = _("Please give the event a title.")
    elif len(data.title) > 200:
        errors["title"] = _("The title can have at most 200 characters.")
    for name, limit in (("summary", 300), ("venue", 200), ("address", 300)):
        if len(getattr(data, name) or "") > limit:
            errors[name] = _("At most %(n)d characters.", n=limit)
    for name in ("title", "summary", "venue", "address", "description", "agenda"):
        multiline = name in ("description", "agenda")
        if name not in errors and has_control_chars(getattr(data, name) or "", multiline=multiline):
            errors[name] = _("Please remove invisible control characters.")
    try:
        ZoneInfo(data.timezone)
        if data.timezone not in available_timezones():
            raise ZoneInfoNotFoundError(data.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors["timezone"] = _("Choose a time zone from the list, e.g. Europe/Helsinki.")
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise ValueError("EventData needs aware datetimes")
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = _("The event must end after it starts.")
    if not 0 <= data.capacity <= MAX_CAPACITY:
        errors["capacity"] = _("The capacity must be between 0 and %(max)d.", max=MAX_CAPACITY)
    roles = {r.value for r in AttendeeRole}
    for role, n in data.quotas.items():
        key = f"quota_{role}"
        if role not in roles:
            errors["quotas"] = _("Unknown attendee role: %(role)s.", role=role)
        elif n < 0:
            errors[key] = _("A quota cannot be negative.")
        elif n > data.capacity:
            errors[key] = _(
                "This quota (%(quota)d) is above the event's capacity (%(capacity)d).",
                quota=n,
                capacity=data.capacity,
            )
    opens, closes = data.registration_opens_at, data.registration_closes_at
    if opens and closes and closes <= opens:
        errors["registration_closes_at"] = _("Registration must close after it opens.")
    elif closes and closes > data.ends_at:
        errors["registration_closes_at"] = _("Registration must close before the event ends.")
    if opens and opens >= data.ends_at and "registration_closes_at" not in errors:
        errors["registration_opens_at"] = _("Registration must open before the event ends.")
    if not 5 <= data.pending_hold_minutes <= 60 * 24 * 14:
        errors["pending_hold_minutes"] = _("Hold unconfirmed places between 5 minutes and 14 days.")
    if data.accent_color and not re.fullmatch(r"#[0-9a-fA-F]{6}", data.accent_color):
        errors["accent_color"] = _("Use a colour like #1f5fbf.")
    if not re.fullmatch(r"[a-z]{2}(_[A-Z]{2})?", data.default_locale or ""):
        errors["default_locale"] = _("Choose a language from the list.")
    for lang, texts in (data.translations or {}).items():
        for name, limit in TRANSLATED_FIELDS.items():
            text = (texts or {}).get(name) or ""
            key = f"{name}_{lang}"
            if len(text) > limit:
                errors[key] = _("At most %(n)d characters.", n=limit)
            elif has_control_chars(text, multiline=name == "description"):
                errors[key] = _("Please remove invisible control characters.")
    return errors


def _apply(event: Event, data: EventData) -> None:
    for name in EVENT_FIELDS:
        setattr(event, name, getattr(data, name))


def _unique_interest_slug(event: Event, label: str, taken: set[str] | None = None) -> str:
    taken = taken if taken is not None else {i.slug for i in event.interests}
    base = slugify(label)
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug, n = base[: 80 - len(suffix)] + suffix, n + 1
    taken.add(slug)
    return slug


def create_event(
    data: EventData,
    *,
    actor: OrganizerAccount,
    now: datetime,
    status: EventStatus = EventStatus.DRAFT,
    interests: list[str] | None = None,
    actor_kind: str = "organizer",
) -> Event:
    """Create an event owned by ``actor``; it starts as a draft unless told otherwise."""
    errors = validate_event(data)
    errors.update(_validate_labels(interests or []))
    if status == EventStatus.PUBLISHED:
        errors.update(_publishable(data))
    if errors:
        raise InvalidInput(errors)
    event = Event(status=status, created_at=now, updated_at=now)
    _apply(event, data)
    event.quotas = [
        RoleQuota(role=AttendeeRole(role), capacity=n) for role, n in sorted(data.quotas.items())
    ]
    taken: set[str] = set()
    for label in _dedupe_labels(interests or []):
        event.interests.append(
            Interest(label=label, slug=_unique_interest_slug(event, label, taken))
        )
    event.memberships = [EventOrganizer(organizer_id=actor.id, is_owner=True, added_at=now)]
    db.session.add(event)
    db.session.flush()
    audit.record(
        "event.created",
        event_id=event.id,
        actor=actor,
        actor_kind=actor_kind,
        after={**audit.snapshot(event, ("slug", "title", "status")), "quotas": data.quotas},
        at=now,
    )
    db.session.commit()
    return event


def _dedupe_labels(labels: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for label in labels:
        label = " ".join(label.split())
        if label and label.casefold() not in seen:
            seen.add(label.casefold())
            result.append(label)
    return result


def _validate_labels(labels: list[str]) -> dict[str, str]:
    for label in labels:
        if not isinstance(label, str) or not label.strip():
            return {"interests": _("An interest needs a label.")}
        if len(label.strip()) > 80:
            return {"interests": _("An interest label can have at most 80 characters.")}
        if has_control_chars(label):
            return {"interests": _("Please remove invisible control characters.")}
    if len(labels) > 300:
        return {"interests": _("At most 300 interests per event.")}
    return {}


def _publishable(data: EventData) -> dict[str, str]:
    if data.capacity <= 0 or not any(n > 0 for n in data.quotas.values()):
        return {"capacity": _("Before publishing, give at least one attendee role some places.")}
    return {}


def taken_places(event_id: int) -> dict[AttendeeRole, int]:
    """Confirmed and pending registrations per role: the places already given away."""
    counts = dict.fromkeys(AttendeeRole, 0)
    rows = db.session.execute(
        sa.select(Registration.role, sa.func.count())
        .where(Registration.event_id == event_id, Registration.status.in_(TAKEN_STATUSES))
        .group_by(Registration.role)
    )
    for role, n in rows:
        counts[role] = n
    return counts


def update_event(
    event_id: int,
    changes: Mapping[str, Any],
    *,
    actor: OrganizerAccount | None,
    now: datetime,
    actor_kind: str = "organizer",
) -> EventUpdate:
    """Change some settings of an event (``changes``: EventData fields, plus "interests").

    Runs under the event lock. Lowering a quota or the capacity below the places already
    taken is refused; raising a quota promotes the waiting list of that role.
    """
    from .outbox import deliver_after_commit
    from .waitlist import availability, expire_locked, load_locked_event, promote_locked

    event = load_locked_event(event_id)
    try:
        current = EventData.from_event(event)
        unknown = set(changes) - {f.name for f in fields(EventData)} - {"interests"}
        if unknown:
            raise ValueError(f"unknown event fields: {sorted(unknown)}")
        updates = {k: v for k, v in changes.items() if k != "interests"}
        if "quotas" in updates:
            updates["quotas"] = {**current.quotas, **dict(updates["quotas"])}
        data = replace(current, **updates)
        errors = validate_event(data, event_id=event.id)
        interests = changes.get("interests")
        if interests is not None:
            errors.update(_validate_labels(list(interests)))
        if event.status == EventStatus.PUBLISHED:
            errors.update(_publishable(data))
        errors.update(_check_quota_floor(event, current, data))
        if errors:
            raise InvalidInput(errors)
        before = {**audit.snapshot(event, EVENT_FIELDS), "quotas": current.quotas}
        _apply(event, data)
        raised_roles = _set_quotas(event, data.quotas)
        if interests is not None:
            before["interests"] = sorted(i.label for i in event.interests)
            _replace_interests(event, list(interests))
        after = {**audit.snapshot(event, EVENT_FIELDS), "quotas": data.quotas}
        if interests is not None:
            after["interests"] = sorted(i.label for i in event.interests)
        old, new = audit.changes(before, after)
        event.updated_at = now
        if old or new:
            audit.record(
                "event.updated",
                event_id=event.id,
                actor=actor,
                actor_kind=actor_kind,
                before=old,
                after=new,
                at=now,
            )
        db.session.flush()
        promoted = []
        capacity_full = False
        if raised_roles or data.capacity > current.capacity:
            expire_locked(event, now)
            promoted = promote_locked(event, now)
            info = availability(event, now)
            capacity_full = info.left == 0 and any(
                info.roles[r].waiting for r in raised_roles if r in info.roles
            )
    except (DomainError, ValueError):
        db.session.rollback()
        raise
    db.session.commit()
    deliver_after_commit(now)
    return EventUpdate(event=event, promoted=len(promoted), capacity_full=capacity_full)


def _check_quota_floor(event: Event, current: EventData, data: EventData) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.quotas == current.quotas and data.capacity >= current.capacity:
        return errors
    taken = taken_places(event.id)
    for role, n in data.quotas.items():
        role_taken = taken[AttendeeRole(role)]
        if n < current.quotas.get(role, 0) and n < role_taken:
            errors[f"quota_{role}"] = _(
                "%(taken)d places of this role are already confirmed or held for people "
                "confirming their e-mail, so the quota cannot go below %(taken)d. Cancel "
                "registrations first if you need fewer places.",
                taken=role_taken,
            )
    total_taken = sum(taken.values())
    if data.capacity < current.capacity and data.capacity < total_taken:
        errors["capacity"] = _(
            "%(taken)d places are already confirmed or held, so the capacity cannot go "
            "below %(taken)d.",
            taken=total_taken,
        )
    return errors


def _set_quotas(event: Event, quotas: Mapping[str, int]) -> list[AttendeeRole]:
    """Write the quotas; return the roles whose quota went up."""
    raised = []
    existing = {q.role: q for q in event.quotas}
    for role_name, n in quotas.items():
        role = AttendeeRole(role_name)
        quota = existing.get(role)
        if quota is None:
            event.quotas.append(RoleQuota(role=role, capacity=n))
            if n > 0:
                raised.append(role)
        elif quota.capacity != n:
            if n > quota.capacity:
                raised.append(role)
            quota.capacity = n
    return raised


def _replace_interests(event: Event, labels: list[str]) -> None:
    """Make the taxonomy exactly ``labels`` (by label, case-insensitively), keeping tag rows
    of interests that stay."""
    wanted = {label.casefold(): label for label in _dedupe_labels(labels)}
    for interest in list(event.interests):
        key = interest.label.casefold()
        if key in wanted:
            interest.label = wanted.pop(key)
        else:
            event.interests.remove(interest)
    taken = {i.slug for i in event.interests}
    for label in wanted.values():
        event.interests.append(
            Interest(label=label, slug=_unique_interest_slug(event, label, taken))
        )


# -- status -----------------------------------------------------------------------------

TRANSITIONS: dict[str, tuple[tuple[EventStatus, ...], EventStatus]] = {
    "publish": ((EventStatus.DRAFT, EventStatus.CLOSED), EventStatus.PUBLISHED),
    "close": ((EventStatus.PUBLISHED,), EventStatus.CLOSED),
    "archive": (
        (EventStatus.DRAFT, EventStatus.PUBLISHED, EventStatus.CLOSED),
        EventStatus.ARCHIVED,
    ),
    "unarchive": ((EventStatus.ARCHIVED,), EventStatus.CLOSED),
    "unpublish": ((EventStatus.PUBLISHED, EventStatus.CLOSED), EventStatus.DRAFT),
}


def allowed_transitions(event: Event) -> list[str]:
    return [name for name, (sources, _target) in TRANSITIONS.items() if event.status in sources]


def change_status(
    event_id: int,
    action: str,
    *,
    actor: OrganizerAccount | None,
    now: datetime,
    actor_kind: str = "organizer",
) -> Event:
    """Publish, close registration, archive, unarchive or unpublish an event."""
    if action not in TRANSITIONS:
        raise DomainError(_("Unknown action."))
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    sources, target = TRANSITIONS[action]
    if event.status not in sources:
        raise DomainError(
            _(
                "An event that is %(status)s cannot be changed this way.",
                status=status_label(event.status),
            )
        )
    if action == "unpublish" and db.session.scalar(
        sa.select(sa.func.count()).where(Registration.event_id == event.id)
    ):
        raise DomainError(
            _("People have registered already; close registration instead of unpublishing.")
        )
    if target == EventStatus.PUBLISHED:
        problems = _publishable(EventData.from_event(event))
        if event.ends_at <= now:
            problems["ends_at"] = _("This event is over; it cannot be published again.")
        if problems:
            raise InvalidInput(problems)
    before = event.status
    event.status = target
    event.updated_at = now
    audit.record(
        f"event.{action}",
        event_id=event.id,
        actor=actor,
        actor_kind=actor_kind,
        before={"status": before},
        after={"status": target},
        at=now,
    )
    db.session.commit()
    return event


def status_label(status: EventStatus) -> str:
    return {
        EventStatus.DRAFT: _("a draft"),
        EventStatus.PUBLISHED: _("published"),
        EventStatus.CLOSED: _("closed"),
        EventStatus.ARCHIVED: _("archived"),
    }[status]


# -- clone ------------------------------------------------------------------------------


def default_clone_start(event: Event) -> datetime:
    """The same weekday a year later (52 weeks), at the same local time."""
    return event.starts_at + timedelta(weeks=52)


def clone_event(
    event_id: int,
    *,
    slug: str,
    title: str,
    starts_at: datetime,
    actor: OrganizerAccount,
    now: datetime,
) -> Event:
    """A draft copy for next time: settings, quotas, taxonomy, slots, tables, organizers.

    Every date moves by the same amount as the start; registrations are not copied.
    """
    source = db.session.get(Event, event_id)
    if source is None:
        raise NotFound(_("This event does not exist."))
    shift = starts_at - source.starts_at
    data = EventData.from_event(source)
    data = replace(
        data,
        slug=slug,
        title=title,
        starts_at=source.starts_at + shift,
        ends_at=source.ends_at + shift,
        registration_opens_at=source.registration_opens_at and source.registration_opens_at + shift,
        registration_closes_at=(
            source.registration_closes_at and source.registration_closes_at + shift
        ),
    )
    errors = validate_event(data)
    if errors:
        raise InvalidInput(errors)
    clone = Event(
        status=EventStatus.DRAFT, cloned_from_id=source.id, created_at=now, updated_at=now
    )
    _apply(clone, data)
    for name in (
        "recommendations_k",
        "exposure_cap",
        "max_meetings_per_person",
        "matching_weights",
        "follow_up_days",
        "retention_months",
    ):
        value = getattr(source, name)
        setattr(clone, name, dict(value) if isinstance(value, dict) else value)
    clone.quotas = [RoleQuota(role=q.role, capacity=q.capacity) for q in source.quotas]
    clone.interests = [
        Interest(label=i.label, slug=i.slug, category=i.category) for i in source.interests
    ]
    clone.tables = [MeetingTable(label=t.label, position=t.position) for t in source.tables]
    clone.slots = [
        MeetingSlot(starts_at=s.starts_at + shift, ends_at=s.ends_at + shift) for s in source.slots
    ]
    members = {m.organizer_id: m.is_owner for m in source.memberships}
    members[actor.id] = True
    clone.memberships = [
        EventOrganizer(organizer_id=oid, is_owner=owner, added_at=now)
        for oid, owner in members.items()
    ]
    db.session.add(clone)
    db.session.flush()
    audit.record(
        "event.cloned",
        event_id=clone.id,
        actor=actor,
        after={"from": source.slug, "slug": clone.slug},
        at=now,
    )
    audit.record(
        "event.cloned_to", event_id=source.id, actor=actor, after={"slug": clone.slug}, at=now
    )
    db.session.commit()
    return clone


def suggest_clone(event: Event) -> tuple[str, str, datetime]:
    """A slug, title and start for the clone: years in them move on by one."""
    start = default_clone_start(event)
    old_year, new_year = str(event.starts_at.year), str(start.year)
    title = event.title.replace(old_year, new_year) if old_year in event.title else event.title
    slug = (
        event.slug.replace(old_year, new_year)
        if old_year in event.slug
        else f"{event.slug}-{new_year}"
    )
    base, n = slug, 2
    while db.session.scalar(sa.select(Event.id).where(Event.slug == slug)):
        slug, n = f"{base}-{n}", n + 1
    return slug, title, start


# -- co-organizers ----------------------------------------------------------------------


def add_organizer(event_id: int, email: str, *, actor: OrganizerAccount, now: datetime) -> None:
    account = db.session.scalar(
        sa.select(OrganizerAccount).where(OrganizerAccount.email == email.strip().lower())
    )
    if account is None or not account.active:
        raise DomainError(
            _("No organizer account has this e-mail. An administrator can create one."), "email"
        )
    exists = db.session.get(EventOrganizer, (event_id, account.id))
    if exists:
        raise DomainError(
            _("%(email)s already organizes this event.", email=account.email), "email"
        )
    db.session.add(EventOrganizer(event_id=event_id, organizer_id=account.id, added_at=now))
    audit.record(
        "organizer.added", event_id=event_id, actor=actor, after={"email": account.email}, at=now
    )
    db.session.commit()


def remove_organizer(
    event_id: int, organizer_id: int, *, actor: OrganizerAccount, now: datetime
) -> None:
    membership = db.session.get(EventOrganizer, (event_id, organizer_id))
    if membership is None:
        raise NotFound(_("This person does not organize this event."))
    members = db.session.scalars(
        sa.select(EventOrganizer).where(EventOrganizer.event_id == event_id)
    ).all()
    if len(members) == 1:
        raise DomainError(_("An event needs at least one organizer."))
    email = membership.organizer.email
    if membership.is_owner and sum(m.is_owner for m in members) == 1:
        for m in members:
            if m is not membership:
                m.is_owner = True  # hand ownership on rather than leave the event orphaned
                break
    db.session.delete(membership)
    audit.record(
        "organizer.removed", event_id=event_id, actor=actor, before={"email": email}, at=now
    )
    db.session.commit()


def organizers_of(event_id: int) -> list[tuple[OrganizerAccount, EventOrganizer]]:
    return list(
        db.session.execute(
            sa.select(OrganizerAccount, EventOrganizer)
            .join(EventOrganizer, EventOrganizer.organizer_id == OrganizerAccount.id)
            .where(EventOrganizer.event_id == event_id)
            .order_by(EventOrganizer.is_owner.desc(), OrganizerAccount.email)
        )
    )
