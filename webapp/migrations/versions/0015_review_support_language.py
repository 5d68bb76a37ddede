"""learner support language: the language lessons translate into, chosen by the learner;
reverse review cards made before their word was recalled are withdrawn (they come back when it is)

Revision ID: 0015_review_support_language
Revises: 0014_series_timetable
Create Date: 2026-12-07 12:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_review_support_language'
down_revision = '0014_series_timetable'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('learner_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('support_language', sa.String(length=2), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_learner_profiles_known_support_language'),
            "support_language IS NULL OR support_language IN ('uk', 'ru', 'en')",
        )
    # A word's reverse card is now made once its forward card has been recalled (rated good or
    # easy). Reverse cards made earlier, never reviewed, for words not yet recalled are removed:
    # they hold nothing the learner did, and the next recall makes them again.
    op.execute(
        """
        DELETE FROM vocab_cards
        WHERE direction = 'to_nb' AND reviews = 0 AND NOT EXISTS (
            SELECT 1 FROM vocab_cards AS forward
            JOIN vocab_reviews ON vocab_reviews.card_id = forward.id
            WHERE forward.learner_id = vocab_cards.learner_id
              AND forward.word_nb = vocab_cards.word_nb
              AND forward.direction = 'from_nb'
              AND vocab_reviews.rating >= 3
        )
        """
    )


def downgrade():
    # The withdrawn reverse cards are not made again: the next recall of each word does that.
    with op.batch_alter_table('learner_profiles', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_learner_profiles_known_support_language'), type_='check')
        batch_op.drop_column('support_language')
