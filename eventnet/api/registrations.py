"""Registrations: organizers list, read and check in; anyone may register (public)."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from ..extensions import db, limiter
from ..models import (
    AttendeeRole,
    Event,
    EventStatus,
    Interest,
    Registration,
    RegistrationStatus,
    RegistrationTag,
    TagKind,
    utcnow,
)
from ..services import attendees, checkin
from ..services.event_terms import load_event_terms, recent_event_terms
from ..services.registration import RegistrationInput, register
from . import bp
from .common import (
    ApiError,
    current_organizer,
    json_body,
    load_managed_event,
    registration_json,
    token_required,
)

MAX_PER_PAGE = 500


def _tags_for(ids: list[int]) -> dict[int, dict[TagKind, list[str]]]:
    tags: dict[int, dict[TagKind, list[str]]] = defaultdict(lambda: defaultdict(list))
    if not ids:
        return tags
    rows = db.session.execute(
        sa.select(RegistrationTag.registration_id, RegistrationTag.kind, Interest.label)
        .join(Interest, Interest.id == RegistrationTag.interest_id)
        .where(RegistrationTag.registration_id.in_(ids))
        .order_by(Interest.label)
    )
    for reg_id, kind, label in rows:
        tags[reg_id][kind].append(label)
    return tags


def _int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(
            422, _("Please correct the fields listed."), {name: _("Must be an integer.")}
        ) from None
    if not minimum <= value <= maximum:
        raise ApiError(
            422,
            _("Please correct the fields listed."),
            {name: _("Must be between %(min)d and %(max)d.", min=minimum, max=maximum)},
        )
    return value


@bp.route("/events/<slug>/registrations", methods=["GET"])
@token_required
def list_registrations(slug: str) -> Response:
    """Filters: status, role, checked_in (true/false), q (name, e-mail, organization)."""
    event = load_managed_event(slug)
    errors = {}
    status = request.args.get("status") or None
    role = request.args.get("role") or None
    checked = request.args.get("checked_in")
    if status and status not in {s.value for s in RegistrationStatus}:
        errors["status"] = _(
            "Must be one of: %(values)s.", values=", ".join(s.value for s in RegistrationStatus)
        )
    if role and role not in {r.value for r in AttendeeRole}:
        errors["role"] = _(
            "Must be one of: %(values)s.", values=", ".join(r.value for r in AttendeeRole)
        )
    if checked not in (None, "", "true", "false"):
        errors["checked_in"] = _("Must be true or false.")
    if errors:
        raise ApiError(422, _("Please correct the fields listed."), errors)
    page = _int_arg("page", 1, 1, 100_000)
    per_page = _int_arg("per_page", 100, 1, MAX_PER_PAGE)
    query = attendees.AttendeeQuery(
        q=request.args.get("q", ""),
        status=RegistrationStatus(status) if status else None,
        role=AttendeeRole(role) if role else None,
        checked_in={"true": True, "false": False}.get(checked or ""),
    )
    where = attendees.filter_conditions(event.id, query)
    base = sa.select(Registration).outerjoin(Registration.organization).where(*where)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    regs = db.session.scalars(
        base.options(contains_eager(Registration.organization))
        .order_by(Registration.created_at, Registration.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    tags = _tags_for([r.id for r in regs])
    return jsonify(
        {
            "items": [registration_json(r, tags[r.id]) for r in regs],
            "total": total,
            "page": page,
            "per_page": per_page,
        }
    )


@bp.route("/events/<slug>/registrations/<int(max=2147483647):registration_id>", methods=["GET"])
@token_required
def get_registration(slug: str, registration_id: int) -> Response:
    event = load_managed_event(slug)
    reg = _registration(event, registration_id)
    return jsonify(registration_json(reg))


def _registration(event: Event, registration_id: int) -> Registration:
    reg = db.session.get(Registration, registration_id)
    if reg is None or reg.event_id != event.id:
        raise ApiError(404, _("No registration with this id at this event."))
    return reg


@bp.route(
    "/events/<slug>/registrations/<int(max=2147483647):registration_id>/check-in", methods=["POST"]
)
@token_required
def check_in(slug: str, registration_id: int) -> Response:
    event = load_managed_event(slug)
    _registration(event, registration_id)
    result = checkin.check_in(
        registration_id, current_organizer(), utcnow(), event_id=event.id, actor_kind="api"
    )
    body = registration_json(result.registration)
    return jsonify({"registration": body, "already": result.already})


@bp.route(
    "/events/<slug>/registrations/<int(max=2147483647):registration_id>/check-in",
    methods=["DELETE"],
)
@token_required
def undo_check_in(slug: str, registration_id: int) -> Response:
    event = load_managed_event(slug)
    _registration(event, registration_id)
    reg = checkin.undo_check_in(
        registration_id, current_organizer(), utcnow(), event_id=event.id, actor_kind="api"
    )
    return jsonify({"registration": registration_json(reg), "already": False})


def _public_limit() -> str:
    return str(current_app.config.get("RATELIMIT_PUBLIC_POST", "20 per minute"))


@bp.route("/events/<slug>/registrations", methods=["POST"])
@limiter.limit(_public_limit, methods=["POST"])
def public_register(slug: str) -> tuple[Response, int]:
    """Register like the public form: same validation, places, waiting list and e-mail.

    The answer is the same (202) for a new address and one already registered: the e-mail
    tells the person which case it is, the response never does.
    """
    terms = recent_event_terms(slug)
    if terms is None or terms.status not in (EventStatus.PUBLISHED, EventStatus.CLOSED):
        terms = load_event_terms(slug=slug)  # refuse only on what the event is now
    if terms is None or terms.status not in (EventStatus.PUBLISHED, EventStatus.CLOSED):
        raise ApiError(404, _("No published event with this slug."))
    data = json_body()
    item = RegistrationInput.from_mapping(data)
    if "locale" not in data:
        item.locale = request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "en"
    outcome = register(terms.id, item, utcnow(), source="api", terms=terms)
    if outcome.status == RegistrationStatus.WAITLISTED:
        message = _(
            "Thank you. The places are taken: you are on the waiting list. Check your e-mail."
        )
    elif outcome.status == RegistrationStatus.PENDING:
        message = _("Thank you. Please confirm your e-mail address with the link we sent.")
    else:
        message = _("Thank you. Your place is confirmed; your ticket is in your e-mail.")
    return jsonify(
        {
            "status": outcome.status.value,
            "waitlist_position": outcome.waitlist_position,
            "double_opt_in": outcome.double_opt_in,
            "message": message,
        }
    ), 202
