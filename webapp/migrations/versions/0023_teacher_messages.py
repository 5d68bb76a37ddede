"""teacher messages: a teacher writes to a series, a session's booked learners or a group; each
learner's copy records when they opened it

Revision ID: 0023_teacher_messages
Revises: 0022_oidc_identities
Create Date: 2026-12-07 13:10:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.db_types


# revision identifiers, used by Alembic.
revision = '0023_teacher_messages'
down_revision = '0022_oidc_identities'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('teacher_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', webapp.db_types.UTCDateTime(), nullable=False),
    sa.CheckConstraint('length(body) > 0', name=op.f('ck_teacher_messages_message_not_empty')),
    sa.CheckConstraint('(CASE WHEN series_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN session_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_teacher_messages_message_to_one_audience')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_teacher_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['group_id'], ['teaching_groups.id'], name=op.f('fk_teacher_messages_group_id_teaching_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['organisations.id'], name=op.f('fk_teacher_messages_provider_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['class_series.id'], name=op.f('fk_teacher_messages_series_id_class_series'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['class_sessions.id'], name=op.f('fk_teacher_messages_session_id_class_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teacher_messages'))
    )
    with op.batch_alter_table('teacher_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_teacher_messages_provider_id'), ['provider_id'], unique=False)

    op.create_table('teacher_message_recipients',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('learner_id', sa.Integer(), nullable=False),
    sa.Column('read_at', webapp.db_types.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_teacher_message_recipients_learner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['teacher_messages.id'], name=op.f('fk_teacher_message_recipients_message_id_teacher_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'learner_id', name=op.f('pk_teacher_message_recipients'))
    )
    with op.batch_alter_table('teacher_message_recipients', schema=None) as batch_op:
        batch_op.create_index('ix_teacher_message_recipients_learner', ['learner_id', 'message_id'], unique=False)


def downgrade():
    with op.batch_alter_table('teacher_message_recipients', schema=None) as batch_op:
        batch_op.drop_index('ix_teacher_message_recipients_learner')

    op.drop_table('teacher_message_recipients')
    with op.batch_alter_table('teacher_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_teacher_messages_provider_id'))

    op.drop_table('teacher_messages')
