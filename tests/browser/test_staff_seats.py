"""A coordinator at a 1366 × 768 desktop, in the Bokmål and the Ukrainian interface: orders seats
and confirms the total, and, once the provider has accepted, gives two of them by searching the
learners' names.

Each language has its own municipality, so the runs cannot meet: the Bokmål run is Drammen's
coordinator giving seats to Drammen learners (Flesberg's few are the coordinator journey's), the
Ukrainian run Rollag's to Rollag learners; each orders its own seats. Rollag's coordinator gets
Bokmål back when the run ends.

Every step leaves a screenshot in the artifacts folder, named by language; no page scrolls
sideways, and axe-core finds no serious or critical problem on the pages this journey changed.
"""

from __future__ import annotations

import re
import sqlite3

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, BROWSER_DATABASE, log_in
from tests.browser.test_journeys import assert_translated, choose_language, html_lang
from tests.browser.texts import plural
from webapp.seats.rules import NO_PAID_PLACE_STATUSES

DESKTOP = {"width": 1366, "height": 768}
SERIOUS = ("serious", "critical")
CURRENCY = {"nb": "kr", "uk": "NOK"}  # Norwegian kroner as each locale writes them (CLDR)
# Each language's coordinator and municipality.
COORDINATORS = {
    "nb": ("coordinator@example.org", "Drammen kommune"),
    "uk": ("rollag@example.org", "Rollag kommune"),
}


def seatless_learners(municipality: str, count: int) -> list[tuple[int, str]]:
    """The municipality's learners who hold no seat, whose right to tuition still lets the
    municipality pay for one (read from the server's database), each with a name no other
    learner shares."""
    with sqlite3.connect(BROWSER_DATABASE["path"]) as connection:
        rows = connection.execute(
            "SELECT u.id, u.name FROM users u"
            " JOIN learner_profiles p ON p.user_id = u.id"
            " JOIN organisations o ON o.id = p.home_municipality_id"
            " LEFT JOIN learner_overview lo ON lo.learner_id = u.id"
            " WHERE o.name = ? AND coalesce(lo.status, '') NOT IN"
            f" ({', '.join('?' * len(NO_PAID_PLACE_STATUSES))}) AND u.id NOT IN"
            " (SELECT learner_id FROM seat_assignments WHERE released_at IS NULL)"
            " AND (SELECT count(*) FROM users v WHERE v.name = u.name) = 1"
            " ORDER BY u.id DESC LIMIT ?",
            (municipality, *sorted(NO_PAID_PLACE_STATUSES), count),
        ).fetchall()
    assert len(rows) == count
    return [(row[0], row[1]) for row in rows]


class Journey:
    """The steps' screenshots and the checks every page gets."""

    def __init__(self, page, locale: str) -> None:
        self.page = page
        self.locale = locale
        self.step = 0
        self.axe = Axe()
        self.problems: list[str] = []

    def check(self, name: str) -> None:
        page = self.page
        self.step += 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / f"staff_seats_{self.locale}_{self.step:02d}_{name}.png")
        )
        assert html_lang(page) == self.locale
        assert_translated(page)
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert widths[0] <= widths[1], f"{name}: the page scrolls sideways ({widths})"
        for violation in self.axe.run(page).response["violations"]:
            if violation["impact"] in SERIOUS:
                nodes = "; ".join(node["html"][:120] for node in violation["nodes"][:3])
                self.problems.append(f"{name} {violation['id']}: {nodes}")


def set_locale(email: str, locale: str) -> None:
    with sqlite3.connect(BROWSER_DATABASE["path"]) as connection:
        connection.execute("UPDATE users SET locale = ? WHERE email = ?", (locale, email))


@pytest.mark.parametrize("locale", ["nb", "uk"])
def test_a_coordinator_gives_two_seats_by_searching_names(browser, live_server, locale):
    coordinator, municipality = COORDINATORS[locale]
    context = browser.new_context(base_url=live_server, locale="nb-NO", viewport=DESKTOP)
    context.set_default_timeout(20_000)
    page = context.new_page()
    journey = Journey(page, locale)
    try:
        log_in(page, coordinator)
        choose_language(page, locale)

        # Order two licence seats: the total is shown before anything is committed.
        page.goto("/offerings")
        journey.check("offerings")
        page.locator("table a", has_text="Selvstudium").first.click()
        page.fill("input[name=seats]", "2")
        page.click("form[action$='/orders'] [type=submit]")
        total = page.inner_text("#order-total")
        kr = CURRENCY[locale]
        assert re.fullmatch(rf"2 × 3\s900\s{kr} = 7\s800\s{kr}", total), total
        journey.check("confirm_order")
        page.click("input[name=confirm]")
        page.wait_for_url("**/orders")
        journey.check("orders")
        accept = page.locator("form[action$='/accept']")
        assert accept.count() == 0  # the coordinator cannot accept their own order

        # The provider accepts it.
        seller = context.browser.new_context(base_url=live_server, viewport=DESKTOP)
        seller_page = seller.new_page()
        log_in(seller_page, "provider@example.org")
        seller_page.goto("/orders")
        action = seller_page.locator("form[action$='/accept']").first.get_attribute("action")
        order_id = re.search(r"/orders/(\d+)/accept", action).group(1)
        seller_page.locator(f"form[action='{action}'] [type=submit]").click()
        expect(seller_page.locator(".flash-success")).to_have_count(1)
        seller.close()

        # The coordinator finds the new seats and opens the page for giving them by name.
        page.goto("/seats")
        journey.check("seat_pool")
        page.click(f"a[href='/seats/orders/{order_id}']")
        page.wait_for_url(f"**/seats/orders/{order_id}")
        free = plural(locale, "%(num)s free seat", "%(num)s free seats", 2)
        assert free in page.inner_text("main")
        journey.check("give_page")

        # Search the first learner by name, tick; search the second, tick: both stay ticked.
        (first_id, first_name), (second_id, second_name) = seatless_learners(municipality, 2)
        page.fill("input[name=q]", first_name)
        page.click("button[name=search]")
        page.check(f"#found-{first_id}")
        journey.check("first_found")
        page.fill("input[name=q]", second_name)
        with page.expect_navigation():
            page.press("input[name=q]", "Enter")  # Enter searches, it does not give the seats
        assert page.is_checked(f"#chosen-{first_id}")
        page.check(f"#found-{second_id}")
        journey.check("second_found")
        page.click("button[name=give]")
        page.wait_for_url("**/seats")
        flash = page.inner_text(".flash-success")
        given = plural(
            locale,
            "%(num)s seat is given: %(names)s.",
            "%(num)s seats are given: %(names)s.",
            2,
            names="",
        )
        assert flash.startswith(given.removesuffix("."))
        assert first_name in flash
        assert second_name in flash
        journey.check("seats_given")
        assert journey.problems == []
    finally:
        context.close()
        set_locale(coordinator, "nb")  # as the demo has it
