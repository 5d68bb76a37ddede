"""The site header and main menu: rendered once per language, role, organisation and page, and
filled in per request with its CSRF token and address.

Every page shows the header, and rendering it (a dozen translations, a dozen addresses, the
language switcher) cost more than many pages' own content. What varies between two requests of
the same kind is only the CSRF token and the address the language switcher returns to, so the
header is rendered with markers in those two places and split there; a request joins the pieces
with its own values, escaped.
"""

from __future__ import annotations

import re

from flask import Flask, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from webapp.i18n.locales import current_locale_code, locale_choices
from webapp.memo import BoundedCache

TEMPLATE = "_site_header.html"
# Markers no rendered text can contain: the NUL character is refused in every request.
_CSRF = "\x00csrf\x00"
_NEXT = "\x00next\x00"
_MARKERS = re.compile("(\x00csrf\x00|\x00next\x00)")
_HeaderKey = tuple[str, str | None, int | None, str | None, str]
# Languages × roles × organisations × pages in use: far below the limit in practice.
_HEADERS: BoundedCache[_HeaderKey, tuple[str, ...]] = BoundedCache(4096)

# Roles whose menu names their own organisation (the staff page of it).
_ORGANISATION_IN_MENU = frozenset({"coordinator", "provider_admin"})


def header_key() -> _HeaderKey:
    """What the header depends on: language, role, organisation (where the menu links it),
    page (for the current-page mark) and the app's mount point."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    role = user.role.value if user.is_authenticated else None
    organisation = user.organisation_id if role in _ORGANISATION_IN_MENU else None
    return (current_locale_code(), role, organisation, request.endpoint, request.script_root)


def header_pieces(key: _HeaderKey) -> tuple[str, ...]:
    """The header for ``key`` split at its markers: text, marker, text, marker, …, text."""
    pieces = _HEADERS.get(key)
    if pieces is None:
        locale, role, organisation, endpoint, _root = key
        html = render_template(
            TEMPLATE,
            locale=locale,
            role=role,
            organisation_id=organisation,
            endpoint=endpoint,
            language_choices=locale_choices(),
            csrf=Markup(_CSRF),
            next_path=Markup(_NEXT),
        )
        pieces = _HEADERS.keep(key, tuple(_MARKERS.split(html)))
    return pieces


def site_header() -> Markup:
    """The header of this request's page, with its CSRF token and return address."""
    values = {_CSRF: escape(generate_csrf()), _NEXT: escape(request.full_path.rstrip("?"))}
    pieces = header_pieces(header_key())
    return Markup("".join(values.get(piece, piece) for piece in pieces))


def init_app(app: Flask) -> None:
    """Offer ``site_header()`` to templates."""
    app.add_template_global(site_header, "site_header")
