"""Organizer sign-in and sign-out."""

from __future__ import annotations

from flask import Blueprint
from flask_login import LoginManager

bp = Blueprint("auth", __name__, url_prefix="/auth")


def init_login(login_manager: LoginManager) -> None:
    from flask_babel import lazy_gettext as _l

    from ..extensions import db
    from ..models import OrganizerAccount

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_id: str) -> OrganizerAccount | None:
        # The id carries the session version: changing the password signs out old sessions.
        account_id, _, version = user_id.partition(":")
        if not account_id.isdigit() or not version.isdigit():
            return None
        account = db.session.get(OrganizerAccount, int(account_id))
        if account is None or account.session_version != int(version):
            return None
        return account


from . import views  # noqa: E402,F401
