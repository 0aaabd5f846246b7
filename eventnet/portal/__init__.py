"""The attendee portal, reached through the secret manage link (``/r/<token>/...``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/r")

# View modules register their routes on `bp` when imported (one import line per module).
from . import (  # noqa: E402
    certificate,  # noqa: F401
    connections,  # noqa: F401
    manage,  # noqa: F401
    matching,  # noqa: F401
    privacy,  # noqa: F401
)
