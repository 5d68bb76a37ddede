"""audio recordings: teachers' recordings of lesson texts, learners' spoken answers, voice permission

Revision ID: 0019_audio_recordings
Revises: 0018_player_first_try
Create Date: 2026-12-07 12:40:00

"""
from alembic import op
import sqlalchemy as sa

import webapp.db_types


# revision identifiers, used by Alembic.
revision = '0019_audio_recordings'
down_revision = '0018_player_first_try'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'voice_recordings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('text', sa.String(length=1000), nullable=False),
        sa.Column('text_key', sa.String(length=40), nullable=False),
        sa.Column('storage_key', sa.String(length=200), nullable=False),
        sa.Column('mime_type', sa.String(length=20), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column(
            'status',
            sa.Enum('draft', 'published', 'withdrawn', name='recording_status',
                    native_enum=False, create_constraint=True, length=9),
            nullable=False,
        ),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', webapp.db_types.UTCDateTime(), nullable=False),
        sa.Column('published_at', webapp.db_types.UTCDateTime(), nullable=True),
        sa.Column('approved_by_id', sa.Integer(), nullable=True),
        sa.Column('approved_at', webapp.db_types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_voice_recordings_approved_by_id_users'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_voice_recordings_lesson_id_lessons'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_voice_recordings_recorded_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_voice_recordings')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_voice_recordings_storage_key')),
    )
    with op.batch_alter_table('voice_recordings', schema=None) as batch_op:
        batch_op.create_index('ix_voice_recordings_lookup', ['lesson_id', 'text_key', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_voice_recordings_recorded_by_id'), ['recorded_by_id'], unique=False)

    op.create_table(
        'speaking_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('lesson_id', sa.String(length=80), nullable=False),
        sa.Column('storage_key', sa.String(length=200), nullable=False),
        sa.Column('mime_type', sa.String(length=20), nullable=False),
        sa.Column('seconds', sa.Float(), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('submitted_at', webapp.db_types.UTCDateTime(), nullable=False),
        sa.Column('reply_text', sa.Text(), nullable=True),
        sa.Column('reply_key', sa.String(length=200), nullable=True),
        sa.Column('reply_mime_type', sa.String(length=20), nullable=True),
        sa.Column('replied_by_id', sa.Integer(), nullable=True),
        sa.Column('replied_at', webapp.db_types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['learner_id'], ['users.id'], name=op.f('fk_speaking_answers_learner_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['lesson_id'], ['lessons.id'], name=op.f('fk_speaking_answers_lesson_id_lessons'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['replied_by_id'], ['users.id'], name=op.f('fk_speaking_answers_replied_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_speaking_answers')),
        sa.UniqueConstraint('storage_key', name=op.f('uq_speaking_answers_storage_key')),
    )
    with op.batch_alter_table('speaking_answers', schema=None) as batch_op:
        batch_op.create_index('ix_speaking_answers_queue', ['replied_at', 'submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_speaking_answers_learner_id'), ['learner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_speaking_answers_submitted_at'), ['submitted_at'], unique=False)

    op.create_table(
        'voice_permissions',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('granted_at', webapp.db_types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_voice_permissions_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_voice_permissions')),
    )


def downgrade():
    op.drop_table('voice_permissions')
    with op.batch_alter_table('speaking_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaking_answers_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_speaking_answers_learner_id'))
        batch_op.drop_index('ix_speaking_answers_queue')
    op.drop_table('speaking_answers')
    with op.batch_alter_table('voice_recordings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voice_recordings_recorded_by_id'))
        batch_op.drop_index('ix_voice_recordings_lookup')
    op.drop_table('voice_recordings')
