"""Job functions the worker tests enqueue (importable by path, like real jobs)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import current_app

from eventnet.extensions import db
from eventnet.ops.logs import request_id_var


def describe_context(label: str) -> dict[str, object]:
    """Needs an app context: reads config and queries the app's database."""
    return {
        "label": label,
        "base_url": current_app.config["BASE_URL"],
        "database_answer": db.session.scalar(sa.text("SELECT 41 + 1")),
        "request_id": request_id_var.get(),
        "pid": os.getpid(),
    }


def fail_loudly() -> None:
    raise RuntimeError("job failed on purpose")
