"""Hostile input: random, oversized and strange values posted to every form, by every role.

Never a 500, and a refused request (4xx) writes nothing.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import login_as
from tests.test_access_routes import ROLES, ROUTES, World, world  # noqa: F401  (fixture)
from webapp.extensions import db


def _form_field_names() -> list[str]:
    """Every field name our forms declare, so fuzzing hits the fields views actually read."""
    import webapp.accounts.forms  # noqa: F401
    import webapp.classes.forms  # noqa: F401
    import webapp.entitlement.forms  # noqa: F401
    import webapp.learners.forms  # noqa: F401
    import webapp.seats.forms  # noqa: F401
    import webapp.teaching.forms  # noqa: F401

    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names |= {name for name in vars(form) if not name.startswith("_") and name != "Meta"}
        names |= {
            name
            for base in form.__mro__
            for name, value in vars(base).items()
            if hasattr(value, "field_class")
        }
    return sorted(names | {"answer", "rating", "free", "back", "group", "mark-1", "pair-0"})


FIELDS = _form_field_names()

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(min_size=3000, max_size=6000),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "nul\x00byte",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "../../etc/passwd",
            "2026-02-30",
            "9999-12-31",
            "0001-01-01",
            "-1",
            "0",
            "99999999999999999999",
            "1e309",
            "NaN",
            "24:61",
            "𝔑𝔬𝔯𝔰𝔨 🇺🇦",
            "\ud800" if False else "\u202e",
            "mon,tue,xyz",
            "https://example.org/" + "a" * 600,
        ]
    ),
    st.integers(-(10**12), 10**12).map(str),
)

POST_ENDPOINTS = None


def _post_endpoints(app: Flask) -> list[str]:
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set()) and rule.endpoint != "static"
    )


def _row_count() -> int:
    total = 0
    for table in db.metadata.sorted_tables:
        if table.name in ("login_attempts", "outbox_messages"):
            continue  # refused log-ins are recorded on purpose
        total += db.session.scalar(select(func.count()).select_from(table))
    return total


@pytest.mark.parametrize("role", ROLES)
def test_every_form_survives_hostile_input(app: Flask, world: World, role: str):  # noqa: F811
    endpoints = _post_endpoints(app)
    failures: list[str] = []
    cases = {"n": 0}

    @settings(
        max_examples=6,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        derandomize=True,
    )
    @given(data=st.dictionaries(st.sampled_from(FIELDS), HOSTILE, max_size=8))
    def post_everywhere(data: dict[str, str]) -> None:
        for endpoint in endpoints:
            _method, url = ROUTES[endpoint](world, role, True)
            client = app.test_client()
            if role != "anonymous":
                login_as(client, world.users[role])
            db.session.expire_all()
            before = _row_count()
            response = client.post(url, data=data)
            cases["n"] += 1
            status = response.status_code
            response.close()
            db.session.rollback()
            if status >= 500:
                failures.append(f"{role} POST {url} {sorted(data)}: {status}")
            elif 400 <= status < 500:
                after = _row_count()
                if after != before:
                    failures.append(f"{role} POST {url}: {status} but rows {before}->{after}")

    post_everywhere()
    assert failures == []
    assert cases["n"] >= len(endpoints) * 6


@pytest.mark.parametrize("value", ["nul\x00byte", "x" * 5000, "<script>alert(1)</script>"])
@pytest.mark.parametrize("role", ROLES[1:])
def test_every_field_filled_with_one_hostile_value(app: Flask, world: World, role, value):  # noqa: F811
    failures = []
    for endpoint in _post_endpoints(app):
        _method, url = ROUTES[endpoint](world, role, True)
        client = app.test_client()
        login_as(client, world.users[role])
        db.session.expire_all()
        before = _row_count()
        response = client.post(url, data=dict.fromkeys(FIELDS, value))
        status = response.status_code
        response.close()
        db.session.rollback()
        if status >= 500:
            failures.append(f"{role} POST {url}: {status}")
        elif 400 <= status < 500 and _row_count() != before:
            failures.append(f"{role} POST {url}: {status} but rows changed")
    assert failures == []


def test_a_nul_character_in_a_search_is_refused_not_a_crash(app: Flask, world: World):  # noqa: F811
    client = app.test_client()
    login_as(client, world.users["coordinator"])
    assert client.get("/learners?q=a%00b").status_code == 400
    assert client.get("/entitlements?q=%00").status_code == 400
    assert client.get("/learners?q=ab").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/lessons/a%00b", "/lessons/access-lesson/exercises/e%001", "/join/AB%00CD"],
)
def test_a_nul_character_in_an_address_is_refused_not_a_crash(app: Flask, world: World, path):  # noqa: F811
    client = app.test_client()
    login_as(client, world.users["learner"])
    assert client.get(path).status_code == 400
    assert client.post(path).status_code == 400


def test_a_nul_character_in_a_public_calendar_address_is_refused(app: Flask, world: World):  # noqa: F811
    assert app.test_client().get("/calendar/a%00b.ics").status_code == 400
    assert app.test_client().get("/calendar/not-a-token.ics").status_code == 404
