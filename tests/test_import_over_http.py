"""A 1,200-row import through a real HTTP server, not the test client: the request ends (and its
database session is gone) before anything reads the user again, as in production. It once
answered 500 (DetachedInstanceError) after the request context had closed."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, TEST_SECRET
from webapp import create_app
from webapp.accounts.models import Role
from webapp.extensions import db
from webapp.learners.import_jobs import IMPORT_IN_BACKGROUND_FROM_ROWS, run_import_jobs
from webapp.organisations.models import OrganisationKind

HEADER = "name;email;birth_date;settlement_date;first_language;education;employment"
ROWS = 1200


@pytest.fixture
def served(app, factory) -> Iterator[tuple[str, str]]:
    """The test database served by a threaded HTTP server in this process, and a coordinator."""
    municipality = factory.organisation(OrganisationKind.MUNICIPALITY, "Nettby kommune")
    coordinator = factory.user(Role.COORDINATOR, municipality, locale="en")
    db.session.commit()
    served_app = create_app(
        {
            "SECRET_KEY": TEST_SECRET,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "MAIL_SERVER": "",
        }
    )
    server = make_server("127.0.0.1", 0, served_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", coordinator.email
    finally:
        server.shutdown()
        with served_app.app_context():
            db.engine.dispose()


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    )
    body = "".join(parts).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_large_import_through_a_real_server_is_queued_and_shows_its_page(app, served):
    assert ROWS >= IMPORT_IN_BACKGROUND_FROM_ROWS
    base, email = served
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    browser.addheaders = [("Accept-Language", "en")]

    def token(path: str) -> str:
        page = browser.open(base + path).read().decode()
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    login = urllib.parse.urlencode(
        {"email": email, "password": PASSWORD, "csrf_token": token("/login")}
    ).encode()
    assert browser.open(base + "/login", data=login).status == 200  # followed to the dashboard

    rows = [
        f"Nett Deltaker {n};nett{n}@http.example.org;1984-02-03;2025-03-01;uk;higher;shift_work"
        for n in range(ROWS)
    ]
    body, content_type = multipart(
        {"csrf_token": token("/learners/import")},
        "deltakere.csv",
        "\n".join([HEADER, *rows]).encode(),
    )
    request = urllib.request.Request(
        base + "/learners/import", data=body, headers={"Content-Type": content_type}
    )
    response = browser.open(request)  # a 500 would raise HTTPError here
    assert response.status == 200
    assert "/learners/import/jobs/" in response.url
    page = response.read().decode()
    assert "<progress" in page

    with app.app_context():
        assert run_import_jobs() == 1
    status = browser.open(response.url + "/status").read().decode()
    assert '"status": "succeeded"' in status or '"status":"succeeded"' in status
