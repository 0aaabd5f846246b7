"""Helpers for the attack tests: register like a browser, read the mail the outbox holds."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from eventnet.extensions import db
from eventnet.models import Event, OutboxMessage
from tests.conftest import post_form
from tests.factories import make_event

MANAGE_LINK = re.compile(r"/r/([A-Za-z0-9_\-]{20,})")


def registration_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Ada Lovelace",
        "email": "ada@example.org",
        "role": "student",
        "degree_programme": "MSc Computing",
        "consent_privacy": "y",
    }
    data.update(overrides)
    return data


def register_via_form(client: FlaskClient, event: Event | str, **overrides: Any) -> Any:
    slug = event if isinstance(event, str) else event.slug
    return post_form(client, f"/events/{slug}/register", registration_form(**overrides))


def outbox_for(address: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.to_address == address.lower())
            .order_by(OutboxMessage.id)
        )
    )


def manage_token_from_mail(address: str) -> str:
    """The manage token in the latest mail to ``address``."""
    for message in reversed(outbox_for(address)):
        match = MANAGE_LINK.search(message.body_text)
        if match:
            return match.group(1)
    raise AssertionError(f"no manage link mailed to {address}")


def register_and_get_token(client: FlaskClient, event: Event | str, email: str, **kw: Any) -> str:
    response = register_via_form(client, event, email=email, **kw)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return manage_token_from_mail(email)


@pytest.fixture
def open_event(db_session: Any) -> str:
    """The slug of a published event with free places (objects go stale after requests)."""
    return make_event().slug
