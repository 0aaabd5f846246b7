"""Personal API tokens: created in the UI or with ``eventnet api-token EMAIL``, stored hashed.

A token is shown once, when it is made; the database keeps its SHA-256 and a short prefix to
recognise it in the list. A token acts as its organizer (same events, same rights) until it
is revoked or the organizer is deactivated.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import ApiToken, OrganizerAccount
from . import DomainError, NotFound
from .tokens import hash_token

TOKEN_PREFIX = "evn_"  # noqa: S105 - a public marker, not a secret
MAX_TOKENS = 20
LAST_USED_RESOLUTION = timedelta(minutes=5)  # do not write on every request


def create_token(organizer_id: int, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new token for the organizer: returns the row and the secret (shown once)."""
    name = " ".join((name or "").split())[:100]
    if not name:
        raise DomainError(_("Give the token a name, e.g. “University website”."), "name")
    account = db.session.get(OrganizerAccount, organizer_id)
    if account is None or not account.active:
        raise NotFound(_("No active organizer with this account."))
    active = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ApiToken)
        .where(ApiToken.organizer_id == organizer_id, ApiToken.revoked_at.is_(None))
    )
    if (active or 0) >= MAX_TOKENS:
        raise DomainError(
            _("You have %(n)d active tokens; revoke one you no longer use.", n=MAX_TOKENS), "name"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        organizer_id=organizer_id,
        name=name,
        token_hash=hash_token(secret),
        prefix=secret[:12],
        created_at=now,
    )
    db.session.add(token)
    db.session.commit()
    return token, secret


def revoke_token(token_id: int, organizer_id: int, now: datetime) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.organizer_id != organizer_id:
        raise NotFound(_("This token does not exist."))
    if token.revoked_at is None:
        token.revoked_at = now
        db.session.commit()


def tokens_of(organizer_id: int) -> list[ApiToken]:
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.organizer_id == organizer_id)
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
        )
    )


def authenticate(secret: str, now: datetime) -> OrganizerAccount | None:
    """The organizer a bearer token belongs to, or None (unknown, revoked, inactive)."""
    if not secret or len(secret) > 200:
        return None
    row = db.session.execute(
        sa.select(ApiToken, OrganizerAccount)
        .join(OrganizerAccount, OrganizerAccount.id == ApiToken.organizer_id)
        .where(ApiToken.token_hash == hash_token(secret))
    ).first()
    if row is None:
        return None
    token, account = row
    if token.revoked_at is not None or not account.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return account
