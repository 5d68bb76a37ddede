"""Staff pages listing the learners they may see."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from webapp.access import policy
from webapp.access.rules import roles
from webapp.accounts.models import Role
from webapp.extensions import db
from webapp.learners.forms import LearnerSearchForm
from webapp.learners.services import learner_list_query
from webapp.pages.listing import page_number

bp = Blueprint("learners", __name__, template_folder="templates")

STAFF = (Role.TEACHER, Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.ADMIN)


@bp.route("/learners")
@roles(*STAFF)
def learner_list() -> str:
    form = LearnerSearchForm(request.args)
    search = form.q.data if form.validate() and form.q.data else ""
    page = db.paginate(
        learner_list_query(current_user, search),
        page=page_number(),
        per_page=25,
        error_out=False,
        count=True,
    )
    return render_template("learners/list.html", form=form, page=page, search=search)


@bp.route("/learners/<int:user_id>")
@roles(*STAFF)
def learner_detail(user_id: int) -> str:
    learner = policy.get_visible_learner_or_404(current_user, user_id)
    return render_template("learners/detail.html", learner=learner, profile=learner.learner_profile)
