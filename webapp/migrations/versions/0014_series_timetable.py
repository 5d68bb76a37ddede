"""series timetable: each series' sessions ahead counted by kind, for classes that fit

Revision ID: 0014_series_timetable
Revises: 0013_outbox_failed_at
Create Date: 2026-12-07 12:30:00

"""
from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import webapp.db_types
from scheduling.timetable import TimedSession, summarise, week_counts_text

# revision identifiers, used by Alembic.
revision = '0014_series_timetable'
down_revision = '0013_outbox_failed_at'
branch_labels = None
depends_on = None


def upgrade():
    timetable = op.create_table(
        'class_series_timetable',
        sa.Column('series_id', sa.Integer(), nullable=False),
        sa.Column('weekday', sa.Integer(), nullable=False),
        sa.Column('start_local', sa.Time(), nullable=False),
        sa.Column('end_local', sa.Time(), nullable=False),
        sa.Column('next_start', webapp.db_types.UTCDateTime(), nullable=False),
        sa.Column('first_date', sa.Date(), nullable=False),
        sa.Column('last_date', sa.Date(), nullable=False),
        sa.Column('sessions', sa.Integer(), nullable=False),
        sa.Column('week_counts', sa.String(length=120), nullable=False),
        sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_class_series_timetable_weekday_range')),
        sa.CheckConstraint('sessions > 0', name=op.f('ck_class_series_timetable_some_sessions')),
        sa.ForeignKeyConstraint(['series_id'], ['class_series.id'], name=op.f('fk_class_series_timetable_series_id_class_series'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('series_id', 'weekday', 'start_local', 'end_local', name=op.f('pk_class_series_timetable')),
    )
    with op.batch_alter_table('class_series_timetable', schema=None) as batch_op:
        batch_op.create_index('ix_class_series_timetable_next_start', ['next_start'], unique=False)
    # Fill it from the sessions ahead, as the application would.
    sessions = sa.table(
        'class_sessions',
        sa.column('series_id', sa.Integer()),
        sa.column('local_date', sa.Date()),
        sa.column('start_local', sa.Time()),
        sa.column('end_local', sa.Time()),
        sa.column('starts_at', webapp.db_types.UTCDateTime()),
        sa.column('status', sa.String()),
    )
    now = datetime.now(UTC)
    ahead = defaultdict(list)
    for row in op.get_bind().execute(
        sa.select(
            sessions.c.series_id,
            sessions.c.local_date,
            sessions.c.start_local,
            sessions.c.end_local,
            sessions.c.starts_at,
        ).where(sessions.c.status == 'scheduled', sessions.c.starts_at > now)
    ):
        ahead[row.series_id].append(
            TimedSession(row.local_date, row.start_local, row.end_local, row.starts_at)
        )
    rows = [
        {
            'series_id': series_id,
            'weekday': kind.weekday,
            'start_local': kind.start_local,
            'end_local': kind.end_local,
            'next_start': kind.next_start,
            'first_date': kind.first_date,
            'last_date': kind.last_date,
            'sessions': kind.sessions,
            'week_counts': week_counts_text(kind.week_counts),
        }
        for series_id, members in ahead.items()
        for kind in summarise(members)
    ]
    if rows:
        op.bulk_insert(timetable, rows)


def downgrade():
    with op.batch_alter_table('class_series_timetable', schema=None) as batch_op:
        batch_op.drop_index('ix_class_series_timetable_next_start')
    op.drop_table('class_series_timetable')
