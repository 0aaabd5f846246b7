"""An event's logo: the organizers' image, re-encoded on upload, kept in the database.

In the database rather than under ``instance/`` so that every app server of a deployment
serves it (the design keeps all state in PostgreSQL and Redis). Small by construction: the
upload is limited and re-encoded to at most 640x240 pixels. Its own table so loading an
event never loads the image. The accent colour lives on `Event.accent_color`.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class EventLogo(db.Model):
    __tablename__ = "event_logos"

    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), primary_key=True
    )
    content_type: Mapped[str] = mapped_column(sa.String(32))  # image/png or image/webp
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    alt_text: Mapped[str] = mapped_column(sa.String(200), default="")  # "" = decorative
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("width > 0 AND height > 0", name="positive_size"),
        sa.CheckConstraint(
            "content_type IN ('image/png', 'image/webp')", name="raster_content_type"
        ),
    )
