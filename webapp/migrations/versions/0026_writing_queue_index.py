"""texts keep whether they wait for a reply as a column, and the teachers' list reads its page
from one index in its own order (waiting first, newest first) instead of sorting every text of
the provider; that index replaces the provider index

Revision ID: 0026_writing_queue_index
Revises: 0025_writing_provider
Create Date: 2026-12-07 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_writing_queue_index'
down_revision = '0025_writing_provider'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('writing_submissions', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('waiting', sa.Boolean(), server_default=sa.true(), nullable=False)
        )
    op.execute(
        sa.text('UPDATE writing_submissions SET waiting = :no WHERE replied_at IS NOT NULL')
        .bindparams(no=False)
    )
    with op.batch_alter_table('writing_submissions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_writing_submissions_queue',
            ['provider_id', 'waiting', 'submitted_at', 'id'],
            unique=False,
        )
        batch_op.drop_index('ix_writing_submissions_provider')


def downgrade():
    with op.batch_alter_table('writing_submissions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_writing_submissions_provider', ['provider_id', 'submitted_at'], unique=False
        )
        batch_op.drop_index('ix_writing_submissions_queue')
        batch_op.drop_column('waiting')
