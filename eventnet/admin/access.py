"""Who may see which event: organizers of the event, and admins."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from ..extensions import db
from ..models import Event
from ..services.accounts import can_manage


def load_event(slug: str) -> Event:
    """The event for an admin URL, or 404 when it does not exist or is not this organizer's.

    404 rather than 403 so that slugs of other organizers' events are not confirmed.
    """
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None or not can_manage(current_user, event):
        abort(404)
    return event


def require_admin() -> None:
    if not current_user.is_admin:
        abort(403)
