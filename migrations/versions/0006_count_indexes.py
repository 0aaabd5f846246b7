"""count indexes: the places taken and the end of the queue, counted at every registration

Under a registration rush the places are counted under the event's lock at every
registration. For a new event PostgreSQL has no statistics yet, costed every index on
(event_id, ...) alike and picked ones that read the whole waiting list, so the count grew
with the queue. Two partial indexes fit the two parts of the count and nothing else: the
registrations holding a place (confirmed or pending), and the waiting list (the rows with a
position), which replaces the full index on (event_id, role, waitlist_position).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 22:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

HOLDING = "status IN ('confirmed', 'pending')"
QUEUED = "waitlist_position IS NOT NULL"


def upgrade():
    op.create_index(
        'ix_registrations_event_holding',
        'registrations',
        ['event_id', 'role'],
        unique=False,
        sqlite_where=sa.text(HOLDING),
        postgresql_where=sa.text(HOLDING),
    )
    op.create_index(
        'ix_registrations_event_queue',
        'registrations',
        ['event_id', 'role', 'waitlist_position'],
        unique=False,
        sqlite_where=sa.text(QUEUED),
        postgresql_where=sa.text(QUEUED),
    )
    op.drop_index('ix_registrations_event_waitlist', table_name='registrations')


def downgrade():
    op.create_index(
        'ix_registrations_event_waitlist',
        'registrations',
        ['event_id', 'role', 'waitlist_position'],
        unique=False,
    )
    op.drop_index('ix_registrations_event_queue', table_name='registrations')
    op.drop_index('ix_registrations_event_holding', table_name='registrations')
