"""Staff accounts and organisations: who may create, deactivate and see whom."""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from tests.conftest import PASSWORD, login, login_as
from webapp.accounts.models import PasswordResetToken, Role, User
from webapp.accounts.passwords import verify_password
from webapp.extensions import db
from webapp.mail.models import OutboxMessage
from webapp.organisations.models import Organisation, OrganisationKind

EN = {"Accept-Language": "en"}
LINK = re.compile(r"http://norskvei\.test/password/reset/([A-Za-z0-9_-]+)")
NEW_PASSWORD = "Trollstigen-i-taake-88"
# The first line of webapp/templates/mail/staff_welcome.txt
WELCOME_SUBJECT = "Your Norskvei account is ready"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def role_options(response) -> list[str]:
    select_html = re.search(r'<select id="role" name="role">(.*?)</select>', text(response), re.S)
    assert select_html, "the page has no role field"
    return re.findall(r'value="(\w+)"', select_html.group(1))


def create_staff(client, organisation: Organisation, role: str, **overrides: str):
    data = {"name": "Ingrid Lie", "email": "ingrid.lie@example.org", "role": role, "locale": "en"}
    data.update(overrides)
    return client.post(f"/organisations/{organisation.id}/staff", data=data)


def set_active(client, user: User, active: bool):
    return client.post(
        f"/organisations/staff/{user.id}/active", data={"active": "1" if active else "0"}
    )


@pytest.fixture
def provider_admin(factory) -> User:
    return factory.user(Role.PROVIDER_ADMIN, locale="en", name="Hanne Admin")


# Creating staff accounts ---------------------------------------------------------------------


def test_a_provider_admin_creates_a_teacher_who_gets_a_link(app, client, provider_admin):
    provider = provider_admin.organisation
    login_as(client, provider_admin)
    assert role_options(client.get(f"/organisations/{provider.id}/staff")) == [
        "teacher",
        "provider_admin",
    ]

    response = create_staff(
        client, provider, "teacher", email="Ingrid.Lie@Example.org", locale="uk"
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/organisations/{provider.id}/staff"
    teacher = user_by_email("ingrid.lie@example.org")
    assert teacher is not None
    assert (teacher.role, teacher.organisation_id, teacher.locale, teacher.active) == (
        Role.TEACHER,
        provider.id,
        "uk",
        True,
    )
    assert not verify_password(teacher.password_hash, PASSWORD)
    page = text(client.get(f"/organisations/{provider.id}/staff"))
    assert "Ingrid Lie now has an account and gets an e-mail to choose a password." in page
    assert "<td>ingrid.lie@example.org</td>" in page

    [message] = outbox()
    assert message.to_address == "ingrid.lie@example.org"
    with force_locale("uk"):  # the new colleague's language, from the compiled catalogue
        assert message.subject == gettext(WELCOME_SUBJECT)
    assert "Hanne Admin" in message.body_text
    assert provider.name in message.body_text
    token = LINK.search(message.body_text).group(1)

    # The link lets the new teacher choose a password and log in.
    newcomer = app.test_client()
    chosen = newcomer.post(
        f"/password/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert chosen.status_code == 302
    assert newcomer.get("/dashboard").status_code == 200
    db.session.refresh(teacher)
    assert verify_password(teacher.password_hash, NEW_PASSWORD)
    assert db.session.scalar(select(PasswordResetToken)).used_at is not None


def test_a_taken_email_is_refused(client, factory, provider_admin):
    factory.user(Role.TEACHER, email="ingrid.lie@example.org")
    login_as(client, provider_admin)
    users = count(User)
    response = create_staff(
        client, provider_admin.organisation, "teacher", email="INGRID.LIE@example.org"
    )
    assert response.status_code == 200
    assert "An account with this e-mail address already exists." in text(response)
    assert count(User) == users
    assert outbox() == []


def test_a_provider_admin_cannot_open_another_providers_staff_page(client, factory, provider_admin):
    other = factory.organisation(OrganisationKind.PROVIDER)
    stranger = factory.user(Role.TEACHER, other, name="Secret Colleague")
    login_as(client, provider_admin)

    page = client.get(f"/organisations/{other.id}/staff", headers=EN)
    assert page.status_code == 404
    assert "Page not found" in text(page)
    assert stranger.email not in text(page)

    users = count(User)
    assert create_staff(client, other, "teacher").status_code == 404
    assert count(User) == users
    assert outbox() == []


def test_a_coordinator_may_only_create_coordinators(client, factory):
    centre = factory.organisation(OrganisationKind.BOTH)  # could have teachers too
    coordinator = factory.user(Role.COORDINATOR, centre, locale="en")
    login_as(client, coordinator)
    assert role_options(client.get(f"/organisations/{centre.id}/staff")) == ["coordinator"]

    for role in ("teacher", "provider_admin", "admin", "learner"):
        response = create_staff(client, centre, role)
        assert response.status_code == 200
        assert "Not a valid choice." in text(response)
    assert user_by_email("ingrid.lie@example.org") is None
    assert outbox() == []

    assert create_staff(client, centre, "coordinator").status_code == 302
    assert user_by_email("ingrid.lie@example.org").role is Role.COORDINATOR


def test_teachers_cannot_manage_staff(client, factory):
    teacher = factory.user(Role.TEACHER)
    login_as(client, teacher)
    assert client.get(f"/organisations/{teacher.organisation_id}/staff").status_code == 403
    assert create_staff(client, teacher.organisation, "teacher").status_code == 403
    assert user_by_email("ingrid.lie@example.org") is None


# Deactivating --------------------------------------------------------------------------------


def test_deactivating_a_colleague_ends_their_session_and_blocks_login(
    app, client, factory, provider_admin
):
    colleague = factory.user(Role.TEACHER, provider_admin.organisation, locale="en")
    theirs = app.test_client()
    login_as(theirs, colleague)
    assert theirs.get("/dashboard").status_code == 200
    login_as(client, provider_admin)

    response = set_active(client, colleague, False)

    assert response.status_code == 302
    db.session.refresh(colleague)
    assert colleague.active is False
    page = text(client.get(f"/organisations/{provider_admin.organisation_id}/staff"))
    assert f"{colleague.name} can no longer log in." in page
    stale = theirs.get("/dashboard")
    assert stale.status_code == 302
    assert stale.headers["Location"].startswith("/login")
    again = theirs.post("/login", data={"email": colleague.email, "password": PASSWORD}, headers=EN)
    assert again.status_code == 200
    assert "The e-mail address or the password is wrong." in text(again)

    # and reactivating lets them in again
    assert set_active(client, colleague, True).status_code == 302
    assert login(app.test_client(), colleague).status_code == 302


def test_nobody_can_deactivate_themself(client, provider_admin):
    login_as(client, provider_admin)
    version = provider_admin.session_version

    response = set_active(client, provider_admin, False)

    assert response.status_code == 302
    db.session.refresh(provider_admin)
    assert (provider_admin.active, provider_admin.session_version) == (True, version)
    page = client.get(response.headers["Location"])
    assert page.status_code == 200  # still logged in
    assert "You cannot deactivate your own account." in text(page)


def test_an_admin_cannot_deactivate_themself_either(client, factory):
    admin = factory.user(Role.ADMIN, locale="en")
    login_as(client, admin)
    response = set_active(client, admin, False)
    assert response.status_code == 302
    page = client.get("/dashboard").get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    db.session.refresh(admin)
    assert admin.active is True
    assert client.get("/dashboard").status_code == 200


def test_staff_of_another_organisation_cannot_be_deactivated(client, factory, provider_admin):
    stranger = factory.user(Role.TEACHER)  # in another provider
    login_as(client, provider_admin)
    assert set_active(client, stranger, False).status_code == 404
    db.session.refresh(stranger)
    assert stranger.active is True


def test_learners_are_not_staff_accounts(client, factory, provider_admin):
    learner = factory.learner(provider_admin.organisation)
    login_as(client, provider_admin)
    assert set_active(client, learner, False).status_code == 404
    db.session.refresh(learner)
    assert learner.active is True


# Organisations -------------------------------------------------------------------------------


@pytest.fixture
def admin(client, factory) -> User:
    user = factory.user(Role.ADMIN, locale="en")
    login_as(client, user)
    return user


def create_organisation(client, name: str, kind: str = "municipality", number: str = ""):
    return client.post(
        "/organisations", data={"name": name, "kind": kind, "municipality_number": number}
    )


def test_an_admin_creates_organisations(client, admin):
    response = create_organisation(client, "  Bergen kommune ", number="4601")
    assert response.status_code == 302
    assert response.headers["Location"] == "/organisations"
    assert create_organisation(client, "Lær Norsk AS", "provider", number="1234").status_code == 302

    bergen = db.session.scalar(select(Organisation).where(Organisation.name == "Bergen kommune"))
    assert (bergen.kind, bergen.municipality_number) == (OrganisationKind.MUNICIPALITY, "4601")
    provider = db.session.scalar(select(Organisation).where(Organisation.name == "Lær Norsk AS"))
    assert (provider.kind, provider.municipality_number) == (OrganisationKind.PROVIDER, None)
    page = text(client.get("/organisations"))
    assert "The organisation Lær Norsk AS is created." in page
    assert "<td>Bergen kommune</td>" in page


NEEDS_NUMBER = "A municipality needs its four-digit municipality number."
FOUR_DIGITS = "A municipality number has four digits, like 0301."
NAME_TAKEN = "An organisation with this name already exists."
NUMBER_TAKEN = "Another organisation already has this municipality number."


@pytest.mark.parametrize(
    ("name", "kind", "number", "message"),
    [
        ("Voss herad", "municipality", "", NEEDS_NUMBER),
        ("Voss herad", "both", "", NEEDS_NUMBER),
        ("Voss herad", "municipality", "301", FOUR_DIGITS),
        ("Voss herad", "municipality", "03O1", FOUR_DIGITS),
        ("oslo kommune", "municipality", "4601", NAME_TAKEN),
        (" Oslo kommune ", "provider", "", NAME_TAKEN),
        ("Ålesund kommune", "municipality", "1508", NAME_TAKEN),
        ("Voss herad", "municipality", "0301", NUMBER_TAKEN),
        ("", "provider", "", "Enter the organisation's name."),
    ],
)
def test_organisation_validation(client, admin, name, kind, number, message):
    municipality = OrganisationKind.MUNICIPALITY
    db.session.add_all(
        [
            Organisation(name="Oslo kommune", kind=municipality, municipality_number="0301"),
            Organisation(name="Ålesund kommune", kind=municipality, municipality_number="1507"),
        ]
    )
    db.session.commit()

    response = create_organisation(client, name, kind, number)

    assert response.status_code == 200
    assert message in text(response)
    assert count(Organisation) == 2


def test_only_admins_create_organisations(client, factory):
    login_as(client, factory.user(Role.PROVIDER_ADMIN))
    assert create_organisation(client, "Sneaky AS", "provider").status_code == 403
    assert count(Organisation) == 1
