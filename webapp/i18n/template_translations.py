"""Each page's templates translate through the catalogue looked up once for that page.

Flask-Babel's template functions look the catalogue up again for every string (the request
context, the domain, the locale and its name): about 8 µs a string, and a page has 40 to 100.
A context processor, run once per ``render_template``, hands the templates gettext functions
bound to the catalogue of the locale in force at that moment (so an e-mail rendered under
``force_locale`` gets the recipient's language). They behave as Jinja's "newstyle" gettext:
autoescaped, and always formatted with their keyword arguments.

Only public APIs are used: ``flask_babel.get_translations`` and Flask's context processors.
Templates imported without context (macros) keep using Flask-Babel's own functions.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup


def _finish(context: Context, text: str, variables: dict[str, Any]) -> str:
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def bound_gettext_functions() -> dict[str, Any]:
    """gettext, ngettext, pgettext and npgettext bound to the current catalogue."""
    translations = get_translations()

    @pass_context
    def gettext(context: Context, string: str, **variables: Any) -> str:
        return _finish(context, translations.ugettext(string), variables)

    @pass_context
    def ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        return _finish(context, translations.ungettext(singular, plural, num), variables)

    @pass_context
    def pgettext(context: Context, msgctxt: str, string: str, **variables: Any) -> str:
        variables.setdefault("context", msgctxt)
        return _finish(context, translations.upgettext(msgctxt, string), variables)

    @pass_context
    def npgettext(
        context: Context, msgctxt: str, singular: str, plural: str, num: int, **variables: Any
    ) -> str:
        variables.setdefault("context", msgctxt)
        variables.setdefault("num", num)
        text = translations.unpgettext(msgctxt, singular, plural, num)
        return _finish(context, text, variables)

    return {"gettext": gettext, "ngettext": ngettext, "pgettext": pgettext, "npgettext": npgettext}


def init_app(app: Flask) -> None:
    """Bind the templates' gettext functions once per rendered template."""
    app.context_processor(bound_gettext_functions)
