"""Small, consequential fixes of a learner's evening: the study-hours statement in Norwegian
with the learner's language alongside, the calendar subscribe link, cancelling with a
confirmation page."""

from __future__ import annotations

import re
from datetime import date

from tests.conftest import login_as
from webapp.extensions import db
from webapp.organisations.models import OrganisationKind
from webapp.studytime.models import StudyDay, StudySource


def test_the_statement_has_a_norwegian_version_with_the_learners_language_alongside(
    client, factory
):
    home = factory.organisation(OrganisationKind.MUNICIPALITY, "Drammen")
    learner = factory.learner(home=home, locale="uk", settlement_date=date(2025, 9, 1))
    db.session.add(
        StudyDay(
            learner_id=learner.id, day=date(2025, 11, 3), source=StudySource.LESSON, seconds=5400
        )
    )
    db.session.commit()
    login_as(client, learner)

    own = client.get("/my/study-hours").get_data(as_text=True)
    assert "Довідка про години навчання" in own
    assert "Bekreftelse på studietimer" not in own
    assert 'href="/my/study-hours?lang=nb"' in own

    page = client.get("/my/study-hours?lang=nb").get_data(as_text=True)
    article = page[page.index('<article class="statement"') : page.index("</article>")]
    assert article.startswith('<article class="statement" lang="nb">')
    heading = article[article.index("<h1>") : article.index("</h1>")]
    assert heading.index("Bekreftelse på studietimer") < heading.index(
        '<span class="second block" lang="uk">Довідка про години навчання</span>'
    )
    assert "november 2025" in article  # the Norwegian month name, then the Ukrainian one
    assert '<span class="second" lang="uk">листопад 2025</span>' in article
    assert "1,5" in article  # Norwegian numbers
    assert 'href="/my/study-hours"' in page  # back to the learner's language only


def test_a_norwegian_learner_gets_one_language_in_the_norwegian_version(client, factory):
    learner = factory.learner(locale="nb")
    login_as(client, learner)
    page = client.get("/my/study-hours?lang=nb").get_data(as_text=True)
    assert "Bekreftelse på studietimer" in page
    assert 'class="second' not in page


def test_the_calendar_page_offers_a_webcal_subscribe_link_a_copy_field_and_instructions(
    client, factory
):
    learner = factory.learner(locale="en")
    login_as(client, learner)
    assert "webcal://" not in client.get("/calendar").get_data(as_text=True)
    client.post("/calendar/renew")

    page = client.get("/calendar").get_data(as_text=True)

    token = re.search(r'href="webcal://localhost/calendar/([^"/]+)\.ics"', page).group(1)
    assert f'value="http://localhost/calendar/{token}.ics"' in page
    assert re.search(r'<input id="feed-url"[^>]* readonly ', page)  # selectable without JS
    assert "/static/js/copy-field.js" in page
    assert "Android:" in page
    assert "From URL" in page
    assert "iPhone:" in page
    assert "Add Subscribed Calendar" in page
    assert client.get(f"/calendar/{token}.ics").mimetype == "text/calendar"
