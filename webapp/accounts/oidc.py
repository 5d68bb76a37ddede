"""Signing in with OpenID Connect: the Authlib client per configured provider, and the service
that turns a provider's confirmed person into one of our existing accounts (never a new one)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from sqlalchemy import select

from webapp.accounts.models import LoginAttempt, OidcIdentity, Role, User
from webapp.accounts.oidc_rules import Candidate, OidcProvider, Refusal, decide, verified_email
from webapp.accounts.services import find_user_by_email, login_wait, normalise_email
from webapp.db_types import utcnow
from webapp.extensions import db

logger = logging.getLogger(__name__)

EXTENSION_KEY = "norskvei_oidc"
PROVIDER_TIMEOUT_SECONDS = 10


def _build_registry(app: Flask) -> tuple[tuple[OidcProvider, ...], OAuth]:
    configured = tuple(app.config.get("NORSKVEI_OIDC_PROVIDERS", ()))
    registry = OAuth(app)
    for provider in configured:
        registry.register(
            name=provider.key,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url,
            client_kwargs={
                "scope": provider.scope,
                "code_challenge_method": "S256",
                # Discovery, keys, token and userinfo: a provider that hangs must not hold a
                # web worker for longer than this.
                "default_timeout": PROVIDER_TIMEOUT_SECONDS,
            },
        )
    return configured, registry


def init_app(app: Flask) -> None:
    """Register one Authlib client per configured provider, in a registry of the app's own
    (apps built with other settings, as in the tests, share no clients)."""
    app.extensions[EXTENSION_KEY] = _build_registry(app)


def providers() -> tuple[OidcProvider, ...]:
    """The providers the login page offers."""
    return tuple(current_app.config.get("NORSKVEI_OIDC_PROVIDERS", ()))


def find_provider(key: str) -> OidcProvider | None:
    """The configured provider called ``key``, or None."""
    return next((provider for provider in providers() if provider.key == key), None)


def client_for(provider: OidcProvider):  # -> FlaskOAuth2App
    """The Authlib client of ``provider``."""
    app = current_app._get_current_object()
    configured, registry = app.extensions[EXTENSION_KEY]
    if configured != providers():  # the settings changed since start-up (tests do this)
        configured, registry = app.extensions[EXTENSION_KEY] = _build_registry(app)
    return registry.create_client(provider.key)


def confirmed_claims(provider: OidcProvider) -> dict:
    """The claims of the person the provider has just signed in, from the callback's code:
    Authlib checks the state, sends the PKCE verifier, and checks the ID token's signature,
    issuer, audience, expiry and nonce. Claims the ID token leaves out (e-mail, name) come from
    the userinfo endpoint, kept only when it speaks of the same subject."""
    client = client_for(provider)
    token = client.authorize_access_token()
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise ValueError("the provider returned no ID token")
    if "email" not in claims and client.load_server_metadata().get("userinfo_endpoint"):
        extra = client.userinfo(token=token)
        if extra.get("sub") == claims["sub"]:
            claims = {**extra, **claims}
    return claims


@dataclass(frozen=True)
class OidcResult:
    """The outcome of a sign-in with a provider."""

    user: User | None = None
    refusal: Refusal | None = None
    wait: timedelta = timedelta(0)  # more than zero: refused unchecked, try again after this


def _candidate(user: User | None, issuer: str, subject: str) -> Candidate | None:
    if user is None:
        return None
    linked_here = db.session.scalar(
        select(OidcIdentity.subject).where(
            OidcIdentity.user_id == user.id, OidcIdentity.issuer == issuer
        )
    )
    return Candidate(
        user_id=user.id,
        active=user.active,
        learner=user.role is Role.LEARNER,
        linked_here=linked_here is not None and linked_here != subject,
    )


def sign_in(provider: OidcProvider, claims: dict, ip_address: str | None) -> OidcResult:
    """Find the account of the provider's person (a stored subject first, then a verified
    e-mail, storing the subject), unless the address or account is throttled; the attempt
    is recorded like a password log-in, so refusals count towards throttling."""
    issuer, subject = provider.issuer, str(claims.get("sub") or "")
    ip_address = (ip_address or "unknown")[:64]
    email = verified_email(claims, provider.email_verified_claim)
    identity = db.session.scalar(
        select(OidcIdentity).where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)
    )
    by_email = find_user_by_email(email) if email and identity is None else None
    account = identity.user if identity is not None else by_email
    # Throttled on the account when one is in sight, else on what the provider claimed.
    attempt_email = account.email if account else normalise_email(str(claims.get("email") or ""))
    attempt_email = (attempt_email or f"oidc:{subject}")[:254]
    wait = login_wait(attempt_email, ip_address)
    if wait:
        return OidcResult(wait=wait)
    decision = decide(
        linked=_candidate(identity.user if identity else None, issuer, subject),
        by_email=_candidate(by_email, issuer, subject),
        email_is_verified=email is not None,
        learners_allowed=provider.learners,
    )
    succeeded = decision.user_id is not None
    db.session.add(LoginAttempt(email=attempt_email, ip_address=ip_address, succeeded=succeeded))
    if not succeeded or account is None:
        db.session.flush()
        logger.info("OIDC sign-in via %s refused: %s", provider.key, decision.refusal)
        return OidcResult(refusal=decision.refusal)
    now = utcnow()
    if identity is None:  # decision.link: the verified e-mail found the account
        identity = OidcIdentity(user_id=account.id, issuer=issuer, subject=subject)
        db.session.add(identity)
        logger.info("OIDC subject at %s linked to user %s", provider.key, account.id)
    identity.last_used_at = now
    account.last_login_at = now
    db.session.flush()
    return OidcResult(user=account)


def linked_issuers(user: User) -> set[str]:
    """The issuers at which ``user`` has a linked identity."""
    return set(
        db.session.scalars(select(OidcIdentity.issuer).where(OidcIdentity.user_id == user.id))
    )


def may_use(provider: OidcProvider, user: User) -> bool:
    """Staff may use every provider; learners only those that allow them."""
    return provider.learners or user.role is not Role.LEARNER


def link(provider: OidcProvider, claims: dict, user: User) -> Refusal | None:
    """Link the provider's person to ``user``, who is logged in with a password (for providers
    that send no verified e-mail, such as ID-porten); None when linked."""
    issuer, subject = provider.issuer, str(claims.get("sub") or "")
    if not may_use(provider, user):
        return Refusal.NOT_FOR_LEARNERS
    identity = db.session.scalar(
        select(OidcIdentity).where(OidcIdentity.issuer == issuer, OidcIdentity.subject == subject)
    )
    if identity is not None:
        return None if identity.user_id == user.id else Refusal.SUBJECT_TAKEN
    if issuer in linked_issuers(user):
        return Refusal.LINKED_ELSEWHERE
    db.session.add(
        OidcIdentity(user_id=user.id, issuer=issuer, subject=subject, last_used_at=utcnow())
    )
    db.session.flush()
    logger.info("OIDC subject at %s linked to user %s from the profile", provider.key, user.id)
    return None
