"""Recommendations and meetings of an event, for organizers' other systems (token required).

``GET /events/<slug>/recommendations``  per attendee (registration id and e-mail) the ranked
                                        list: partner id, e-mail, score and explanation.
``GET /events/<slug>/meetings``         slot, table, status and both partners.
Both are paginated (``page``, ``per_page``); explanations follow ``Accept-Language``.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask_babel import gettext as _

from ..models import Meeting, MeetingStatus
from ..services import matching as matching_svc
from ..services import meetings as meetings_svc
from ..services.matching_messages import explanation
from . import bp
from .common import ApiError, iso, load_managed_event, token_required

MAX_ATTENDEES_PER_PAGE = 500
MAX_MEETINGS_PER_PAGE = 1000


def _int_arg(name: str, default: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if not 1 <= value <= maximum:
        raise ApiError(
            422,
            _("Please correct the fields listed."),
            {name: _("Must be between %(min)d and %(max)d.", min=1, max=maximum)},
        )
    return value


@bp.route("/events/<slug>/recommendations", methods=["GET"])
@token_required
def event_recommendations(slug: str) -> Response:
    event = load_managed_event(slug)
    page = _int_arg("page", 1, 100_000)
    per_page = _int_arg("per_page", 100, MAX_ATTENDEES_PER_PAGE)
    lists, total = matching_svc.recommendations_page(event.id, page=page, per_page=per_page)
    return jsonify(
        {
            "event": event.slug,
            "k": event.recommendations_k,
            "published_at": iso(event.recommendations_published_at),
            "total": total,
            "page": page,
            "per_page": per_page,
            "items": [
                {
                    "registration_id": a.registration_id,
                    "email": a.email,
                    "name": a.name,
                    "role": a.role,
                    "recommendations": [
                        {**item, "explanation": explanation(item["reasons"])} for item in a.items
                    ],
                }
                for a in lists
            ],
        }
    )


def _partner(reg: Any) -> dict[str, Any]:
    return {"registration_id": reg.id, "email": reg.email, "name": reg.name, "role": reg.role.value}


def meeting_json(m: Meeting) -> dict[str, Any]:
    return {
        "id": m.id,
        "slot": {
            "id": m.slot.id,
            "starts_at": iso(m.slot.starts_at),
            "ends_at": iso(m.slot.ends_at),
        },
        "table": {"id": m.table.id, "label": m.table.label},
        "status": m.status.value,
        "source": m.source.value,
        "locked": m.locked,
        "score": round(float(m.score), 6),
        "request_id": m.request_id,
        "marked_at": iso(m.marked_at),
        "partners": [_partner(m.first), _partner(m.second)],
    }


@bp.route("/events/<slug>/meetings", methods=["GET"])
@token_required
def event_meetings(slug: str) -> Response:
    event = load_managed_event(slug)
    status_arg = request.args.get("status") or None
    if status_arg and status_arg not in {s.value for s in MeetingStatus}:
        raise ApiError(
            422,
            _("Please correct the fields listed."),
            {
                "status": _(
                    "Must be one of: %(values)s.", values=", ".join(s.value for s in MeetingStatus)
                )
            },
        )
    page = _int_arg("page", 1, 100_000)
    per_page = _int_arg("per_page", 500, MAX_MEETINGS_PER_PAGE)
    rows, total = meetings_svc.meetings_page(
        event.id,
        status=MeetingStatus(status_arg) if status_arg else None,
        page=page,
        per_page=per_page,
    )
    return jsonify(
        {
            "event": event.slug,
            "timezone": event.timezone,
            "published_at": iso(event.schedule_published_at),
            "total": total,
            "page": page,
            "per_page": per_page,
            "items": [meeting_json(m) for m in rows],
        }
    )
