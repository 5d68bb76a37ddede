"""learner support language: the language lessons translate into, chosen by the learner

Revision ID: 0014_review_support_language
Revises: 0013_outbox_failed_at
Create Date: 2026-12-07 12:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_review_support_language'
down_revision = '0013_outbox_failed_at'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('learner_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('support_language', sa.String(length=2), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_learner_profiles_known_support_language'),
            "support_language IS NULL OR support_language IN ('uk', 'ru', 'en')",
        )


def downgrade():
    with op.batch_alter_table('learner_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_learner_profiles_known_support_language'), type_='check')
        batch_op.drop_column('support_language')
