"""Forms for recordings: a take of a lesson text, a spoken answer, a teacher's reply."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from webapp.forms import Form
from webapp.recordings.services import MAX_REPLY


class TakeForm(Form):
    """A teacher's recording of one text of a lesson."""

    text = HiddenField(validators=[InputRequired(), Length(max=40)])
    audio = FileField(_l("Recording"))
    submit = SubmitField(_l("Save the recording"))


class AnswerForm(Form):
    """A learner's spoken answer."""

    audio = FileField(_l("Your answer"))
    submit = SubmitField(_l("Send to my teacher"))


class ReplyForm(Form):
    """A teacher's reply to a spoken answer: text, a recording, or both."""

    reply = TextAreaField(
        _l("Your reply"),
        validators=[Length(max=MAX_REPLY, message=_l("Keep it under 4,000 characters."))],
    )
    audio = FileField(_l("Reply with a recording"))
    submit = SubmitField(_l("Send the reply"))


class ActionForm(Form):
    """A button that changes something (publish, approve, withdraw, delete): CSRF only."""

    submit = SubmitField(_l("Confirm"))
