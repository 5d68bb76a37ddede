"""Staff pages listing the learners they may see."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.access import policy
from webapp.access.rules import roles
from webapp.accounts.models import Role, User
from webapp.extensions import db
from webapp.learners.forms import LearnerSearchForm
from webapp.learners.levels import Level
from webapp.learners.services import learner_list_query, set_current_level
from webapp.lessons.forms import LevelForm
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
    form = LevelForm(formdata=None, level=_level_value(learner))
    return render_template(
        "learners/detail.html", learner=learner, profile=learner.learner_profile, level_form=form
    )


def _level_value(learner: User) -> str:
    level = learner.learner_profile.current_level if learner.learner_profile else None
    return level.value if level else Level.A1.value


@bp.route("/learners/<int:user_id>/level", methods=["POST"])
@roles(*STAFF)
def set_level(user_id: int) -> Response:
    learner = policy.get_visible_learner_or_404(current_user, user_id)
    form = LevelForm()
    if form.validate_on_submit():
        set_current_level(learner, Level(form.level.data))
        db.session.commit()
        flash(_("The level is set to %(level)s.", level=form.level.data), "success")
    else:
        flash(_("Choose a level from the list."), "error")
    return redirect(url_for("learners.learner_detail", user_id=learner.id))
