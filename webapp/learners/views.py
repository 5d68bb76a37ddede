"""Staff pages listing the learners they may see."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask import Response as FlaskResponse
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import escape
from werkzeug.wrappers import Response

from webapp.access import policy
from webapp.access.rules import roles
from webapp.accounts.models import Role, User
from webapp.clock import oslo_today
from webapp.extensions import db
from webapp.learners.forms import ImportForm, LearnerSearchForm
from webapp.learners.importing import Problem, parse
from webapp.learners.levels import Level
from webapp.learners.services import (
    check_against_database,
    learner_list_page,
    set_current_level,
)
from webapp.learners.services import import_learners as import_rows
from webapp.lessons.forms import LevelForm
from webapp.pages.listing import page_number

bp = Blueprint("learners", __name__, template_folder="templates")
logger = logging.getLogger(__name__)

# Files this big get a page that shows the import's progress while it runs.
STREAM_FROM_ROWS = 1000
MAX_SHOWN = 300

STAFF = (Role.TEACHER, Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.ADMIN)


@bp.route("/learners")
@roles(*STAFF)
def learner_list() -> str:
    form = LearnerSearchForm(request.args)
    search = form.q.data if form.validate() and form.q.data else ""
    page = learner_list_page(current_user, search, page_number(), per_page=25)
    return render_template("learners/list.html", form=form, page=page, search=search)


def problem_message(problem: Problem) -> str:
    """A translated sentence for one problem found in an imported file."""
    column = problem.column
    messages = {
        "unreadable": _("The file could not be read. Save it as CSV (UTF-8) and try again."),
        "empty": _("The file is empty."),
        "no_rows": _("The file has a header row but no learners."),
        "missing_column": _(
            "The column “%(column)s” is missing from the header row.", column=column
        ),
        "too_many_rows": _("The file has more than 50,000 rows. Split it into smaller files."),
        "required": _("“%(column)s” is empty.", column=column),
        "too_long": _("“%(column)s” is too long.", column=column),
        "bad_email": _("“%(column)s” is not a valid e-mail address.", column=column),
        "bad_date": _(
            "“%(column)s” is not a date (write YYYY-MM-DD or DD.MM.YYYY).", column=column
        ),
        "implausible_date": _("“%(column)s” is not a plausible date.", column=column),
        "not_allowed": _("“%(column)s” has a value that is not allowed.", column=column),
        "bad_phone": _("“%(column)s” is not a phone number.", column=column),
        "duplicate_in_file": _("The e-mail address appears earlier in the file."),
        "duplicate_person_in_file": _(
            "A person with the same name and date of birth appears earlier in the file."
        ),
        "email_taken": _("Someone on Norskvei already has this e-mail address."),
        "person_exists": _("A learner with the same name and date of birth is already registered."),
    }
    return messages.get(problem.code, _("This row cannot be imported."))


@bp.route("/learners/import", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def import_learners():
    form = ImportForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("learners/import.html", form=form, parsed=None), status
    parsed = parse(form.file.data.read(), oslo_today())
    check_against_database(parsed)
    blocked = (
        parsed.file_problem or not parsed.rows or (parsed.problems and not form.only_valid.data)
    )
    if blocked:
        return render_template(
            "learners/import.html",
            form=form,
            parsed=parsed,
            messages=[(p.line, problem_message(p)) for p in parsed.problems[:MAX_SHOWN]],
        ), 400
    if len(parsed.rows) < STREAM_FROM_ROWS:
        count = import_rows(current_user, parsed.rows)
        db.session.commit()
        flash(
            ngettext(
                "%(num)s learner is imported and invited by e-mail.",
                "%(num)s learners are imported and invited by e-mail.",
                count,
            ),
            "success",
        )
        return redirect(url_for("learners.learner_list"))
    return FlaskResponse(
        stream_with_context(_import_with_progress(current_user._get_current_object(), parsed)),
        mimetype="text/html",
    )


def _import_with_progress(actor: User, parsed):
    """Stream a page that reports progress while a large file is imported in one transaction."""
    page = render_template(
        "learners/import_progress.html", total=len(parsed.rows), skipped=len(parsed.bad_lines)
    )
    top, _sep, bottom = page.partition("<!--progress-->")
    yield top
    updates: list[str] = []

    def progress(done: int, total: int) -> None:
        updates.append(
            "<li>" + escape(_("%(done)s of %(total)s learners", done=done, total=total)) + "</li>"
        )

    try:
        count = import_rows(actor, parsed.rows, progress=progress)
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("learner import failed; nothing was saved")
        yield "".join(updates)
        yield (
            '</ol><p class="flash flash-error" role="alert">'
            + escape(_("The import failed and nothing was saved. Try again."))
            + "</p>"
        )
    else:
        yield "".join(updates)
        yield (
            '</ol><p class="flash flash-success" role="status">'
            + escape(
                ngettext(
                    "%(num)s learner is imported and invited by e-mail.",
                    "%(num)s learners are imported and invited by e-mail.",
                    count,
                )
            )
            + "</p>"
        )
    yield bottom


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
