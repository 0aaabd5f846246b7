"""The transactional outbox: mail is written with the change that causes it, sent after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .enums import OutboxStatus
from .types import UTCDateTime, enum_column, utcnow


class OutboxMessage(db.Model):
    """One e-mail waiting to be delivered, or delivered, with its attempts."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), index=True)  # e.g. "confirmation"
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"filename", "content_type", "data_b64"}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    headers: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # Set while the message is still to be written: how to render it when it is sent
    # (`eventnet.services.notifications.render_deferred`); subject and bodies are empty.
    render_later: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # Makes scheduled mail idempotent: the same key is never queued twice.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="SET NULL"), index=True
    )
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    send_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "send_after"),)
