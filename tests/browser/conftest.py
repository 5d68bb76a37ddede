"""Browser fixtures: the real app on a free port with a fresh database, Debian's Chromium, and a
screenshot and the page's HTML saved for every failed step.

Without Chromium the browser tests are skipped with a clear reason, except where
``NORSKVEI_REQUIRE_BROWSER`` is set (``.ci/run`` sets it): there a missing browser fails.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("NORSKVEI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DEMO_PASSWORD = "norskvei-demo"
BROWSER_DATABASE: dict[str, str] = {}  # the live server's SQLite file, for looking up test data
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items) -> None:
    """Every test in this folder is a browser test."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _require_browser() -> None:
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    reason = f"Chromium not found at {CHROMIUM}: the browser journeys did not run"
    if os.environ.get("NORSKVEI_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """The app served by a real HTTP server on a free local port, with the demo loaded."""
    _require_browser()
    from webapp import create_app
    from webapp.demo.services import seed_demo
    from webapp.extensions import db
    from webapp.lessons.services import sync_lessons

    database = tmp_path_factory.mktemp("browser") / "browser.sqlite3"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "browser-test-secret-key-0123456789abcdef",
            "MAIL_SERVER": "",
            "NORSKVEI_LOGIN_MAX_FAILURES": 1000,
            "RECORDINGS_FOLDER": str(tmp_path_factory.mktemp("browser-recordings")),
            "NORSKVEI_ASSUMED_RULES_UNTIL": "2027-07-01",  # as `make run` serves the demo
        }
    )
    with app.app_context():
        db.create_all()
        sync_lessons()
        seed_demo()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["NORSKVEI_BASE_URL"] = base
    BROWSER_DATABASE["path"] = str(database)
    yield base
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def playwright_driver(live_server):
    """The one Playwright driver of the run: a second one inside it is refused."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_driver):
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context (no cookies) with generous timeouts for a busy 2-core machine."""
    context = browser.new_context(base_url=live_server, locale="nb-NO")
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        (ARTIFACTS / f"{name}.html").write_text(page.content(), encoding="utf-8")
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so the page fixture knows a step failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def log_in(page, email: str) -> None:
    """Log in through the real form."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_url("**/dashboard")
