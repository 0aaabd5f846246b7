"""What every API view shares: bearer-token auth, JSON errors, input parsing, serializers.

The API never looks at the session cookie: a browser signed in to the organizer area cannot
be made to call it cross-site (no CSRF), and a token grants exactly what its organizer may
do in the organizer area (the same `can_manage` check, 404 for events of others).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo

from flask import Response, g, jsonify, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from ..models import Event, OrganizerAccount, Registration, TagKind, utcnow
from ..services import DomainError, TryAgain
from ..services.accounts import can_manage
from ..services.api_tokens import authenticate
from ..services.event_admin import has_control_chars
from . import bp

F = TypeVar("F", bound=Callable[..., Any])

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    503: "try_again",
}


class ApiError(HTTPException):
    """An error answered as ``{"error", "message", "fields"}`` with the given status."""

    def __init__(
        self, status: int, message: str, fields: dict[str, str] | None = None, code: str = ""
    ) -> None:
        super().__init__(message)
        self.code = status
        self.message = message
        self.fields = fields or {}
        self.error = code or CODES.get(status, "error")


def error_response(
    status: int, message: str, fields: dict[str, str] | None = None, code: str = ""
) -> Response:
    body: dict[str, Any] = {"error": code or CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="eventnet"'
    if status == 503:
        response.headers["Retry-After"] = "2"
    return response


def flatten(errors: dict[str, Any]) -> dict[str, str]:
    """Field errors as one message per field (lists joined)."""
    return {
        str(k): " ".join(v) if isinstance(v, list | tuple) else str(v) for k, v in errors.items()
    }


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return error_response(exc.code, exc.message, exc.fields, exc.error)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> Response:
    fields = getattr(exc, "errors", None)
    status = 422 if fields else exc.status_code
    if isinstance(exc, TryAgain):
        status = 503
    code = {409: "conflict"}.get(status, "")
    if type(exc).__name__ == "RegistrationClosed":
        code = "registration_closed"
    return error_response(status, exc.message, flatten(fields) if fields else None, code)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    message = exc.description or CODES.get(status, "error")
    if status == 429:
        message = _("Too many requests. Please wait a moment.")
    return error_response(status, message)


def current_organizer() -> OrganizerAccount:
    return cast(OrganizerAccount, g.api_organizer)


def token_required(view: F) -> F:
    """Only ``Authorization: Bearer <token>``; cookies are ignored."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _sep, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, _("Send a personal API token: Authorization: Bearer <token>."))
        account = authenticate(secret.strip(), utcnow())
        if account is None:
            raise ApiError(401, _("This API token is not valid (unknown or revoked)."))
        g.api_organizer = account
        return view(*args, **kwargs)

    return cast(F, wrapper)


def load_managed_event(slug: str) -> Event:
    import sqlalchemy as sa

    from ..extensions import db

    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None or not can_manage(current_organizer(), event):
        raise ApiError(404, _("No event with this slug among your events."))
    return event


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400/415 answer."""
    if not request.is_json:
        raise ApiError(415, _("Send JSON with Content-Type: application/json."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(400, _("The body must be a JSON object."))
    return data


# -- parsing helpers: collect errors per field instead of raising at the first one ---------


class Fields:
    """Typed reads from a JSON object; problems are collected in ``errors``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def has(self, name: str) -> bool:
        return name in self.data

    def text(
        self, name: str, *, max_length: int, required: bool = False, multiline: bool = False
    ) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.errors[name] = _("This field is required.")
            return None
        if not isinstance(value, str):
            self.errors[name] = _("Must be a string.")
            return None
        if len(value) > max_length:
            self.errors[name] = _("At most %(n)d characters.", n=max_length)
            return None
        if required and not value.strip():
            self.errors[name] = _("This field is required.")
            return None
        if has_control_chars(value, multiline=multiline):
            self.errors[name] = _("Please remove invisible control characters.")
            return None
        return value

    def integer(self, name: str, *, minimum: int = 0, maximum: int = 100_000) -> int | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors[name] = _("Must be an integer.")
            return None
        if not minimum <= value <= maximum:
            self.errors[name] = _("Must be between %(min)d and %(max)d.", min=minimum, max=maximum)
            return None
        return value

    def boolean(self, name: str) -> bool | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.errors[name] = _("Must be true or false.")
            return None
        return value

    def when(self, name: str, tz: str | None, *, required: bool = False) -> datetime | None:
        """ISO 8601; without an offset, a wall-clock time in the event's time zone."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.errors[name] = _("This field is required.")
            return None
        if not isinstance(value, str):
            self.errors[name] = _("Must be a date-time string such as 2027-04-15T10:00:00+03:00.")
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.errors[name] = _("Must be a date-time such as 2027-04-15T10:00:00+03:00.")
            return None
        if parsed.tzinfo is None:
            try:
                parsed = parsed.replace(tzinfo=ZoneInfo(tz or "UTC"))
            except (KeyError, ValueError):
                parsed = parsed.replace(tzinfo=UTC)
        if not 2000 <= parsed.year <= 2200:
            self.errors[name] = _("Must be a date between the years 2000 and 2200.")
            return None
        return parsed.astimezone(UTC)

    def labels(self, name: str) -> list[str] | None:
        value = self.data.get(name)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.errors[name] = _("Must be a list of strings.")
            return None
        return value


# -- serializers ----------------------------------------------------------------------------


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def event_json(event: Event, counts: dict[str, int] | None = None) -> dict[str, Any]:
    from ..services.tickets import event_url

    body = {
        "slug": event.slug,
        "title": event.title,
        "summary": event.summary,
        "description": event.description,
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "timezone": event.timezone,
        "venue": event.venue,
        "address": event.address,
        "capacity": event.capacity,
        "quotas": {q.role.value: q.capacity for q in event.quotas},
        "status": event.status.value,
        "double_opt_in": event.double_opt_in,
        "registration_opens_at": iso(event.registration_opens_at),
        "registration_closes_at": iso(event.registration_closes_at),
        "interests": [i.label for i in event.interests],
        "url": event_url(event),
    }
    if counts is not None:
        body["counts"] = counts
    return body


def registration_json(
    reg: Registration, tags: dict[TagKind, list[str]] | None = None
) -> dict[str, Any]:
    tags = tags if tags is not None else {kind: reg.tag_labels(kind) for kind in TagKind}
    return {
        "id": reg.id,
        "email": reg.email,
        "name": reg.name,
        "role": reg.role.value,
        "status": reg.status.value,
        "waitlist_position": reg.waitlist_position,
        "checked_in_at": iso(reg.checked_in_at),
        "ticket_code": reg.ticket_code,
        "organization": reg.organization.name if reg.organization else "",
        "job_title": reg.job_title,
        "degree_programme": reg.degree_programme,
        "study_level": reg.study_level,
        "graduation_year": reg.graduation_year,
        "country": reg.country,
        "languages": list(reg.languages or []),
        "interests": tags.get(TagKind.INTEREST, []),
        "offers": tags.get(TagKind.OFFER, []),
        "seeks": tags.get(TagKind.SEEK, []),
        "offer_text": reg.offer_text,
        "seek_text": reg.seek_text,
        "goals": reg.goals,
        "dietary_needs": reg.dietary_needs,
        "accessibility_needs": reg.accessibility_needs,
        "consent_profile": reg.consent_profile_at is not None,
        "consent_photos": reg.consent_photos_at is not None,
        "source": reg.source,
        "created_at": iso(reg.created_at),
        "confirmed_at": iso(reg.confirmed_at),
        "cancelled_at": iso(reg.cancelled_at),
    }
