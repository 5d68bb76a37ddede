"""The WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi ...``."""

from webapp import create_app
from webapp.runtime import settle_after_start

app = create_app()
settle_after_start()
