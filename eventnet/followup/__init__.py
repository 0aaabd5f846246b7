"""After the event, reached from e-mailed links (no login): the feedback survey, the
"what came of it?" follow-ups, and one-click unsubscribe (``/f/...``).

Each link carries its own 256-bit token (only its hash is stored, see
`eventnet.services.tokens`); the pages are never cached and never indexed.
"""

from __future__ import annotations

from flask import Blueprint
from werkzeug.wrappers import Response

bp = Blueprint("followup", __name__, url_prefix="/f")


@bp.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


from . import views  # noqa: E402,F401
