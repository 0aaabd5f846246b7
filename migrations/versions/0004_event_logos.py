"""event logos: the organizers' image for an event's pages, re-encoded, in the database

One row per event (its own table so that loading an event never loads the image); the
accent colour already lives on events.accent_color.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 12:14:45.273508

"""
from alembic import op
import sqlalchemy as sa

import eventnet.models.types


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_logos',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('alt_text', sa.String(length=200), nullable=False),
    sa.Column('updated_at', eventnet.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("content_type IN ('image/png', 'image/webp')", name=op.f('ck_event_logos_raster_content_type')),
    sa.CheckConstraint('width > 0 AND height > 0', name=op.f('ck_event_logos_positive_size')),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_logos_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_logos'))
    )


def downgrade():
    op.drop_table('event_logos')
