"""The workplace documents on a 360 px phone in Ukrainian: each document lesson's text step shows
its tables with header cells, a wide table scrolls inside its own box, and the page itself never
scrolls sideways. A screenshot of every document is saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, log_in
from tests.browser.test_journeys import choose_language

PHONE = {"width": 360, "height": 740}
SHOTS = ARTIFACTS / "workplace_documents"
DOCUMENTS = {
    "working-life-payslip-document": "Lønnsart",
    "working-life-tax-card-document": "Org.nr.",
    "health-care-roster-grid": "Man 2.3",
    "cleaning-timesheet-document": "Pause (t)",
    "construction-hms-card-document": "Firma på HMS-kortet",
    "industry-sja-form": "Arbeidstrinn",
    "working-life-egenmelding-form": "Kalenderdager",
    "working-life-nav-letter-document": "Beregning",
    "logistics-work-order-document": "Lokasjon",
    "childcare-day-plan-document": "Ansvar",
}


@pytest.mark.parametrize(("lesson_id", "header"), DOCUMENTS.items())
def test_a_document_reads_on_a_phone_without_the_page_scrolling_sideways(page, lesson_id, header):
    page.set_viewport_size(PHONE)
    log_in(page, "learner@example.org")
    choose_language(page, "uk")
    page.goto(f"/lessons/{lesson_id}/step/1")
    assert page.locator("main h3").count() >= 1
    expect(page.locator(f"main .table-wrap th:text-is('{header}')")).to_have_count(1)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{lesson_id}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    boxes = page.eval_on_selector_all(
        "main .table-wrap", "els => els.map(e => e.getBoundingClientRect().right)"
    )
    assert boxes
    assert max(boxes) <= PHONE["width"]
