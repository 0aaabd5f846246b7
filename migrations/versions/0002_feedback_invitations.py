"""feedback invitations: the survey's secret link and its scheduled mails

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 11:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import eventnet.models.types


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feedback_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('sent_at', eventnet.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminder_sent_at', eventnet.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', eventnet.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_feedback_invitations_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_feedback_invitations_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_invitations')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_feedback_invitations_registration_id')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feedback_invitations_token_hash'))
    )
    with op.batch_alter_table('feedback_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_invitations_event_id'), ['event_id'], unique=False)


def downgrade():
    with op.batch_alter_table('feedback_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_invitations_event_id'))

    op.drop_table('feedback_invitations')
