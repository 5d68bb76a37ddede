"""Invitation codes: issuing and revoking them, and learners joining with one."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import Factory, login_as
from webapp.accounts import services
from webapp.accounts.models import Invitation, Role, User
from webapp.accounts.passwords import verify_password
from webapp.clock import oslo_today
from webapp.db_types import utcnow
from webapp.extensions import db
from webapp.learners.levels import Education
from webapp.learners.models import Employment, FirstLanguage, LearnerProfile
from webapp.organisations.models import Organisation, OrganisationKind
from webapp.seats import services as seat_services
from webapp.seats.models import OfferingKind

EN = {"Accept-Language": "en"}
BAD_CODE = "This code is not valid. It may have expired or been used. Ask for a new one."
LEARNER_PASSWORD = "Solsikker-ved-Mjosa-2025"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def session_user_id(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


def make_invitation(
    issuer: User, home: Organisation | None = None, max_uses: int = 1, valid_days: int = 30
) -> Invitation:
    invitation = services.create_invitation(
        issuer, home or issuer.organisation, max_uses=max_uses, valid_days=valid_days
    )
    db.session.commit()
    return invitation


def signup(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Olena Kovalenko",
        "email": "olena@example.org",
        "password": LEARNER_PASSWORD,
        "confirm": LEARNER_PASSWORD,
        "locale": "en",
        "birth_date": "1988-03-14",
        "settlement_date": "2025-08-01",
        "first_language": "uk",
        "education": "higher",
        "employment": "part_time",
        "working_hours": "Shifts 07-15",
        "phone": "+47 400 00 000",
    }
    data.update(overrides)
    return data


def join(client, code: str, **overrides: str):
    return client.post(f"/join/{code}", data=signup(**overrides), headers=EN)


@pytest.fixture
def coordinator(factory) -> User:
    return factory.user(Role.COORDINATOR, locale="en")


# Issuing codes -------------------------------------------------------------------------------


def test_a_coordinator_creates_a_code_for_their_municipality(client, factory, coordinator):
    factory.organisation(OrganisationKind.MUNICIPALITY)  # another one, not offered
    login_as(client, coordinator)

    form = client.get("/invitations")
    options = re.findall(r'<option (selected )?value="(\d+)">', text(form))
    assert options == [("selected ", str(coordinator.organisation_id))]

    response = client.post(
        "/invitations",
        data={"home_municipality": coordinator.organisation_id, "max_uses": 3, "valid_days": 10},
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/invitations"
    [invitation] = db.session.scalars(select(Invitation)).all()
    assert invitation.organisation_id == coordinator.organisation_id
    assert invitation.home_municipality_id == coordinator.organisation_id
    assert invitation.created_by_id == coordinator.id
    assert (invitation.max_uses, invitation.used_count, invitation.revoked_at) == (3, 0, None)
    assert abs(invitation.expires_at - (utcnow() + timedelta(days=10))) < timedelta(minutes=1)
    assert re.fullmatch(f"[{services.INVITATION_ALPHABET}]{{10}}", invitation.code)
    page = text(client.get("/invitations"))
    assert f"New invitation code: {invitation.code}" in page
    assert f"<td><code>{invitation.code}</code></td>" in page
    assert "0 of 3" in page


def test_a_coordinator_cannot_name_another_municipality(client, factory, coordinator):
    other = factory.organisation(OrganisationKind.MUNICIPALITY)
    login_as(client, coordinator)
    response = client.post(
        "/invitations", data={"home_municipality": other.id, "max_uses": 1, "valid_days": 10}
    )
    assert response.status_code == 200
    assert "Not a valid choice." in text(response)
    assert count(Invitation) == 0


@pytest.mark.parametrize(
    ("max_uses", "valid_days", "message"),
    [(0, 10, "Enter a number from 1 to 500."), (1, 400, "Enter a number from 1 to 365.")],
)
def test_code_limits_are_checked(client, coordinator, max_uses, valid_days, message):
    login_as(client, coordinator)
    response = client.post(
        "/invitations",
        data={
            "home_municipality": coordinator.organisation_id,
            "max_uses": max_uses,
            "valid_days": valid_days,
        },
    )
    assert message in text(response)
    assert count(Invitation) == 0


def buy_seats(provider, municipality) -> None:
    """``municipality`` orders seats from ``provider``: the provider now serves it."""
    seller = Factory().user(Role.PROVIDER_ADMIN, provider)
    buyer = Factory().user(Role.COORDINATOR, municipality)
    offering = seat_services.create_offering(
        seller,
        seat_services.OfferingInput(
            kind=OfferingKind.LICENCE,
            title="Selvstudium",
            description="",
            series_id=None,
            months=6,
            price_nok=1000,
            seats_for_sale=5,
        ),
    )
    seat_services.place_order(buyer, offering, 1, oslo_today(), oslo_today() + timedelta(days=90))
    db.session.commit()


def test_a_provider_teacher_names_only_municipalities_the_provider_serves(client, factory):
    teacher = factory.user(Role.TEACHER, locale="en")  # in a provider
    served = factory.organisation(OrganisationKind.MUNICIPALITY)
    unserved = factory.organisation(OrganisationKind.MUNICIPALITY)
    login_as(client, teacher)
    empty = text(client.get("/invitations"))
    assert "No municipality has done so yet." in empty
    assert "home_municipality" not in empty  # no form to fill in

    buy_seats(teacher.organisation, served)
    options = re.findall(r'<option (?:selected )?value="(\d+)">', text(client.get("/invitations")))
    assert options == [str(served.id)]

    refused = client.post(
        "/invitations", data={"home_municipality": unserved.id, "max_uses": 500, "valid_days": 365}
    )
    assert refused.status_code == 200
    assert "Not a valid choice." in text(refused)
    assert count(Invitation) == 0

    response = client.post(
        "/invitations", data={"home_municipality": served.id, "max_uses": 5, "valid_days": 30}
    )
    assert response.status_code == 302
    [invitation] = db.session.scalars(select(Invitation)).all()
    assert invitation.organisation_id == teacher.organisation_id
    assert invitation.home_municipality_id == served.id
    assert invitation.max_uses == 5


def test_a_municipal_centre_invites_for_its_own_municipality(client, factory):
    centre = factory.organisation(OrganisationKind.BOTH)
    factory.organisation(OrganisationKind.MUNICIPALITY)  # not served
    teacher = factory.user(Role.TEACHER, centre, locale="en")
    login_as(client, teacher)
    options = re.findall(r'<option (?:selected )?value="(\d+)">', text(client.get("/invitations")))
    assert options == [str(centre.id)]


def test_a_learner_cannot_issue_codes(client, factory):
    learner = factory.learner()
    login_as(client, learner)
    response = client.post(
        "/invitations",
        data={"home_municipality": learner.organisation_id, "max_uses": 1, "valid_days": 5},
    )
    assert response.status_code == 403
    assert count(Invitation) == 0


# Entering the code ---------------------------------------------------------------------------


def test_a_bad_code_is_refused(client, coordinator):
    make_invitation(coordinator)
    users = count(User)
    response = client.post("/join", data={"code": "NOPE-NOPE-NO"}, headers=EN)
    assert response.status_code == 200
    assert BAD_CODE in text(response)
    assert count(User) == users


def test_a_code_typed_loosely_leads_to_the_details_form(client, coordinator):
    invitation = make_invitation(coordinator)
    code = invitation.code
    typed = f" {code[:3].lower()} {code[3:6].lower()}-{code[6:].lower()} "

    response = client.post("/join", data={"code": typed}, headers=EN)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/join/{code}"
    details = client.get(f"/join/{code}", headers=EN)
    assert details.status_code == 200
    municipality = coordinator.organisation.name
    assert f"Invited by {municipality} for learners living in {municipality}." in text(details)


def test_the_code_from_a_link_is_filled_in(client, coordinator):
    invitation = make_invitation(coordinator)
    page = text(client.get(f"/join?code={invitation.code}", headers=EN))
    assert f'value="{invitation.code}"' in page


# Joining -------------------------------------------------------------------------------------


def test_joining_creates_the_learner_and_logs_them_in(client, factory):
    provider_teacher = factory.user(Role.TEACHER)
    home = factory.organisation(OrganisationKind.MUNICIPALITY, name="Voss herad")
    invitation = make_invitation(provider_teacher, home, max_uses=3)

    response = join(client, invitation.code, email="Olena@Example.org")

    assert response.status_code == 302
    assert response.headers["Location"] == "/support-language?next=/dashboard"  # asked once
    learner = db.session.scalar(select(User).where(User.role == Role.LEARNER))
    assert learner.email == "olena@example.org"
    assert learner.name == "Olena Kovalenko"
    assert learner.locale == "en"
    assert learner.organisation_id == provider_teacher.organisation_id  # the issuing org
    assert verify_password(learner.password_hash, LEARNER_PASSWORD)
    profile = learner.learner_profile
    assert profile.home_municipality_id == home.id  # from the invitation
    assert profile.birth_date == date(1988, 3, 14)
    assert profile.settlement_date == date(2025, 8, 1)
    assert profile.first_language is FirstLanguage.UKRAINIAN
    assert profile.education is Education.HIGHER
    assert profile.employment is Employment.PART_TIME
    assert profile.working_hours == "Shifts 07-15"
    assert profile.phone == "+47 400 00 000"
    db.session.refresh(invitation)
    assert invitation.used_count == 1
    assert session_user_id(client) == learner.get_id()
    dashboard = text(client.get("/dashboard"))
    assert "Welcome to Norskvei! Your account is ready." in dashboard
    assert "Hello, Olena Kovalenko" in dashboard
    assert "Voss herad" in dashboard


@pytest.mark.parametrize(
    ("education", "targets"),
    [
        ("higher", ("B1", "B1", "B1", "B2")),
        ("upper_secondary", ("B1", "B1", "B1", "B1")),
        ("none", ("A1", "A1", "A1", "A1")),
    ],
)
def test_default_targets_follow_education(client, coordinator, education, targets):
    invitation = make_invitation(coordinator)
    assert join(client, invitation.code, education=education).status_code == 302
    profile = db.session.scalar(select(LearnerProfile))
    got = (
        profile.target_listening,
        profile.target_reading,
        profile.target_writing,
        profile.target_oral,
    )
    assert tuple(level.value for level in got) == targets


def test_a_single_use_code_cannot_be_used_twice(app, client, coordinator):
    invitation = make_invitation(coordinator, max_uses=1)
    assert join(client, invitation.code).status_code == 302

    second = app.test_client()
    refused = second.post("/join", data={"code": invitation.code}, headers=EN)
    assert refused.status_code == 200
    assert BAD_CODE in text(refused)
    response = join(second, invitation.code, email="another@example.org")
    assert response.status_code == 404
    assert BAD_CODE in text(response)
    assert count(User) == 2  # the coordinator and the first learner
    db.session.refresh(invitation)
    assert invitation.used_count == 1


def test_an_expired_code_does_not_work(client, coordinator):
    invitation = make_invitation(coordinator)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    for response in (
        client.get(f"/join/{invitation.code}", headers=EN),
        join(client, invitation.code),
    ):
        assert response.status_code == 404
        assert BAD_CODE in text(response)
    assert count(User) == 1
    assert BAD_CODE in text(client.post("/join", data={"code": invitation.code}, headers=EN))


def test_a_revoked_code_does_not_work(client, coordinator):
    invitation = make_invitation(coordinator, max_uses=10)
    services.revoke_invitation(invitation)
    db.session.commit()

    response = join(client, invitation.code)

    assert response.status_code == 404
    assert BAD_CODE in text(response)
    assert count(User) == 1
    db.session.refresh(invitation)
    assert invitation.used_count == 0


def test_a_taken_email_in_any_case_is_refused(client, factory, coordinator):
    factory.user(Role.TEACHER, email="olena@example.org")
    invitation = make_invitation(coordinator)
    users, profiles = count(User), count(LearnerProfile)

    response = join(client, invitation.code, email="OLENA@Example.ORG")

    assert response.status_code == 200
    assert (
        "An account with this e-mail address already exists. Log in or reset the password."
        in text(response)
    )
    assert (count(User), count(LearnerProfile)) == (users, profiles)
    db.session.refresh(invitation)
    assert invitation.used_count == 0
    assert session_user_id(client) is None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"birth_date": "1990-01-01", "settlement_date": "1989-12-31"},
            "The settlement date cannot be before the date of birth.",
        ),
        (
            {"settlement_date": (oslo_today() + timedelta(days=1)).isoformat()},
            "The date cannot be in the future.",
        ),
        ({"birth_date": "1850-01-01"}, "Enter your real date of birth."),
        ({"confirm": "Something-else-entirely-1"}, "The two passwords are not the same."),
        (
            {"password": "olena-likes-fjords", "confirm": "olena-likes-fjords"},
            "The password must not contain your name or e-mail address.",
        ),
        ({"phone": "call me"}, "Enter a phone number, like +47 400 00 000."),
    ],
)
def test_bad_details_are_refused_and_write_nothing(client, coordinator, overrides, message):
    invitation = make_invitation(coordinator)
    users = count(User)

    response = join(client, invitation.code, **overrides)

    assert response.status_code == 200
    assert message in text(response)
    assert count(User) == users
    assert count(LearnerProfile) == 0
    db.session.refresh(invitation)
    assert invitation.used_count == 0


class LateEveningUTC(datetime):
    """23:30 UTC on 30 June 2031: already 1 July in Norway."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2031, 6, 30, 23, 30, tzinfo=UTC).astimezone(tz)


def test_today_means_today_in_norway(client, coordinator, monkeypatch):
    monkeypatch.setattr("webapp.clock.datetime", LateEveningUTC)
    invitation = make_invitation(coordinator, max_uses=2)

    tomorrow = join(client, invitation.code, settlement_date="2031-07-02")
    assert "The date cannot be in the future." in text(tomorrow)
    assert count(LearnerProfile) == 0

    today = join(client, invitation.code, settlement_date="2031-07-01")
    assert today.status_code == 302
    assert db.session.scalar(select(LearnerProfile)).settlement_date == date(2031, 7, 1)


def test_a_spent_code_raises_in_the_service(coordinator):
    """Two learners submit the last use at once: the second save is refused."""
    invitation = make_invitation(coordinator, max_uses=1)
    details = services.LearnerSignup(
        name="Late Learner",
        email="late@example.org",
        password=LEARNER_PASSWORD,
        locale="uk",
        birth_date=date(1990, 1, 1),
        settlement_date=date(2025, 1, 1),
        first_language=FirstLanguage.RUSSIAN,
        education=Education.NONE,
        employment=Employment.NOT_WORKING,
        working_hours="",
        phone=None,
    )
    # someone else took the last use after this invitation was loaded
    db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id).values(used_count=1)
    )
    with pytest.raises(services.InvitationUsedUp):
        services.register_learner(invitation, details)
    db.session.rollback()
    assert db.session.scalar(select(User).where(User.email == "late@example.org")) is None


def test_normalise_code():
    assert services.normalise_code(" ab2c-d3ef 45 ") == "AB2CD3EF45"
    assert services.normalise_code("---") == ""
    assert services.find_usable_invitation("---") is None


# Revoking ------------------------------------------------------------------------------------


def test_the_issuing_organisation_revokes_a_code(client, coordinator):
    invitation = make_invitation(coordinator, max_uses=5)
    login_as(client, coordinator)

    response = client.post(f"/invitations/{invitation.id}/revoke")

    assert response.status_code == 302
    assert response.headers["Location"] == "/invitations"
    db.session.refresh(invitation)
    assert invitation.revoked_at is not None
    page = text(client.get("/invitations"))
    assert f"The code {invitation.code} can no longer be used." in page
    assert "Revoked" in page
    learner = client.application.test_client()
    assert join(learner, invitation.code).status_code == 404


def test_a_coordinator_of_another_municipality_cannot_revoke(client, factory, coordinator):
    invitation = make_invitation(coordinator)
    stranger = factory.user(Role.COORDINATOR, locale="en")
    login_as(client, stranger)

    response = client.post(f"/invitations/{invitation.id}/revoke", headers=EN)

    assert response.status_code == 404
    assert "Page not found" in text(response)
    db.session.refresh(invitation)
    assert invitation.revoked_at is None
    assert invitation.code not in text(client.get("/invitations"))
