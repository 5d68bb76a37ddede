"""Expected grants by year at each year's own registered rate, on the municipality's report."""

from __future__ import annotations

import html
import json
from datetime import date

import pytest

from tests.conftest import login_as
from webapp.accounts.models import Role
from webapp.entitlement import services
from webapp.entitlement.grants import GrantYear, grant_income
from webapp.extensions import db
from webapp.learners.levels import Education
from webapp.organisations.models import OrganisationKind

D = date.fromisoformat


@pytest.fixture
def municipality(factory):
    return factory.organisation(OrganisationKind.MUNICIPALITY, "Rollag")


@pytest.fixture
def coordinator(factory, municipality):
    return factory.user(Role.COORDINATOR, municipality, locale="en")


def started(factory, home, coordinator, start: str, decisions=(), birth="1985-05-17"):
    learner = factory.learner(
        home=home,
        settlement_date=D(start),
        education=Education.PRIMARY,
        birth_date=D(birth),
    )
    services.set_start(coordinator, learner, None, D(start), "")
    for months, day in decisions:
        services.add_extension(coordinator, learner, D(day), months, "")
    db.session.commit()
    return learner


def test_grants_use_each_year_s_own_rate(factory, municipality, coordinator):
    # A 2022 start: no 2022 rate, though its 2023 decision has one (version 1 showed NOK 0).
    started(factory, municipality, coordinator, "2022-09-01", decisions=[(6, "2023-08-01")])
    started(factory, municipality, coordinator, "2023-03-01", decisions=[(3, "2023-12-01")])
    started(factory, municipality, coordinator, "2023-05-01", decisions=[(6, "2024-04-01")])
    started(factory, municipality, coordinator, "2023-06-01", birth="1950-01-01")  # 73: no grant
    elsewhere = factory.organisation(OrganisationKind.MUNICIPALITY, "Flesberg")
    started(factory, elsewhere, factory.user(Role.COORDINATOR, elsewhere), "2023-02-01")

    assert grant_income(municipality.id) == [
        GrantYear(2024, 0, 0, 1, 6, None),  # no 2024 rate: not 2023's
        GrantYear(2023, 2, 90_000, 2, 9, 54_900),
        GrantYear(2022, 1, None, 0, 0, 0),
    ]
    by_year = {g.year: g for g in grant_income(municipality.id)}
    assert by_year[2023].total_nok == 144_900
    assert by_year[2022].total_nok is None
    assert {g.year: g.persons for g in grant_income(None)}[2023] == 3


def test_the_report_shows_grants_and_unregistered_rates(client, factory, municipality, coordinator):
    started(factory, municipality, coordinator, "2022-09-01", decisions=[(6, "2023-08-01")])
    login_as(client, coordinator)
    page = html.unescape(client.get("/seats/report").get_data(as_text=True))
    assert "Expected grants" in page
    assert "rate not registered" in page
    assert "27,450" in page  # the 2023 decision at the 2023 rate


def test_an_administrator_registers_a_year_s_rates(
    client, runner, factory, municipality, coordinator
):
    started(factory, municipality, coordinator, "2023-05-01", decisions=[(6, "2024-04-01")])
    assert grant_income(municipality.id)[0] == GrantYear(2024, 0, 0, 1, 6, None)
    admin = factory.user(Role.ADMIN, locale="en")
    login_as(client, coordinator)
    assert client.get("/admin/grant-rates").status_code == 403
    login_as(client, admin)
    page = html.unescape(client.get("/admin/grant-rates").get_data(as_text=True))
    assert "Report (L679-725)" in page
    refused = client.post("/admin/grant-rates", data={"year": "1999", "per_person_nok": "1"})
    assert refused.status_code == 400
    response = client.post(
        "/admin/grant-rates",
        data={
            "year": "2024",
            "per_person_nok": "46500",
            "per_extension_nok": "28400",
            "source": "Prop. 1 S (2023-2024)",
        },
    )
    assert response.status_code == 302
    assert grant_income(municipality.id)[0] == GrantYear(2024, 0, 0, 1, 6, 28_400)
    assert "Prop. 1 S (2023-2024)" in client.get("/admin/grant-rates").get_data(as_text=True)
    result = runner.invoke(
        args=[
            "entitlement", "explain", "--start", "2024-03-01", "--education", "none",
            "--today", "2024-04-01", "--json",
        ]
    )  # fmt: skip
    assert json.loads(result.stdout)["grant_nok"] == 46_500


def test_the_grants_download_as_csv_with_empty_unregistered_amounts(
    client, factory, municipality, coordinator
):
    started(factory, municipality, coordinator, "2022-09-01", decisions=[(6, "2023-08-01")])
    login_as(client, coordinator)
    response = client.get("/seats/grants.csv")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Year;")
    assert lines[1:] == ["2023;0;0;1;6;27450;27450", "2022;1;;0;0;0;"]


def test_the_report_draws_one_grant_bar_per_year_with_a_registered_rate(
    client, factory, municipality, coordinator
):
    started(factory, municipality, coordinator, "2022-09-01", decisions=[(6, "2023-08-01")])
    started(factory, municipality, coordinator, "2023-05-01", decisions=[(6, "2024-04-01")])
    login_as(client, coordinator)

    def chart() -> str:
        page = html.unescape(client.get("/seats/report").get_data(as_text=True))
        assert "<table>" in page[page.index('id="grants"') :]  # the table stays the source
        start = page.index('<svg xmlns="http://www.w3.org/2000/svg"', page.index('id="grants"'))
        return page[start : page.index("</svg>", start)]

    drawn = chart()  # 2024 and 2022 have no registered rate, 2023 has
    assert 'role="img"' in drawn
    assert 'aria-labelledby="grant-chart-title"' in drawn
    assert "Expected grants per year: 2024: rate not registered; 2023: NOK" in drawn
    assert "2022: rate not registered</title>" in drawn
    assert drawn.count('class="grant-bar"') == 1
    assert "<script" not in drawn
    assert "href" not in drawn

    admin = factory.user(Role.ADMIN, locale="en")
    login_as(client, admin)
    registered = client.post(
        "/admin/grant-rates",
        data={
            "year": "2024",
            "per_person_nok": "46500",
            "per_extension_nok": "28400",
            "source": "Prop. 1 S (2023-2024)",
        },
    )
    assert registered.status_code == 302
    login_as(client, coordinator)
    drawn = chart()
    assert drawn.count('class="grant-bar"') == 2
    assert "2024: NOK" in drawn
    assert "28,400" in drawn
