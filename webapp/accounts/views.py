"""Pages for logging in and out, passwords, joining with a code, and the profile."""

from __future__ import annotations

import math

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from webapp.access.redirects import safe_next
from webapp.access.rules import logged_in, public
from webapp.accounts import oidc, services
from webapp.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    InvitationCodeForm,
    JoinForm,
    LoginForm,
    NewPasswordForm,
    ProfileForm,
)
from webapp.accounts.login import SESSION_TOKEN_KEY
from webapp.accounts.models import Role, User
from webapp.accounts.passwords import verify_password
from webapp.extensions import db
from webapp.learners.levels import Education
from webapp.learners.models import Employment, FirstLanguage
from webapp.lessons import services as lesson_services
from webapp.lessons.forms import SupportLanguageForm

bp = Blueprint("accounts", __name__, template_folder="templates")


def _landing(user: User, wanted: str) -> str:
    """Where a fresh log-in goes: first the one-question support-language screen for a learner
    who has not answered it yet, then ``wanted``."""
    if user.role is Role.LEARNER and lesson_services.must_choose_support_language(user):
        return url_for("lessons.support_language", next=wanted)
    return wanted


def _throttled_message(wait_seconds: float) -> str:
    minutes = max(1, math.ceil(wait_seconds / 60))
    return ngettext(
        "Too many failed attempts for this account from here. Wait %(num)d minute"
        " and try again, or reset your password.",
        "Too many failed attempts for this account from here. Wait %(num)d minutes"
        " and try again, or reset your password.",
        minutes,
    )


def _start_session(user: User) -> None:
    """Renew the session on log-in so no identifier from before survives, with a new login
    session recorded on the server (the caller commits)."""
    flashes = session.get("_flashes")
    services.close_login_session(session.get(SESSION_TOKEN_KEY))
    session.clear()
    if flashes:
        session["_flashes"] = flashes
    session[SESSION_TOKEN_KEY] = services.open_login_session(user)
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        db.session.commit()
        if result.throttled:
            form.password.errors.append(_throttled_message(result.wait.total_seconds()))
            return _login_page(form), 429
        if result.user is not None:
            _start_session(result.user)
            db.session.commit()
            wanted = safe_next(form.next.data, url_for("pages.dashboard"))
            return redirect(_landing(result.user, wanted))
        form.password.errors.append(_("The e-mail address or the password is wrong."))
    return _login_page(form)


def _login_page(form: LoginForm) -> str:
    """The login page: the password form, then a button per identity provider."""
    return render_template(
        "accounts/login.html",
        form=form,
        oidc_providers=oidc.providers(),
    )


@bp.route("/logout", methods=["POST"])
@logged_in
def logout() -> Response:
    if ConfirmForm().validate_on_submit():
        services.close_login_session(session.get(SESSION_TOKEN_KEY))
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have logged out."), "info")
    return redirect(url_for("pages.home"))


@bp.route("/logout/everywhere", methods=["POST"])
@logged_in
def logout_everywhere() -> Response:
    if ConfirmForm().validate_on_submit():
        services.end_all_login_sessions(current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have logged out on every device."), "info")
        return redirect(url_for("pages.home"))
    return redirect(url_for("accounts.profile"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password() -> Response | str:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> Response | tuple[str, int] | str:
    record = services.find_usable_reset_token(token)
    if record is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = NewPasswordForm()
    form._email, form._name = record.user.email, record.user.name
    if form.validate_on_submit():
        user = services.reset_password(record, form.password.data)
        _start_session(user)
        db.session.commit()
        flash(_("Your new password is saved."), "success")
        return redirect(_landing(user, url_for("pages.dashboard")))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/join", methods=["GET", "POST"])
@public
def join() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    form = InvitationCodeForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        invitation = services.find_usable_invitation(form.code.data)
        if invitation is not None:
            return redirect(url_for("accounts.join_details", code=invitation.code))
        form.code.errors.append(
            _("This code is not valid. It may have expired or been used. Ask for a new one.")
        )
    return render_template("accounts/join.html", form=form)


@bp.route("/join/<code>", methods=["GET", "POST"])
@public
def join_details(code: str) -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    invitation = services.find_usable_invitation(code)
    if invitation is None:
        form = InvitationCodeForm(code=code[:32])
        form.code.errors = [
            _("This code is not valid. It may have expired or been used. Ask for a new one.")
        ]
        return render_template("accounts/join.html", form=form), 404
    form = JoinForm(code=invitation.code)
    if request.method == "GET":
        form.locale.data = _current_locale_code()
    if form.validate_on_submit():
        signup = services.LearnerSignup(
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            locale=form.locale.data,
            birth_date=form.birth_date.data,
            settlement_date=form.settlement_date.data,
            first_language=FirstLanguage(form.first_language.data),
            education=Education(form.education.data),
            employment=Employment(form.employment.data),
            working_hours=form.working_hours.data or "",
            phone=(form.phone.data or "").strip() or None,
        )
        try:
            user = services.register_learner(invitation, signup)
        except services.InvitationUsedUp:
            db.session.rollback()
            form.code.errors.append(_("This code has just been used up. Ask for a new one."))
        else:
            _start_session(user)
            db.session.commit()
            flash(_("Welcome to Norskvei! Your account is ready."), "success")
            return redirect(_landing(user, url_for("pages.dashboard")))
    return render_template("accounts/join_details.html", form=form, invitation=invitation)


def _current_locale_code() -> str:
    locale = get_locale()
    return str(locale.language) if locale else "nb"


@bp.route("/profile", methods=["GET", "POST"])
@logged_in
def profile() -> Response | str:
    details = ProfileForm(prefix="details", obj=current_user)
    password = ChangePasswordForm(prefix="password")
    password._email, password._name = current_user.email, current_user.name
    if details.submit.data and details.validate_on_submit():
        services.update_profile(current_user, details.name.data, details.locale.data)
        db.session.commit()
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("accounts.profile"))
    if password.submit.data and password.validate_on_submit():
        if verify_password(current_user.password_hash, password.current.data):
            # The User itself: handing login_user the proxy makes current_user point at itself.
            user = current_user._get_current_object()
            services.set_password(user, password.password.data)
            session[SESSION_TOKEN_KEY] = services.open_login_session(user)
            db.session.commit()
            login_user(user)  # the session carries the new session version
            flash(_("Your password is changed. You are logged out everywhere else."), "success")
            return redirect(url_for("accounts.profile"))
        password.current.errors.append(_("The current password is wrong."))
    support = None
    if current_user.role is Role.LEARNER and current_user.learner_profile is not None:
        support = SupportLanguageForm(formdata=None)
        support.language.data = lesson_services.support_language(current_user)
        support.next.data = url_for("accounts.profile")
    return render_template(
        "accounts/profile.html",
        details=details,
        password=password,
        support=support,
        oidc_providers=[
            provider for provider in oidc.providers() if oidc.may_use(provider, current_user)
        ],
        oidc_linked=oidc.linked_issuers(current_user),
    )
