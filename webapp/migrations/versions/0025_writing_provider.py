"""writing submissions and spoken answers keep their learner's provider, and those still
waiting for a reply have an index of their own (the teachers' queues and their counts)

Revision ID: 0025_writing_provider
Revises: 0024_listening_practice
Create Date: 2026-12-07 15:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_writing_provider'
down_revision = '0024_listening_practice'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('writing_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_writing_submissions_provider_id_organisations'), 'organisations', ['provider_id'], ['id'], ondelete='SET NULL')
    op.execute(
        "UPDATE writing_submissions SET provider_id = "
        "(SELECT users.organisation_id FROM users WHERE users.id = writing_submissions.learner_id)"
    )
    with op.batch_alter_table('writing_submissions', schema=None) as batch_op:
        batch_op.create_index('ix_writing_submissions_provider', ['provider_id', 'submitted_at'], unique=False)
        batch_op.create_index('ix_writing_submissions_waiting', ['provider_id', 'submitted_at', 'id'], unique=False, postgresql_where=sa.text('replied_at IS NULL'), sqlite_where=sa.text('replied_at IS NULL'))


    with op.batch_alter_table('speaking_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_speaking_answers_provider_id_organisations'), 'organisations', ['provider_id'], ['id'], ondelete='SET NULL')
    op.execute(
        "UPDATE speaking_answers SET provider_id = "
        "(SELECT users.organisation_id FROM users WHERE users.id = speaking_answers.learner_id)"
    )
    with op.batch_alter_table('speaking_answers', schema=None) as batch_op:
        batch_op.create_index('ix_speaking_answers_waiting', ['provider_id', 'submitted_at', 'id'], unique=False, postgresql_where=sa.text('replied_at IS NULL'), sqlite_where=sa.text('replied_at IS NULL'))


def downgrade():
    with op.batch_alter_table('speaking_answers', schema=None) as batch_op:
        batch_op.drop_index('ix_speaking_answers_waiting', postgresql_where=sa.text('replied_at IS NULL'), sqlite_where=sa.text('replied_at IS NULL'))
        batch_op.drop_constraint(batch_op.f('fk_speaking_answers_provider_id_organisations'), type_='foreignkey')
        batch_op.drop_column('provider_id')

    with op.batch_alter_table('writing_submissions', schema=None) as batch_op:
        batch_op.drop_index('ix_writing_submissions_waiting', postgresql_where=sa.text('replied_at IS NULL'), sqlite_where=sa.text('replied_at IS NULL'))
        batch_op.drop_index('ix_writing_submissions_provider')
        batch_op.drop_constraint(batch_op.f('fk_writing_submissions_provider_id_organisations'), type_='foreignkey')
        batch_op.drop_column('provider_id')
