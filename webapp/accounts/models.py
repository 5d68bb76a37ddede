"""Users and the records that protect their accounts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.config import LOCALES
from webapp.db_types import UTCDateTime, enum_column, utcnow
from webapp.extensions import db
from webapp.organisations.models import Organisation

if TYPE_CHECKING:
    from webapp.learners.models import LearnerProfile


class Role(enum.StrEnum):
    """What a user does on the platform; it decides what they may see."""

    LEARNER = "learner"
    TEACHER = "teacher"
    COORDINATOR = "coordinator"
    PROVIDER_ADMIN = "provider_admin"
    ADMIN = "admin"


STAFF_ROLES = (Role.TEACHER, Role.COORDINATOR, Role.PROVIDER_ADMIN, Role.ADMIN)

_LOCALE_LIST = ", ".join(f"'{code}'" for code in LOCALES)


class User(UserMixin, db.Model):
    """Anyone who logs in: a learner, a teacher, a coordinator or an administrator."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("length(email) >= 3", name="email_not_empty"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint(f"locale IN ({_LOCALE_LIST})", name="known_locale"),
        CheckConstraint("role = 'admin' OR organisation_id IS NOT NULL", name="has_organisation"),
        CheckConstraint("session_version >= 1", name="session_version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    locale: Mapped[str] = mapped_column(String(5), default="nb")
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    learner_profile: Mapped[LearnerProfile | None] = relationship(
        back_populates="user", uselist=False, lazy="joined"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.active

    def get_id(self) -> str:
        """Session identity; bumping ``session_version`` logs the user out everywhere."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class PasswordResetToken(db.Model):
    """A single-use, expiring password reset; only the token's hash is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class LoginSession(db.Model):
    """One logged-in browser: the session cookie carries its token, the server keeps its hash.

    Logging out deletes the row, so a copy of the cookie taken before stops working at once;
    a password change, a reset, deactivation and "log out everywhere" delete all of a user's rows.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class LoginAttempt(db.Model):
    """One try at logging in, kept so failures can be throttled per account and per address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "attempted_at"),
        Index("ix_login_attempts_ip_at", "ip_address", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip_address: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class Invitation(db.Model):
    """A code a municipality or provider hands a learner so they can create an account."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("max_uses >= 1", name="max_uses_positive"),
        CheckConstraint("used_count >= 0 AND used_count <= max_uses", name="uses_within_limit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    home_municipality_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    used_count: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    home_municipality: Mapped[Organisation] = relationship(foreign_keys=[home_municipality_id])
    created_by: Mapped[User | None] = relationship()


class OidcIdentity(db.Model):
    """A person at an OpenID Connect provider (issuer and subject) linked to an account, stored
    on their first sign-in there; later sign-ins find the account by it."""

    __tablename__ = "oidc_identities"
    __table_args__ = (
        UniqueConstraint("issuer", "subject"),
        UniqueConstraint("user_id", "issuer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


def organisation_of(connection: Connection, user_id: int) -> int | None:
    """A user's organisation, read on ``connection`` (for insert events that stamp a row with
    the provider its learner belongs to)."""
    return connection.scalar(select(User.organisation_id).where(User.id == user_id))
