"""The organizer area: every view requires a signed-in organizer of the event."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _require_login() -> None:
    """Every admin route needs a signed-in organizer; per-event checks happen in `load_event`."""


from . import views  # noqa: E402,F401,I001 (one line per module: areas add theirs)
from . import matching  # noqa: E402,F401
from . import event_views  # noqa: E402,F401
from . import attendee_views  # noqa: E402,F401
from . import checkin_views  # noqa: E402,F401
from . import badge_views  # noqa: E402,F401
from . import message_views  # noqa: E402,F401
from . import followup  # noqa: E402,F401
from . import reports  # noqa: E402,F401
from . import privacy  # noqa: E402,F401
from . import dashboard  # noqa: E402,F401
from . import appearance  # noqa: E402,F401
