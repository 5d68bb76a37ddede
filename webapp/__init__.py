"""Norskvei: digital, work-oriented Norwegian for adult refugees."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.config import ConfigError, build_config, engine_options_for, protect_sqlite_file
from webapp.extensions import babel, csrf, db, login_manager, migrate

MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent / "migrations")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application; ``test_config`` overrides the environment-derived settings."""
    app = Flask(__name__, instance_relative_config=True)
    _load_configuration(app, test_config)
    _configure_logging(app)
    _init_extensions(app)
    _register_features(app)
    return app


def _load_configuration(app: Flask, test_config: dict[str, Any] | None) -> None:
    environ = dict(os.environ)
    if test_config and test_config.get("SECRET_KEY"):
        environ["SECRET_KEY"] = test_config["SECRET_KEY"]  # tests never write a key file
    try:
        app.config.from_mapping(build_config(Path(app.instance_path), environ))
    except ConfigError as error:
        print(f"norskvei: configuration error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options_for(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    protect_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    proxies = app.config["NORSKVEI_TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )


def _init_extensions(app: Flask) -> None:
    from webapp import (
        database,  # noqa: F401  (settings for every new connection)
        models,  # noqa: F401  (the whole schema, for SQLAlchemy and Alembic)
    )
    from webapp.i18n.locales import select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIRECTORY, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)


def _register_features(app: Flask) -> None:
    from scheduling import cli as scheduler_cli
    from webapp.access import rules
    from webapp.accounts import login as accounts_login
    from webapp.accounts import oidc as accounts_oidc
    from webapp.accounts.oidc_views import bp as oidc_bp
    from webapp.accounts.views import bp as accounts_bp
    from webapp.classes import cli as classes_cli
    from webapp.classes.views import bp as classes_bp
    from webapp.demo import cli as demo_cli
    from webapp.entitlement import cli as entitlement_cli
    from webapp.entitlement.views import bp as entitlement_bp
    from webapp.i18n import labels, locales, template_translations
    from webapp.i18n.views import bp as i18n_bp
    from webapp.learners.views import bp as learners_bp
    from webapp.lessons import cli as lessons_cli
    from webapp.lessons.views import bp as lessons_bp
    from webapp.listening.views import bp as listening_bp
    from webapp.mail import cli as mail_cli
    from webapp.organisations.views import bp as organisations_bp
    from webapp.pages import errors, security_headers, static_files
    from webapp.pages.views import bp as pages_bp
    from webapp.practice.views import bp as practice_bp
    from webapp.privacy.views import bp as privacy_bp
    from webapp.recordings import cli as recordings_cli
    from webapp.recordings import views as recordings_views
    from webapp.reminders import views as reminder_views
    from webapp.reminders.views import bp as reminders_bp
    from webapp.seats.views import bp as seats_bp
    from webapp.teaching.views import bp as teaching_bp
    from webapp.transactions import init_app as end_transactions

    rules.init_app(app)
    accounts_login.init_app(app)
    accounts_oidc.init_app(app)
    locales.init_app(app)
    template_translations.init_app(app)
    labels.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app)
    static_files.init_app(app)
    end_transactions(app)
    reminder_views.init_app(app)
    for blueprint in (
        pages_bp,
        accounts_bp,
        oidc_bp,
        i18n_bp,
        learners_bp,
        organisations_bp,
        entitlement_bp,
        lessons_bp,
        listening_bp,
        practice_bp,
        classes_bp,
        teaching_bp,
        seats_bp,
        reminders_bp,
        privacy_bp,
    ):
        app.register_blueprint(blueprint)
    recordings_views.init_app(app)
    mail_cli.init_app(app)
    demo_cli.init_app(app)
    entitlement_cli.init_app(app)
    lessons_cli.init_app(app)
    classes_cli.init_app(app)
    scheduler_cli.init_app(app)
    recordings_cli.init_app(app)
