"""Organizer accounts: creation, authentication, and which events an organizer may run."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Event, EventOrganizer, OrganizerAccount, utcnow
from . import DomainError

MIN_PASSWORD_LENGTH = 10
# Checked against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def create_organizer(email: str, password: str, *, name: str = "", admin: bool = False) -> int:
    """Create an organizer account and return its id."""
    email = email.strip().lower()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), "password"
        )
    exists = db.session.scalar(
        sa.select(OrganizerAccount.id).where(OrganizerAccount.email == email)
    )
    if exists:
        raise DomainError(_("An organizer with this e-mail already exists."), "email")
    account = OrganizerAccount(email=email, name=name, is_admin=admin, password_hash="")
    account.set_password(password)
    db.session.add(account)
    db.session.commit()
    return account.id


def authenticate(email: str, password: str) -> OrganizerAccount | None:
    """The account for these credentials, or None; timing does not reveal which part failed."""
    email = email.strip().lower()
    account = db.session.scalar(sa.select(OrganizerAccount).where(OrganizerAccount.email == email))
    if account is None or not account.active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not account.check_password(password):
        return None
    account.last_login_at = utcnow()
    db.session.commit()
    return account


def events_for(account: OrganizerAccount) -> sa.Select[tuple[Event]]:
    """The events this organizer may see: all for admins, their memberships otherwise."""
    query = sa.select(Event)
    if not account.is_admin:
        query = query.join(EventOrganizer).where(EventOrganizer.organizer_id == account.id)
    return query


def can_manage(account: OrganizerAccount, event: Event) -> bool:
    if account.is_admin:
        return True
    return (
        db.session.scalar(
            sa.select(EventOrganizer.event_id).where(
                EventOrganizer.event_id == event.id, EventOrganizer.organizer_id == account.id
            )
        )
        is not None
    )
