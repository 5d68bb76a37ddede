"""Flask's signed-cookie sessions, with each cookie's checked contents remembered.

Checking a session cookie's signature and decoding it costs about as much as a small page's
own work, and a logged-in visitor sends the same cookie on every visit until their session
changes. So a cookie that passed the check is kept (by its whole signed text) with its contents
and the time it was signed; the next request with the very same text skips the check, and is
still refused once the session's lifetime has passed. Only sessions of plain values (strings,
numbers) are kept, so no request can change another's copy.
"""

from __future__ import annotations

import time

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from webapp.memo import BoundedCache

_PLAIN = (str, int, float, bool, type(None))


class RememberedCookieSessions(SecureCookieSessionInterface):
    """Signed-cookie sessions whose checked cookies are remembered (see the module)."""

    def __init__(self, limit: int = 50_000) -> None:
        self._opened: BoundedCache[str, tuple[dict, float]] = BoundedCache(limit)

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The request's session, from memory when its cookie was checked before."""
        text = request.cookies.get(self.get_cookie_name(app))
        if not text or not app.secret_key:
            return super().open_session(app, request)
        max_age = app.permanent_session_lifetime.total_seconds()
        known = self._opened.get(text)
        if known is not None:
            data, signed_at = known
            if 0 <= time.time() - signed_at <= max_age:
                return self.session_class(data)
            return self.session_class()  # expired, as itsdangerous would say
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            data, signed = serializer.loads(text, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if isinstance(data, dict) and all(isinstance(v, _PLAIN) for v in data.values()):
            self._opened.keep(text, (data, signed.timestamp()))
        return self.session_class(data)


def init_app(app: Flask) -> None:
    """Use remembered cookie sessions."""
    app.session_interface = RememberedCookieSessions()
