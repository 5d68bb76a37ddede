"""Forms for groups, assignments and replies to free writing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _pl
from wtforms import DateField, EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from webapp.forms import Form
from webapp.teaching.services import MAX_REPLY


class GroupForm(Form):
    """A new group: a name, and the class series whose learners it follows, if any."""

    name = StringField(
        _l("Name of the group"),
        validators=[
            InputRequired(message=_l("Give the group a name.")),
            Length(max=120, message=_l("Keep it under 120 characters.")),
        ],
    )
    series = SelectField(_l("Class"))
    teacher = SelectField(_l("Teacher"))
    submit = SubmitField(_l("Create the group"))


class MemberForm(Form):
    """Add a learner to a group by their e-mail address."""

    email = EmailField(
        _l("The learner's e-mail address"),
        validators=[
            InputRequired(message=_l("Enter an e-mail address.")),
            Length(max=254, message=_l("Keep it under 254 characters.")),
        ],
    )
    submit = SubmitField(_l("Add to the group"))


class AssignmentForm(Form):
    """Assign a lesson, a track or a level to the group or one learner, due on a day."""

    content = SelectField(_l("What to do"))
    learner = SelectField(_l("Who gets the work"))
    due_date = DateField(_l("Due date"), validators=[InputRequired(message=_l("Enter a date."))])
    submit = SubmitField(_l("Assign"))


class ReplyForm(Form):
    """The teacher's reply to a learner's text."""

    reply = TextAreaField(
        _l("Your reply"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(message=_l("Write a reply.")),
            Length(max=MAX_REPLY, message=_l("Keep it under 4,000 characters.")),
        ],
    )
    submit = SubmitField(_l("Send the reply"))


class MessageForm(Form):
    """A message to a class series, one session's booked learners or a group."""

    audience = SelectField(
        _pl("message recipients", "To"),
        validators=[InputRequired(message=_l("Choose who gets it."))],
    )
    body = TextAreaField(
        _l("Message"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(message=_l("Write a message.")),
            Length(max=2000, message=_l("Keep it under 2,000 characters.")),
        ],
    )
    submit = SubmitField(_l("Send the message"))
