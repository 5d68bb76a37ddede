"""player first try: an exercise's first try is stored, scores count first tries only, and a
lesson keeps its measured median minutes

Revision ID: 0018_player_first_try
Revises: 0017_evening_reminders
Create Date: 2026-12-07 12:20:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_player_first_try'
down_revision = '0017_evening_reminders'
branch_labels = None
depends_on = None

GRADABLE = {"choice", "fill", "match", "order", "listen", "dialogue"}


def upgrade():
    with op.batch_alter_table('exercise_answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_try_correct', sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column('right_again', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('measured_minutes', sa.Integer(), nullable=True))

    # Backfill: more than one attempt means the first was wrong; one right attempt was right.
    answers = sa.table(
        'exercise_answers',
        sa.column('learner_id', sa.Integer),
        sa.column('lesson_id', sa.String),
        sa.column('correct', sa.Boolean),
        sa.column('first_try_correct', sa.Boolean),
        sa.column('attempts', sa.Integer),
    )
    op.execute(
        answers.update()
        .where(answers.c.correct.is_not(None), answers.c.attempts > 1)
        .values(first_try_correct=False)
    )
    op.execute(
        answers.update()
        .where(answers.c.correct.is_not(None), answers.c.attempts == 1)
        .values(first_try_correct=answers.c.correct)
    )

    # Scores become first-try scores: the percent of a lesson's gradable exercises right the
    # first time. Completion already reached is kept.
    lessons = sa.table('lessons', sa.column('id', sa.String), sa.column('content', sa.Text))
    progress = sa.table(
        'lesson_progress',
        sa.column('learner_id', sa.Integer),
        sa.column('lesson_id', sa.String),
        sa.column('best_score', sa.Integer),
    )
    bind = op.get_bind()
    gradable = {}
    for lesson_id, content in bind.execute(sa.select(lessons.c.id, lessons.c.content)):
        exercises = json.loads(content or "{}").get("exercises", [])
        gradable[lesson_id] = sum(1 for e in exercises if e.get("type") in GRADABLE)
    right = sa.select(
        answers.c.learner_id, answers.c.lesson_id, sa.func.count().label('n')
    ).where(answers.c.first_try_correct.is_(True)).group_by(answers.c.learner_id, answers.c.lesson_id)
    counts = {(row.learner_id, row.lesson_id): row.n for row in bind.execute(right)}
    for learner_id, lesson_id in bind.execute(
        sa.select(progress.c.learner_id, progress.c.lesson_id)
    ).all():
        total = gradable.get(lesson_id, 0)
        score = round(100 * min(counts.get((learner_id, lesson_id), 0), total) / total) if total else 0
        bind.execute(
            progress.update()
            .where(progress.c.learner_id == learner_id, progress.c.lesson_id == lesson_id)
            .values(best_score=score)
        )


def downgrade():
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('measured_minutes')
    with op.batch_alter_table('exercise_answers', schema=None) as batch_op:
        batch_op.drop_column('right_again')
        batch_op.drop_column('first_try_correct')
