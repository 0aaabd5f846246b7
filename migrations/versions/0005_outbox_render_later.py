"""outbox render later: a registration's e-mail may be written by the worker that sends it

At scale the confirmation, confirm-your-address and waiting-list e-mails are queued as a
recipe (template, link token, the place given) and rendered on delivery, so that rendering
does not happen while the event's lock is held during a registration rush.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages') as batch_op:
        batch_op.add_column(sa.Column('render_later', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages') as batch_op:
        batch_op.drop_column('render_later')
