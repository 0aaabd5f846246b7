"""Background work (reports, matching) with progress the page can show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .enums import JobStatus
from .types import UTCDateTime, enum_column, utcnow


class BackgroundJob(db.Model):
    """A job's state lives in the database so any app server can show its progress."""

    __tablename__ = "background_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))  # "event_report", "matching", ...
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizer_accounts.id", ondelete="SET NULL")
    )
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), default=JobStatus.QUEUED
    )
    progress: Mapped[int] = mapped_column(default=0)  # 0..100
    message: Mapped[str] = mapped_column(sa.String(300), default="")
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    result_path: Mapped[str | None] = mapped_column(sa.String(300))
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
