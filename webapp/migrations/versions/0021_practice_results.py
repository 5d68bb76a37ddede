"""practice results: a learner's attempts at the practice sets in the Norwegian test's format,
and practice texts among the free writing sent to teachers

Revision ID: 0021_practice_results
Revises: 0020_books_rule_v2
Create Date: 2026-12-07 13:00:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.db_types


# revision identifiers, used by Alembic.
revision = '0021_practice_results'
down_revision = '0020_books_rule_v2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('practice_results',
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('set_id', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('first_score', sa.Integer(), nullable=True),
    sa.Column('best_score', sa.Integer(), nullable=True),
    sa.Column('last_correct', sa.Integer(), nullable=True),
    sa.Column('last_scored', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('last_answers', sa.Text(), nullable=False),
    sa.Column('practised', sa.Text(), nullable=False),
    sa.Column('updated_at', webapp.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('best_score >= 0 AND best_score <= 100', name=op.f('ck_practice_results_best_score_percent')),
    sa.CheckConstraint('first_score >= 0 AND first_score <= 100', name=op.f('ck_practice_results_first_score_percent')),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_practice_results_learner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('learner_id', 'set_id', name=op.f('pk_practice_results'))
    )
    with op.batch_alter_table('writing_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('practice_set', sa.String(length=20), nullable=True))
        batch_op.alter_column('lesson_id', existing_type=sa.String(length=80), nullable=True)
        batch_op.create_check_constraint(
            op.f('ck_writing_submissions_lesson_or_practice'), '(lesson_id IS NULL) <> (practice_set IS NULL)'
        )


def downgrade():
    op.execute("DELETE FROM writing_submissions WHERE lesson_id IS NULL")
    with op.batch_alter_table('writing_submissions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_writing_submissions_lesson_or_practice'), type_='check')
        batch_op.alter_column('lesson_id', existing_type=sa.String(length=80), nullable=False)
        batch_op.drop_column('practice_set')
    op.drop_table('practice_results')
