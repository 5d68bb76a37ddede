"""placement skills: a level per skill (reading, listening, grammar) and the short writing task

Revision ID: 0016_placement_skills
Revises: 0015_review_support_language
Create Date: 2026-12-07 12:10:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.db_types


# revision identifiers, used by Alembic.
revision = '0016_placement_skills'
down_revision = '0015_review_support_language'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('placement_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reading_level', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('listening_level', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('grammar_level', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('writing_text', sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column('writing_at', webapp.db_types.UTCDateTime(), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('placement_results', schema=None) as batch_op:
        batch_op.drop_column('writing_at')
        batch_op.drop_column('writing_text')
        batch_op.drop_column('grammar_level')
        batch_op.drop_column('listening_level')
        batch_op.drop_column('reading_level')
