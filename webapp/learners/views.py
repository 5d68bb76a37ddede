"""Staff pages listing the learners they may see."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import Response as FlaskResponse
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.access import policy
from webapp.access.rules import roles
from webapp.accounts.models import Role, User
from webapp.clock import oslo_today
from webapp.extensions import db
from webapp.learners.forms import ImportForm, LearnerSearchForm
from webapp.learners.import_jobs import (
    IMPORT_IN_BACKGROUND_FROM_ROWS,
    queue_import,
    recent_imports,
)
from webapp.learners.importing import ImportReport, Problem, count_rows
from webapp.learners.levels import Level
from webapp.learners.models import ImportJob
from webapp.learners.services import (
    MAX_REPORTED,
    learner_list_page,
    run_import,
    set_current_level,
)
from webapp.lessons.forms import LevelForm
from webapp.lessons.services import latest_placement
from webapp.pages.listing import page_number

bp = Blueprint("learners", __name__, template_folder="templates")
logger = logging.getLogger(__name__)

MAX_SHOWN = MAX_REPORTED
RECENT_IMPORTS = 5
# The largest CSV file a coordinator may upload (50,000 rows of about 100 bytes, with room).
IMPORT_MAX_BYTES = 10 * 1024 * 1024

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
        "hidden_characters": _(
            "“%(column)s” has invisible or control characters. Remove them and try again.",
            column=column,
        ),
        "bad_phone": _("“%(column)s” is not a phone number.", column=column),
        "duplicate_in_file": _("The e-mail address appears earlier in the file."),
        "duplicate_person_in_file": _(
            "A person with the same name and date of birth appears earlier in the file."
        ),
        "email_registered": _("A learner in your municipality already has this e-mail address."),
        "email_unusable": _("This e-mail address cannot be used."),
        "person_exists": _("A learner with the same name and date of birth is already registered."),
    }
    return messages.get(problem.code, _("This row cannot be imported."))


@bp.url_value_preprocessor
def _allow_large_imports(endpoint: str | None, values: dict | None) -> None:
    # Runs before the CSRF check reads the form: a 50,000-row file is about 5 MB, more than
    # the request limit other pages keep. Only a coordinator's upload gets the larger limit.
    if (
        endpoint == "learners.import_learners"
        and current_user.is_authenticated
        and current_user.role is Role.COORDINATOR
    ):
        request.max_content_length = max(
            current_app.config["MAX_CONTENT_LENGTH"] or 0, IMPORT_MAX_BYTES
        )


@bp.route("/learners/import", methods=["GET", "POST"])
@roles(Role.COORDINATOR)
def import_learners():
    form = ImportForm()
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return _import_page(form), status
    data = form.file.data.read()
    rows = count_rows(data)
    if rows >= IMPORT_IN_BACKGROUND_FROM_ROWS:
        job = queue_import(current_user, data, form.only_valid.data, rows)
        db.session.commit()
        return redirect(url_for("learners.import_job", job_id=job.id))
    outcome = run_import(current_user, data, form.only_valid.data, oslo_today())
    if outcome.refused:
        return _import_page(form, outcome.report), 400
    db.session.commit()
    flash(imported_message(outcome.imported), "success")
    return redirect(url_for("learners.learner_list"))


def _import_page(form: ImportForm, report: ImportReport | None = None) -> str:
    return render_template(
        "learners/import.html",
        form=form,
        report=report,
        messages=_messages(report),
        recent=recent_imports(current_user, RECENT_IMPORTS),
    )


def _messages(report: ImportReport | None) -> list[tuple[int, str]]:
    if report is None:
        return []
    return [(problem.line, problem_message(problem)) for problem in report.problems[:MAX_SHOWN]]


def imported_message(count: int) -> str:
    """The sentence that tells how many learners an import wrote."""
    return ngettext(
        "%(num)s learner is imported and invited by e-mail.",
        "%(num)s learners are imported and invited by e-mail.",
        count,
    )


@bp.route("/learners/import/jobs/<int:job_id>")
@roles(Role.COORDINATOR, Role.ADMIN)
def import_job(job_id: int) -> str:
    job = policy.get_visible_import_job_or_404(current_user, job_id)
    report = ImportReport.from_json(job.report) if job.report else None
    return render_template(
        "learners/import_job.html",
        job=job,
        report=report,
        messages=_messages(report),
        progress=job_progress(job),
        failure=_("The import failed and nothing was saved. Try again."),
        imported=imported_message(job.rows_imported or 0),
    )


@bp.route("/learners/import/jobs/<int:job_id>/status")
@roles(Role.COORDINATOR, Role.ADMIN)
def import_job_status(job_id: int) -> FlaskResponse:
    job = policy.get_visible_import_job_or_404(current_user, job_id)
    value, maximum, text = job_progress(job)
    return jsonify(
        status=job.status.value, finished=job.finished, value=value, max=maximum, text=text
    )


def job_progress(job: ImportJob) -> tuple[int | None, int | None, str]:
    """A job's progress bar (value and maximum; None when unknown) and what it says."""
    if job.phase == "checking":
        total = job.total_rows
        done = min(job.rows_checked, total)
        return done, total, _("Checking rows: %(done)s of %(total)s", done=done, total=total)
    if job.phase == "importing":
        total = job.rows_to_import or 0
        if job.rows_imported is None:
            text = ngettext("Importing %(num)s learner.", "Importing %(num)s learners.", total)
            return None, None, text
        done = job.rows_imported
        return done, total, _("Importing learners: %(done)s of %(total)s", done=done, total=total)
    if job.phase == "waiting":
        return None, None, _("The import is waiting to start.")
    return 1, 1, ""


@bp.route("/learners/<int:user_id>")
@roles(*STAFF)
def learner_detail(user_id: int) -> str:
    learner = policy.get_visible_learner_or_404(current_user, user_id)
    form = LevelForm(formdata=None, level=_level_value(learner))
    return render_template(
        "learners/detail.html",
        learner=learner,
        profile=learner.learner_profile,
        level_form=form,
        placement=latest_placement(learner),
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
