"""no change stamps: pages are worked out on every visit, nothing is remembered per process

Revision ID: 0008_no_change_stamps
Revises: 0007_change_stamps
Create Date: 2026-12-07 04:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_no_change_stamps'
down_revision = '0007_change_stamps'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('change_stamps')


def downgrade():
    op.create_table('change_stamps',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('token', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_change_stamps'))
    )
