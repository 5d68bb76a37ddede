"""classes that fit: each stored timetable row keeps the whole hours its sessions touch, so that
the database ranks series against a learner's free hours

Revision ID: 0028_timetable_hours_mask
Revises: 0027_class_series_candidates
Create Date: 2026-12-07 21:50:00

"""

import sqlalchemy as sa
from alembic import op

from scheduling.availability import hours_mask

# revision identifiers, used by Alembic.
revision = '0028_timetable_hours_mask'
down_revision = '0027_class_series_candidates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('class_series_timetable', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('hours_mask', sa.Integer(), server_default='0', nullable=False)
        )
    timetable = sa.table(
        'class_series_timetable',
        sa.column('start_local', sa.Time()),
        sa.column('end_local', sa.Time()),
        sa.column('hours_mask', sa.Integer()),
    )
    connection = op.get_bind()
    times = connection.execute(
        sa.select(timetable.c.start_local, timetable.c.end_local).distinct()
    ).all()
    for start, end in times:
        connection.execute(
            timetable.update()
            .where(timetable.c.start_local == start, timetable.c.end_local == end)
            .values(hours_mask=hours_mask(start, end))
        )


def downgrade():
    with op.batch_alter_table('class_series_timetable', schema=None) as batch_op:
        batch_op.drop_column('hours_mask')
