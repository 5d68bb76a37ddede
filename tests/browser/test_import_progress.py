"""A large import in Chromium: the coordinator uploads, the progress page follows the job the
scheduler runs, and shows the result by itself, with and without JavaScript."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import BROWSER_DATABASE, log_in
from tests.browser.test_html_validity import _checker

HEADER = "name;email;birth_date;settlement_date;first_language;education;employment"


@pytest.fixture
def small_jobs(monkeypatch):
    """Files of 5 rows or more go to the scheduler (the server runs in this process)."""
    monkeypatch.setattr("webapp.learners.views.IMPORT_IN_BACKGROUND_FROM_ROWS", 5)


def csv_file(prefix: str, count: int) -> dict:
    rows = [
        f"Nettleser {prefix} {n};{prefix}{n}@browser.example.org;1984-02-03;2025-03-01;uk;"
        "higher;shift_work"
        for n in range(count)
    ]
    return {
        "name": "deltakere.csv",
        "mimeType": "text/csv",
        "buffer": "\n".join([HEADER, *rows]).encode(),
    }


def run_the_scheduler_tick() -> int:
    """What the scheduler process does every few seconds, from an app of its own."""
    from webapp import create_app
    from webapp.extensions import db
    from webapp.learners.import_jobs import run_import_jobs

    scheduler = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{BROWSER_DATABASE['path']}",
            "SECRET_KEY": "browser-scheduler-secret-key-0123456789",
            "MAIL_SERVER": "",
        }
    )
    with scheduler.app_context():
        ran = run_import_jobs()
        db.session.remove()
        db.engine.dispose()
    return ran


def upload(page, file: dict) -> None:
    page.goto("/learners/import")
    page.set_input_files("input[name=file]", file)
    page.click("main form [type=submit]")
    page.wait_for_url("**/learners/import/jobs/*")


def serious_violations(page) -> list[str]:
    result = Axe().run(page)
    return [
        f"{v['id']}: {v['nodes'][0]['html'][:120]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def html_errors(pages: list[str], folder: Path) -> list[str]:
    """What the Nu HTML checker finds wrong in the pages' HTML."""
    files = []
    for number, html in enumerate(pages):
        files.append(folder / f"page{number}.html")
        files[-1].write_text(html, encoding="utf-8")
    result = subprocess.run(
        [*_checker(), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout or '{"messages": []}')["messages"]
    return [f"{m.get('lastLine')}: {m.get('message')}" for m in messages if m["type"] == "error"]


def in_norwegian(page) -> None:
    """Choose Bokmål with the language switcher (other journeys may have left the demo
    coordinator's own choice on another language)."""
    page.select_option("#switch-locale", "nb")
    page.click(".language-switcher button")


def test_the_progress_page_follows_the_job_and_shows_the_result(page, small_jobs, tmp_path):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    log_in(page, "coordinator@example.org")
    in_norwegian(page)
    upload(page, csv_file("js", 6))
    bar = page.locator("#import-progress progress")
    expect(bar).to_have_count(1)
    assert bar.get_attribute("value") is None  # waiting: no amount yet
    assert page.inner_text("#import-progress-text") == "Importen venter på å starte."
    assert serious_violations(page) == []
    served = [page.request.get(page.url).text()]  # as the server sent it, before any script
    page.wait_for_timeout(2000)  # the script has asked at least once and keeps asking
    assert "/jobs/" in page.url

    assert run_the_scheduler_tick() == 1
    page.wait_for_selector(".flash-success", timeout=20_000)  # reloaded by the script
    assert "6 deltakere er importert og invitert på e-post." in page.inner_text("main")
    assert page.locator("progress").count() == 0
    assert serious_violations(page) == []
    assert problems == []  # no script or Content-Security-Policy errors
    served.append(page.request.get(page.url).text())
    assert html_errors(served, tmp_path) == []


def test_without_javascript_the_page_refreshes_itself(browser, live_server, small_jobs):
    context = browser.new_context(base_url=live_server, locale="nb-NO", java_script_enabled=False)
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        log_in(page, "coordinator@example.org")
        in_norwegian(page)
        upload(page, csv_file("nojs", 5))
        expect(page.locator("#import-progress progress")).to_have_count(1)
        assert run_the_scheduler_tick() == 1
        page.wait_for_selector(".flash-success", timeout=20_000)  # the <noscript> refresh
        assert "5 deltakere er importert" in page.inner_text("main")
    finally:
        context.close()
