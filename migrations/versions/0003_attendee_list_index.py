"""attendee list index: the organizer's list of an event, newest first, one page at a time

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:59:15.983334

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_registrations_event_created', 'registrations', ['event_id', 'created_at'], unique=False
    )


def downgrade():
    op.drop_index('ix_registrations_event_created', table_name='registrations')
