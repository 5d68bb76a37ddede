"""The SQL scoping and the object checks of the access policy give the same answers."""

from __future__ import annotations

import pytest

from webapp.access import policy
from webapp.accounts.models import Role
from webapp.extensions import db
from webapp.organisations.models import OrganisationKind


@pytest.fixture
def region(factory):
    mun_a = factory.organisation(OrganisationKind.MUNICIPALITY, "A kommune")
    mun_b = factory.organisation(OrganisationKind.MUNICIPALITY, "B kommune")
    centre = factory.organisation(OrganisationKind.BOTH, "C voksenopplæring")
    prov = factory.organisation(OrganisationKind.PROVIDER, "D språkskole")
    learners = [
        factory.learner(organisation=org, home=home)
        for org in (mun_a, centre, prov)
        for home in (mun_a, mun_b, centre)
    ]
    actors = [
        factory.user(Role.COORDINATOR, mun_a),
        factory.user(Role.COORDINATOR, centre),
        factory.user(Role.TEACHER, prov),
        factory.user(Role.TEACHER, centre),
        factory.user(Role.PROVIDER_ADMIN, prov),
        factory.user(Role.ADMIN),
        *learners[:2],
    ]
    return {"mun_a": mun_a, "centre": centre, "prov": prov}, learners, actors


def test_sql_scope_and_object_check_agree(region):
    _, learners, actors = region
    for actor in actors:
        visible = {user.id for user in db.session.scalars(policy.learners_visible_to(actor))}
        checked = {learner.id for learner in learners if policy.may_view_learner(actor, learner)}
        assert visible == checked, actor


def test_the_overview_rows_follow_the_same_rule(region):
    _, learners, actors = region
    for actor in actors:
        visible = {user.id for user in db.session.scalars(policy.learners_visible_to(actor))}
        rows = {
            row.learner_id for row in db.session.scalars(policy.overview_rows_visible_to(actor))
        }
        assert rows == visible, actor


def test_who_sees_which_learners(region):
    orgs, learners, actors = region
    coordinator_a, coordinator_centre, teacher_prov, teacher_centre, _, admin, learner, _ = actors

    def seen(actor):
        return {u.id for u in db.session.scalars(policy.learners_visible_to(actor))}

    assert seen(coordinator_a) == {
        u.id for u in learners if u.learner_profile.home_municipality_id == orgs["mun_a"].id
    }
    assert len(seen(coordinator_a)) == 3
    assert seen(coordinator_centre) == {
        u.id for u in learners if u.learner_profile.home_municipality_id == orgs["centre"].id
    }
    assert seen(teacher_prov) == {u.id for u in learners if u.organisation_id == orgs["prov"].id}
    assert seen(teacher_centre) == {
        u.id for u in learners if u.organisation_id == orgs["centre"].id
    }
    assert seen(admin) == {u.id for u in learners}
    assert seen(learner) == {learner.id}


def test_staff_roles_each_admin_may_create(factory):
    mun = factory.organisation(OrganisationKind.MUNICIPALITY)
    centre = factory.organisation(OrganisationKind.BOTH)
    prov = factory.organisation(OrganisationKind.PROVIDER)
    admin = factory.user(Role.ADMIN)
    coordinator = factory.user(Role.COORDINATOR, centre)
    provider_admin = factory.user(Role.PROVIDER_ADMIN, centre)
    teacher = factory.user(Role.TEACHER, centre)

    assert policy.creatable_staff_roles(admin, mun) == (Role.COORDINATOR,)
    assert policy.creatable_staff_roles(admin, prov) == (Role.TEACHER, Role.PROVIDER_ADMIN)
    assert policy.creatable_staff_roles(coordinator, centre) == (Role.COORDINATOR,)
    assert policy.creatable_staff_roles(provider_admin, centre) == (
        Role.TEACHER,
        Role.PROVIDER_ADMIN,
    )
    assert policy.creatable_staff_roles(teacher, centre) == ()
    assert policy.creatable_staff_roles(coordinator, mun) == ()
