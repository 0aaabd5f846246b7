"""Sign-in views: the same answer for an unknown e-mail and a wrong password."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..services.accounts import authenticate
from ..web.safety import safe_next_url
from . import bp
from .forms import LoginForm


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("admin.events"))
    form = LoginForm()
    if form.validate_on_submit():
        account = authenticate(form.email.data or "", form.password.data or "")
        if account is not None:
            next_url = safe_next_url(request.args.get("next"))
            session.clear()  # rotate: nothing from before the login survives
            login_user(account, remember=bool(form.remember.data))
            return redirect(next_url or url_for("admin.events"))
        form.password.errors = [_("E-mail or password is not correct.")]
        return render_template("auth/login.html", form=form), 401
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("public.home"))
