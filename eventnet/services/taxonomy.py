"""An event's interest taxonomy: add, rename, merge and delete tags.

Tags are what registrants pick as interests, offers and seeks, and what matching compares, so
merging moves every registrant's choice to the surviving tag instead of losing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import Event, Interest, OrganizerAccount, RegistrationTag
from . import DomainError, NotFound, audit
from .event_admin import _unique_interest_slug, has_control_chars


@dataclass(frozen=True)
class TagUsage:
    interest: Interest
    interest_count: int
    offer_count: int
    seek_count: int

    @property
    def total(self) -> int:
        return self.interest_count + self.offer_count + self.seek_count


def taxonomy_with_usage(event_id: int) -> list[TagUsage]:
    """Every tag of the event with how many registrations use it, in one grouped query."""
    interests = db.session.scalars(
        sa.select(Interest)
        .where(Interest.event_id == event_id)
        .order_by(Interest.category, Interest.label)
    ).all()
    counts: dict[tuple[int, str], int] = {}
    rows = db.session.execute(
        sa.select(RegistrationTag.interest_id, RegistrationTag.kind, sa.func.count())
        .join(Interest, Interest.id == RegistrationTag.interest_id)
        .where(Interest.event_id == event_id)
        .group_by(RegistrationTag.interest_id, RegistrationTag.kind)
    )
    for interest_id, kind, n in rows:
        counts[(interest_id, kind.value)] = n
    return [
        TagUsage(
            interest=i,
            interest_count=counts.get((i.id, "interest"), 0),
            offer_count=counts.get((i.id, "offer"), 0),
            seek_count=counts.get((i.id, "seek"), 0),
        )
        for i in interests
    ]


def _clean_label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise DomainError(_("A tag needs a label."), "label")
    if len(label) > 80:
        raise DomainError(_("A tag label can have at most 80 characters."), "label")
    if has_control_chars(label):
        raise DomainError(_("Please remove invisible control characters."), "label")
    return label


def _get(event_id: int, interest_id: int) -> Interest:
    interest = db.session.get(Interest, interest_id)
    if interest is None or interest.event_id != event_id:
        raise NotFound(_("This tag does not exist."))
    return interest


def _label_taken(event_id: int, label: str, except_id: int | None = None) -> bool:
    return (
        db.session.scalar(
            sa.select(Interest.id).where(
                Interest.event_id == event_id,
                sa.func.lower(Interest.label) == label.lower(),
                Interest.id != (except_id or -1),
            )
        )
        is not None
    )


def add_tag(
    event_id: int, label: str, *, category: str = "", actor: OrganizerAccount, now: datetime
) -> Interest:
    label = _clean_label(label)
    category = " ".join((category or "").split())[:80]
    if _label_taken(event_id, label):
        raise DomainError(_("The taxonomy already has a tag “%(label)s”.", label=label), "label")
    event = db.session.get(Event, event_id)
    assert event is not None
    interest = Interest(label=label, category=category, slug=_unique_interest_slug(event, label))
    event.interests.append(interest)
    db.session.flush()
    audit.record(
        "tag.added",
        event_id=event_id,
        actor=actor,
        after={"label": label, "category": category},
        at=now,
    )
    db.session.commit()
    return interest


def rename_tag(
    event_id: int,
    interest_id: int,
    label: str,
    *,
    category: str | None = None,
    actor: OrganizerAccount,
    now: datetime,
) -> Interest:
    """Change a tag's label (and category); its slug stays, so links and API clients keep it."""
    interest = _get(event_id, interest_id)
    label = _clean_label(label)
    if _label_taken(event_id, label, except_id=interest.id):
        raise DomainError(
            _("Another tag is called “%(label)s”; merge them instead.", label=label), "label"
        )
    before = {"label": interest.label, "category": interest.category}
    interest.label = label
    if category is not None:
        interest.category = " ".join(category.split())[:80]
    old, new = audit.changes(before, {"label": interest.label, "category": interest.category})
    if new:
        audit.record("tag.renamed", event_id=event_id, actor=actor, before=old, after=new, at=now)
    db.session.commit()
    return interest


def merge_tags(
    event_id: int, source_ids: list[int], target_id: int, *, actor: OrganizerAccount, now: datetime
) -> int:
    """Fold tags into ``target_id``: registrants keep their choice; returns tags moved."""
    target = _get(event_id, target_id)
    sources = [_get(event_id, i) for i in dict.fromkeys(source_ids) if i != target_id]
    if not sources:
        raise DomainError(_("Choose at least one other tag to merge into this one."), "sources")
    moved = 0
    for source in sources:
        tags = db.session.scalars(
            sa.select(RegistrationTag).where(RegistrationTag.interest_id == source.id)
        ).all()
        existing = {
            (reg_id, kind)
            for reg_id, kind in db.session.execute(
                sa.select(RegistrationTag.registration_id, RegistrationTag.kind).where(
                    RegistrationTag.interest_id == target.id
                )
            )
        }
        for tag in tags:
            key = (tag.registration_id, tag.kind)
            if key not in existing:
                db.session.add(
                    RegistrationTag(
                        registration_id=tag.registration_id, interest_id=target.id, kind=tag.kind
                    )
                )
                existing.add(key)
                moved += 1
            db.session.delete(tag)
        db.session.flush()
        db.session.delete(source)
    audit.record(
        "tag.merged",
        event_id=event_id,
        actor=actor,
        before={"labels": [s.label for s in sources]},
        after={"label": target.label, "moved": moved},
        at=now,
    )
    db.session.commit()
    return moved


def delete_tag(event_id: int, interest_id: int, *, actor: OrganizerAccount, now: datetime) -> None:
    """Remove a tag; registrants who chose it lose that choice (the page says how many)."""
    interest = _get(event_id, interest_id)
    audit.record(
        "tag.deleted", event_id=event_id, actor=actor, before={"label": interest.label}, at=now
    )
    db.session.delete(interest)
    db.session.commit()
