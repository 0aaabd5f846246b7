"""The OpenAPI 3.1 description of ``/api/v1``, written by hand and served as JSON.

Keep it true to the views: tests/api/test_schemathesis.py runs Schemathesis against this
document and the app, and fails on any response that is a 5xx or does not match it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify

from . import bp

MAX_ID = 2_147_483_647
ROLES = ["staff", "student", "employer"]
STATUSES = ["pending", "confirmed", "waitlisted", "cancelled"]
EVENT_STATUSES = ["draft", "published", "closed", "archived"]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
TIME = {"type": "string", "format": "date-time"}
QUOTAS = {
    "type": "object",
    "description": "Confirmed places per attendee role.",
    "properties": {role: {"type": "integer", "minimum": 0} for role in ROLES},
    "additionalProperties": False,
}
EVENT_INPUT_PROPERTIES: dict[str, Any] = {
    "slug": {
        "type": "string",
        "maxLength": 80,
        "description": "Web address: lower-case letters, digits and hyphens.",
        "examples": ["career-day-2027"],
    },
    "title": {"type": "string", "maxLength": 200},
    "summary": {"type": "string", "maxLength": 300},
    "description": {"type": "string", "maxLength": 20000, "description": "Markdown."},
    "agenda": {"type": "string", "maxLength": 10000, "description": "Markdown."},
    "starts_at": {
        **TIME,
        "description": "ISO 8601; without an offset it is a local time in `timezone`.",
    },
    "ends_at": {**TIME, "description": "After `starts_at`."},
    "timezone": {"type": "string", "maxLength": 64, "examples": ["Europe/Helsinki"]},
    "venue": {"type": "string", "maxLength": 200},
    "address": {"type": "string", "maxLength": 300},
    "capacity": {"type": "integer", "minimum": 0, "maximum": 100000},
    "quotas": QUOTAS,
    "double_opt_in": {"type": "boolean"},
    "registration_opens_at": NULLABLE_TIME,
    "registration_closes_at": NULLABLE_TIME,
    "pending_hold_minutes": {"type": "integer", "minimum": 5, "maximum": 20160},
    "interests": {
        "type": "array",
        "items": {"type": "string", "maxLength": 80},
        "maxItems": 300,
        "description": "The event's interest taxonomy (labels). On update, labels not "
        "listed are removed, with the choices registrants made for them.",
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {
                "type": "string",
                "description": "A short code such as not_found (for a URL that matches no "
                'route, a short title such as "Page not found").',
            },
            "message": {"type": "string", "description": "Human-readable, translated."},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "Field name -> what is wrong with it.",
            },
        },
    },
    "Counts": {
        "type": "object",
        "required": [*STATUSES, "checked_in"],
        "properties": {name: {"type": "integer"} for name in [*STATUSES, "checked_in"]},
    },
    "Event": {
        "type": "object",
        "required": [
            "slug",
            "title",
            "starts_at",
            "ends_at",
            "timezone",
            "venue",
            "capacity",
            "quotas",
            "status",
            "double_opt_in",
            "interests",
        ],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "description": {"type": "string"},
            "starts_at": TIME,
            "ends_at": TIME,
            "timezone": {"type": "string"},
            "venue": {"type": "string"},
            "address": {"type": "string"},
            "capacity": {"type": "integer"},
            "quotas": QUOTAS,
            "status": {"type": "string", "enum": EVENT_STATUSES},
            "double_opt_in": {"type": "boolean"},
            "registration_opens_at": NULLABLE_TIME,
            "registration_closes_at": NULLABLE_TIME,
            "interests": {"type": "array", "items": {"type": "string"}},
            "url": {"type": "string", "description": "The public event page."},
            "counts": _ref("Counts"),
            "promoted": {
                "type": "integer",
                "description": "After an update: people moved off the waiting list.",
            },
        },
    },
    "EventCreate": {
        "type": "object",
        "required": ["slug", "title", "starts_at", "ends_at"],
        "properties": {
            **EVENT_INPUT_PROPERTIES,
            "status": {"type": "string", "enum": ["draft", "published"], "default": "draft"},
        },
        "additionalProperties": False,
    },
    "EventUpdate": {
        "type": "object",
        "properties": {
            **EVENT_INPUT_PROPERTIES,
            "status": {
                "type": "string",
                "enum": EVENT_STATUSES,
                "description": "draft <-> published -> closed -> archived; archived -> closed.",
            },
        },
        "additionalProperties": False,
    },
    "EventList": {
        "type": "object",
        "required": ["items", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref("Event")},
            "total": {"type": "integer"},
        },
    },
    "Registration": {
        "type": "object",
        "required": ["id", "email", "name", "role", "status", "waitlist_position", "checked_in_at"],
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "role": {"type": "string", "enum": ROLES},
            "status": {"type": "string", "enum": STATUSES},
            "waitlist_position": {"type": ["integer", "null"]},
            "checked_in_at": NULLABLE_TIME,
            "ticket_code": {"type": "string"},
            "organization": {"type": "string"},
            "job_title": {"type": "string"},
            "degree_programme": {"type": "string"},
            "study_level": {"type": "string"},
            "graduation_year": {"type": ["integer", "null"]},
            "country": {"type": ["string", "null"]},
            "languages": {"type": "array", "items": {"type": "string"}},
            "interests": {"type": "array", "items": {"type": "string"}},
            "offers": {"type": "array", "items": {"type": "string"}},
            "seeks": {"type": "array", "items": {"type": "string"}},
            "offer_text": {"type": "string"},
            "seek_text": {"type": "string"},
            "goals": {"type": "string"},
            "dietary_needs": {"type": "string"},
            "accessibility_needs": {"type": "string"},
            "consent_profile": {"type": "boolean"},
            "consent_photos": {"type": "boolean"},
            "source": {"type": "string"},
            "created_at": TIME,
            "confirmed_at": NULLABLE_TIME,
            "cancelled_at": NULLABLE_TIME,
        },
    },
    "RegistrationList": {
        "type": "object",
        "required": ["items", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref("Registration")},
            "total": {"type": "integer"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    },
    "CheckIn": {
        "type": "object",
        "required": ["registration", "already"],
        "properties": {
            "registration": _ref("Registration"),
            "already": {
                "type": "boolean",
                "description": "The person had been checked in before (nothing changed).",
            },
        },
    },
    "RegistrationInput": {
        "type": "object",
        "required": ["name", "email", "role", "consent_privacy"],
        "properties": {
            "name": {"type": "string", "maxLength": 200},
            "email": {"type": "string", "maxLength": 254, "format": "email"},
            "role": {"type": "string", "enum": ROLES},
            "organization": {
                "type": "string",
                "maxLength": 200,
                "description": "Required for staff and employers.",
            },
            "job_title": {
                "type": "string",
                "maxLength": 200,
                "description": "Required for staff and employers.",
            },
            "degree_programme": {
                "type": "string",
                "maxLength": 200,
                "description": "Required for students.",
            },
            "study_level": {
                "type": "string",
                "enum": ["", "bachelor", "master", "doctoral", "other"],
            },
            "graduation_year": {"type": ["integer", "null"]},
            "country": {"type": "string", "description": "ISO 3166 alpha-2, e.g. FI."},
            "languages": {"type": "array", "items": {"type": "string"}, "maxItems": 12},
            "interests": {
                "type": "array",
                "items": {"type": "string"},
                "maxItems": 20,
                "description": "Labels of the event's taxonomy (see /public/events/{slug}).",
            },
            "offers": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
            "seeks": {"type": "array", "items": {"type": "string"}, "maxItems": 20},
            "other_interests": {"type": "string", "maxLength": 300},
            "offer_text": {"type": "string", "maxLength": 500},
            "seek_text": {"type": "string", "maxLength": 500},
            "goals": {"type": "string", "maxLength": 1000},
            "dietary_needs": {"type": "string", "maxLength": 300},
            "accessibility_needs": {"type": "string", "maxLength": 300},
            "consent_privacy": {"type": "boolean", "const": True},
            "consent_profile": {"type": "boolean"},
            "consent_photos": {"type": "boolean"},
            "locale": {"type": "string", "enum": ["en", "fi", "sv"]},
        },
    },
    "RegistrationAccepted": {
        "type": "object",
        "required": ["status", "waitlist_position", "double_opt_in", "message"],
        "description": "The same for a new registration and for an address already "
        "registered (the e-mail says which).",
        "properties": {
            "status": {"type": "string", "enum": ["pending", "confirmed", "waitlisted"]},
            "waitlist_position": {"type": ["integer", "null"]},
            "double_opt_in": {"type": "boolean"},
            "message": {"type": "string"},
        },
    },
    "PublicEvent": {
        "type": "object",
        "required": ["slug", "title", "starts_at", "ends_at", "timezone", "registration_open"],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "description": {"type": "string"},
            "starts_at": TIME,
            "ends_at": TIME,
            "timezone": {"type": "string"},
            "venue": {"type": "string"},
            "address": {"type": "string"},
            "url": {"type": "string"},
            "registration_open": {"type": "boolean"},
            "registration_opens_at": NULLABLE_TIME,
            "registration_closes_at": NULLABLE_TIME,
            "double_opt_in": {"type": "boolean"},
            "roles": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["role", "places_left", "waiting"],
                    "properties": {
                        "role": {"type": "string", "enum": ROLES},
                        "places_left": {"type": "integer"},
                        "waiting": {"type": "integer"},
                    },
                },
            },
            "interests": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["label", "category"],
                    "properties": {"label": {"type": "string"}, "category": {"type": "string"}},
                },
            },
        },
    },
    "PublicEventList": {
        "type": "object",
        "required": ["items", "total"],
        "properties": {
            "items": {"type": "array", "items": _ref("PublicEvent")},
            "total": {"type": "integer"},
        },
    },
}

# Matching and meetings (eventnet/api/matching.py).
_PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
]
_PERSON = {
    "type": "object",
    "required": ["registration_id", "email", "name", "role"],
    "properties": {
        "registration_id": {"type": "integer"},
        "email": {"type": "string"},
        "name": {"type": "string"},
        "role": {"type": "string", "enum": ROLES},
    },
}
SCHEMAS.update(
    {
        "Recommendation": {
            "type": "object",
            "required": ["rank", "partner_id", "partner_email", "score", "explanation"],
            "properties": {
                "rank": {"type": "integer", "minimum": 1},
                "partner_id": {"type": "integer", "description": "The partner's registration."},
                "partner_email": {"type": "string"},
                "partner_name": {"type": "string"},
                "partner_role": {"type": "string", "enum": ROLES},
                "score": {"type": "number"},
                "explanation": {
                    "type": "string",
                    "description": "Why they should meet, in the Accept-Language language.",
                },
                "reasons": {
                    "type": "array",
                    "description": "The explanation as codes: kind, tags, weight.",
                    "items": {"type": "object"},
                },
                "pinned": {"type": "boolean", "description": "Pinned by an organizer."},
            },
        },
        "AttendeeRecommendations": {
            "type": "object",
            "required": ["registration_id", "email", "recommendations"],
            "properties": {
                **_PERSON["properties"],
                "recommendations": {"type": "array", "items": _ref("Recommendation")},
            },
        },
        "RecommendationList": {
            "type": "object",
            "required": ["event", "items", "total", "page", "per_page"],
            "properties": {
                "event": {"type": "string"},
                "k": {"type": "integer"},
                "published_at": NULLABLE_TIME,
                "total": {"type": "integer", "description": "Attendees with a list."},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "items": {"type": "array", "items": _ref("AttendeeRecommendations")},
            },
        },
        "Meeting": {
            "type": "object",
            "required": ["id", "slot", "table", "status", "partners"],
            "properties": {
                "id": {"type": "integer"},
                "slot": {
                    "type": "object",
                    "required": ["id", "starts_at", "ends_at"],
                    "properties": {"id": {"type": "integer"}, "starts_at": TIME, "ends_at": TIME},
                },
                "table": {
                    "type": "object",
                    "required": ["id", "label"],
                    "properties": {"id": {"type": "integer"}, "label": {"type": "string"}},
                },
                "status": {"type": "string", "enum": ["scheduled", "held", "no_show", "cancelled"]},
                "source": {"type": "string", "enum": ["request", "recommendation", "organizer"]},
                "locked": {"type": "boolean"},
                "score": {"type": "number"},
                "request_id": {"type": ["integer", "null"]},
                "marked_at": NULLABLE_TIME,
                "partners": {"type": "array", "items": _PERSON, "minItems": 2, "maxItems": 2},
            },
        },
        "MeetingList": {
            "type": "object",
            "required": ["event", "items", "total", "page", "per_page"],
            "properties": {
                "event": {"type": "string"},
                "timezone": {"type": "string"},
                "published_at": NULLABLE_TIME,
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "items": {"type": "array", "items": _ref("Meeting")},
            },
        },
    }
)

SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
REG_ID = {
    "name": "registration_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
}
TOKEN = [{"bearer": []}]
UNAUTHORIZED = _error("No or invalid API token.")
NOT_FOUND = _error("No such event (or not one of yours), or no such registration.")
INVALID = _error("Invalid input; `fields` says what is wrong.")
BAD_JSON = _error("The body is not a JSON object.")
NOT_JSON = _error("The body is not sent as application/json.")


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": _ref(schema)}}}


def build_spec(base_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "eventnet API",
            "version": "1.0.0",
            "description": (
                "Run networking events from other systems. Organizer endpoints need a personal "
                "API token (create one under API tokens in the organizer area, or with "
                "`eventnet api-token EMAIL`) sent as `Authorization: Bearer <token>`; it acts "
                "as its organizer. Public endpoints need nothing and follow the same rules, "
                "limits and e-mails as the registration form. Errors are JSON: "
                '`{"error", "message", "fields"}`.'
            ),
        },
        "servers": [{"url": f"{base_url}/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": SCHEMAS,
        },
        "paths": {
            "/events": {
                "get": {
                    "operationId": "listEvents",
                    "summary": "Your events (all events for administrators), newest first.",
                    "security": TOKEN,
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": EVENT_STATUSES},
                        }
                    ],
                    "responses": {
                        "200": _json(_ref("EventList"), "The events."),
                        "401": UNAUTHORIZED,
                        "422": INVALID,
                    },
                },
                "post": {
                    "operationId": "createEvent",
                    "summary": "Create an event with quotas and its interest taxonomy.",
                    "security": TOKEN,
                    "requestBody": _body("EventCreate"),
                    "responses": {
                        "201": _json(_ref("Event"), "Created."),
                        "400": BAD_JSON,
                        "401": UNAUTHORIZED,
                        "415": NOT_JSON,
                        "422": INVALID,
                    },
                },
            },
            "/events/{slug}": {
                "parameters": [SLUG],
                "get": {
                    "operationId": "getEvent",
                    "security": TOKEN,
                    "responses": {
                        "200": _json(_ref("Event"), "The event with its counts."),
                        "401": UNAUTHORIZED,
                        "404": NOT_FOUND,
                    },
                },
                "patch": {
                    "operationId": "updateEvent",
                    "summary": "Change any fields; raising a quota promotes the waiting list.",
                    "description": "Lowering a quota or the capacity below the places already "
                    "taken is refused (422). `status` moves the event through its life.",
                    "security": TOKEN,
                    "requestBody": _body("EventUpdate"),
                    "responses": {
                        "200": _json(_ref("Event"), "Updated."),
                        "400": BAD_JSON,
                        "401": UNAUTHORIZED,
                        "404": NOT_FOUND,
                        "409": _error("That status change is not possible."),
                        "415": NOT_JSON,
                        "422": INVALID,
                        "503": _error("Busy; try again in a moment."),
                    },
                },
            },
            "/events/{slug}/registrations": {
                "parameters": [SLUG],
                "get": {
                    "operationId": "listRegistrations",
                    "summary": "Registrations of one of your events, oldest first.",
                    "security": TOKEN,
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": STATUSES},
                        },
                        {
                            "name": "role",
                            "in": "query",
                            "schema": {"type": "string", "enum": ROLES},
                        },
                        {
                            "name": "checked_in",
                            "in": "query",
                            "schema": {"type": "string", "enum": ["true", "false"]},
                        },
                        {
                            "name": "q",
                            "in": "query",
                            "description": "Name, e-mail, organization or ticket code.",
                            "schema": {"type": "string", "maxLength": 100},
                        },
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 100000},
                        },
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                        },
                    ],
                    "responses": {
                        "200": _json(_ref("RegistrationList"), "One page and the total."),
                        "401": UNAUTHORIZED,
                        "404": NOT_FOUND,
                        "422": INVALID,
                    },
                },
                "post": {
                    "operationId": "register",
                    "summary": "Register for a published event (public, no token).",
                    "description": "Same validation, places, waiting list, limits and e-mails "
                    "as the registration form. The answer is the same 202 for a new address "
                    "and for one already registered.",
                    "security": [],
                    "requestBody": _body("RegistrationInput"),
                    "responses": {
                        "202": _json(_ref("RegistrationAccepted"), "Received; see the e-mail."),
                        "400": BAD_JSON,
                        "404": _error("No published event with this slug."),
                        "409": _error("Registration is closed."),
                        "415": NOT_JSON,
                        "422": INVALID,
                        "429": _error("Too many requests."),
                        "503": _error("Busy; try again in a moment."),
                    },
                },
            },
            "/events/{slug}/registrations/{registration_id}": {
                "parameters": [SLUG, REG_ID],
                "get": {
                    "operationId": "getRegistration",
                    "security": TOKEN,
                    "responses": {
                        "200": _json(_ref("Registration"), "The registration."),
                        "401": UNAUTHORIZED,
                        "404": NOT_FOUND,
                    },
                },
            },
            "/events/{slug}/registrations/{registration_id}/check-in": {
                "parameters": [SLUG, REG_ID],
                "post": {
                    "operationId": "checkIn",
                    "summary": "Check the person in (idempotent; `already` tells).",
                    "security": TOKEN,
                    "responses": {
                        "200": _json(_ref("CheckIn"), "Checked in."),
                        "401": UNAUTHORIZED,
                        "404": NOT_FOUND,
                        "409": _error("Wait-listed or cancelled: no place to check in to."),
                    },
                },
                "delete": {
                    "operationId": "undoCheckIn",
                    "security": TOKEN,
                    "responses": {
                        "200": _json(_ref("CheckIn"), "Check-in undone."),
                        "401": UNAUTHORIZED,
                        "404": NOT_FOUND,
                    },
                },
            },
            "/events/{slug}/recommendations": {
                "parameters": [SLUG],
                "get": {
                    "operationId": "listRecommendations",
                    "summary": "Each attendee's ranked, explained recommendations.",
                    "security": TOKEN,
                    "parameters": [
                        *_PAGE_PARAMS,
                        {
                            "name": "per_page",
                            "in": "query",
                            "description": "Attendees per page.",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 500},
                        },
                    ],
                    "responses": {
                        "200": _json(_ref("RecommendationList"), "One page of attendees."),
                        "401": UNAUTHORIZED,
                        "404": NOT_FOUND,
                        "422": INVALID,
                    },
                },
            },
            "/events/{slug}/meetings": {
                "parameters": [SLUG],
                "get": {
                    "operationId": "listMeetings",
                    "summary": "Scheduled meetings by slot and table, with both partners.",
                    "security": TOKEN,
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "description": "Default: every meeting that is not cancelled.",
                            "schema": {
                                "type": "string",
                                "enum": ["scheduled", "held", "no_show", "cancelled"],
                            },
                        },
                        *_PAGE_PARAMS,
                        {
                            "name": "per_page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                        },
                    ],
                    "responses": {
                        "200": _json(_ref("MeetingList"), "One page of meetings."),
                        "401": UNAUTHORIZED,
                        "404": NOT_FOUND,
                        "422": INVALID,
                    },
                },
            },
            "/public/events": {
                "get": {
                    "operationId": "listPublicEvents",
                    "summary": "Published events that have not ended, soonest first.",
                    "security": [],
                    "responses": {"200": _json(_ref("PublicEventList"), "The events.")},
                },
            },
            "/public/events/{slug}": {
                "parameters": [SLUG],
                "get": {
                    "operationId": "getPublicEvent",
                    "summary": "What a registration form needs: roles, places, taxonomy.",
                    "security": [],
                    "responses": {
                        "200": _json(_ref("PublicEvent"), "The event."),
                        "404": _error("No published event with this slug."),
                    },
                },
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                },
            },
        },
    }


@bp.route("/openapi.json", methods=["GET"])
def openapi() -> Response:
    return jsonify(build_spec(str(current_app.config["BASE_URL"])))
