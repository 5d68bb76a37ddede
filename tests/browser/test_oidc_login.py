"""A staff member signs in through a real OpenID Connect provider run locally
(node-oidc-provider), in Chromium at 1366 × 768, in the Bokmål and Ukrainian interfaces; the
login and profile pages with the provider's buttons pass axe-core."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from werkzeug.serving import make_server

from tests.browser.conftest import DEMO_PASSWORD
from tests.oidc_local import free_port, running_provider

SERIOUS = {"serious", "critical"}
# Each teacher's interface language is their own once logged in.
TEACHERS = {"nb": ("kari", "kari.larsen@example.org"), "uk": ("olena", "olena.koval@example.org")}


@pytest.fixture(scope="module")
def oidc_site(browser, tmp_path_factory) -> Iterator[str]:
    """Norskvei on a free port, offering the local provider, with one teacher whose address
    the provider vouches for."""
    from webapp import create_app
    from webapp.accounts.models import Role, User
    from webapp.accounts.passwords import hash_password
    from webapp.extensions import db
    from webapp.organisations.models import Organisation, OrganisationKind

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    accounts = {
        account: {"email": email, "email_verified": True} for account, email in TEACHERS.values()
    }
    with running_provider(accounts, base) as local:
        database = tmp_path_factory.mktemp("oidc-browser") / "oidc.sqlite3"
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
                "SECRET_KEY": "browser-oidc-secret-key-0123456789abcdef",
                "MAIL_SERVER": "",
                "NORSKVEI_BASE_URL": base,
                "NORSKVEI_OIDC_PROVIDERS": (local.provider,),
            }
        )
        with app.app_context():
            db.create_all()
            provider = Organisation(name="Norskskolen AS", kind=OrganisationKind.PROVIDER)
            db.session.add(provider)
            for locale, (account, email) in TEACHERS.items():
                db.session.add(
                    User(
                        email=email,
                        name=account.title(),
                        password_hash=hash_password(DEMO_PASSWORD),
                        role=Role.TEACHER,
                        organisation=provider,
                        locale=locale,
                    )
                )
            db.session.commit()
            db.session.remove()
        server = make_server("127.0.0.1", port, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield base
        finally:
            server.shutdown()
            with app.app_context():
                db.engine.dispose()


@pytest.fixture
def desk(browser, oidc_site):
    """A desktop browser window at 1366 × 768, no cookies."""
    context = browser.new_context(
        base_url=oidc_site, locale="nb-NO", viewport={"width": 1366, "height": 768}
    )
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def serious_violations(page) -> list[str]:
    result = Axe().run(page)
    return [
        f"{page.url} {violation['id']}: {violation['nodes'][0]['html'][:120]}"
        for violation in result.response["violations"]
        if violation["impact"] in SERIOUS
    ]


@pytest.mark.parametrize(
    ("locale", "button", "heading"),
    [
        ("nb", "Logg inn med Testkommune ID", "Profil"),
        ("uk", "Увійти через Testkommune ID", "Профіль"),
    ],
)
def test_a_teacher_signs_in_through_the_local_identity_provider(desk, locale, button, heading):
    page = desk
    page.goto("/login?next=/profile")
    if locale != "nb":
        page.select_option("#switch-locale", locale)
        page.click("form.language-switcher [type=submit]")
    assert page.get_attribute("html", "lang") == locale
    assert serious_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.set_viewport_size({"width": 390, "height": 844})  # and on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1366, "height": 768})

    page.get_by_role("link", name=button).click()
    # At the provider: its own log-in page, on another origin.
    page.wait_for_url("**/interaction/**")
    account, email = TEACHERS[locale]
    page.fill("#account", account)
    page.click("button[type=submit]")

    page.wait_for_url("**/profile")
    assert page.locator("h1").inner_text() == heading
    assert email in page.inner_text("main")
    assert page.get_attribute("html", "lang") == locale
    assert serious_violations(page) == []
