"""classes that fit: the candidate series are read from their level index alone on PostgreSQL
(it carries the first date, modality and provider the conditions test)

Revision ID: 0027_class_series_candidates
Revises: 0026_writing_queue_index
Create Date: 2026-12-07 19:05:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = '0027_class_series_candidates'
down_revision = '0026_writing_queue_index'
branch_labels = None
depends_on = None

COVERED = ['first_date', 'modality', 'provider_id']


def upgrade():
    with op.batch_alter_table('class_series', schema=None) as batch_op:
        batch_op.drop_index('ix_class_series_level_last')
        batch_op.create_index(
            'ix_class_series_level_last',
            ['level', 'last_date'],
            unique=False,
            postgresql_include=COVERED,
        )


def downgrade():
    with op.batch_alter_table('class_series', schema=None) as batch_op:
        batch_op.drop_index('ix_class_series_level_last')
        batch_op.create_index('ix_class_series_level_last', ['level', 'last_date'], unique=False)
