"""Teachers' pages: groups, their progress matrix and assignments, free writing to answer."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from lessons.schema import LEVELS, TRACKS
from webapp.access.rules import roles
from webapp.accounts.models import Role, User
from webapp.classes.forms import ConfirmForm
from webapp.classes.models import ClassSeries
from webapp.classes.refusals import refusal_message as class_refusal
from webapp.classes.services import ClassError
from webapp.clock import oslo_today
from webapp.csv_files import safe_cell
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.forms import whole_number
from webapp.i18n.labels import track_label
from webapp.lessons.models import WritingSubmission
from webapp.pages.form_ids import with_id_prefix
from webapp.pages.listing import page_number
from webapp.teaching import messages, services, today
from webapp.teaching.forms import AssignmentForm, GroupForm, MemberForm, MessageForm, ReplyForm
from webapp.teaching.matrix import abbreviate, matrix_rows
from webapp.teaching.models import Assignment
from webapp.teaching.refusals import refusal_message

bp = Blueprint("teaching", __name__, template_folder="templates")

TEACHERS = (Role.TEACHER, Role.PROVIDER_ADMIN)
VIEWERS = (Role.TEACHER, Role.PROVIDER_ADMIN, Role.ADMIN)
PER_PAGE = 20

bp.add_app_template_filter(abbreviate, "abbreviate")


def _group_form(provider_id: int | None) -> GroupForm:
    form = GroupForm()
    series = db.session.scalars(
        select(ClassSeries)
        .where(ClassSeries.provider_id == provider_id, ClassSeries.last_date >= oslo_today())
        .order_by(ClassSeries.first_date)
    )
    form.series.choices = [("", _("No class: I add learners myself"))] + [
        (str(s.id), s.title) for s in series
    ]
    teachers = db.session.scalars(
        select(User)
        .where(User.organisation_id == provider_id, User.role.in_(TEACHERS), User.active)
        .order_by(User.name)
    )
    form.teacher.choices = [("", _("Not decided yet"))] + [(str(t.id), t.name) for t in teachers]
    return form


@bp.route("/groups", methods=["GET", "POST"])
@roles(*VIEWERS)
def group_list():
    form = _group_form(current_user.organisation_id)
    if request.method == "GET":
        form.teacher.data = str(current_user.id)
    if form.validate_on_submit():
        try:
            group = services.create_group(
                current_user,
                form.name.data,
                int(form.series.data) if form.series.data else None,
                int(form.teacher.data) if form.teacher.data else None,
            )
        except services.TeachingError as refusal:
            db.session.rollback()
            form.form_errors.append(refusal_message(refusal.code))
        else:
            db.session.commit()
            flash(_("The group is created."), "success")
            return redirect(url_for("teaching.group_page", group_id=group.id))
    page = db.paginate(
        services.groups_visible_to(current_user)
        .options(
            joinedload(services.TeachingGroup.teacher), joinedload(services.TeachingGroup.series)
        )
        .order_by(services.TeachingGroup.name, services.TeachingGroup.id),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "teaching/groups.html",
        form=form,
        page=page,
        may_create=current_user.role in TEACHERS,
    ), status


def _assignment_form(learners, lessons) -> AssignmentForm:
    form = AssignmentForm()
    form.content.choices = {
        _("A whole level"): [(f"level:{level}", level) for level in LEVELS],
        _("A whole track"): [(f"track:{track}", track_label(track)) for track in TRACKS],
        _("One lesson"): [
            (f"lesson:{lesson.id}", f"{lesson.level} · {lesson.title_nb}") for lesson in lessons
        ],
    }
    form.learner.choices = [("", _("The whole group"))] + [
        (str(learner.id), learner.name) for learner in learners
    ]
    return form


def _group_page(group, forms: dict | None = None, status: int = 200):
    forms = forms or {}
    today = oslo_today()
    matrix = services.progress_matrix(group, today, page_number())
    return render_template(
        "teaching/group.html",
        group=group,
        matrix=matrix,
        rows=matrix_rows(
            [learner.id for learner in matrix.learners],
            [lesson.id for lesson in matrix.lessons],
            matrix.cells,
        ),
        today=today,
        member_form=with_id_prefix(forms.get("member") or MemberForm(formdata=None), "member"),
        assignment_form=with_id_prefix(
            forms.get("assignment") or _assignment_form(matrix.everyone, matrix.catalogue),
            "assign",
        ),
        confirm=ConfirmForm(),
        may_change=current_user.role in TEACHERS,
    ), status


@bp.route("/groups/<int:group_id>")
@roles(*VIEWERS)
def group_page(group_id: int):
    return _group_page(services.get_group_or_404(current_user, group_id))


@bp.route("/groups/<int:group_id>/gradebook.csv")
@roles(*VIEWERS)
def gradebook_csv(group_id: int) -> Response:
    """The whole group's progress matrix as a spreadsheet (every learner, not one page)."""
    group = services.get_group_or_404(current_user, group_id)
    matrix = services.progress_matrix(group, oslo_today(), 1, per_page=services.CSV_LEARNERS)
    rows = matrix_rows(
        [learner.id for learner in matrix.learners],
        [lesson.id for lesson in matrix.lessons],
        matrix.cells,
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    header = [_("Learner"), *(safe_cell(lesson.title_nb) for lesson in matrix.lessons)]
    header.append(_("Hours, last 4 weeks"))
    if group.series_id:
        header += [_("Present"), _("Absent"), _("Excused")]
    writer.writerow(header)
    overdue = _("overdue")
    for learner in matrix.learners:
        line = [safe_cell(learner.name)]
        for text, late, attempts in rows[learner.id]:
            parts = [text] if text else []
            if attempts:
                parts.append(ngettext("%(num)d answer", "%(num)d answers", attempts))
            if late:
                parts.append(overdue)
            line.append(" · ".join(parts))
        line.append(format_decimal(matrix.hours.get(learner.id, 0), "0.0"))
        if group.series_id:
            marks = matrix.attendance.get(learner.id, {})
            line += [marks.get(mark, 0) for mark in ("present", "absent", "excused")]
        writer.writerow(line)
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="norskvei-group-{group.id}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/groups/<int:group_id>/learners/<int:learner_id>")
@roles(*VIEWERS)
def learner_work(group_id: int, learner_id: int) -> str:
    """A learner's row opened: every lesson assigned to them in the group, and their texts."""
    group = services.get_group_or_404(current_user, group_id)
    work = services.learner_work(group, learner_id, oslo_today())
    if work is None:
        abort(404)
    texts = db.session.scalars(
        services.writing_visible_to(current_user)
        .where(WritingSubmission.learner_id == learner_id)
        .limit(PER_PAGE)
    ).all()
    return render_template(
        "teaching/learner_work.html",
        group=group,
        work=work,
        rows=matrix_rows([learner_id], [lesson.id for lesson in work.lessons], work.cells),
        texts=texts,
        lessons=services.lessons_by_id({text.lesson_id for text in texts}),
        may_change=current_user.role in TEACHERS,
    )


@bp.route("/groups/<int:group_id>/members", methods=["POST"])
@roles(*TEACHERS)
def add_member(group_id: int):
    group = services.get_group_or_404(current_user, group_id)
    form = MemberForm()
    if form.validate_on_submit():
        learner_id = db.session.scalar(
            select(User.id).where(func.lower(User.email) == form.email.data.strip().lower())
        )
        try:
            services.add_member(current_user, group, learner_id or 0)
        except services.TeachingError as refusal:
            db.session.rollback()
            form.email.errors = [*form.email.errors, refusal_message(refusal.code)]
        else:
            db.session.commit()
            flash(_("The learner is added to the group."), "success")
            return redirect(url_for("teaching.group_page", group_id=group.id))
    return _group_page(group, {"member": form}, status=400)


@bp.route("/groups/<int:group_id>/members/<int:learner_id>/remove", methods=["POST"])
@roles(*TEACHERS)
def remove_member(group_id: int, learner_id: int) -> Response:
    group = services.get_group_or_404(current_user, group_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_member(group, learner_id)
    db.session.commit()
    flash(_("The learner is taken out of the group."), "success")
    return redirect(url_for("teaching.group_page", group_id=group.id))


@bp.route("/groups/<int:group_id>/assignments", methods=["POST"])
@roles(*TEACHERS)
def add_assignment(group_id: int):
    group = services.get_group_or_404(current_user, group_id)
    form = _assignment_form(services.group_roster(group), services.active_lessons())
    if form.validate_on_submit():
        kind, _sep, value = (form.content.data or "").partition(":")
        try:
            services.assign(
                current_user,
                group,
                due=form.due_date.data,
                learner_id=int(form.learner.data) if form.learner.data else None,
                lesson_id=value if kind == "lesson" else None,
                track=value if kind == "track" else None,
                level=value if kind == "level" else None,
            )
        except services.TeachingError as refusal:
            db.session.rollback()
            form.form_errors.append(refusal_message(refusal.code))
        else:
            db.session.commit()
            flash(_("The work is assigned."), "success")
            return redirect(url_for("teaching.group_page", group_id=group.id))
    return _group_page(group, {"assignment": form}, status=400)


@bp.route("/assignments/<int:assignment_id>/delete", methods=["POST"])
@roles(*TEACHERS)
def delete_assignment(assignment_id: int) -> Response:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.provider_id != current_user.organisation_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = whole_number(request.form.get("group"))
    services.delete_assignment(current_user, assignment)
    db.session.commit()
    flash(_("The assignment is withdrawn."), "success")
    if back:
        return redirect(url_for("teaching.group_page", group_id=back))
    return redirect(url_for("teaching.group_list"))


# Free writing -----------------------------------------------------------------------------------


def _names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


@bp.route("/writing")
@roles(*VIEWERS)
def writing_list() -> str:
    page = db.paginate(
        services.writing_visible_to(current_user),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    lessons = services.lessons_by_id({item.lesson_id for item in page.items})
    return render_template(
        "teaching/writing.html",
        page=page,
        lessons=lessons,
        names=_names({item.learner_id for item in page.items}),
        form=ReplyForm(formdata=None),
        may_reply=current_user.role in TEACHERS,
    )


@bp.route("/writing/<int:submission_id>/reply", methods=["POST"])
@roles(*TEACHERS)
def reply(submission_id: int):
    submission = db.session.scalar(
        services.writing_visible_to(current_user).where(WritingSubmission.id == submission_id)
    )
    if submission is None:
        abort(404)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            services.reply_to_writing(current_user, submission, form.reply.data)
        except services.TeachingError as refusal:
            db.session.rollback()
            form.reply.errors = [refusal_message(refusal.code)]
        else:
            db.session.commit()
            flash(_("Your reply is sent."), "success")
            if request.form.get("back") == "dashboard":
                return redirect(url_for("pages.dashboard", _anchor="writing-queue"))
            return redirect(url_for("teaching.writing_list", page=request.args.get("page", 1)))
    return render_template(
        "teaching/writing.html",
        page=None,
        single=submission,
        lessons=services.lessons_by_id({submission.lesson_id}),
        names=_names({submission.learner_id}),
        form=form,
        may_reply=True,
    ), 400


# The teacher's day ------------------------------------------------------------------------------


@bp.route("/sessions/<int:session_id>/all-present", methods=["POST"])
@roles(*TEACHERS)
def all_present(session_id: int) -> Response:
    """The one-tap register; the exceptions are then marked on the session's attendance page."""
    session = today.session_taught_by(current_user, session_id)
    if session is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        count = today.register_all_present(current_user, session)
    except ClassError as refusal:
        db.session.rollback()
        flash(class_refusal(refusal.code), "error")
        return redirect(url_for("pages.dashboard"))
    db.session.commit()
    flash(
        ngettext(
            "%(num)d learner marked present. Mark anyone who did not come below.",
            "%(num)d learners marked present. Mark anyone who did not come below.",
            count,
        ),
        "success",
    )
    return redirect(
        url_for("classes.attendance", series_id=session.series_id, session_id=session.id)
    )


# Messages to a class or group ---------------------------------------------------------------------


@bp.route("/messages/new", methods=["GET", "POST"])
@roles(*TEACHERS)
def message_form():
    """Write to a series, a session's booked learners or a group (preselected from the link)."""
    form = MessageForm()
    choices = messages.audiences(current_user, utcnow())
    labels = {"series": _("Classes"), "session": _("Sessions"), "group": _("Groups")}
    grouped: dict[str, list[tuple[str, str]]] = {}
    for item in choices:
        grouped.setdefault(labels[item.kind], []).append((f"{item.kind}:{item.id}", item.label))
    form.audience.choices = grouped
    if request.method == "GET":
        for kind in ("session", "series", "group"):
            wanted = whole_number(request.args.get(kind))
            if wanted:
                form.audience.data = f"{kind}:{wanted}"
                break
    if form.validate_on_submit():
        kind, _sep, value = form.audience.data.partition(":")
        try:
            count = messages.send_message(
                current_user, kind, whole_number(value) or 0, form.body.data
            )
        except services.TeachingError as refusal:
            db.session.rollback()
            form.form_errors.append(refusal_message(refusal.code))
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The message is sent to %(num)d learner.",
                    "The message is sent to %(num)d learners.",
                    count,
                ),
                "success",
            )
            return redirect(url_for("pages.dashboard"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("teaching/message_form.html", form=form), status


@bp.route("/messages/<int:message_id>")
@roles(Role.LEARNER)
def message_page(message_id: int) -> str:
    """One of the learner's messages, marked read as it opens."""
    item = messages.open_message(current_user, message_id)
    if item is None:
        abort(404)
    db.session.commit()
    return render_template("teaching/message.html", item=item)


@bp.app_context_processor
def writing_count_helper() -> dict:
    """``writing_waiting_count()`` for the menu: asked only where the menu shows it."""
    return {"writing_waiting_count": lambda: today.writing_waiting_count(current_user)}
