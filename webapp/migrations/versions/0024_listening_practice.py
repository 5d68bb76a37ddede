"""listening practice: dictation and recorded-dialogue answers; whether a listening exercise
was heard or read; demo recordings made by a speech synthesizer are marked as such

Revision ID: 0024_listening_practice
Revises: 0023_teacher_messages
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.db_types


# revision identifiers, used by Alembic.
revision = '0024_listening_practice'
down_revision = '0023_teacher_messages'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('listening_answers',
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('lesson_id', sa.String(length=80), nullable=False),
    sa.Column('item_key', sa.String(length=40), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('correct', sa.Boolean(), nullable=False),
    sa.Column('first_try_correct', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('answered_at', webapp.db_types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_listening_answers_learner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_listening_answers_lesson_id_lessons'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('learner_id', 'lesson_id', 'item_key', name=op.f('pk_listening_answers'))
    )
    with op.batch_alter_table('exercise_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('by_ear', sa.Boolean(), nullable=True))
    with op.batch_alter_table('voice_recordings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('synthetic', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('voice_recordings', schema=None) as batch_op:
        batch_op.drop_column('synthetic')
    with op.batch_alter_table('exercise_answers', schema=None) as batch_op:
        batch_op.drop_column('by_ear')
    op.drop_table('listening_answers')
