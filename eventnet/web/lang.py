"""The language switcher: remembered in the session, then back to where the user was."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from .safety import safe_next_url

bp = Blueprint("lang", __name__)


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    return redirect(safe_next_url(request.form.get("next")) or url_for("public.home"))
