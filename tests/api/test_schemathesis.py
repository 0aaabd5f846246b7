"""Schemathesis against /api/v1/openapi.json and the app's WSGI: no 5xx, no schema violations.

Every operation gets a few generated requests (kept small so the suite stays fast) against a
seeded event, with a valid token; path parameters are pointed at real data half of the time so
that the happy paths run too, not only 404s.
"""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from eventnet.models import RegistrationStatus, utcnow
from eventnet.services.api_tokens import create_token
from tests.factories import make_event, make_organizer, make_registration

EXAMPLES = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture
def seeded(app, db_session) -> dict[str, Any]:
    alice = make_organizer("schema@uni.example")
    event = make_event(slug="schema-day", organizers=(alice,), interests=("Data science",))
    reg = make_registration(event, name="Seed Person", role="student")
    make_registration(
        event, role="student", status=RegistrationStatus.WAITLISTED, waitlist_position=1
    )
    _row, secret = create_token(alice.id, "schemathesis", utcnow())
    return {"token": secret, "slug": "schema-day", "registration_id": reg.id}


def _run_operation(operation, mode, seeded) -> None:  # type: ignore[no-untyped-def]
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        params = case.path_parameters or {}
        if "slug" in params:
            params["slug"] = seeded["slug"]
        if isinstance(params.get("registration_id"), int) and params["registration_id"] % 2 == 0:
            params["registration_id"] = seeded["registration_id"]
        case.call_and_validate(
            headers={"Authorization": f"Bearer {seeded['token']}"}, checks=CHECKS
        )

    run()


def test_api_conforms_to_its_openapi_document(app, seeded) -> None:
    """Every operation, valid and invalid input (the lazy pytest integration of Schemathesis
    does not run under pytest 9, so the operations are walked here)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11
    for operation in operations:
        _run_operation(operation, GenerationMode.POSITIVE, seeded)
        with contextlib.suppress(Unsatisfiable):  # nothing to get wrong, e.g. no parameters
            _run_operation(operation, GenerationMode.NEGATIVE, seeded)
