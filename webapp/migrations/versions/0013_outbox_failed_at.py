"""outbox failed_at: a message given up on is marked with when, and last_error says why

Revision ID: 0013_outbox_failed_at
Revises: 0012_login_sessions
Create Date: 2026-12-07 05:10:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.db_types


# revision identifiers, used by Alembic.
revision = '0013_outbox_failed_at'
down_revision = '0012_login_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_at', webapp.db_types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('failed_at')
