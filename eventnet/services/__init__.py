"""Use cases. Each service owns its transaction, takes ``now`` as an argument, returns plain
data or raises a `DomainError` whose message is translatable and safe to show."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain said no; ``message`` is shown to the user, ``field`` names the input."""

    status_code = 409

    def __init__(self, message: str, field: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class NotFound(DomainError):
    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class TryAgain(DomainError):
    """A lock could not be had in time: the request is safe to repeat."""

    status_code = 503
