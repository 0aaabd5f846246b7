"""The public side: event listings, event pages and registration."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import views  # noqa: E402,F401,I001 (one line per module)
from . import theme  # noqa: E402,F401
