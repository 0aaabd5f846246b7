"""Events for organizers: list, get, create, update (quotas, status, taxonomy)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask_babel import gettext as _

from ..extensions import db
from ..models import AttendeeRole, Event, EventStatus, Registration, utcnow
from ..services import event_admin
from ..services.accounts import events_for
from ..services.stats import status_counts_by_event
from . import bp
from .common import (
    ApiError,
    Fields,
    current_organizer,
    event_json,
    json_body,
    load_managed_event,
    token_required,
)

TEXT_FIELDS = {
    "title": 200,
    "summary": 300,
    "description": 20000,
    "agenda": 10000,
    "venue": 200,
    "address": 300,
}
CREATE_STATUSES = (EventStatus.DRAFT.value, EventStatus.PUBLISHED.value)
# status the client wants -> the organizer action that gets there
STATUS_ACTIONS = {
    ("draft", "published"): "publish",
    ("closed", "published"): "publish",
    ("published", "closed"): "close",
    ("draft", "archived"): "archive",
    ("published", "archived"): "archive",
    ("closed", "archived"): "archive",
    ("archived", "closed"): "unarchive",
    ("published", "draft"): "unpublish",
    ("closed", "draft"): "unpublish",
}
KNOWN = {
    "slug",
    "title",
    "summary",
    "description",
    "agenda",
    "starts_at",
    "ends_at",
    "timezone",
    "venue",
    "address",
    "capacity",
    "quotas",
    "status",
    "double_opt_in",
    "registration_opens_at",
    "registration_closes_at",
    "pending_hold_minutes",
    "interests",
}


def _counts(event_ids: list[int]) -> dict[int, dict[str, int]]:
    by_status = status_counts_by_event(event_ids)
    checked = (
        dict(
            db.session.execute(
                sa.select(Registration.event_id, sa.func.count())
                .where(
                    Registration.event_id.in_(event_ids), Registration.checked_in_at.is_not(None)
                )
                .group_by(Registration.event_id)
            ).all()
        )
        if event_ids
        else {}
    )
    return {
        eid: {**{s.value: n for s, n in by_status[eid].items()}, "checked_in": checked.get(eid, 0)}
        for eid in event_ids
    }


def _parse(data: dict[str, Any], *, tz_default: str | None, creating: bool) -> dict[str, Any]:
    """Typed values of the fields present; a 422 lists every problem at once."""
    fields = Fields(data)
    unknown = sorted(set(data) - KNOWN)
    if unknown:
        fields.errors["_"] = _("Unknown fields: %(names)s.", names=", ".join(unknown))
    values: dict[str, Any] = {}
    slug = fields.text("slug", max_length=80, required=creating)
    if slug is not None:
        values["slug"] = slug.strip().lower()
    for name, limit in TEXT_FIELDS.items():
        value = fields.text(
            name,
            max_length=limit,
            required=creating and name == "title",
            multiline=name in ("description", "agenda"),
        )
        if value is not None:
            values[name] = value
    tz = fields.text("timezone", max_length=64)
    if tz is not None:
        values["timezone"] = tz
    zone = tz or tz_default
    for name in ("starts_at", "ends_at"):
        value = fields.when(name, zone, required=creating)
        if value is not None:
            values[name] = value
    for name in ("registration_opens_at", "registration_closes_at"):
        if fields.has(name):
            values[name] = fields.when(name, zone) if data[name] is not None else None
    capacity = fields.integer("capacity", maximum=event_admin.MAX_CAPACITY)
    if capacity is not None:
        values["capacity"] = capacity
    hold = fields.integer("pending_hold_minutes", minimum=5, maximum=60 * 24 * 14)
    if hold is not None:
        values["pending_hold_minutes"] = hold
    double = fields.boolean("double_opt_in")
    if double is not None:
        values["double_opt_in"] = double
    if fields.has("quotas"):
        quotas = data["quotas"]
        roles = {r.value for r in AttendeeRole}
        if not isinstance(quotas, dict) or not all(
            isinstance(k, str) and k in roles and isinstance(v, int) and not isinstance(v, bool)
            for k, v in quotas.items()
        ):
            fields.errors["quotas"] = _(
                'Must be an object like {"staff": 10, "student": 20, "employer": 10}.'
            )
        elif any(v < 0 or v > event_admin.MAX_CAPACITY for v in quotas.values()):
            fields.errors["quotas"] = _(
                "Quotas are between 0 and %(n)d.", n=event_admin.MAX_CAPACITY
            )
        else:
            values["quotas"] = dict(quotas)
    labels = fields.labels("interests")
    if labels is not None:
        values["interests"] = labels
    status = fields.text("status", max_length=20)
    if status is not None:
        allowed = CREATE_STATUSES if creating else tuple(s.value for s in EventStatus)
        if status not in allowed:
            fields.errors["status"] = _("Must be one of: %(values)s.", values=", ".join(allowed))
        else:
            values["status"] = status
    if fields.errors:
        raise ApiError(422, _("Please correct the fields listed."), fields.errors)
    return values


def _raise_invalid(exc: event_admin.InvalidInput) -> None:
    errors = {("quotas" if k.startswith("quota_") else k): v for k, v in exc.errors.items()}
    raise ApiError(422, exc.message, errors) from exc


@bp.route("/events", methods=["GET"])
@token_required
def list_events() -> Response:
    status = request.args.get("status")
    query = events_for(current_organizer()).order_by(Event.starts_at.desc(), Event.id)
    if status:
        if status not in {s.value for s in EventStatus}:
            raise ApiError(422, _("Unknown status."), {"status": _("Unknown status.")})
        query = query.where(Event.status == EventStatus(status))
    events = db.session.scalars(query).all()
    counts = _counts([e.id for e in events])
    return jsonify({"items": [event_json(e, counts[e.id]) for e in events], "total": len(events)})


@bp.route("/events", methods=["POST"])
@token_required
def create_event() -> tuple[Response, int]:
    data = json_body()
    values = _parse(
        data,
        tz_default=data.get("timezone") if isinstance(data.get("timezone"), str) else None,
        creating=True,
    )
    status = EventStatus(values.pop("status", EventStatus.DRAFT.value))
    interests = values.pop("interests", None)
    values.setdefault("timezone", "Europe/Helsinki")
    try:
        event = event_admin.create_event(
            event_admin.EventData(**values),
            actor=current_organizer(),
            actor_kind="api",
            now=utcnow(),
            status=status,
            interests=interests,
        )
    except event_admin.InvalidInput as exc:
        _raise_invalid(exc)
        raise
    response = jsonify(event_json(event, _counts([event.id])[event.id]))
    response.headers["Location"] = f"/api/v1/events/{event.slug}"
    return response, 201


@bp.route("/events/<slug>", methods=["GET"])
@token_required
def get_event(slug: str) -> Response:
    event = load_managed_event(slug)
    return jsonify(event_json(event, _counts([event.id])[event.id]))


@bp.route("/events/<slug>", methods=["PATCH"])
@token_required
def update_event(slug: str) -> Response:
    event = load_managed_event(slug)
    data = json_body()
    values = _parse(data, tz_default=event.timezone, creating=False)
    status = values.pop("status", None)
    action = None
    if status is not None and status != event.status.value:
        action = STATUS_ACTIONS.get((event.status.value, status))
        if action is None:
            raise ApiError(
                409,
                _(
                    "An event cannot go from %(old)s to %(new)s.",
                    old=event.status.value,
                    new=status,
                ),
                {"status": _("Not allowed from the current status.")},
            )
    event_id = event.id
    promoted = 0
    try:
        if values:
            promoted = event_admin.update_event(
                event_id, values, actor=current_organizer(), actor_kind="api", now=utcnow()
            ).promoted
        if action:
            event_admin.change_status(
                event_id, action, actor=current_organizer(), actor_kind="api", now=utcnow()
            )
    except event_admin.InvalidInput as exc:
        _raise_invalid(exc)
        raise
    event = db.session.get(Event, event_id)
    assert event is not None
    body = event_json(event, _counts([event.id])[event.id])
    body["promoted"] = promoted
    return jsonify(body)
