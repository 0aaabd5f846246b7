"""The attendee portal, reached through the secret manage link (``/r/<token>/...``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/r")

# View modules register their routes on `bp` when imported (one import line per module).
from . import matching  # noqa: E402,F401
from . import manage  # noqa: E402,F401
from . import privacy  # noqa: E402,F401
from . import certificate  # noqa: E402,F401
from . import connections  # noqa: E402,F401
