"""Every route declares who may call it; a request hook enforces it and refuses undeclared routes.

Views are decorated with ``@public`` or ``@roles(...)``. A route without a declaration is refused
with 403 (fail closed) and the route-coverage test names it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, abort, current_app, request
from flask_login import current_user

from webapp.accounts.models import Role
from webapp.extensions import login_manager

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., object])

ALL_ROLES = frozenset(Role)


@dataclass(frozen=True)
class AccessRule:
    """Who may call a route: anyone, or logged-in users with one of ``roles``."""

    public: bool = False
    roles: frozenset[Role] = frozenset()

    def allows(self, role: Role | None) -> bool:
        """True when a user with ``role`` (None when not logged in) may call the route."""
        if self.public:
            return True
        return role is not None and role in self.roles


# Endpoints registered by Flask itself, not by our views.
BUILTIN_RULES: dict[str, AccessRule] = {"static": AccessRule(public=True)}


def public(view: F) -> F:
    """Declare that anyone, logged in or not, may call this route."""
    view.access_rule = AccessRule(public=True)  # type: ignore[attr-defined]
    return view


def roles(*allowed: Role) -> Callable[[F], F]:
    """Declare that only logged-in users with one of these roles may call this route."""
    if not allowed:
        raise ValueError("name at least one role, or use @public")

    def decorate(view: F) -> F:
        view.access_rule = AccessRule(roles=frozenset(allowed))  # type: ignore[attr-defined]
        return view

    return decorate


def logged_in(view: F) -> F:
    """Declare that any logged-in user may call this route."""
    view.access_rule = AccessRule(roles=ALL_ROLES)  # type: ignore[attr-defined]
    return view


def rule_for_endpoint(app: Flask, endpoint: str) -> AccessRule | None:
    """Return the declared rule of an endpoint, or None when it has none."""
    if endpoint in BUILTIN_RULES:
        return BUILTIN_RULES[endpoint]
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def undeclared_endpoints(app: Flask) -> list[str]:
    """Endpoints in the URL map that declare no access rule (they are refused at run time)."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    return sorted(e for e in endpoints if rule_for_endpoint(app, e) is None)


def enforce_access_rule() -> object | None:
    """Before each request: refuse callers the route's rule does not allow."""
    if request.endpoint is None:
        return None  # routing failed; Flask answers 404 or 405
    rule = rule_for_endpoint(current_app, request.endpoint)
    if rule is None:
        logger.error("route %s has no access rule; refusing", request.endpoint)
        abort(403)
    if rule.public:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not rule.allows(current_user.role):
        abort(403)
    return None


def init_app(app: Flask) -> None:
    """Install the access check on every request."""
    app.before_request(enforce_access_rule)
