"""The JSON API under ``/api/v1``, described by ``/api/v1/openapi.json``."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# View modules register their routes on `bp` when imported (one import line per module).
from . import common  # noqa: E402,F401,I001 (one line per module: areas add theirs)
from . import openapi  # noqa: E402,F401
from . import events  # noqa: E402,F401
from . import registrations  # noqa: E402,F401
from . import public  # noqa: E402,F401
from . import matching  # noqa: E402,F401
