"""Class pages: publishing series, classes that fit a learner, booking, attendance, calendars."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import get_day_names
from babel.lists import format_list
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
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as WerkzeugResponse

from lessons.schema import TRACKS
from scheduling import availability as free_time
from scheduling.recurrence import RecurrenceError, expand, parse_weekdays, weekday_codes
from webapp.access.rules import logged_in, public, roles
from webapp.accounts.models import Role, User
from webapp.classes import calendar, fit, services
from webapp.classes.forms import (
    AvailabilityForm,
    ConfirmForm,
    DemandFilterForm,
    FitFilterForm,
    SeriesDetailsForm,
    SeriesForm,
    SessionForm,
    parse_date_list,
)
from webapp.classes.models import (
    AttendanceMark,
    Booking,
    BookingStatus,
    ClassSeries,
    ClassSession,
    Modality,
    SkippedDate,
)
from webapp.classes.refusals import refusal_message
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.forms import whole_number
from webapp.i18n.labels import MODALITY_LABELS, track_label
from webapp.learners.levels import Level
from webapp.organisations.models import Organisation
from webapp.pages.listing import page_number

bp = Blueprint("classes", __name__, template_folder="templates")

RUNNERS = (Role.TEACHER, Role.PROVIDER_ADMIN)
MANAGERS = (Role.TEACHER, Role.PROVIDER_ADMIN, Role.ADMIN)
STAFF = (Role.TEACHER, Role.PROVIDER_ADMIN, Role.COORDINATOR, Role.ADMIN)
CLASS_LEVELS = (Level.A1, Level.A2, Level.B1, Level.B2)
PER_PAGE = 20


def weekday_names() -> list[str]:
    """Monday to Sunday in the interface language."""
    names = get_day_names("wide", locale=get_locale())
    return [str(names[day]) for day in range(7)]


def short_weekday_names() -> list[str]:
    """Mon to Sun, abbreviated, in the interface language."""
    names = get_day_names("abbreviated", locale=get_locale())
    return [str(names[day]) for day in range(7)]


@bp.app_template_filter("weekday_names")
def weekday_names_filter(codes: str) -> str:
    """``"tue,thu"`` as the day names of the interface language."""
    names = weekday_names()
    days = sorted(parse_weekdays(codes)) if codes else []
    return ", ".join(names[day] for day in days)


@bp.app_template_filter("weekday_name")
def weekday_name_filter(day: int) -> str:
    """Weekday number 0-6 as its name in the interface language."""
    return weekday_names()[day]


@bp.app_template_filter("weekday_list")
def weekday_list_filter(days: tuple[int, ...]) -> str:
    """Weekday numbers as a list in the interface language ("Tuesday and Thursday")."""
    names = weekday_names()
    return format_list([names[day] for day in days], locale=get_locale())


def _series_or_404(series_id: int) -> ClassSeries:
    series = db.session.get(ClassSeries, series_id)
    if series is None:
        abort(404)
    return series


def _managed_series_or_404(series_id: int) -> ClassSeries:
    series = _series_or_404(series_id)
    if not services.may_manage_series(current_user, series):
        abort(404)
    return series


def _session_or_404(series: ClassSeries, session_id: int) -> ClassSession:
    session = db.session.get(ClassSession, session_id)
    if session is None or session.series_id != series.id:
        abort(404)
    return session


# Lists ------------------------------------------------------------------------------------------


@bp.route("/classes")
@logged_in
def class_list() -> str:
    if current_user.role is Role.LEARNER:
        return _fitting_classes()
    stmt = select(ClassSeries).options(
        joinedload(ClassSeries.teacher), joinedload(ClassSeries.provider)
    )
    if current_user.role in RUNNERS:
        stmt = stmt.where(ClassSeries.provider_id == current_user.organisation_id)
    show_past = request.args.get("past") == "1"
    if not show_past:
        stmt = stmt.where(ClassSeries.last_date >= oslo_today())
    page = db.paginate(
        stmt.order_by(ClassSeries.first_date, ClassSeries.id),
        page=page_number(),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "classes/list.html",
        page=page,
        show_past=show_past,
        may_publish=current_user.role in RUNNERS,
        weekday_names=weekday_names(),
    )


def _fitting_classes() -> str:
    form = FitFilterForm(request.args)
    profile = current_user.learner_profile
    form.level.choices = [("", _("All levels"))] + [(lv.value, lv.value) for lv in CLASS_LEVELS]
    form.modality.choices = [("", _("Online and in person"))] + [
        (m.value, str(text)) for m, text in MODALITY_LABELS.items()
    ]
    if "level" not in request.args and profile.current_level in CLASS_LEVELS:
        form.level.data = profile.current_level.value
    level = form.level.data if form.level.data in {lv.value for lv in CLASS_LEVELS} else ""
    modality = form.modality.data if form.modality.data in {m.value for m in Modality} else ""
    now = utcnow()
    free = services.availability_of(current_user)
    page = fit.classes_for_learner_page(
        current_user, free, level, modality, page_number(), PER_PAGE, now
    )
    bookings = services.learner_bookings(current_user)
    return render_template(
        "classes/fit.html",
        form=form,
        page=page,
        query_args={k: v for k, v in (("level", level), ("modality", modality)) if v},
        has_free_time=free is not None,
        bookings=bookings,
        cancellable=services.self_cancellable(bookings, now),
        weekday_names=weekday_names(),
        confirm=ConfirmForm(),
        now=now,
        within_weeks=fit.START_WITHIN_DAYS // 7,
        home_municipality_id=profile.home_municipality_id,
    )


# Publishing -------------------------------------------------------------------------------------


def _fill_choices(form: SeriesDetailsForm, provider_id: int | None) -> None:
    form.level.choices = [(lv.value, lv.value) for lv in CLASS_LEVELS]
    form.track.choices = [("", _("No particular track"))] + [(t, track_label(t)) for t in TRACKS]
    form.modality.choices = [(m.value, str(text)) for m, text in MODALITY_LABELS.items()]
    teachers = db.session.scalars(
        select(User)
        .where(
            User.organisation_id == provider_id,
            User.role.in_(RUNNERS),
            User.active.is_(True),
        )
        .order_by(User.name)
    )
    form.teacher.choices = [("", _("Not decided yet"))] + [(str(t.id), t.name) for t in teachers]
    if isinstance(form, SeriesForm):
        form.weekdays.choices = list(enumerate(weekday_names()))


def _series_input(form: SeriesDetailsForm, series: ClassSeries | None = None):
    recurrence_form = form if isinstance(form, SeriesForm) else None
    return services.SeriesInput(
        title=form.title.data or "",
        description=form.description.data or "",
        level=Level(form.level.data),
        track=form.track.data or None,
        modality=Modality(form.modality.data),
        address=form.address.data or "",
        meeting_link=form.meeting_link.data or "",
        capacity=form.capacity.data,
        teacher_id=int(form.teacher.data) if form.teacher.data else None,
        weekdays=frozenset(recurrence_form.weekdays.data or ()) if recurrence_form else frozenset(),
        start_local=recurrence_form.start_local.data if recurrence_form else series.start_local,
        end_local=recurrence_form.end_local.data if recurrence_form else series.end_local,
        first_date=recurrence_form.first_date.data if recurrence_form else series.first_date,
        last_date=recurrence_form.last_date.data if recurrence_form else series.last_date,
        extra_dates=frozenset(parse_date_list(recurrence_form.extra_dates.data or ""))
        if recurrence_form
        else frozenset(),
        cancelled_dates=frozenset(parse_date_list(recurrence_form.cancelled_dates.data or ""))
        if recurrence_form
        else frozenset(),
        drop_in_allowed=bool(form.drop_in_allowed.data),
        seat_price_nok=form.seat_price_nok.data or 0,
        self_paid=bool(form.self_paid.data),
    )


@bp.route("/classes/new", methods=["GET", "POST"])
@roles(*RUNNERS)
def new_series() -> WerkzeugResponse | tuple[str, int] | str:
    form = SeriesForm()
    _fill_choices(form, current_user.organisation_id)
    if request.method == "GET":
        form.capacity.data = 12
        form.teacher.data = str(current_user.id) if current_user.role is Role.TEACHER else ""
        form.first_date.data = oslo_today() + timedelta(days=7)
        form.last_date.data = oslo_today() + timedelta(days=7 + 12 * 7)
    preview = None
    if form.validate_on_submit():
        data = _series_input(form)
        if form.preview.data:
            try:
                preview = expand(data.recurrence())
            except RecurrenceError as refusal:
                form.form_errors.append(refusal_message(refusal.code))
        else:
            try:
                series = services.create_series(current_user, data)
            except services.ClassError as refusal:
                db.session.rollback()
                form.form_errors.append(refusal_message(refusal.code))
            else:
                db.session.commit()
                flash(_("The class is published."), "success")
                return redirect(url_for("classes.series_page", series_id=series.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "classes/series_form.html", form=form, preview=preview, series=None
    ), status


@bp.route("/classes/<int:series_id>/edit", methods=["GET", "POST"])
@roles(*MANAGERS)
def edit_series(series_id: int) -> WerkzeugResponse | tuple[str, int]:
    series = _managed_series_or_404(series_id)
    form = SeriesDetailsForm(obj=series if request.method == "GET" else None)
    _fill_choices(form, series.provider_id)
    if request.method == "GET":
        form.level.data = series.level.value
        form.modality.data = series.modality.value
        form.track.data = series.track or ""
        form.teacher.data = str(series.teacher_id) if series.teacher_id else ""
    if form.validate_on_submit():
        try:
            promoted = services.update_series(current_user, series, _series_input(form, series))
        except services.ClassError as refusal:
            db.session.rollback()
            form.form_errors.append(refusal_message(refusal.code))
        else:
            db.session.commit()
            flash(_("The class is saved."), "success")
            if promoted:
                flash(
                    ngettext(
                        "%(num)s learner moved from the waiting list.",
                        "%(num)s learners moved from the waiting list.",
                        len(promoted),
                    ),
                    "success",
                )
            return redirect(url_for("classes.series_page", series_id=series.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "classes/series_form.html", form=form, preview=None, series=series
    ), status


# One series -------------------------------------------------------------------------------------


def _series_page(series: ClassSeries, session_form: SessionForm | None = None, status=200):
    now = utcnow()
    manages = services.may_manage_series(current_user, series)
    bookings: list[Booking] = []
    my_bookings: list[Booking] = []
    if manages or current_user.role in (Role.COORDINATOR, Role.ADMIN):
        bookings = services.bookings_shown_to(current_user, series)
    if current_user.role is Role.LEARNER:
        my_bookings = list(
            db.session.scalars(
                select(Booking).where(
                    Booking.series_id == series.id,
                    Booking.learner_id == current_user.id,
                    Booking.status.in_(services.ACTIVE),
                )
            )
        )
    booked_whole = next((b for b in my_bookings if b.session_id is None), None)
    booked_sessions = {b.session_id: b for b in my_bookings if b.session_id is not None}
    sees_link = manages or any(b.status is BookingStatus.CONFIRMED for b in my_bookings)
    count = services.seat_count(series.id)
    sessions = list(series.sessions)
    upcoming = [s for s in sessions if s.ends_at > now]
    past = [s for s in sessions if s.ends_at <= now]
    skipped = list(
        db.session.scalars(
            select(SkippedDate)
            .where(SkippedDate.series_id == series.id)
            .order_by(SkippedDate.local_date)
        )
    )
    free = services.availability_of(current_user) if current_user.role is Role.LEARNER else None
    offer = None
    if current_user.role is Role.LEARNER and booked_whole is None:
        from webapp.seats.services import place_offer

        offer = place_offer(current_user, series, oslo_today())
    return render_template(
        "classes/series.html",
        place_offer=offer,
        series=series,
        manages=manages,
        bookings=bookings,
        booked_whole=booked_whole,
        booked_sessions=booked_sessions,
        sees_link=sees_link,
        count=count,
        upcoming=upcoming,
        past=past[-10:],
        skipped=skipped,
        free=free,
        free_time=free_time,
        now=now,
        session_form=session_form or SessionForm(formdata=None),
        confirm=ConfirmForm(),
        weekday_names=weekday_names(),
        may_self_cancel=services.may_self_cancel,
        full=not services._has_room(series, count, [s for s in upcoming if s.starts_at > now]),
    ), status


@bp.route("/classes/<int:series_id>")
@logged_in
def series_page(series_id: int):
    return _series_page(_series_or_404(series_id))


@bp.route("/classes/<int:series_id>/sessions", methods=["POST"])
@roles(*MANAGERS)
def add_session(series_id: int):
    series = _managed_series_or_404(series_id)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            services.add_session(
                current_user, series, form.day.data, form.start_local.data, form.end_local.data
            )
        except services.ClassError as refusal:
            db.session.rollback()
            form.form_errors.append(refusal_message(refusal.code))
        else:
            db.session.commit()
            flash(_("The session is added."), "success")
            return redirect(url_for("classes.series_page", series_id=series.id))
    return _series_page(series, form, status=400)


def _refuse(series: ClassSeries, refusal: services.ClassError) -> WerkzeugResponse:
    db.session.rollback()
    flash(refusal_message(refusal.code), "error")
    return redirect(url_for("classes.series_page", series_id=series.id))


@bp.route("/classes/<int:series_id>/book", methods=["POST"])
@roles(Role.LEARNER)
def book_series(series_id: int) -> WerkzeugResponse:
    series = _series_or_404(series_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        booking = services.book_series(current_user, series)
    except services.ClassError as refusal:
        return _refuse(series, refusal)
    db.session.commit()
    _flash_booking(booking)
    return redirect(url_for("classes.series_page", series_id=series.id))


@bp.route("/classes/<int:series_id>/sessions/<int:session_id>/book", methods=["POST"])
@roles(Role.LEARNER)
def book_drop_in(series_id: int, session_id: int) -> WerkzeugResponse:
    series = _series_or_404(series_id)
    session = _session_or_404(series, session_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        booking = services.book_drop_in(current_user, session)
    except services.ClassError as refusal:
        return _refuse(series, refusal)
    db.session.commit()
    _flash_booking(booking)
    return redirect(url_for("classes.series_page", series_id=series.id))


def _flash_booking(booking: Booking) -> None:
    if booking.status is BookingStatus.CONFIRMED:
        flash(_("You are booked. The class is in your calendar feed."), "success")
    else:
        flash(
            _(
                "The class is full, so you are on the waiting list. "
                "We will e-mail you if a place frees up."
            ),
            "success",
        )


# Attendance -------------------------------------------------------------------------------------


@bp.route("/classes/<int:series_id>/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
@roles(*MANAGERS)
def attendance(series_id: int, session_id: int):
    series = _managed_series_or_404(series_id)
    session = _session_or_404(series, session_id)
    form = ConfirmForm()
    marks = services.attendance_marks(session)
    learners = services.expected_learners(session)
    known = {learner.id for learner in learners}
    extra_ids = [learner_id for learner_id in marks if learner_id not in known]
    if extra_ids:
        learners += list(db.session.scalars(select(User).where(User.id.in_(extra_ids))))
    error = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        wanted: dict[int, AttendanceMark] = {}
        for learner in learners:
            value = request.form.get(f"mark-{learner.id}", "")
            if value in {m.value for m in AttendanceMark}:
                wanted[learner.id] = AttendanceMark(value)
        try:
            services.mark_attendance(current_user, session, wanted)
        except services.ClassError as refusal:
            db.session.rollback()
            error = refusal_message(refusal.code)
        else:
            db.session.commit()
            flash(_("Attendance is saved."), "success")
            return redirect(
                url_for("classes.attendance", series_id=series.id, session_id=session.id)
            )
    return render_template(
        "classes/attendance.html",
        series=series,
        session=session,
        learners=learners,
        marks=marks,
        form=form,
        error=error,
        started=session.starts_at <= utcnow(),
        marks_choices=list(AttendanceMark),
    ), (400 if error else 200)


# Calendars --------------------------------------------------------------------------------------


def _ics_response(body: bytes, filename: str) -> Response:
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.route("/classes/<int:series_id>/calendar.ics")
@logged_in
def series_calendar(series_id: int) -> Response:
    series = _series_or_404(series_id)
    linked: set[int] = set()
    if services.may_manage_series(current_user, series):
        linked = {series.id}
    elif current_user.role is Role.LEARNER:
        booked = db.session.scalar(
            select(Booking.id).where(
                Booking.series_id == series.id,
                Booking.learner_id == current_user.id,
                Booking.status == BookingStatus.CONFIRMED,
            )
        )
        linked = {series.id} if booked else set()
    body = calendar.build_calendar(series.title, series.sessions, linked, request.host)
    return _ics_response(body, f"norskvei-class-{series.id}.ics")


@bp.route("/calendar")
@logged_in
def calendar_page() -> str:
    feed = calendar.feed_for(current_user, create=False)
    webcal = calendar.webcal_address(feed.token, request.host) if feed else None
    return render_template("classes/calendar.html", feed=feed, webcal=webcal, form=ConfirmForm())


@bp.route("/calendar/renew", methods=["POST"])
@logged_in
def renew_calendar() -> WerkzeugResponse:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    existed = calendar.feed_for(current_user, create=False) is not None
    calendar.renew_feed(current_user)
    db.session.commit()
    flash(
        _("Your calendar has a new address. The old one no longer works.")
        if existed
        else _("Your calendar address is ready."),
        "success",
    )
    return redirect(url_for("classes.calendar_page"))


@bp.route("/calendar/<token>.ics")
@public
def calendar_feed(token: str) -> Response:
    user = calendar.user_for_token(token)
    if user is None:
        abort(404)
    sessions, linked = calendar.sessions_for_user(user)
    body = calendar.build_calendar("Norskvei", sessions, linked, request.host)
    return _ics_response(body, "norskvei.ics")


# Free time --------------------------------------------------------------------------------------


@bp.route("/my/free-time", methods=["GET", "POST"])
@roles(Role.LEARNER)
def free_time_page():
    stored = services.availability_of(current_user)
    form = AvailabilityForm()
    if request.method == "GET":
        form.cycle_weeks.data = stored.cycle_weeks if stored else 1
        form.cycle_start.data = stored.cycle_start if stored else free_time.monday_of(oslo_today())
    weeks = whole_number(request.args.get("weeks")) or (form.cycle_weeks.data or 1)
    cells = free_time.cells_of(stored) if stored else set()
    if form.validate_on_submit():
        ticked = []
        for value in request.form.getlist("free")[: 7 * 24 * free_time.MAX_CYCLE_WEEKS]:
            try:
                week, day, hour = (int(part) for part in value.split("-"))
            except ValueError:
                continue
            ticked.append((week, day, hour))
        value = free_time.from_cells(form.cycle_start.data, form.cycle_weeks.data, ticked)
        services.save_availability(current_user, value)
        db.session.commit()
        flash(_("Your free time is saved. Classes are now ranked by how well they fit."), "success")
        return redirect(url_for("classes.class_list"))
    status = 400 if form.errors else 200
    if request.method == "POST":
        weeks = form.cycle_weeks.data or 1
    # Whatever was asked or posted (valid or not), the grid has 1 to MAX_CYCLE_WEEKS weeks.
    weeks = min(max(weeks, 1), free_time.MAX_CYCLE_WEEKS)
    return render_template(
        "classes/free_time.html",
        form=form,
        weeks=weeks,
        cells=cells,
        hours=free_time.GRID_HOURS,
        short_names=short_weekday_names(),
    ), status


# Demand -----------------------------------------------------------------------------------------


# A card lists the municipalities with most learners free; the rest are summed in one line.
MUNICIPALITIES_PER_CARD = 10


def _biggest_first(places: list[tuple[str, int]]) -> tuple[list[tuple[str, int]], int, int]:
    """The municipalities with most learners (at most ``MUNICIPALITIES_PER_CARD``), and how
    many others there are with how many learners between them."""
    ordered = sorted(places, key=lambda place: (-place[1], place[0]))
    rest = ordered[MUNICIPALITIES_PER_CARD:]
    return ordered[:MUNICIPALITIES_PER_CARD], len(rest), sum(n for _name, n in rest)


@bp.route("/classes/demand")
@roles(*STAFF)
def demand() -> str:
    form = DemandFilterForm(request.args)
    form.level.choices = [("", _("All levels"))] + [(lv.value, lv.value) for lv in CLASS_LEVELS]
    municipalities = list(
        db.session.scalars(
            select(Organisation)
            .where(or_(Organisation.kind == "municipality", Organisation.kind == "both"))
            .order_by(Organisation.name)
        )
    )
    form.municipality.choices = [("", _("All municipalities"))] + [
        (str(m.id), m.name) for m in municipalities
    ]
    level = form.level.data if form.level.data in {lv.value for lv in CLASS_LEVELS} else ""
    municipality_id = whole_number(request.args.get("municipality"))
    if current_user.role is Role.COORDINATOR:  # a coordinator sees their own municipality
        municipalities = [m for m in municipalities if m.id == current_user.organisation_id]
        form.municipality.choices = [(str(m.id), m.name) for m in municipalities]
        municipality_id = current_user.organisation_id
    smallest = services.SMALLEST_COUNT_SHOWN
    # A count below ``smallest`` is never shown nor added into any figure that is shown, so no
    # subtraction between figures (or between two filters) can recover it: totals and sums are
    # of shown counts only, and small ones are only counted as municipalities.
    cells = services.demand(level, municipality_id)
    totals: dict[tuple[str | None, str], int] = {}
    small: dict[tuple[str | None, str], int] = {}
    for cell in cells:
        key = (cell.level, cell.window.code)
        if cell.learners >= smallest:
            totals[key] = totals.get(key, 0) + cell.learners
        else:
            totals.setdefault(key, 0)
            small[key] = small.get(key, 0) + 1
    windows = {w.code: w for w in free_time.demand_windows()}
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0][1], item[0][0] or ""))
    weekend = [item for item in ranked if windows[item[0][1]].weekdays[0] >= 5][:5]
    evening = [item for item in ranked if windows[item[0][1]].weekdays[0] < 5][:5]
    shown = {key for key, _count in weekend + evening}
    by_municipality: dict[tuple[str | None, str], list[tuple[str, int]]] = {}
    for cell in cells:
        key = (cell.level, cell.window.code)
        if key in shown and cell.learners >= smallest:
            by_municipality.setdefault(key, []).append((cell.municipality, cell.learners))
    return render_template(
        "classes/demand.html",
        form=form,
        best_evening=[(key[0], windows[key[1]], count) for key, count in evening],
        best_weekend=[(key[0], windows[key[1]], count) for key, count in weekend],
        by_municipality={k: _biggest_first(v) for k, v in by_municipality.items()},
        small_municipalities=small,
        smallest=smallest,
        weekday_names=weekday_names(),
        weekday_codes=weekday_codes,
    )


# Cancelling (its own module; it adds routes to this blueprint).
from webapp.classes import cancel_views  # noqa: E402, F401
