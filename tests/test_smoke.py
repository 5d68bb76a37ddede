from tests.conftest import login
from webapp.accounts.models import Role


def test_front_page_answers(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Norskvei" in response.data


def test_staff_dashboard_after_login(client, factory):
    teacher = factory.user(Role.TEACHER)
    assert login(client, teacher).status_code == 302
    assert client.get("/dashboard").status_code == 200
