"""Flask-Login wiring: load the user from the session and its server-side record, send
strangers to the login page."""

from __future__ import annotations

import hashlib

from flask import Flask, session
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from webapp.accounts.models import LoginSession, User
from webapp.db_types import utcnow
from webapp.extensions import db, login_manager

# The session key holding the login session's token (the server keeps only its hash).
SESSION_TOKEN_KEY = "sid"

# Built once: this runs on every request, and a prebuilt statement spares SQLAlchemy building it
# and its cache key each time. The organisation and learner profile come joined (see User); the
# login session's row is checked in the same statement.
_USER_BY_ID = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        User.id == bindparam("id"),
        LoginSession.token_hash == bindparam("token_hash"),
        LoginSession.expires_at > bindparam("now"),
    )
)


def token_hash(token: str) -> str:
    """The stored form of a login session's token."""
    return hashlib.sha256(token.encode()).hexdigest()


def read_identity(identity: object) -> tuple[int, int] | None:
    """(user id, session version) from a session's login identity (``User.get_id``), or None."""
    if not isinstance(identity, str):
        return None
    user_id, _, version = identity.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    return int(user_id), int(version)


def load_user(identity: str) -> User | None:
    """Load the session's user; a stale ``session_version``, a deactivated account or a login
    session the server no longer has (logged out, expired, revoked) logs out."""
    parts = read_identity(identity)
    token = session.get(SESSION_TOKEN_KEY)
    if parts is None or not isinstance(token, str) or not token:
        return None
    user_id, version = parts
    values = {"id": user_id, "token_hash": token_hash(token), "now": utcnow()}
    user = db.session.execute(_USER_BY_ID, values).unique().scalar_one_or_none()
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def init_app(app: Flask) -> None:
    """Configure Flask-Login."""
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
