"""The front page, the dashboards and a health check."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from webapp.access.rules import logged_in, public
from webapp.accounts.models import Role
from webapp.classes.attending import next_booked_session
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.entitlement import services as entitlement_services
from webapp.entitlement.overview import flagged_learners, own_deadline
from webapp.lessons import services as lesson_services
from webapp.pages.services import database_problem, staff_summary
from webapp.recordings import services as recording_services
from webapp.studytime import services as studytime
from webapp.teaching import messages as teacher_messages
from webapp.teaching import services as teaching_services
from webapp.teaching import today as teacher_day

bp = Blueprint("pages", __name__, template_folder="templates")


@bp.route("/")
@public
def home() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    return render_template("pages/home.html")


@bp.route("/dashboard")
@logged_in
def dashboard() -> str:
    today = oslo_today()
    if current_user.role is Role.LEARNER:
        monday = today - timedelta(days=today.weekday())
        hours_week, hours_total = studytime.hours_since_and_in_total(current_user.id, monday, today)
        assignments = teaching_services.learner_assignments(current_user, today)
        return render_template(
            "pages/dashboard_learner.html",
            profile=current_user.learner_profile,
            deadline=own_deadline(current_user, today),
            hours_week=hours_week,
            hours_total=hours_total,
            due_cards=lesson_services.due_cards_count(current_user),
            resume=lesson_services.lesson_to_resume(current_user),
            assignments=assignments,
            assignment_due=next((item for item in assignments if not item.done), None),
            next_session=next_booked_session(current_user.id, utcnow()),
            today=today,
            feedback=teaching_services.learner_feedback(current_user, limit=3),
            spoken_replies=recording_services.latest_replies(current_user, limit=3),
            messages=teacher_messages.inbox(current_user),
        )
    teaching = current_user.role in teaching_services.TEACHING_ROLES
    flagged = flagged_learners(
        current_user, today, entitlement_services.flag_settings(), limit=5 if teaching else 10
    )
    day = {}
    if teaching:
        waiting = teacher_day.writing_waiting(current_user)
        overdue = teacher_day.overdue_by_group(current_user, today)
        lesson_ids = {item.lesson_id for item, _name in waiting}
        lesson_ids |= {a.lesson_id for g in overdue for a in g.assignments if a.lesson_id}
        day = {
            "sessions": teacher_day.sessions_today(current_user, today),
            "waiting": waiting,
            "waiting_count": teacher_day.writing_waiting_count(current_user),
            "overdue": overdue,
            "lessons": teaching_services.lessons_by_id(lesson_ids),
            "now": utcnow(),
        }
    return render_template(
        "pages/dashboard_staff.html",
        summary=staff_summary(current_user),
        flagged=flagged,
        spoken_waiting=recording_services.waiting_count(current_user),
        teaching=teaching,
        today=today,
        day=day,
    )


PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/healthz")
@public
def healthz() -> tuple[str, int, dict[str, str]]:
    """Ready to serve: the process answers and the database does (for load balancers)."""
    problem = database_problem()
    if problem:
        return f"database: {problem}\n", 503, PLAIN
    return "ok\n", 200, PLAIN


@bp.route("/livez")
@public
def livez() -> tuple[str, int, dict[str, str]]:
    """Alive: the process answers, whatever the database does (restart only when this fails)."""
    return "ok\n", 200, PLAIN
