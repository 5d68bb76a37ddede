"""change stamps: a counter per watched set of rows, so processes may remember results

Revision ID: 0007_change_stamps
Revises: 0006_seats
Create Date: 2026-11-29 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_change_stamps'
down_revision = '0006_seats'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('change_stamps',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('token', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_change_stamps'))
    )


def downgrade():
    op.drop_table('change_stamps')
