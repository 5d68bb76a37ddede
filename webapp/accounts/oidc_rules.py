"""Rules for signing in with OpenID Connect, as plain functions: which providers the environment
configures, whether a provider vouches for an e-mail address, and which account (if any) a
provider's person may enter."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_SCOPE = "openid email profile"
_KEY = re.compile(r"[a-z][a-z0-9]{0,30}")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ProviderConfigError(ValueError):
    """A provider's settings cannot work; the message is one line for the operator."""


@dataclass(frozen=True)
class OidcProvider:
    """One identity provider the login page offers."""

    key: str  # in the redirect address: /login/oidc/<key>/callback
    name: str  # shown on the button: "Sign in with <name>"
    issuer: str
    client_id: str
    client_secret: str
    scope: str = DEFAULT_SCOPE
    learners: bool = False  # learners may sign in with it too, not only staff
    email_verified_claim: str = "email_verified"

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def _usable_issuer(issuer: str) -> bool:
    """An https:// address, or plain http on this machine (a provider run for tests)."""
    parts = urlsplit(issuer)
    if not parts.hostname or parts.query or parts.fragment or parts.username:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname == "127.0.0.1")


def parse_providers(env: Mapping[str, str]) -> tuple[OidcProvider, ...]:
    """The providers named in NORSKVEI_OIDC_PROVIDERS ("idporten,entra"), each read from
    NORSKVEI_OIDC_<KEY>_ISSUER, _CLIENT_ID, _CLIENT_SECRET, _NAME and the optional _SCOPE,
    _LEARNERS and _EMAIL_VERIFIED_CLAIM."""
    keys = [key.strip().lower() for key in env.get("NORSKVEI_OIDC_PROVIDERS", "").split(",")]
    providers: list[OidcProvider] = []
    for key in filter(None, keys):
        if not _KEY.fullmatch(key):
            raise ProviderConfigError(
                f"NORSKVEI_OIDC_PROVIDERS: {key!r} must be letters and digits after a letter"
            )
        if any(provider.key == key for provider in providers):
            raise ProviderConfigError(f"NORSKVEI_OIDC_PROVIDERS names {key!r} twice")
        prefix = f"NORSKVEI_OIDC_{key.upper()}_"

        def value(name: str, default: str | None = None, prefix: str = prefix) -> str:
            raw = (env.get(prefix + name) or "").strip()
            if raw:
                return raw
            if default is None:
                raise ProviderConfigError(f"{prefix}{name} must be set")
            return default

        issuer = value("ISSUER").rstrip("/")
        if not _usable_issuer(issuer):
            raise ProviderConfigError(f"{prefix}ISSUER must be an https:// address, got {issuer!r}")
        scope = value("SCOPE", DEFAULT_SCOPE)
        if "openid" not in scope.split():
            raise ProviderConfigError(f"{prefix}SCOPE must include openid, got {scope!r}")
        learners = value("LEARNERS", "false").lower()
        if learners not in _TRUE | _FALSE:
            raise ProviderConfigError(f"{prefix}LEARNERS must be true or false, got {learners!r}")
        providers.append(
            OidcProvider(
                key=key,
                name=value("NAME", key),
                issuer=issuer,
                client_id=value("CLIENT_ID"),
                client_secret=value("CLIENT_SECRET"),
                scope=scope,
                learners=learners in _TRUE,
                email_verified_claim=value("EMAIL_VERIFIED_CLAIM", "email_verified"),
            )
        )
    return tuple(providers)


def verified_email(claims: Mapping[str, object], verified_claim: str) -> str | None:
    """The e-mail address the provider vouches for (trimmed, lower-cased), or None when it
    sends none or does not say it has verified it (true, or the string "true")."""
    email = claims.get("email")
    verified = claims.get(verified_claim)
    if not isinstance(email, str) or not email.strip() or "@" not in email:
        return None
    if verified is True or (isinstance(verified, str) and verified.strip().lower() == "true"):
        return email.strip().lower()
    return None


class Refusal(enum.StrEnum):
    """Why a provider's person may not enter."""

    UNVERIFIED = "unverified"  # no link, and the provider vouches for no e-mail address
    UNKNOWN = "unknown"  # no link, and no account has the vouched-for address
    DEACTIVATED = "deactivated"
    NOT_FOR_LEARNERS = "not_for_learners"
    LINKED_ELSEWHERE = "linked_elsewhere"  # the account is linked to another person there
    SUBJECT_TAKEN = "subject_taken"  # linking: the person there is linked to another account


@dataclass(frozen=True)
class Candidate:
    """An account that might be the provider's person, reduced to what the rule needs."""

    user_id: int
    active: bool
    learner: bool
    linked_here: bool  # already linked to a (different) subject at this issuer


@dataclass(frozen=True)
class Decision:
    """Who enters (and whether to store the link), or why nobody does."""

    user_id: int | None = None
    link: bool = False
    refusal: Refusal | None = None


def decide(
    linked: Candidate | None,
    by_email: Candidate | None,
    email_is_verified: bool,
    learners_allowed: bool,
) -> Decision:
    """The account a stored subject points to, else the active account with the provider's
    verified e-mail address (then the subject is stored); never a new account."""
    candidate = linked
    if candidate is None:
        if not email_is_verified:
            return Decision(refusal=Refusal.UNVERIFIED)
        if by_email is None:
            return Decision(refusal=Refusal.UNKNOWN)
        if by_email.linked_here:
            return Decision(refusal=Refusal.LINKED_ELSEWHERE)
        candidate = by_email
    if not candidate.active:
        return Decision(refusal=Refusal.DEACTIVATED)
    if candidate.learner and not learners_allowed:
        return Decision(refusal=Refusal.NOT_FOR_LEARNERS)
    return Decision(user_id=candidate.user_id, link=linked is None)
