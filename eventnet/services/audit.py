"""The audit log: who did what to which event or registration, and when.

`record` only adds an `AuditEntry` to the session: it is written in the same transaction as
the change it describes (the calling service commits), so the log never claims a change that
did not happen nor misses one that did.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import AuditEntry, OrganizerAccount, utcnow

ACTOR_KINDS = ("organizer", "attendee", "api", "system")


def _plain(value: Any) -> Any:
    """A JSON-friendly copy: enums by value, datetimes in ISO 8601, containers recursively."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def record(
    action: str,
    *,
    event_id: int | None,
    registration_id: int | None = None,
    actor: OrganizerAccount | int | None = None,
    actor_kind: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller commits).

    ``actor`` is an organizer (or its id) or None for the system or an attendee; ``actor_kind``
    defaults to "organizer" when an actor is given and "system" otherwise. For edits, pass only
    the changed fields in ``before``/``after`` (see `changes`).
    """
    actor_id = actor.id if isinstance(actor, OrganizerAccount) else actor
    kind = actor_kind or ("organizer" if actor_id is not None else "system")
    if kind not in ACTOR_KINDS:
        raise ValueError(f"unknown actor kind {kind!r}")
    entry = AuditEntry(
        action=action,
        event_id=event_id,
        registration_id=registration_id,
        actor_id=actor_id,
        actor_kind=kind,
        before=_plain(dict(before or {})),
        after=_plain(dict(after or {})),
        at=at or utcnow(),
    )
    db.session.add(entry)
    return entry


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    """The named attributes of ``obj`` as plain JSON-friendly values."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value changed, as (before, after) dicts ready for `record`."""
    keys = [k for k in after if _plain(before.get(k)) != _plain(after.get(k))]
    return {k: _plain(before.get(k)) for k in keys}, {k: _plain(after[k]) for k in keys}


def action_label(action: str) -> str:
    """A readable name for an action (the code itself when it has none yet)."""
    from flask_babel import gettext as _

    labels = {
        "event.created": _("Event created"),
        "event.updated": _("Settings changed"),
        "event.publish": _("Published"),
        "event.close": _("Registration closed"),
        "event.archive": _("Archived"),
        "event.unarchive": _("Restored from the archive"),
        "event.unpublish": _("Made a draft again"),
        "event.cloned": _("Created as a copy"),
        "event.cloned_to": _("Copied for next time"),
        "organizer.added": _("Organizer added"),
        "organizer.removed": _("Organizer removed"),
        "tag.added": _("Tag added"),
        "tag.renamed": _("Tag renamed"),
        "tag.merged": _("Tags merged"),
        "tag.deleted": _("Tag deleted"),
        "slots.added": _("Meeting slots added"),
        "slot.deleted": _("Meeting slot removed"),
        "tables.added": _("Tables added"),
        "table.renamed": _("Table renamed"),
        "table.deleted": _("Table removed"),
        "registration.checked_in": _("Checked in"),
        "registration.check_in_undone": _("Check-in undone"),
        "registration.updated": _("Attendee details edited"),
        "registration.notes": _("Organizer notes changed"),
        "registration.promoted_by_hand": _("Moved from the waiting list by hand"),
        "registration.cancelled": _("Registration cancelled by an organizer"),
        "registration.added": _("Attendee added by an organizer"),
        "registration.imported": _("Attendee imported"),
        "registration.walk_in": _("Walk-in registered at the desk"),
        "attendees.imported": _("Attendees imported"),
        "message.sent": _("Message sent"),
        "matching.run": _("Matching run"),
        "matching.published": _("Suggestions published"),
        "matching.unpublished": _("Suggestions hidden from attendees"),
        "matching.pin": _("Pair pinned"),
        "matching.block": _("Pair blocked"),
        "matching.override_removed": _("Pin or block removed"),
        "schedule.run": _("Schedule built"),
        "schedule.locked": _("Meetings locked"),
        "schedule.unlocked": _("Meetings unlocked"),
        "schedule.published": _("Agendas published"),
        "meeting.locked": _("Meeting locked"),
        "meeting.unlocked": _("Meeting unlocked"),
        "meeting.marked": _("Meeting marked held or no-show"),
        "meeting.cancelled": _("Meeting cancelled"),
        "event.retention_changed": _("Retention period changed"),
        "person.erased": _("Personal data erased"),
    }
    return labels.get(action, action)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    action: str
    actor_kind: str
    actor_name: str | None
    registration_id: int | None
    registration_name: str | None
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def label(self) -> str:
        return action_label(self.action)


def list_entries(
    event_id: int,
    *,
    registration_id: int | None = None,
    action: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[AuditRow], int]:
    """One page of an event's audit log (newest first) and the total number of entries."""
    from ..models import Registration

    where = [AuditEntry.event_id == event_id]
    if registration_id is not None:
        where.append(AuditEntry.registration_id == registration_id)
    if action:
        where.append(AuditEntry.action == action)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(*where))
    rows = db.session.execute(
        sa.select(AuditEntry, OrganizerAccount.name, OrganizerAccount.email, Registration.name)
        .outerjoin(OrganizerAccount, OrganizerAccount.id == AuditEntry.actor_id)
        .outerjoin(Registration, Registration.id == AuditEntry.registration_id)
        .where(*where)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    ).all()
    return [
        AuditRow(
            id=e.id,
            at=e.at,
            action=e.action,
            actor_kind=e.actor_kind,
            actor_name=(actor_name or actor_email),
            registration_id=e.registration_id,
            registration_name=reg_name,
            before=e.before or {},
            after=e.after or {},
        )
        for e, actor_name, actor_email, reg_name in rows
    ], int(total or 0)


def action_names(event_id: int) -> list[str]:
    """The distinct actions logged for an event, for the filter of the audit page."""
    return list(
        db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.event_id == event_id)
            .distinct()
            .order_by(AuditEntry.action)
        )
    )
