"""Signing in with OpenID Connect: the buttons' start, the provider's callback, and linking an
account from the profile. The rules are in oidc_rules, the work in oidc."""

from __future__ import annotations

import logging

from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from joserfc.errors import JoseError
from requests import RequestException
from werkzeug.wrappers import Response
from wtforms.validators import ValidationError

from webapp.access.redirects import safe_next
from webapp.access.rules import logged_in, public
from webapp.accounts import oidc
from webapp.accounts.oidc_rules import OidcProvider, Refusal
from webapp.accounts.views import _landing, _start_session, _throttled_message
from webapp.extensions import db

logger = logging.getLogger(__name__)

bp = Blueprint("oidc", __name__)

# The session key keeping the page to return to while the browser is at the provider.
OIDC_NEXT_KEY = "oidc_next"
# The session key marking a sign-in started from the profile to link the logged-in account.
OIDC_LINK_KEY = "oidc_link"


def _oidc_callback_uri(provider: OidcProvider) -> str:
    """The redirect address registered at the provider (from NORSKVEI_BASE_URL, not from the
    request's Host header, so it is the same behind any proxy)."""
    path = url_for("oidc.callback", key=provider.key)
    return current_app.config["NORSKVEI_BASE_URL"] + path


def _refusal_message(refusal: Refusal, provider: OidcProvider) -> str:
    name = provider.name
    if refusal is Refusal.UNVERIFIED:
        return _(
            "%(provider)s did not confirm an e-mail address for you, so we cannot tell which"
            " account is yours. Log in with your password, or ask your coordinator.",
            provider=name,
        )
    if refusal is Refusal.UNKNOWN:
        return _(
            "No account here has the e-mail address %(provider)s gave us. Accounts are made by"
            " your municipality or course provider; ask your coordinator.",
            provider=name,
        )
    if refusal is Refusal.DEACTIVATED:
        return _("This account is deactivated. Ask your coordinator if you need it again.")
    if refusal is Refusal.NOT_FOR_LEARNERS:
        return _(
            "Learners cannot sign in with %(provider)s here. Log in with your e-mail address"
            " and password.",
            provider=name,
        )
    if refusal is Refusal.SUBJECT_TAKEN:
        return _(
            "This person at %(provider)s is already linked to another account here.",
            provider=name,
        )
    return _(
        "Your account is already linked to another person at %(provider)s. Log in with your"
        " password, or ask your coordinator.",
        provider=name,
    )


# The buttons that start a sign-in are links (GET), not forms: the page's Content-Security-Policy
# (form-action 'self') would stop a form's redirect to another site. Starting one changes nothing
# but this browser's session; the callback is guarded by state, nonce and PKCE, and linking from
# the profile carries the CSRF token in the address.


@bp.route("/login/oidc/<key>")
@public
def start(key: str) -> Response:
    provider = oidc.find_provider(key)
    if provider is None:
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("pages.dashboard"))
    wanted = safe_next(request.args.get("next", ""), "")
    session[OIDC_NEXT_KEY] = wanted
    session.pop(OIDC_LINK_KEY, None)
    return _redirect_to_provider(provider, url_for("accounts.login", next=wanted or None))


@bp.route("/profile/oidc/<key>")
@logged_in
def link_start(key: str) -> Response:
    provider = oidc.find_provider(key)
    if provider is None or not oidc.may_use(provider, current_user):
        abort(404)
    if current_app.config.get("WTF_CSRF_ENABLED", True):
        try:
            validate_csrf(request.args.get("csrf_token", ""))
        except ValidationError:
            abort(400)
    session[OIDC_LINK_KEY] = current_user.id
    return _redirect_to_provider(provider, url_for("accounts.profile"))


def _redirect_to_provider(provider: OidcProvider, failed: str) -> Response:
    try:
        return oidc.client_for(provider).authorize_redirect(_oidc_callback_uri(provider))
    except (OAuthError, JoseError, RequestException, ValueError, KeyError) as error:
        logger.warning("OIDC provider %s could not be reached: %r", provider.key, error)
        flash(_provider_error(provider), "error")
        return redirect(failed)


def _provider_error(provider: OidcProvider) -> str:
    return _(
        "%(provider)s could not sign you in just now. Try again, or log in with your password.",
        provider=provider.name,
    )


@bp.route("/login/oidc/<key>/callback")
@public
def callback(key: str) -> Response:
    provider = oidc.find_provider(key)
    if provider is None:
        abort(404)
    wanted = session.pop(OIDC_NEXT_KEY, "")
    wanted = wanted if isinstance(wanted, str) else ""
    linking = session.pop(OIDC_LINK_KEY, None)
    linking = current_user.is_authenticated and linking == current_user.id
    if current_user.is_authenticated and not linking:
        return redirect(url_for("pages.dashboard"))
    back = redirect(
        url_for("accounts.profile") if linking else url_for("accounts.login", next=wanted or None)
    )
    try:
        claims = oidc.confirmed_claims(provider)
    except MismatchingStateError:
        logger.info("OIDC callback from %s with an unknown state", provider.key)
        flash(_confirm_error(), "error")
        return back
    except JoseError as error:  # the ID token: signature, issuer, audience, nonce, expiry
        logger.warning("OIDC ID token from %s refused: %r", provider.key, error)
        flash(_confirm_error(), "error")
        return back
    except (OAuthError, RequestException, ValueError, KeyError) as error:
        logger.warning("OIDC sign-in via %s failed: %r", provider.key, error)
        flash(_provider_error(provider), "error")
        return back
    if linking:
        refusal = oidc.link(provider, claims, current_user._get_current_object())
        db.session.commit()
        if refusal is None:
            flash(_("Your account is linked to %(provider)s.", provider=provider.name), "success")
        else:
            flash(_refusal_message(refusal, provider), "error")
        return back
    result = oidc.sign_in(provider, claims, request.remote_addr)
    db.session.commit()
    if result.wait:
        flash(_throttled_message(result.wait.total_seconds()), "error")
        return back
    if result.user is None:
        flash(_refusal_message(result.refusal or Refusal.UNKNOWN, provider), "error")
        return back
    _start_session(result.user)
    db.session.commit()
    return redirect(_landing(result.user, safe_next(wanted, url_for("pages.dashboard"))))


def _confirm_error() -> str:
    return _(
        "The sign-in could not be confirmed: it may have taken too long or been started in"
        " another window. Please start again."
    )
