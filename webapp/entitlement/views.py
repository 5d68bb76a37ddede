"""Entitlement pages: the overview and CSV export, a learner's record, the learner's own view."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from webapp.access import policy
from webapp.access.rules import roles
from webapp.accounts.models import Role, User
from webapp.classes.forms import ConfirmForm
from webapp.clock import oslo_today
from webapp.entitlement import exports, nir, services
from webapp.entitlement.flags import ALL_FLAGS
from webapp.entitlement.forms import (
    CorrectionForm,
    DropoutForm,
    ExtensionForm,
    GrantRateForm,
    LeaveForm,
    OverviewForm,
    StartForm,
)
from webapp.entitlement.overview import (
    SORTS,
    STATUS_FILTERS,
    OverviewFilter,
    export_statement,
    learner_row,
    overview_page,
)
from webapp.entitlement.refusals import refusal_message
from webapp.extensions import db
from webapp.i18n.labels import flag_label, status_label
from webapp.i18n.locales import current_locale_code
from webapp.learners.levels import has_upper_secondary_or_more
from webapp.lessons import services as lesson_services
from webapp.organisations.models import Organisation, OrganisationKind
from webapp.pages.form_ids import with_id_prefix
from webapp.pages.listing import page_number
from webapp.studytime import services as studytime

bp = Blueprint("entitlement", __name__, template_folder="templates")

STAFF = (Role.TEACHER, Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.ADMIN)
DECIDERS = (Role.COORDINATOR, Role.ADMIN)
PER_PAGE = 25


def _overview_form() -> tuple[OverviewForm, OverviewFilter]:
    form = OverviewForm(request.args)
    form.status.choices = [("", _("All"))] + [(s, status_label(s)) for s in STATUS_FILTERS]
    form.flag.choices = [("", _("All"))] + [(f, flag_label(f)) for f in ALL_FLAGS]
    form.sort.choices = [
        ("last_day", _("Last day, soonest first")),
        ("-last_day", _("Last day, latest first")),
        ("name", _("Name")),
        ("status", _("Status")),
    ]
    sort = request.args.get("sort", "last_day")
    descending = sort.startswith("-")
    sort = sort.lstrip("-")
    wanted = OverviewFilter(
        status=request.args.get("status", ""),
        flag=request.args.get("flag", ""),
        search=(request.args.get("q", "") or "")[:100],
        sort=sort if sort in SORTS else "last_day",
        descending=descending,
    )
    return form, wanted


@bp.route("/entitlements")
@roles(*STAFF)
def overview() -> str:
    form, wanted = _overview_form()
    today = oslo_today()
    page = overview_page(
        current_user, today, services.flag_settings(), wanted, page_number(), PER_PAGE
    )
    rows = page.items
    query_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "entitlement/overview.html",
        form=form,
        page=page,
        rows=rows,
        today=today,
        query_args=query_args,
        rules_notice=services.rules_notice(today),
    )


@bp.route("/entitlements.csv")
@roles(*STAFF)
def overview_csv() -> Response:
    _form, wanted = _overview_form()
    today = oslo_today()
    stmt = export_statement(current_user, today, services.flag_settings(), wanted)
    body = stream_with_context(exports.overview_csv(stmt, today))
    filename = f"norskvei-overview-{today.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _record_page(learner: User, forms: dict[str, Any] | None = None, status: int = 200):
    today = oslo_today()
    profile = learner.learner_profile
    entitlement = services.get_entitlement(learner)
    result = services.evaluate(entitlement, profile, today) if entitlement else None
    row = learner_row(current_user, learner.id, today, services.flag_settings())
    may_change = policy.may_change_entitlement(current_user, learner)
    forms = forms or {}
    context = {
        "learner": learner,
        "profile": profile,
        "entitlement": entitlement,
        "result": result,
        "flags": row.flags if row else (),
        "today": today,
        "may_change": may_change,
        "audit": (
            services.audit_trail(learner)
            if policy.may_see_entitlement_audit(current_user, learner)
            else None
        ),
        "start_form": with_id_prefix(
            forms.get("start") or StartForm(obj=entitlement, formdata=None), "start"
        ),
        "leave_form": with_id_prefix(forms.get("leave") or LeaveForm(formdata=None), "leave"),
        "extension_form": with_id_prefix(
            forms.get("extension") or ExtensionForm(formdata=None), "extension"
        ),
        "dropout_form": with_id_prefix(
            forms.get("dropout") or DropoutForm(formdata=None), "dropout"
        ),
        "correction_form": CorrectionForm(formdata=None),
        "no_rule_set": services.no_rule_set_applies(entitlement),
        "rules_notice": services.rules_notice(today),
    }
    return render_template("entitlement/record.html", **context), status


@bp.route("/learners/<int:user_id>/entitlement")
@roles(*STAFF)
def record(user_id: int):
    learner = policy.get_visible_learner_or_404(current_user, user_id)
    return _record_page(learner)


def _learner_to_change(user_id: int) -> User:
    learner = policy.get_visible_learner_or_404(current_user, user_id)
    if not policy.may_change_entitlement(current_user, learner):
        abort(403)
    return learner


def _seen_version() -> datetime | None:
    """The record's ``updated_at`` when the coordinator opened the page (None: no record then,
    or no stamp in the form)."""
    try:
        seen = datetime.fromisoformat(request.form.get("version", "")[:40])
    except ValueError:
        return None
    return seen if seen.tzinfo is not None else None


def _apply(
    learner: User, name: str, form: Any, change: Callable[[], object], done: str
) -> WerkzeugResponse | tuple[str, int]:
    """Validate ``form``, run ``change``, commit; on refusal re-render with the message."""
    if form.validate_on_submit():
        try:
            services.claim(learner, _seen_version())
            change()
        except services.EntitlementError as refusal:
            db.session.rollback()
            form.form_errors.append(refusal_message(refusal.code))
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(url_for("entitlement.record", user_id=learner.id))
    return _record_page(learner, {name: form}, status=400)


@bp.route("/learners/<int:user_id>/entitlement/start", methods=["POST"])
@roles(*DECIDERS)
def set_start(user_id: int):
    learner = _learner_to_change(user_id)
    form = StartForm()
    return _apply(
        learner,
        "start",
        form,
        lambda: services.set_start(
            current_user,
            learner,
            form.decision_date.data,
            form.start_date.data,
            form.reason.data or "",
        ),
        _("The start is saved."),
    )


@bp.route("/learners/<int:user_id>/entitlement/leave", methods=["POST"])
@roles(*DECIDERS)
def add_leave(user_id: int):
    learner = _learner_to_change(user_id)
    form = LeaveForm()
    return _apply(
        learner,
        "leave",
        form,
        lambda: services.add_leave(
            current_user, learner, form.first_day.data, form.last_day.data, form.reason.data
        ),
        _("The leave is registered and the last day moved on."),
    )


@bp.route("/learners/<int:user_id>/entitlement/leave/<int:leave_id>/remove", methods=["POST"])
@roles(*DECIDERS)
def remove_leave(user_id: int, leave_id: int):
    learner = _learner_to_change(user_id)
    form = CorrectionForm()
    return _apply(
        learner,
        "correction",
        form,
        lambda: services.remove_leave(current_user, learner, leave_id, form.reason.data),
        _("The leave is removed."),
    )


@bp.route("/learners/<int:user_id>/entitlement/extension", methods=["POST"])
@roles(*DECIDERS)
def add_extension(user_id: int):
    learner = _learner_to_change(user_id)
    form = ExtensionForm()
    return _apply(
        learner,
        "extension",
        form,
        lambda: services.add_extension(
            current_user, learner, form.decided_on.data, form.months.data, form.note.data or ""
        ),
        _("The extension is registered."),
    )


@bp.route(
    "/learners/<int:user_id>/entitlement/extension/<int:decision_id>/remove", methods=["POST"]
)
@roles(*DECIDERS)
def remove_extension(user_id: int, decision_id: int):
    learner = _learner_to_change(user_id)
    form = CorrectionForm()
    return _apply(
        learner,
        "correction",
        form,
        lambda: services.remove_extension(current_user, learner, decision_id, form.reason.data),
        _("The extension is removed."),
    )


@bp.route("/learners/<int:user_id>/entitlement/dropout", methods=["POST"])
@roles(*DECIDERS)
def register_dropout(user_id: int):
    learner = _learner_to_change(user_id)
    form = DropoutForm()
    return _apply(
        learner,
        "dropout",
        form,
        lambda: services.register_dropout(current_user, learner, form.on.data, form.reason.data),
        _("Dropping out is registered."),
    )


@bp.route("/learners/<int:user_id>/entitlement/dropout/withdraw", methods=["POST"])
@roles(*DECIDERS)
def withdraw_dropout(user_id: int):
    learner = _learner_to_change(user_id)
    form = CorrectionForm()
    return _apply(
        learner,
        "correction",
        form,
        lambda: services.withdraw_dropout(current_user, learner, form.reason.data),
        _("Dropping out is withdrawn."),
    )


# The learner's own pages ----------------------------------------------------------------------


@bp.route("/my/entitlement")
@roles(Role.LEARNER)
def my_entitlement() -> str:
    today = oslo_today()
    learner = current_user
    profile = learner.learner_profile
    entitlement = services.get_entitlement(learner)
    result = services.evaluate(entitlement, profile, today) if entitlement else None
    row = learner_row(learner, learner.id, today, services.flag_settings())
    four_weeks_ago = today - timedelta(days=27)
    hours_four_weeks, hours_total = studytime.hours_since_and_in_total(
        learner.id, four_weeks_ago, today
    )
    return render_template(
        "entitlement/mine.html",
        profile=profile,
        entitlement=entitlement,
        result=result,
        no_rule_set=services.no_rule_set_applies(entitlement),
        flags=row.flags if row else (),
        today=today,
        hours_total=hours_total,
        hours_four_weeks=hours_four_weeks,
        upper_secondary=has_upper_secondary_or_more(profile.education),
        levels=lesson_services.progress_by_level(learner),
        placement=lesson_services.latest_placement(learner),
        class_days=row.class_days if row else 0,
    )


@bp.route("/my/study-hours")
@roles(Role.LEARNER)
def my_study_hours() -> str:
    today = oslo_today()
    learner = current_user
    entitlement = services.get_entitlement(learner)
    first = (entitlement.start_date if entitlement and entitlement.start_date else None) or (
        learner.learner_profile.settlement_date
    )
    months = studytime.monthly_hours(learner.id, first, today)
    profile = learner.learner_profile
    own = current_locale_code()
    norwegian = request.args.get("lang") == "nb"
    # The Norwegian version, for NAV or an employer, carries the learner's language alongside.
    locales = ["nb", own] if norwegian and own != "nb" else [own]
    return render_template(
        "entitlement/study_hours.html",
        learner=learner,
        profile=learner.learner_profile,
        entitlement=entitlement,
        months=months,
        total=round(sum(m.total for m in months), 2),
        first=first,
        today=today,
        norwegian=norwegian,
        own_locale=own,
        texts=[
            statement_texts(locale, months, first, today, profile.birth_date, entitlement)
            for locale in locales
        ],
    )


def statement_texts(
    locale: str, months: list, first: date, today: date, birth: date, entitlement: Any
) -> dict[str, Any]:
    """The statement's headings, dates and month names in ``locale``."""
    with force_locale(locale):
        texts: dict[str, Any] = {
            "locale": locale,
            "title": _("Statement of study hours"),
            "name": _("Name"),
            "birth_date": _("Date of birth"),
            "municipality": _("Home municipality"),
            "period": _("Period"),
            "last_day": _("Last day of the right to training"),
            "caption": _("Hours per month, logged by Norskvei"),
            "month": _("Month"),
            "lessons": _("Lessons"),
            "reviews": _("Vocabulary review"),
            "classes": _("Classes attended"),
            "total": _("Total"),
            "empty": _(
                "No study time is logged yet. Time in lessons, vocabulary review and classes "
                "you attend is counted automatically."
            ),
            "counting": _(
                "Study time counts active time in lessons and reviews (idle time is not "
                "counted) and the length of classes the teacher marked you present at. "
                "Printed %(day)s.",
                day=format_date(today, "long"),
            ),
            "birth": format_date(birth, "long"),
            "first": format_date(first, "long"),
            "today": format_date(today, "long"),
            "months": [format_date(m.month, "LLLL yyyy") for m in months],
        }
        if entitlement and entitlement.last_day:
            texts["entitlement_last_day"] = format_date(entitlement.last_day, "long")
    return texts


# Registrations for the national introduction register (NIR) -----------------------------------


def _nir_month(text: str) -> date:
    """A YYYY-MM path part as the month's first day; anything else is not found."""
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(text)
        return date(int(year), int(month), 1)
    except ValueError:
        abort(404)


def _nir_municipality() -> Organisation:
    organisation = current_user.organisation
    if organisation is None or organisation.kind is OrganisationKind.PROVIDER:
        abort(403)
    return organisation


@bp.route("/entitlements/nir")
@roles(Role.COORDINATOR)
def nir_page() -> str:
    municipality = _nir_municipality()
    return render_template(
        "entitlement/nir.html",
        municipality=municipality,
        months=nir.months_for(municipality.id, oslo_today()),
        columns=nir.COLUMNS,
    )


@bp.route("/entitlements/nir/<month_text>.<kind>")
@roles(Role.COORDINATOR)
def nir_file(month_text: str, kind: str) -> Response:
    municipality = _nir_municipality()
    month = _nir_month(month_text)
    if kind not in ("csv", "json"):
        abort(404)
    rows = nir.registrations(municipality, month)
    body = nir.to_csv(rows) if kind == "csv" else nir.to_json(rows)
    number = municipality.municipality_number or str(municipality.id)
    return Response(
        body,
        mimetype="text/csv" if kind == "csv" else "application/json",
        headers={
            "Content-Disposition": (f'attachment; filename="nir-{number}-{month:%Y-%m}.{kind}"'),
            "Cache-Control": "no-store",
        },
    )


@bp.route("/entitlements/nir/<month_text>/exported", methods=["POST"])
@roles(Role.COORDINATOR)
def nir_exported(month_text: str) -> WerkzeugResponse:
    municipality = _nir_municipality()
    month = _nir_month(month_text)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    nir.mark_exported(current_user, municipality, month)
    db.session.commit()
    flash(_("The month is marked as exported to NIR."), "success")
    return redirect(url_for("entitlement.nir_page"))


# Grant rates by year (administrators) ---------------------------------------------------------


def _rates_page(form: GrantRateForm, status: int = 200):
    rule_set_id = services.DEFAULT_RULE_SET
    return render_template(
        "entitlement/grant_rates.html",
        rule_set=services.effective_rule_set(rule_set_id),
        lines=services.rate_lines(rule_set_id),
        form=form,
    ), status


@bp.route("/admin/grant-rates", methods=["GET", "POST"])
@roles(Role.ADMIN)
def grant_rates():
    form = GrantRateForm()
    if form.validate_on_submit():
        services.register_rate(
            current_user,
            services.DEFAULT_RULE_SET,
            form.year.data,
            form.per_person_nok.data,
            form.per_extension_nok.data,
            form.source.data,
        )
        db.session.commit()
        flash(_("The rates for %(year)s are registered.", year=form.year.data), "success")
        return redirect(url_for("entitlement.grant_rates"))
    return _rates_page(form, status=400 if request.method == "POST" else 200)
