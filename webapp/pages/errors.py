"""Translated error pages, and a 503 when the database is away."""

from __future__ import annotations

import logging

from flask import Flask, abort, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.extensions import db, login_manager

logger = logging.getLogger(__name__)

KNOWN_CODES = (400, 403, 404, 405, 413, 429, 500, 503)


def _render_page(code: int, csrf_error: bool = False) -> str:
    try:
        return render_template("pages/error.html", code=code, csrf_error=csrf_error)
    except Exception:  # the layout itself failed (e.g. no database): keep the answer simple
        logger.exception("could not render the error page for %s", code)
        db.session.rollback()
        return render_template("pages/error_bare.html", code=code)


def render_error(error: HTTPException) -> tuple[str, int]:
    """Render the translated page for an HTTP error."""
    code = error.code or 500
    template_code = code if code in KNOWN_CODES else (400 if code < 500 else 500)
    return _render_page(template_code), code


def render_csrf_error(error: CSRFError) -> tuple[str, int]:
    """A form came back without a valid security token."""
    return _render_page(400, csrf_error=True), 400


def render_unavailable(error: OperationalError) -> tuple[str, int]:
    """The database did not answer: roll back and say so; the next request reconnects."""
    logger.error("database unavailable: %s", error)
    _forget_session_state()
    # The page must not ask the database who is logged in: show it as to a visitor.
    g._login_user = login_manager.anonymous_user()
    return _render_page(503), 503


def _forget_session_state() -> None:
    """Drop the failed transaction; a dead connection may refuse even the rollback."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001  (the pool replaces the connection on the next checkout)
        logger.warning("rollback after a database failure failed too", exc_info=True)
    db.session.remove()


def render_unexpected(error: Exception) -> tuple[str, int]:
    """Anything unexpected: log it, roll back, show the translated 500 page."""
    if isinstance(error, HTTPException):
        return render_error(error)
    logger.exception("unexpected error", exc_info=error)
    db.session.rollback()
    return render_error(InternalServerError())


def refuse_nul_characters() -> None:
    """Refuse addresses and query strings with NUL characters: no text column can hold them
    (PostgreSQL rejects them outright, even in a WHERE), and no person types them. Posted forms
    are left to the forms, which refuse them field by field and show the user's other values
    again (webapp/forms.py)."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)
    ):
        abort(400)


def init_app(app: Flask) -> None:
    """Register the error handlers and the check on hostile characters."""
    app.before_request(refuse_nul_characters)
    app.register_error_handler(CSRFError, render_csrf_error)
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(OperationalError, render_unavailable)
    app.register_error_handler(Exception, render_unexpected)
