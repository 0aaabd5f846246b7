"""The room for 1:1 meetings: time slots and tables an event's meetings are placed into.

Organizers set them up here; the scheduler (matching) fills them. A slot or table that already
has meetings cannot be removed, so no scheduled meeting silently loses its place.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import Event, Meeting, MeetingSlot, MeetingStatus, MeetingTable, OrganizerAccount
from . import DomainError, NotFound, audit

MAX_SLOTS = 200
MAX_TABLES = 500


def add_slot_series(
    event_id: int,
    *,
    first_start: datetime,
    minutes: int,
    count: int,
    gap_minutes: int = 0,
    actor: OrganizerAccount,
    now: datetime,
) -> list[MeetingSlot]:
    """Add ``count`` slots of ``minutes`` each, ``gap_minutes`` apart, from ``first_start``."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    errors = {}
    if not 5 <= minutes <= 240:
        errors["minutes"] = _("A slot lasts between 5 and 240 minutes.")
    if not 1 <= count <= 50:
        errors["count"] = _("Add between 1 and 50 slots at a time.")
    if not 0 <= gap_minutes <= 120:
        errors["gap_minutes"] = _("The break between slots is 0 to 120 minutes.")
    if errors:
        from .event_admin import InvalidInput

        raise InvalidInput(errors)
    existing = list(event.slots)
    if len(existing) + count > MAX_SLOTS:
        raise DomainError(_("An event can have at most %(n)d slots.", n=MAX_SLOTS), "count")
    day_start = event.starts_at - timedelta(hours=12)
    day_end = event.ends_at + timedelta(hours=12)
    new = []
    start = first_start
    for _i in range(count):
        end = start + timedelta(minutes=minutes)
        if start < day_start or end > day_end:
            raise DomainError(
                _("Slots must fall within the event's day (it runs %(when)s).", when=_when(event)),
                "first_start",
            )
        for other in existing + new:
            if start < other.ends_at and other.starts_at < end:
                raise DomainError(
                    _("These slots would overlap existing slots; remove those first."),
                    "first_start",
                )
        new.append(MeetingSlot(event_id=event.id, starts_at=start, ends_at=end))
        start = end + timedelta(minutes=gap_minutes)
    db.session.add_all(new)
    audit.record(
        "slots.added",
        event_id=event.id,
        actor=actor,
        after={"count": count, "first": first_start, "minutes": minutes, "gap": gap_minutes},
        at=now,
    )
    db.session.commit()
    return new


def _when(event: Event) -> str:
    from ..i18n import format_in_zone

    return f"{format_in_zone(event.starts_at, event.timezone, 'short')} – " + format_in_zone(
        event.ends_at, event.timezone, "short"
    )


def _meetings_using(column: sa.ColumnElement[int], value: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Meeting)
            .where(column == value, Meeting.status != MeetingStatus.CANCELLED)
        )
        or 0
    )


def delete_slot(event_id: int, slot_id: int, *, actor: OrganizerAccount, now: datetime) -> None:
    slot = db.session.get(MeetingSlot, slot_id)
    if slot is None or slot.event_id != event_id:
        raise NotFound(_("This slot does not exist."))
    if n := _meetings_using(Meeting.slot_id, slot.id):
        raise DomainError(
            _("%(n)d meetings are scheduled in this slot; move or cancel them first.", n=n)
        )
    audit.record(
        "slot.deleted",
        event_id=event_id,
        actor=actor,
        before={"starts_at": slot.starts_at, "ends_at": slot.ends_at},
        at=now,
    )
    db.session.delete(slot)
    db.session.commit()


def add_tables(
    event_id: int, count: int, *, prefix: str, actor: OrganizerAccount, now: datetime
) -> list[MeetingTable]:
    """Add ``count`` tables numbered after the existing ones: "Table 7", "Table 8", ..."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    prefix = " ".join((prefix or "").split())[:30] or _("Table")
    if not 1 <= count <= 100:
        raise DomainError(_("Add between 1 and 100 tables at a time."), "count")
    existing = list(event.tables)
    if len(existing) + count > MAX_TABLES:
        raise DomainError(_("An event can have at most %(n)d tables.", n=MAX_TABLES), "count")
    labels = {t.label for t in existing}
    position = max((t.position for t in existing), default=0)
    number = 1
    new = []
    while len(new) < count:
        label = f"{prefix} {number}"
        number += 1
        if label in labels:
            continue
        position += 1
        labels.add(label)
        new.append(MeetingTable(event_id=event.id, label=label, position=position))
    db.session.add_all(new)
    audit.record(
        "tables.added",
        event_id=event.id,
        actor=actor,
        after={"labels": [t.label for t in new]},
        at=now,
    )
    db.session.commit()
    return new


def rename_table(
    event_id: int, table_id: int, label: str, *, actor: OrganizerAccount, now: datetime
) -> None:
    table = db.session.get(MeetingTable, table_id)
    if table is None or table.event_id != event_id:
        raise NotFound(_("This table does not exist."))
    label = " ".join((label or "").split())
    if not label or len(label) > 40:
        raise DomainError(_("A table label has 1 to 40 characters."), "label")
    clash = db.session.scalar(
        sa.select(MeetingTable.id).where(
            MeetingTable.event_id == event_id,
            MeetingTable.label == label,
            MeetingTable.id != table.id,
        )
    )
    if clash:
        raise DomainError(_("Another table is called “%(label)s”.", label=label), "label")
    audit.record(
        "table.renamed",
        event_id=event_id,
        actor=actor,
        before={"label": table.label},
        after={"label": label},
        at=now,
    )
    table.label = label
    db.session.commit()


def delete_table(event_id: int, table_id: int, *, actor: OrganizerAccount, now: datetime) -> None:
    table = db.session.get(MeetingTable, table_id)
    if table is None or table.event_id != event_id:
        raise NotFound(_("This table does not exist."))
    if n := _meetings_using(Meeting.table_id, table.id):
        raise DomainError(
            _("%(n)d meetings are scheduled at this table; move or cancel them first.", n=n)
        )
    audit.record(
        "table.deleted", event_id=event_id, actor=actor, before={"label": table.label}, at=now
    )
    db.session.delete(table)
    db.session.commit()
