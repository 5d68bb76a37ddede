"""Forms for creating organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _pl
from sqlalchemy import func, or_, select
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError

from webapp.extensions import db
from webapp.forms import Form
from webapp.i18n.labels import KIND_LABELS, choices
from webapp.organisations.models import Organisation, OrganisationKind


class OrganisationForm(Form):
    """A new municipality, provider or municipal centre."""

    name = StringField(
        _pl("organisation", "Name"),
        validators=[
            InputRequired(message=_pl("organisation", "Enter the organisation's name.")),
            Length(max=120, message=_l("The name can be at most 120 characters long.")),
            Regexp(r".*\S.*", message=_pl("organisation", "Enter the organisation's name.")),
        ],
    )
    kind = SelectField(_l("Kind"), choices=lambda: choices(KIND_LABELS))
    municipality_number = StringField(
        _l("Municipality number"),
        # No Optional(): it would stop the chain before validate_municipality_number runs.
        validators=[
            Regexp(
                r"^([0-9]{4})?$", message=_l("A municipality number has four digits, like 0301.")
            ),
        ],
    )
    submit = SubmitField(_l("Create"))

    def validate_name(self, field: StringField) -> None:
        name = (field.data or "").strip()
        exists = db.session.scalar(
            select(Organisation.id).where(
                # SQLite's lower() folds only ASCII: compare exactly too (Ålesund, Ørland, ...)
                or_(Organisation.name == name, func.lower(Organisation.name) == name.lower())
            )
        )
        if exists:
            raise ValidationError(_l("An organisation with this name already exists."))

    def validate_municipality_number(self, field: StringField) -> None:
        if self.kind.data != OrganisationKind.PROVIDER.value and not field.data:
            raise ValidationError(_l("A municipality needs its four-digit municipality number."))
        if field.data and db.session.scalar(
            select(Organisation.id).where(Organisation.municipality_number == field.data)
        ):
            raise ValidationError(_l("Another organisation already has this municipality number."))
