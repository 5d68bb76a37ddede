"""Forms for logging in, passwords, joining with an invitation, the profile and staff accounts."""

from __future__ import annotations

from datetime import date

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from webapp.accounts.passwords import MAX_LENGTH, PasswordProblem, password_problem
from webapp.accounts.services import email_taken
from webapp.clock import oslo_today
from webapp.forms import Form
from webapp.i18n.labels import EDUCATION_LABELS, EMPLOYMENT_LABELS, FIRST_LANGUAGE_LABELS, choices
from webapp.i18n.locales import locale_choices

PASSWORD_MESSAGES = {
    PasswordProblem.TOO_SHORT: _l("The password must be at least 10 characters long."),
    PasswordProblem.TOO_LONG: _l("The password can be at most 256 characters long."),
    PasswordProblem.COMMON: _l("This password is too common. Choose one that is harder to guess."),
    PasswordProblem.PERSONAL: _l("The password must not contain your name or e-mail address."),
    PasswordProblem.REPETITIVE: _l("The password repeats the same characters. Choose another."),
}


class StrongPassword:
    """Validator: applies the password rules, using the form's e-mail and name when present."""

    def __call__(self, form: Form, field: PasswordField) -> None:
        email = getattr(getattr(form, "email", None), "data", "") or getattr(form, "_email", "")
        name = getattr(getattr(form, "name", None), "data", "") or getattr(form, "_name", "")
        problem = password_problem(field.data or "", email or "", name or "")
        if problem is not None:
            raise ValidationError(PASSWORD_MESSAGES[problem])


def education_choices() -> list[tuple[str, LazyString]]:
    """Education levels with translated labels."""
    return choices(EDUCATION_LABELS)


def first_language_choices() -> list[tuple[str, LazyString]]:
    """First languages with translated labels."""
    return choices(FIRST_LANGUAGE_LABELS)


def employment_choices() -> list[tuple[str, LazyString]]:
    """Work situations with translated labels."""
    return choices(EMPLOYMENT_LABELS)


EMAIL_VALIDATORS = [
    InputRequired(message=_l("Enter your e-mail address.")),
    Length(max=254, message=_l("The e-mail address is too long.")),
    Email(
        message=_l("Enter a valid e-mail address, like name@example.no."),
        check_deliverability=False,
    ),
]


class LoginForm(Form):
    """E-mail and password."""

    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)
    password = PasswordField(
        _l("Password"),
        validators=[
            InputRequired(message=_l("Enter your password.")),
            Length(max=MAX_LENGTH, message=_l("The password can be at most 256 characters long.")),
        ],
    )
    next = HiddenField()
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(Form):
    """Ask for a reset link."""

    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(Form):
    """Choose a new password (reset link or first log-in)."""

    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Choose a password.")), StrongPassword()],
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[
            InputRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )
    submit = SubmitField(_l("Save the password"))


class ChangePasswordForm(NewPasswordForm):
    """Change a password while logged in: the current one is needed."""

    current = PasswordField(
        _l("Current password"),
        validators=[
            InputRequired(message=_l("Enter your current password.")),
            Length(max=MAX_LENGTH, message=_l("The password can be at most 256 characters long.")),
        ],
    )
    submit = SubmitField(_l("Change the password"))


NAME_VALIDATORS = [
    InputRequired(message=_l("Enter a name.")),
    Length(max=120, message=_l("The name can be at most 120 characters long.")),
    Regexp(r".*\S.*", message=_l("Enter a name.")),
]


class ProfileForm(Form):
    """Name and interface language."""

    name = StringField(_l("Name"), validators=NAME_VALIDATORS)
    locale = SelectField(_l("Language"), choices=locale_choices)
    submit = SubmitField(_l("Save"))


class InvitationCodeForm(Form):
    """The first step of joining: the code from the municipality or provider."""

    code = StringField(
        _l("Invitation code"),
        validators=[
            InputRequired(message=_l("Enter the code you were given.")),
            Length(max=32, message=_l("That code is too long.")),
        ],
    )
    submit = SubmitField(_l("Continue"))


def _not_in_future(form: Form, field: DateField) -> None:
    if field.data and field.data > oslo_today():
        raise ValidationError(_l("The date cannot be in the future."))


def _plausible_birth_date(form: Form, field: DateField) -> None:
    if field.data and not date(1900, 1, 1) <= field.data <= oslo_today():
        raise ValidationError(_l("Enter your real date of birth."))


class JoinForm(Form):
    """A learner creates their account with an invitation code."""

    code = HiddenField()
    name = StringField(_l("Full name"), validators=NAME_VALIDATORS)
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=_l("Choose a password.")), StrongPassword()],
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            InputRequired(message=_l("Repeat the password.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )
    locale = SelectField(_l("Language on the screen"), choices=locale_choices)
    birth_date = DateField(
        _l("Date of birth"),
        validators=[InputRequired(message=_l("Enter a date.")), _plausible_birth_date],
    )
    settlement_date = DateField(
        _l("Date you were settled in your municipality"),
        validators=[InputRequired(message=_l("Enter a date.")), _not_in_future],
    )
    first_language = SelectField(_l("First language"), choices=first_language_choices)
    education = SelectField(_l("Highest completed education"), choices=education_choices)
    employment = SelectField(_l("Work"), choices=employment_choices)
    working_hours = StringField(
        _l("Usual working hours (optional)"),
        validators=[
            Optional(),
            Length(max=120, message=_l("Keep it under 120 characters.")),
        ],
    )
    phone = StringField(
        _l("Phone (optional)"),
        validators=[
            Optional(),
            Length(max=32, message=_l("The phone number is too long.")),
            Regexp(
                r"^\+?[0-9 ()-]{5,31}$", message=_l("Enter a phone number, like +47 400 00 000.")
            ),
        ],
    )
    submit = SubmitField(_l("Create my account"))

    def validate_email(self, field: EmailField) -> None:
        if field.data and email_taken(field.data):
            raise ValidationError(
                _l(
                    "An account with this e-mail address already exists. "
                    "Log in or reset the password."
                )
            )

    def validate_settlement_date(self, field: DateField) -> None:
        if field.data and self.birth_date.data and field.data < self.birth_date.data:
            raise ValidationError(_l("The settlement date cannot be before the date of birth."))


class StaffAccountForm(Form):
    """An organisation's administrator adds a colleague."""

    name = StringField(_l("Name"), validators=NAME_VALIDATORS)
    email = EmailField(_l("E-mail address"), validators=EMAIL_VALIDATORS)
    role = SelectField(_l("Role"), choices=[])
    locale = SelectField(_l("Language"), choices=locale_choices)
    submit = SubmitField(_l("Create the account"))

    def validate_email(self, field: EmailField) -> None:
        if field.data and email_taken(field.data):
            raise ValidationError(_l("An account with this e-mail address already exists."))


class InvitationForm(Form):
    """Issue an invitation code for one or more learners."""

    home_municipality = SelectField(_l("Learners' home municipality"), choices=[], coerce=int)
    max_uses = IntegerField(
        _l("How many learners may use it"),
        default=1,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=1, max=500, message=_l("Enter a number from 1 to 500.")),
        ],
    )
    valid_days = IntegerField(
        _l("Valid for (days)"),
        default=30,
        validators=[
            InputRequired(message=_l("Enter a number.")),
            NumberRange(min=1, max=365, message=_l("Enter a number from 1 to 365.")),
        ],
    )
    submit = SubmitField(_l("Create the code"))


class ConfirmForm(Form):
    """A button that only carries the CSRF token (log out, revoke, deactivate)."""

    submit = SubmitField(_l("Confirm"))
