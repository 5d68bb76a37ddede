"""Organisation pages: the admin's list of organisations, staff accounts, invitation codes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.access import policy
from webapp.access.rules import roles
from webapp.accounts import services as account_services
from webapp.accounts.forms import ConfirmForm, InvitationForm, StaffAccountForm
from webapp.accounts.models import Role, User
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.i18n.labels import label
from webapp.organisations import services
from webapp.organisations.forms import OrganisationForm
from webapp.organisations.models import Organisation, OrganisationKind
from webapp.pages.listing import page_number

bp = Blueprint("organisations", __name__, template_folder="templates")

STAFF_MANAGERS = (Role.ADMIN, Role.COORDINATOR, Role.PROVIDER_ADMIN)


@bp.route("/organisations", methods=["GET", "POST"])
@roles(Role.ADMIN)
def organisation_list() -> Response | str:
    form = OrganisationForm()
    if form.validate_on_submit():
        organisation = services.create_organisation(
            form.name.data, OrganisationKind(form.kind.data), form.municipality_number.data or None
        )
        db.session.commit()
        flash(_("The organisation %(name)s is created.", name=organisation.name), "success")
        return redirect(url_for("organisations.organisation_list"))
    page = db.paginate(
        select(Organisation).order_by(Organisation.name),
        page=page_number(),
        per_page=50,
        error_out=False,
    )
    return render_template("organisations/list.html", form=form, page=page)


def _organisation_for_staff_page(organisation_id: int) -> Organisation:
    organisation = db.get_or_404(Organisation, organisation_id)
    if not policy.may_manage_staff(current_user, organisation):
        abort(404)
    return organisation


@bp.route("/organisations/<int:organisation_id>/staff", methods=["GET", "POST"])
@roles(*STAFF_MANAGERS)
def staff(organisation_id: int) -> Response | str:
    organisation = _organisation_for_staff_page(organisation_id)
    form = StaffAccountForm()
    form.role.choices = [
        (role.value, label(role))
        for role in policy.creatable_staff_roles(current_user, organisation)
    ]
    if request.method == "GET":
        form.locale.data = "nb"
    if form.validate_on_submit():
        user = account_services.create_staff_account(
            current_user,
            organisation,
            form.name.data,
            form.email.data,
            Role(form.role.data),
            form.locale.data,
        )
        db.session.commit()
        flash(
            _(
                "%(name)s now has an account and gets an e-mail to choose a password.",
                name=user.name,
            ),
            "success",
        )
        return redirect(url_for("organisations.staff", organisation_id=organisation.id))
    page = db.paginate(
        policy.staff_visible_to(current_user)
        .where(User.organisation_id == organisation.id)
        .order_by(User.name),
        page=page_number(),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "organisations/staff.html",
        organisation=organisation,
        form=form,
        page=page,
        confirm=ConfirmForm(),
    )


@bp.route("/organisations/staff/<int:user_id>/active", methods=["POST"])
@roles(*STAFF_MANAGERS)
def set_staff_active(user_id: int) -> Response:
    if user_id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("pages.dashboard"))
    user = policy.get_visible_staff_or_404(current_user, user_id)
    if ConfirmForm().validate_on_submit():
        activate = request.form.get("active") == "1"
        account_services.set_account_active(user, activate)
        db.session.commit()
        if activate:
            flash(_("%(name)s can log in again.", name=user.name), "success")
        else:
            flash(_("%(name)s can no longer log in.", name=user.name), "success")
    assert user.organisation_id is not None
    return redirect(url_for("organisations.staff", organisation_id=user.organisation_id))


@bp.route("/invitations", methods=["GET", "POST"])
@roles(Role.COORDINATOR, Role.TEACHER, Role.PROVIDER_ADMIN)
def invitations() -> Response | str:
    form = InvitationForm()
    municipalities = db.session.scalars(policy.municipalities_for_invitation(current_user)).all()
    form.home_municipality.choices = [(m.id, m.name) for m in municipalities]
    if request.method == "GET" and current_user.organisation in municipalities:
        form.home_municipality.data = current_user.organisation_id
    if form.validate_on_submit():
        home = next(m for m in municipalities if m.id == form.home_municipality.data)
        invitation = account_services.create_invitation(
            current_user, home, form.max_uses.data, form.valid_days.data
        )
        db.session.commit()
        flash(_("New invitation code: %(code)s", code=invitation.code), "success")
        return redirect(url_for("organisations.invitations"))
    page = db.paginate(
        policy.invitations_visible_to(current_user).order_by(
            account_services.Invitation.created_at.desc()
        ),
        page=page_number(),
        per_page=25,
        error_out=False,
    )
    return render_template(
        "organisations/invitations.html",
        form=form,
        page=page,
        confirm=ConfirmForm(),
        now=utcnow(),
    )


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["POST"])
@roles(Role.COORDINATOR, Role.TEACHER, Role.PROVIDER_ADMIN)
def revoke_invitation(invitation_id: int) -> Response:
    invitation = policy.get_visible_invitation_or_404(current_user, invitation_id)
    if ConfirmForm().validate_on_submit():
        account_services.revoke_invitation(invitation)
        db.session.commit()
        flash(_("The code %(code)s can no longer be used.", code=invitation.code), "success")
    return redirect(url_for("organisations.invitations"))
