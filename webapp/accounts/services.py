"""Account operations: authenticate with throttling, reset passwords, invitations, staff accounts.

Services change the session and flush; the view commits once, then delivers e-mail.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app, url_for
from sqlalchemy import and_, delete, func, insert, or_, select, update

from webapp.accounts.login import token_hash
from webapp.accounts.models import (
    Invitation,
    LoginAttempt,
    LoginSession,
    PasswordResetToken,
    Role,
    User,
)
from webapp.accounts.passwords import DUMMY_HASH, hash_password, verify_password
from webapp.accounts.throttling import Failures, wait_left
from webapp.classes.models import CalendarFeed
from webapp.db_types import utcnow
from webapp.entitlement.overview_rows import refresh_learner
from webapp.entitlement.services import ensure_entitlement as open_entitlement
from webapp.extensions import db
from webapp.learners.levels import Education, default_targets
from webapp.learners.models import Employment, FirstLanguage, LearnerProfile
from webapp.mail.services import queue_templated_mail
from webapp.organisations.models import Organisation

INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def normalise_email(email: str) -> str:
    """E-mail addresses are compared and stored trimmed and lower-cased."""
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    """Look a user up by e-mail, whatever its case."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def email_taken(email: str) -> bool:
    """True when an account with this e-mail exists."""
    return find_user_by_email(email) is not None


# Logging in ---------------------------------------------------------------------------------


# How long an address that logged in to an account successfully counts as the holder's own.
KNOWN_ADDRESS_DAYS = 60


def login_failures(email: str, ip_address: str) -> Failures:
    """Failed log-ins in the window for this account, this address and the pair (one
    statement), and whether the address has logged in to the account before."""
    window = timedelta(minutes=current_app.config["NORSKVEI_LOGIN_WINDOW_MINUTES"])
    now = utcnow()
    same_email = LoginAttempt.email == email
    same_address = LoginAttempt.ip_address == ip_address
    failed = and_(LoginAttempt.succeeded.is_(False), LoginAttempt.attempted_at >= now - window)
    pair = and_(same_email, same_address)
    known = (
        select(LoginAttempt.id)
        .where(
            pair,
            LoginAttempt.succeeded.is_(True),
            LoginAttempt.attempted_at >= now - timedelta(days=KNOWN_ADDRESS_DAYS),
        )
        .exists()
    )
    at = LoginAttempt.attempted_at
    row = db.session.execute(
        select(
            func.count().filter(pair & failed),
            func.max(at).filter(pair & failed),
            func.count().filter(same_email & failed),
            func.max(at).filter(same_email & failed),
            func.count().filter(same_address & failed),
            func.max(at).filter(same_address & failed),
            known,
        ).where(or_(same_email, same_address))
    ).one()
    return Failures(
        pair=row[0],
        pair_last=row[1],
        account=row[2],
        account_last=row[3],
        address=row[4],
        address_last=row[5],
        known_address=bool(row[6]),
    )


def login_wait(email: str, ip_address: str) -> timedelta:
    """How long a log-in to ``email`` from ``ip_address`` must still wait (see throttling)."""
    config = current_app.config
    return wait_left(
        login_failures(normalise_email(email)[:254], ip_address[:64]),
        utcnow(),
        config["NORSKVEI_LOGIN_MAX_FAILURES"],
        timedelta(minutes=config["NORSKVEI_LOGIN_WINDOW_MINUTES"]),
    )


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt."""

    user: User | None
    wait: timedelta = timedelta(0)  # more than zero: refused unchecked, try again after this

    @property
    def throttled(self) -> bool:
        return self.wait > timedelta(0)


def authenticate(email: str, password: str, ip_address: str) -> LoginResult:
    """Check credentials unless throttled, and record the attempt either way."""
    email = normalise_email(email)[:254]
    ip_address = (ip_address or "unknown")[:64]
    wait = login_wait(email, ip_address)
    if wait:
        return LoginResult(user=None, wait=wait)
    user = find_user_by_email(email)
    if user is None:
        verify_password(DUMMY_HASH, password)  # same cost as a real check
        ok = False
    else:
        ok = verify_password(user.password_hash, password) and user.active
    db.session.add(LoginAttempt(email=email, ip_address=ip_address, succeeded=ok))
    if ok and user is not None:
        user.last_login_at = utcnow()
        db.session.flush()
        return LoginResult(user=user)
    db.session.flush()
    return LoginResult(user=None)


# Login sessions -----------------------------------------------------------------------------


def open_login_session(user: User) -> str:
    """Record a new logged-in browser for ``user`` and return the token its cookie carries;
    expired records of anyone are cleared on the way (an indexed delete)."""
    now = utcnow()
    db.session.execute(delete(LoginSession).where(LoginSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    lifetime = current_app.permanent_session_lifetime
    db.session.add(
        LoginSession(user_id=user.id, token_hash=token_hash(token), expires_at=now + lifetime)
    )
    db.session.flush()
    return token


def close_login_session(token: object) -> None:
    """Forget one logged-in browser: its cookie, and every copy of it, stops working."""
    if isinstance(token, str) and token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def end_all_login_sessions(user: User) -> None:
    """Log ``user`` out on every browser and revoke their calendar feed's secret address (it
    may have been copied with the password; a new one is made on the next visit)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    user.session_version += 1
    db.session.flush()


# Passwords ----------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_reset_token(user: User, hours: int | None = None) -> str:
    """Create a single-use reset token for ``user`` and return it (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    valid_hours = hours or current_app.config["NORSKVEI_RESET_TOKEN_HOURS"]
    db.session.add(
        PasswordResetToken(
            user=user,
            token_hash=_token_hash(token),
            expires_at=utcnow() + timedelta(hours=valid_hours),
        )
    )
    db.session.flush()
    return token


def issue_reset_tokens(user_ids: Sequence[int], hours: int) -> list[str]:
    """One reset token per user, written in one statement; the tokens in the order of the ids
    (an import invites thousands of learners at once)."""
    tokens = [secrets.token_urlsafe(32) for _ in user_ids]
    expires_at = utcnow() + timedelta(hours=hours)
    if tokens:
        db.session.execute(
            insert(PasswordResetToken),
            [
                {"user_id": user_id, "token_hash": _token_hash(token), "expires_at": expires_at}
                for user_id, token in zip(user_ids, tokens, strict=True)
            ],
        )
    return tokens


def reset_link(token: str) -> str:
    """The absolute address of the reset page for ``token``."""
    path = url_for("accounts.reset_password", token=token)
    return current_app.config["NORSKVEI_BASE_URL"] + path


MAX_RESETS_PER_HOUR = 3


def _recent_reset_requests(user: User) -> int:
    since = utcnow() - timedelta(hours=1)
    return (
        db.session.scalar(
            select(func.count(PasswordResetToken.id)).where(
                PasswordResetToken.user_id == user.id, PasswordResetToken.created_at >= since
            )
        )
        or 0
    )


def request_password_reset(email: str) -> None:
    """E-mail a reset link when the address belongs to an active account; say nothing otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.active or _recent_reset_requests(user) >= MAX_RESETS_PER_HOUR:
        return
    token = issue_reset_token(user)
    queue_templated_mail(
        user.email,
        user.locale,
        "password_reset",
        user=user,
        link=reset_link(token),
        hours=current_app.config["NORSKVEI_RESET_TOKEN_HOURS"],
    )


def find_usable_reset_token(token: str) -> PasswordResetToken | None:
    """Return the reset token if it exists, is unused and has not expired."""
    if not token or len(token) > 128:
        return None
    record = db.session.scalar(
        select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_hash(token))
    )
    if record is None or record.used_at is not None or record.expires_at <= utcnow():
        return None
    if not record.user.active:
        return None
    return record


def set_password(user: User, new_password: str) -> None:
    """Store a new password and end all the user's sessions (the caller may open a new one)."""
    user.password_hash = hash_password(new_password)
    end_all_login_sessions(user)


def reset_password(record: PasswordResetToken, new_password: str) -> User:
    """Use a reset token: set the password and spend this and every other open token."""
    now = utcnow()
    set_password(record.user, new_password)
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == record.user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    db.session.flush()
    return record.user


def update_profile(user: User, name: str, locale: str) -> None:
    """Change a user's display name and interface language; a learner's overview row carries
    the name (the overview sorts and searches by it)."""
    user.name = name.strip()
    user.locale = locale
    db.session.flush()
    if user.role is Role.LEARNER:
        refresh_learner(user)


# Invitations --------------------------------------------------------------------------------


def new_invitation_code() -> str:
    """A ten-character code that is easy to read aloud and type on a phone."""
    return "".join(secrets.choice(INVITATION_ALPHABET) for _ in range(10))


def normalise_code(code: str) -> str:
    """Codes are typed in any case, with spaces or dashes; compare them bare and upper-case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())[:16]


def create_invitation(
    actor: User, home_municipality: Organisation, max_uses: int, valid_days: int
) -> Invitation:
    """Issue an invitation code from ``actor``'s organisation for learners of a municipality."""
    assert actor.organisation is not None
    invitation = Invitation(
        code=new_invitation_code(),
        organisation=actor.organisation,
        home_municipality=home_municipality,
        created_by=actor,
        expires_at=utcnow() + timedelta(days=valid_days),
        max_uses=max_uses,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def find_usable_invitation(code: str) -> Invitation | None:
    """Return the invitation for ``code`` if it is not expired, revoked or used up."""
    normalised = normalise_code(code)
    if not normalised:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.code == normalised))
    if invitation is None or invitation.revoked_at is not None:
        return None
    if invitation.expires_at <= utcnow() or invitation.used_count >= invitation.max_uses:
        return None
    return invitation


def revoke_invitation(invitation: Invitation) -> None:
    """Stop an invitation code from being used again."""
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        db.session.flush()


@dataclass(frozen=True)
class LearnerSignup:
    """What a learner tells us when joining."""

    name: str
    email: str
    password: str
    locale: str
    birth_date: date
    settlement_date: date
    first_language: FirstLanguage
    education: Education
    employment: Employment
    working_hours: str
    phone: str | None


class InvitationUsedUp(Exception):
    """The invitation was spent by someone else between the form and the save."""


def register_learner(invitation: Invitation, signup: LearnerSignup) -> User:
    """Create a learner account and profile from an invitation, spending one use of it."""
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_count < Invitation.max_uses,
            Invitation.revoked_at.is_(None),
        )
        .values(used_count=Invitation.used_count + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise InvitationUsedUp
    targets = default_targets(signup.education)
    user = User(
        email=normalise_email(signup.email),
        name=signup.name.strip(),
        password_hash=hash_password(signup.password),
        locale=signup.locale,
        role=Role.LEARNER,
        organisation_id=invitation.organisation_id,
    )
    user.learner_profile = LearnerProfile(
        birth_date=signup.birth_date,
        settlement_date=signup.settlement_date,
        home_municipality_id=invitation.home_municipality_id,
        first_language=signup.first_language,
        education=signup.education,
        target_listening=targets.listening,
        target_reading=targets.reading,
        target_writing=targets.writing,
        target_oral=targets.oral,
        employment=signup.employment,
        working_hours=signup.working_hours.strip(),
        phone=signup.phone or None,
    )
    db.session.add(user)
    db.session.flush()
    db.session.refresh(invitation)
    open_entitlement(user)  # the right arises at settlement; the start is registered later
    return user


# Staff accounts -----------------------------------------------------------------------------

WELCOME_TOKEN_HOURS = 72


def create_staff_account(
    actor: User, organisation: Organisation, name: str, email: str, role: Role, locale: str
) -> User:
    """Create a staff account with no usable password and e-mail a link to choose one."""
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(secrets.token_urlsafe(32)),
        locale=locale,
        role=role,
        organisation=organisation,
    )
    db.session.add(user)
    db.session.flush()
    token = issue_reset_token(user, hours=WELCOME_TOKEN_HOURS)
    queue_templated_mail(
        user.email,
        user.locale,
        "staff_welcome",
        user=user,
        organisation=organisation,
        invited_by=actor,
        link=reset_link(token),
        hours=WELCOME_TOKEN_HOURS,
    )
    return user


def set_account_active(user: User, active: bool) -> None:
    """Deactivate or reactivate an account; deactivating ends its sessions."""
    if user.active != active:
        user.active = active
        end_all_login_sessions(user)
