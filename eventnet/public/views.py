"""Public pages: event listing, event page, registration and "lost your link?".

Every POST here is CSRF-protected and rate-limited per IP (``RATELIMIT_PUBLIC_POST``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, redirect, render_template, request, session, url_for

from ..extensions import db, limiter
from ..i18n import current_language
from ..models import Event, Organization, utcnow
from ..services import TryAgain
from ..services.events import get_public_event, list_public_events
from ..services.registration import (
    RegistrationClosed,
    ValidationFailed,
    register,
    resend_manage_link,
)
from ..services.waitlist import Availability, availabilities, availability
from . import bp
from .forms import ROLE_HINTS, LostLinkForm, RegistrationForm

OUTCOME_KEY = "registration_outcome"


def public_post_limit() -> str:
    return str(current_app.config.get("RATELIMIT_PUBLIC_POST") or "20 per minute")


def _event_or_404(slug: str) -> Event:
    event = get_public_event(slug)
    if event is None:
        abort(404)
    return event


@bp.route("/")
def home() -> str:
    now = utcnow()
    listing = list_public_events(now)
    places = availabilities(listing.upcoming, now)
    return render_template(
        "public/home.html", upcoming=listing.upcoming, past=listing.past, places=places, now=now
    )


@bp.route("/privacy")
def privacy() -> str:
    return render_template(
        "public/privacy.html",
        version=current_app.config["PRIVACY_POLICY_VERSION"],
        retention=int(current_app.config.get("RETENTION_MONTHS") or 12),
    )


@bp.route("/events/<slug>")
def event_page(slug: str) -> str:
    event = _event_or_404(slug)
    now = utcnow()
    return render_template("public/event.html", event=event, now=now, info=availability(event, now))


def _render_form(
    event: Event, form: RegistrationForm, info: Availability, status: int, notice: str = ""
) -> Any:
    organizations = db.session.scalars(
        sa.select(Organization.name).order_by(Organization.name).limit(300)
    ).all()
    return (
        render_template(
            "public/register.html",
            event=event,
            form=form,
            info=info,
            organizations=organizations,
            role_hints=ROLE_HINTS,
            tag_groups=form.grouped_tags(event),
            notice=notice,
            now=utcnow(),
        ),
        status,
    )


@bp.route("/events/<slug>/register", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def register_page(slug: str) -> Any:
    event = _event_or_404(slug)
    now = utcnow()
    info = availability(event, now)
    form = RegistrationForm()
    form.setup_for(event, info)
    if not event.registration_open(now):
        return render_template("public/register_closed.html", event=event, now=now), (
            409 if request.method == "POST" else 200
        )
    if request.method == "GET" and len(form.role.choices or []) == 1:
        form.role.data = form.role.choices[0][0]
    if not form.validate_on_submit():
        return _render_form(event, form, info, 400 if request.method == "POST" else 200)
    if form.website.data:  # the honeypot: answer like a success, register nothing
        session[OUTCOME_KEY] = {"slug": slug, "status": None, "email": ""}
        return redirect(url_for("public.registered", slug=slug))
    try:
        outcome = register(event.id, form.to_registration(current_language()), now)
    except ValidationFailed as exc:
        form.apply_errors(exc.errors)
        return _render_form(event, form, info, 400)
    except RegistrationClosed:
        return render_template("public/register_closed.html", event=event, now=now), 409
    except TryAgain as exc:  # the lock was busy: keep what they typed, ask to send again
        return _render_form(event, form, info, 503, notice=exc.message)
    session[OUTCOME_KEY] = {
        "slug": slug,
        "status": outcome.status.value,
        "position": outcome.waitlist_position,
        "email": outcome.email,
    }
    return redirect(url_for("public.registered", slug=slug))


@bp.route("/events/<slug>/registered")
def registered(slug: str) -> Any:
    """After registering (new or already registered: the same page, see `register`)."""
    event = _event_or_404(slug)
    outcome = session.get(OUTCOME_KEY)
    if not outcome or outcome.get("slug") != slug:
        return redirect(url_for("public.event_page", slug=slug))
    return render_template("public/registered.html", event=event, outcome=outcome, now=utcnow())


@bp.route("/events/<slug>/lost-link", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def lost_link(slug: str) -> Any:
    event = _event_or_404(slug)
    form = LostLinkForm()
    if form.validate_on_submit():
        address = (form.email.data or "").strip()
        resend_manage_link(address, event.id, utcnow())
        return render_template("public/lost_link_sent.html", event=event, email=address)
    status = 400 if request.method == "POST" else 200
    return render_template("public/lost_link.html", event=event, form=form), status
