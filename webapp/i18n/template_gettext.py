"""Template translations, looked up once per request and language instead of once per string.

Flask-Babel's template ``_()`` finds the request's domain, locale and catalogue anew for every
string, through a dozen context-local lookups: about 10 µs a string, and a page of 50 learners
has some 70 strings. Here the catalogue Flask-Babel returns is kept beside Flask-Babel's own
per-request state, tagged with the locale it was for; ``force_locale`` (used to write e-mails in
the recipient's language) sets another locale object, so the tag no longer matches and the
catalogue is looked up again.
"""

from __future__ import annotations

from flask import Flask
from flask.globals import _cv_app
from flask_babel import get_translations

_KEY = "norskvei_translations"


def request_translations():  # noqa: ANN201 (babel's Translations or NullTranslations)
    """The current request's catalogue, looked up once per request and locale."""
    app_context = _cv_app.get(None)
    state = app_context.g.__dict__.get("_flask_babel") if app_context is not None else None
    if state is not None:
        cached = state.__dict__.get(_KEY)
        if cached is not None and cached[0] is state.__dict__.get("babel_locale"):
            return cached[1]
    translations = get_translations()
    if app_context is not None:
        state = app_context.g.__dict__.get("_flask_babel")
        locale = state.__dict__.get("babel_locale") if state is not None else None
        if locale is not None:
            setattr(state, _KEY, (locale, translations))
    return translations


def init_app(app: Flask) -> None:
    """Make the templates' ``_``, ``ngettext`` and ``pgettext`` use ``request_translations``."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )
