"""Flask-Login wiring: load the user from the session, send strangers to the login page."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from webapp.accounts.models import User
from webapp.extensions import db, login_manager

# Built once: this runs on every request, and a prebuilt statement spares SQLAlchemy building it
# and its cache key each time. The organisation and learner profile come joined (see User).
_USER_BY_ID = select(User).where(User.id == bindparam("id"))


def read_identity(identity: object) -> tuple[int, int] | None:
    """(user id, session version) from a session's login identity (``User.get_id``), or None."""
    if not isinstance(identity, str):
        return None
    user_id, _, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    return int(user_id), int(version)


def load_user(identity: str) -> User | None:
    """Load the session's user; a stale ``session_version`` or a deactivated account logs out."""
    parts = read_identity(identity)
    if parts is None:
        return None
    user_id, version = parts
    user = db.session.execute(_USER_BY_ID, {"id": user_id}).scalar_one_or_none()
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
