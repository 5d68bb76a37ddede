"""class fit indexes: classes that fit read a series' sessions ahead from one index; series
dates span every session

Revision ID: 0010_class_fit_indexes
Revises: 0009_overview_columns
Create Date: 2026-12-07 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_class_fit_indexes'
down_revision = '0009_overview_columns'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.create_index(
            'ix_class_sessions_timetable',
            ['series_id', 'status', 'starts_at', 'local_date', 'start_local', 'end_local'],
            unique=False,
        )
    # A series' first and last dates now span every session, extra dates outside the pattern's
    # too: classes that fit choose series by them without reading their sessions.
    for column, widest, beyond in (('first_date', 'min', '<'), ('last_date', 'max', '>')):
        edge = (
            f'(SELECT {widest}(class_sessions.local_date) FROM class_sessions'
            ' WHERE class_sessions.series_id = class_series.id)'
        )
        op.execute(
            sa.text(
                f'UPDATE class_series SET {column} = {edge} WHERE {edge} {beyond} {column}'
            )
        )


def downgrade():
    # The widened dates stay: they describe the same sessions.
    with op.batch_alter_table('class_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_class_sessions_timetable')
