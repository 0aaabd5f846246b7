"""The language switcher: remembered in the session and in a year-long cookie (so it outlives
signing out and closing the browser), then back to where the user was."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from .safety import safe_next_url

bp = Blueprint("lang", __name__)
LANG_COOKIE = "lang"
LANG_COOKIE_SECONDS = 365 * 24 * 3600


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    lang = request.form.get("lang", "")
    response = redirect(safe_next_url(request.form.get("next")) or url_for("public.home"))
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=LANG_COOKIE_SECONDS,
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            httponly=True,
            samesite="Lax",
        )
    return response
