"""Cancelling, each on its own confirmation page: GET says what will happen, POST does it."""

from __future__ import annotations

from contextlib import nullcontext

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from webapp.access.rules import public, roles
from webapp.accounts.models import Role, User
from webapp.classes import attending, services
from webapp.classes.cancelling import booking_cancellation, session_cancellation
from webapp.classes.forms import ConfirmForm
from webapp.classes.models import Booking, ClassSession, SessionStatus
from webapp.classes.refusals import refusal_message
from webapp.classes.views import (
    MANAGERS,
    _managed_series_or_404,
    _refuse,
    _session_or_404,
    bp,
)
from webapp.db_types import utcnow
from webapp.extensions import db


@bp.route("/classes/<int:series_id>/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@roles(*MANAGERS)
def cancel_session(series_id: int, session_id: int):
    series = _managed_series_or_404(series_id)
    session = _session_or_404(series, session_id)
    if request.method == "GET":
        over = session.status is SessionStatus.CANCELLED or session.ends_at <= utcnow()
        return render_template(
            "classes/cancel_session.html",
            series=series,
            preview=session_cancellation(session),
            over=over,
            form=ConfirmForm(),
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        told = services.cancel_session(current_user, session)
    except services.ClassError as refusal:
        return _refuse(series, refusal)
    db.session.commit()
    flash(
        ngettext(
            "The session is cancelled. %(num)s learner is told by e-mail.",
            "The session is cancelled. %(num)s learners are told by e-mail.",
            told,
        ),
        "success",
    )
    return redirect(url_for("classes.series_page", series_id=series.id))


def _own_booking_or_404(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.learner_id != current_user.id:
        abort(404)
    return booking


@bp.route("/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
@roles(Role.LEARNER)
def cancel_booking(booking_id: int):
    booking = _own_booking_or_404(booking_id)
    back = "list" if request.values.get("back") == "list" else ""
    if request.method == "GET":
        if booking.status not in services.ACTIVE:
            flash(_("That is already cancelled."), "error")
            return redirect(url_for("classes.series_page", series_id=booking.series_id))
        return render_template(
            "classes/cancel_booking.html",
            preview=booking_cancellation(booking, utcnow()),
            back=back,
            form=ConfirmForm(),
        )
    if not ConfirmForm().validate_on_submit():
        abort(400)
    series = booking.series
    try:
        services.cancel_booking(current_user, booking)
    except services.ClassError as refusal:
        return _refuse(series, refusal)
    db.session.commit()
    flash(_("Your booking is cancelled."), "success")
    return redirect(
        url_for("classes.class_list")
        if back
        else url_for("classes.series_page", series_id=series.id)
    )


@bp.route("/classes/cant-come/<token>", methods=["GET", "POST"])
@public
def cant_come(token: str):
    """The link in a session reminder: GET asks, POST frees the learner's place at it."""
    named = attending.read_cant_come_token(token)
    session = db.session.get(ClassSession, named[1]) if named else None
    learner = db.session.get(User, named[0]) if named else None
    if session is None or learner is None or not learner.is_active:
        abort(404)
    error = None
    done = False
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            attending.cant_come(learner, session)
        except services.ClassError as refusal:
            db.session.rollback()
            with nullcontext() if current_user.is_authenticated else force_locale(learner.locale):
                error = refusal_message(refusal.code)
        else:
            db.session.commit()
            done = True
    booked = attending.booking_at(learner.id, session)
    open_to_change = (
        session.status is SessionStatus.SCHEDULED
        and session.starts_at > utcnow()
        and booked is not None
        and not attending.has_excused_itself(learner.id, session)
    )
    # Opened from the e-mail, often not logged in: in the language the e-mail was written in.
    language = nullcontext() if current_user.is_authenticated else force_locale(learner.locale)
    with language:
        page = render_template(
            "classes/cant_come.html",
            token=token,
            session=session,
            series=session.series,
            whole_series=booked is not None and booked.session_id is None,
            open_to_change=open_to_change and not done,
            done=done,
            error=error,
            form=ConfirmForm(),
        )
    return page, (400 if error else 200)
