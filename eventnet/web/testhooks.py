"""A test-only pause inside the registration transaction, for the crash-safety test.

``EVENTNET_TEST_PAUSE_SECONDS=N`` makes a registration whose e-mail starts with
``pause-before-`` sleep N seconds after its rows are written and before COMMIT, and one
starting with ``pause-after-`` sleep after COMMIT and before its mail is delivered, so
``tests/security/test_crash_safety.py`` can SIGKILL the gunicorn worker at those moments.
Off unless the variable is set; the app refuses to start with it in production.
"""

from __future__ import annotations

import os
import time
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

ENV_VAR = "EVENTNET_TEST_PAUSE_SECONDS"


def install(app: Flask) -> None:
    if app.config.get("ENV") == "production":
        from ..config import ConfigError

        raise ConfigError(f"{ENV_VAR} is a test hook and is refused in production")
    seconds = float(os.environ[ENV_VAR])

    def _marked(session: Session, prefix: str) -> bool:
        from ..models import Registration

        return any(
            isinstance(o, Registration) and str(o.email).startswith(prefix)
            for o in [*session.new, *session.identity_map.values()]
        )

    # before_commit/after_commit also fire when a SAVEPOINT is released (queue_mail uses
    # one): only the outermost COMMIT counts, and each request pauses at most once.
    @event.listens_for(Session, "before_commit")
    def _pause_before_commit(session: Session) -> None:
        if session.in_nested_transaction() or session.info.get("_paused"):
            return
        session.flush()
        session.info["_pause_after_commit"] = _marked(session, "pause-after-")
        if _marked(session, "pause-before-"):
            session.info["_paused"] = True
            time.sleep(seconds)

    @event.listens_for(Session, "after_commit")
    def _pause_after_commit(session: Session) -> Any:
        if session.info.pop("_pause_after_commit", False) and not session.info.get("_paused"):
            session.info["_paused"] = True
            time.sleep(seconds)
