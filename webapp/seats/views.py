"""Seat pages: offerings, orders and decisions, the municipality's seat pool and its report."""

from __future__ import annotations

import csv
import io

from babel import Locale
from babel.dates import format_date
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_currency, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from webapp.access.rules import roles
from webapp.accounts.models import Role, User
from webapp.classes.forms import ConfirmForm
from webapp.classes.models import ClassSeries
from webapp.clock import oslo_today
from webapp.csv_files import safe_cell
from webapp.entitlement.grants import grant_income
from webapp.entitlement.overview import status_counts
from webapp.extensions import db
from webapp.forms import whole_number
from webapp.i18n.labels import status_label
from webapp.pages.listing import page_number
from webapp.seats import giving, services
from webapp.seats.chart import grant_svg, seat_use_svg
from webapp.seats.forms import AssignSeatForm, OfferingForm, OrderForm
from webapp.seats.models import (
    Offering,
    OfferingKind,
    OrderStatus,
    SeatAssignment,
    SeatOrder,
    SeatRequest,
)
from webapp.seats.refusals import refusal_message
from webapp.text_rules import without_hidden_characters

bp = Blueprint("seats", __name__, template_folder="templates")

BUYERS = (Role.COORDINATOR, Role.ADMIN)
SELLERS = (Role.PROVIDER_ADMIN, Role.ADMIN)
MARKET = (Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.ADMIN)
PER_PAGE = 20


def kind_label(kind: OfferingKind) -> str:
    """The translated name of an offering kind."""
    return {
        OfferingKind.CLASS_SEAT: _("Places in a class"),
        OfferingKind.LICENCE: _("Self-study licence with a teacher's follow-up"),
    }[kind]


def order_status_label(status) -> str:
    """The translated name of an order status."""
    return {
        "pending": _("Waiting for the provider"),
        "accepted": _("Accepted"),
        "declined": _("Declined"),
        "cancelled": _("Withdrawn"),
    }[status.value]


@bp.app_template_filter("nok")
def nok(amount: int) -> str:
    """Whole Norwegian kroner, formatted the way the interface language writes money."""
    locale = Locale.parse(str(get_locale() or "nb"))
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(amount, "NOK", format=pattern, currency_digits=False)


@bp.app_context_processor
def seat_labels() -> dict[str, object]:
    return {"kind_label": kind_label, "order_status_label": order_status_label}


# Offerings ----------------------------------------------------------------------------------------


def _offering_form() -> OfferingForm:
    form = OfferingForm()
    form.kind.choices = [(kind.value, kind_label(kind)) for kind in OfferingKind]
    series = db.session.scalars(
        select(ClassSeries)
        .where(
            ClassSeries.provider_id == current_user.organisation_id,
            ClassSeries.last_date >= oslo_today(),
        )
        .order_by(ClassSeries.first_date)
    )
    form.series.choices = [("", "–")] + [(str(s.id), s.title) for s in series]
    return form


@bp.route("/offerings", methods=["GET", "POST"])
@roles(*MARKET)
def offering_list():
    form = _offering_form() if current_user.role is Role.PROVIDER_ADMIN else None
    if form is not None and form.validate_on_submit():
        try:
            offering = services.create_offering(
                current_user,
                services.OfferingInput(
                    kind=OfferingKind(form.kind.data),
                    title=form.title.data,
                    description=form.description.data or "",
                    series_id=int(form.series.data) if form.series.data else None,
                    months=form.months.data,
                    price_nok=form.price_nok.data,
                    seats_for_sale=form.seats_for_sale.data,
                ),
            )
        except services.SeatError as refusal:
            db.session.rollback()
            form.form_errors.append(refusal_message(refusal.code))
        else:
            db.session.commit()
            flash(_("The offering is published."), "success")
            return redirect(url_for("seats.offering_page", offering_id=offering.id))
    page = db.paginate(
        services.offerings_visible_to(current_user).order_by(
            Offering.active.desc(), Offering.created_at.desc(), Offering.id.desc()
        ),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    held = services.held_seats([o.id for o in page.items])
    status = 400 if form is not None and (form.errors or form.form_errors) else 200
    return render_template(
        "seats/offerings.html", page=page, held=held, form=form, confirm=ConfirmForm()
    ), status


def _offering_page(offering: Offering, order_form: OrderForm | None = None, status: int = 200):
    if order_form is None and current_user.role is Role.COORDINATOR:
        order_form = OrderForm(formdata=None)
        order_form.first_day.data, order_form.last_day.data = services.default_period(
            offering, oslo_today()
        )
        order_form.seats.data = 1
    return render_template(
        "seats/offering.html",
        offering=offering,
        left=services.seats_left(offering),
        order_form=order_form,
    ), status


@bp.route("/offerings/<int:offering_id>")
@roles(*MARKET)
def offering_page(offering_id: int):
    return _offering_page(services.get_offering_or_404(current_user, offering_id))


@bp.route("/offerings/<int:offering_id>/active", methods=["POST"])
@roles(*SELLERS)
def set_offering_active(offering_id: int) -> WerkzeugResponse:
    offering = services.get_offering_or_404(current_user, offering_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_offering_active(current_user, offering, not offering.active)
    db.session.commit()
    flash(
        _("The offering is open for orders.")
        if offering.active
        else _("The offering takes no new orders."),
        "success",
    )
    return redirect(url_for("seats.offering_list"))


@bp.route("/offerings/<int:offering_id>/orders", methods=["POST"])
@roles(Role.COORDINATOR)
def place_order(offering_id: int):
    """Order seats in two steps: the order's total and period shown first, then confirmed."""
    offering = services.get_offering_or_404(current_user, offering_id)
    form = OrderForm()
    if not form.validate_on_submit():
        return _offering_page(offering, form, status=400)
    if form.change.data:
        return _offering_page(offering, form)
    if not offering.active:
        form.form_errors.append(refusal_message("offering_closed"))
        return _offering_page(offering, form, status=400)
    if form.seats.data > services.seats_left(offering):
        form.form_errors.append(refusal_message("not_enough_seats"))
        return _offering_page(offering, form, status=400)
    if not form.confirm.data or whole_number(form.price_seen.data) != offering.price_nok:
        price_changed = bool(form.confirm.data)
        form.price_seen.data = str(offering.price_nok)
        return render_template(
            "seats/confirm_order.html",
            offering=offering,
            form=form,
            total=form.seats.data * offering.price_nok,
            price_changed=price_changed,
        )
    try:
        services.place_order(
            current_user,
            offering,
            form.seats.data,
            form.first_day.data,
            form.last_day.data,
            form.note.data or "",
        )
    except services.SeatError as refusal:
        db.session.rollback()
        form.form_errors.append(refusal_message(refusal.code))
    else:
        db.session.commit()
        flash(
            _("The order is sent. The seats are held for you until the provider answers."),
            "success",
        )
        return redirect(url_for("seats.order_list"))
    return _offering_page(offering, form, status=400)


# Orders -------------------------------------------------------------------------------------------


@bp.route("/orders")
@roles(*MARKET)
def order_list() -> str:
    page = db.paginate(
        services.orders_visible_to(current_user).order_by(
            SeatOrder.status != "pending", SeatOrder.created_at.desc(), SeatOrder.id.desc()
        ),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template("seats/orders.html", page=page, confirm=ConfirmForm())


def _decide(order_id: int, accept: bool) -> WerkzeugResponse:
    order = services.get_order_or_404(current_user, order_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.decide_order(current_user, order, accept)
    except services.SeatError as refusal:
        db.session.rollback()
        flash(refusal_message(refusal.code), "error")
    else:
        db.session.commit()
        flash(_("The order is accepted.") if accept else _("The order is declined."), "success")
    return redirect(url_for("seats.order_list"))


@bp.route("/orders/<int:order_id>/accept", methods=["POST"])
@roles(*SELLERS)
def accept_order(order_id: int) -> WerkzeugResponse:
    return _decide(order_id, True)


@bp.route("/orders/<int:order_id>/decline", methods=["POST"])
@roles(*SELLERS)
def decline_order(order_id: int) -> WerkzeugResponse:
    return _decide(order_id, False)


@bp.route("/orders/<int:order_id>/withdraw", methods=["POST"])
@roles(Role.COORDINATOR)
def withdraw_order(order_id: int) -> WerkzeugResponse:
    order = services.get_order_or_404(current_user, order_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw_order(current_user, order)
    except services.SeatError as refusal:
        db.session.rollback()
        flash(refusal_message(refusal.code), "error")
    else:
        db.session.commit()
        flash(_("The order is withdrawn."), "success")
    return redirect(url_for("seats.order_list"))


# The seat pool ------------------------------------------------------------------------------------


def _pool_page(forms: dict[int, AssignSeatForm] | None = None, status: int = 200):
    include_ended = request.args.get("ended") == "1"
    pool = services.seat_pool(current_user, include_ended)
    free_by_order: dict[int, int] = {}
    for item in pool:
        if item.holder is None:
            free_by_order[item.order.id] = free_by_order.get(item.order.id, 0) + 1
    return render_template(
        "seats/pool.html",
        pool=pool,
        free_by_order=free_by_order,
        place_requests=services.requests_for(current_user),
        include_ended=include_ended,
        forms=forms or {},
        confirm=ConfirmForm(),
    ), status


@bp.route("/seats")
@roles(*BUYERS)
def seat_pool():
    return _pool_page()


@bp.route("/seats/<int:seat_id>/assign", methods=["POST"])
@roles(Role.COORDINATOR)
def assign_seat(seat_id: int):
    seat = services.get_seat_or_404(current_user, seat_id)
    form = AssignSeatForm()
    if form.validate_on_submit():
        learner_id = db.session.scalar(
            select(User.id).where(func.lower(User.email) == form.email.data.strip().lower())
        )
        try:
            services.assign_seat(current_user, seat, learner_id or 0)
        except services.SeatError as refusal:
            db.session.rollback()
            form.email.errors = [*form.email.errors, refusal_message(refusal.code)]
        else:
            db.session.commit()
            flash(_("The seat is given to the learner."), "success")
            return redirect(url_for("seats.seat_pool"))
    return _pool_page({seat.id: form}, status=400)


def _accepted_order_or_404(order_id: int) -> SeatOrder:
    order = services.get_order_or_404(current_user, order_id)
    if order.status is not OrderStatus.ACCEPTED:
        abort(404)
    return order


def _ids(values: list[str]) -> list[int]:
    ids = [n for n in map(whole_number, values) if n is not None]
    return list(dict.fromkeys(ids))[: giving.MAX_CHOSEN]


def _give_page(order: SeatOrder, chosen: list[int], query: str, errors=(), status: int = 200):
    results = giving.search_learners(current_user, order, query, page_number()) if query else None
    chosen_learners = giving.chosen_learners(current_user, order, chosen)
    return render_template(
        "seats/give.html",
        order=order,
        free=len(giving.free_seats(order)),
        suggestions=giving.suggested_learners(current_user, order),
        query=query,
        results=results,
        chosen_learners=chosen_learners,
        chosen={c.learner.id for c in chosen_learners},
        errors=errors,
    ), status


@bp.route("/seats/orders/<int:order_id>")
@roles(Role.COORDINATOR)
def give_page(order_id: int):
    """Find the municipality's learners by name, birth date or e-mail, see whom the seats fit,
    and tick the ones to give a seat (those ticked before a search stay ticked)."""
    order = _accepted_order_or_404(order_id)
    query = _search_text(request.args.get("q"))
    return _give_page(order, _ids(request.args.getlist("chosen")), query)


@bp.route("/seats/orders/<int:order_id>/give", methods=["POST"])
@roles(Role.COORDINATOR)
def give_seats(order_id: int):
    order = _accepted_order_or_404(order_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    chosen = _ids(request.form.getlist("learner"))
    query = _search_text(request.form.get("q"))
    if "search" in request.form:  # a search keeps what is ticked, and leaves no token in the URL
        return redirect(
            url_for("seats.give_page", order_id=order.id, q=query or None, chosen=chosen)
        )
    try:
        given = giving.give_seats(current_user, order, chosen)
    except giving.GivingRefused as refusal:
        db.session.rollback()
        return _give_page(order, chosen, query, [_giving_message(refusal)], status=400)
    db.session.commit()
    flash(
        ngettext(
            "%(num)s seat is given: %(names)s.",
            "%(num)s seats are given: %(names)s.",
            len(given),
            names=", ".join(a.learner.name for a in given),
        ),
        "success",
    )
    return redirect(url_for("seats.seat_pool"))


def _search_text(raw: str | None) -> str:
    """What a learner search looks for: typed text without hidden characters, at most 100."""
    return without_hidden_characters(raw or "")[:100]


def _giving_message(refusal: giving.GivingRefused) -> str:
    if refusal.code == "nobody_chosen":
        return _("Tick at least one learner.")
    if refusal.code == "too_few_free_seats":
        return _("You ticked more learners than there are free seats.")
    message = refusal_message(refusal.code)
    learner = db.session.get(User, refusal.learner_id) if refusal.learner_id else None
    if refusal.code == "unknown_learner":
        return _("One of the ticked learners does not live in your municipality.")
    if learner is None:
        return message
    return _("%(name)s: %(problem)s", name=learner.name, problem=message)


@bp.route("/seat-assignments/<int:assignment_id>/release", methods=["POST"])
@roles(Role.COORDINATOR)
def release_seat(assignment_id: int) -> WerkzeugResponse:
    assignment = db.session.get(SeatAssignment, assignment_id)
    if assignment is None or assignment.seat.order.municipality_id != current_user.organisation_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.release_seat(current_user, assignment)
    except services.SeatError as refusal:
        db.session.rollback()
        flash(refusal_message(refusal.code), "error")
    else:
        db.session.commit()
        flash(_("The seat is free and can be given to someone else."), "success")
    return redirect(url_for("seats.seat_pool"))


@bp.route("/classes/<int:series_id>/request-place", methods=["POST"])
@roles(Role.LEARNER)
def request_place(series_id: int) -> WerkzeugResponse:
    series = db.get_or_404(ClassSeries, series_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.request_place(current_user, series)
    except services.SeatError as refusal:
        db.session.rollback()
        flash(refusal_message(refusal.code), "error")
    else:
        db.session.commit()
        flash(_("Your coordinator has your request and will answer you."), "success")
    return redirect(url_for("classes.series_page", series_id=series.id))


@bp.route("/seat-requests/<int:request_id>/handled", methods=["POST"])
@roles(Role.COORDINATOR)
def handle_request(request_id: int) -> WerkzeugResponse:
    seat_request = db.session.get(SeatRequest, request_id)
    if seat_request is None or seat_request.municipality_id != current_user.organisation_id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.handle_request(current_user, seat_request)
    except services.SeatError as refusal:
        db.session.rollback()
        flash(refusal_message(refusal.code), "error")
    else:
        db.session.commit()
        flash(_("The request is marked as handled."), "success")
    return redirect(url_for("seats.seat_pool"))


@bp.route("/seats/<int:seat_id>")
@roles(*BUYERS)
def seat_page(seat_id: int) -> str:
    seat = services.get_seat_or_404(current_user, seat_id)
    return render_template("seats/seat.html", seat=seat, history=services.seat_history(seat))


# Reports ------------------------------------------------------------------------------------------


def _report_year() -> int:
    year = whole_number(request.args.get("year")) or oslo_today().year
    return min(max(year, 2000), 2100)


def _municipality() -> int | None:
    return None if current_user.role is Role.ADMIN else current_user.organisation_id


@bp.route("/seats/report")
@roles(*BUYERS)
def report() -> str:
    year = _report_year()
    municipality = _municipality()
    result = services.seat_report(municipality, year)
    locale = get_locale()
    months = result.totals_by_month()
    chart = seat_use_svg(
        [(month, bought, used) for month, bought, used, _cost in months],
        [format_date(month, "MMM", locale=locale) for month, *_rest in months],
        _("Seats bought and used per month, %(year)s", year=year),
        _("Bought"),
        _("Used"),
    )
    grants = grant_income(municipality)
    amounts = [
        (g.year, g.total_nok, _("rate not registered") if g.total_nok is None else nok(g.total_nok))
        for g in grants
    ]
    grant_chart = grant_svg(
        amounts,
        _(
            "Expected grants per year: %(years)s",
            years="; ".join(f"{year}: {text}" for year, _total, text in amounts),
        ),
    )
    return render_template(
        "seats/report.html",
        year=year,
        years=services.report_years(municipality, oslo_today().year),
        result=result,
        months=months,
        chart=chart,
        grants=grants,
        grant_chart=grant_chart,
        own_places=services.own_places_by_month(municipality, result.months),
        statuses=[(status_label(status), count) for status, count in status_counts(current_user)],
    )


@bp.route("/seats/report.csv")
@roles(*BUYERS)
def report_csv() -> Response:
    year = _report_year()
    result = services.seat_report(_municipality(), year)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            _("Offering"),
            _("Provider"),
            _("Month"),
            _("Bought"),
            _("Used"),
            _("Idle"),
            _("Cost (NOK)"),
        ]
    )
    for row in result.rows:
        offering = result.offerings[row.offering_id]
        writer.writerow(
            [
                safe_cell(offering.title),
                safe_cell(offering.provider.name),
                row.month.strftime("%Y-%m"),
                row.bought,
                row.used,
                row.idle,
                row.cost_nok,
            ]
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="norskvei-seats-{year}.csv"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/seats/grants.csv")
@roles(*BUYERS)
def grants_csv() -> Response:
    """The expected grants per year as CSV (an empty amount: no rate registered for that year)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(
        [
            _("Year"),
            _("Learners started"),
            _("Person grants"),
            _("Extension decisions"),
            _("Months granted"),
            _("Extension grants"),
            _("Total"),
        ]
    )
    for g in grant_income(_municipality()):
        writer.writerow(
            [
                g.year,
                g.persons,
                "" if g.person_nok is None else g.person_nok,
                g.decisions,
                g.months,
                "" if g.extension_nok is None else g.extension_nok,
                "" if g.total_nok is None else g.total_nok,
            ]
        )
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="norskvei-grants.csv"',
            "Cache-Control": "no-store",
        },
    )
