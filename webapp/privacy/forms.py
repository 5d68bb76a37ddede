"""Forms for asking for and carrying out an erasure."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SubmitField
from wtforms.validators import InputRequired

from webapp.forms import Form


class ErasureRequestForm(Form):
    """The learner asks for their data to be erased."""

    submit = SubmitField(_l("Ask for my data to be erased"))


class EraseForm(Form):
    """An administrator erases a learner; the box must be ticked."""

    confirm = BooleanField(
        _l("I understand that this cannot be undone."),
        validators=[InputRequired(message=_l("Tick the box to confirm."))],
    )
    submit = SubmitField(_l("Erase the learner's data"))
