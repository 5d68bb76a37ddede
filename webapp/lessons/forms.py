"""Forms of the lesson player: each exercise posts its answer with a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.forms import Form
from webapp.learners.levels import Level

MAX_ANSWER_LENGTH = 4000
MAX_WRITING_LENGTH = 2000


class AnswerForm(Form):
    """Carries the CSRF token; the answer fields depend on the exercise type."""

    submit = SubmitField(_l("Check"))


class ReviewForm(Form):
    """A rating for a review card."""


class LevelForm(Form):
    """A teacher sets a learner's current level by hand."""

    level = SelectField(_l("Level now"), choices=[(level.value, level.value) for level in Level])
    submit = SubmitField(_l("Set the level"))


# Each language under its own name, so a learner finds theirs whatever the interface shows.
SUPPORT_LANGUAGE_CHOICES = [("uk", "Українська"), ("ru", "Русский"), ("en", "English")]


class SupportLanguageForm(Form):
    """The language translations, word meanings and review answers are shown in."""

    language = RadioField(
        _l("Show translations and word meanings in"),
        choices=SUPPORT_LANGUAGE_CHOICES,
        validators=[DataRequired(message=_l("Choose a language."))],
    )
    next = HiddenField()
    submit = SubmitField(_l("Save"))
    skip = SubmitField(_l("Skip for now"))


class PlacementWritingForm(Form):
    """The placement test's short writing task, kept for the learner's teachers to mark."""

    text = TextAreaField(
        _l("Your text"), validators=[InputRequired(), Length(min=20, max=MAX_WRITING_LENGTH)]
    )
    submit = SubmitField(_l("Send to my teacher"))
