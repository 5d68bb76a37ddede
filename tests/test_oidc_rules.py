"""The rules of OpenID Connect sign-in: provider settings from the environment, vouched-for
e-mail addresses, and which account a provider's person enters (every combination)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webapp.accounts.oidc_rules import (
    Candidate,
    Decision,
    ProviderConfigError,
    Refusal,
    decide,
    parse_providers,
    verified_email,
)
from webapp.config import ConfigError, build_config

ENTRA = {
    "NORSKVEI_OIDC_PROVIDERS": "idporten, Entra",
    "NORSKVEI_OIDC_IDPORTEN_ISSUER": "https://idporten.no/",
    "NORSKVEI_OIDC_IDPORTEN_CLIENT_ID": "id-client",
    "NORSKVEI_OIDC_IDPORTEN_CLIENT_SECRET": "id-secret",
    "NORSKVEI_OIDC_IDPORTEN_NAME": "ID-porten",
    "NORSKVEI_OIDC_IDPORTEN_SCOPE": "openid profile",
    "NORSKVEI_OIDC_IDPORTEN_LEARNERS": "true",
    "NORSKVEI_OIDC_ENTRA_ISSUER": "https://login.microsoftonline.com/tenant-id/v2.0",
    "NORSKVEI_OIDC_ENTRA_CLIENT_ID": "entra-client",
    "NORSKVEI_OIDC_ENTRA_CLIENT_SECRET": "entra-secret",
    "NORSKVEI_OIDC_ENTRA_EMAIL_VERIFIED_CLAIM": "xms_edov",
}


def test_providers_are_read_from_the_environment():
    idporten, entra = parse_providers(ENTRA)
    assert (idporten.key, idporten.name, idporten.issuer) == (
        "idporten",
        "ID-porten",
        "https://idporten.no",
    )
    assert idporten.metadata_url == "https://idporten.no/.well-known/openid-configuration"
    assert (idporten.scope, idporten.learners) == ("openid profile", True)
    assert (entra.name, entra.scope, entra.learners) == ("entra", "openid email profile", False)
    assert entra.email_verified_claim == "xms_edov"
    assert entra.metadata_url == (
        "https://login.microsoftonline.com/tenant-id/v2.0/.well-known/openid-configuration"
    )


def test_a_provider_on_this_machine_may_use_plain_http():
    env = {**ENTRA, "NORSKVEI_OIDC_ENTRA_ISSUER": "http://127.0.0.1:4000/"}
    assert parse_providers(env)[1].issuer == "http://127.0.0.1:4000"


def test_no_providers_by_default():
    assert parse_providers({}) == ()
    assert parse_providers({"NORSKVEI_OIDC_PROVIDERS": " , "}) == ()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {"NORSKVEI_OIDC_ENTRA_CLIENT_SECRET": ""},
            "NORSKVEI_OIDC_ENTRA_CLIENT_SECRET must be set",
        ),
        ({"NORSKVEI_OIDC_ENTRA_ISSUER": "http://evil.example"}, "must be an https:// address"),
        ({"NORSKVEI_OIDC_ENTRA_ISSUER": "http://127.0.0.1.evil.example"}, "must be an https://"),
        ({"NORSKVEI_OIDC_ENTRA_ISSUER": "https://"}, "must be an https:// address"),
        ({"NORSKVEI_OIDC_ENTRA_ISSUER": "https://idp.example?x=1"}, "must be an https://"),
        ({"NORSKVEI_OIDC_ENTRA_SCOPE": "email profile"}, "must include openid"),
        ({"NORSKVEI_OIDC_ENTRA_LEARNERS": "maybe"}, "must be true or false"),
        ({"NORSKVEI_OIDC_PROVIDERS": "entra,entra"}, "names 'entra' twice"),
        ({"NORSKVEI_OIDC_PROVIDERS": "en-tra"}, "letters and digits"),
    ],
)
def test_bad_provider_settings_stop_start_up_with_a_reason(tmp_path, change, problem):
    env = {**ENTRA, **change, "SECRET_KEY": "x" * 32}
    with pytest.raises(ProviderConfigError, match=problem):
        parse_providers(env)
    with pytest.raises(ConfigError, match=problem):
        build_config(tmp_path, env)


def test_the_configuration_carries_the_providers(tmp_path):
    config = build_config(tmp_path, {**ENTRA, "SECRET_KEY": "x" * 32})
    assert [provider.key for provider in config["NORSKVEI_OIDC_PROVIDERS"]] == ["idporten", "entra"]


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"email": " Kari@Example.ORG ", "email_verified": True}, "kari@example.org"),
        ({"email": "kari@example.org", "email_verified": "true"}, "kari@example.org"),
        ({"email": "kari@example.org", "email_verified": False}, None),
        ({"email": "kari@example.org", "email_verified": "false"}, None),
        ({"email": "kari@example.org", "email_verified": 1}, None),
        ({"email": "kari@example.org"}, None),
        ({"email_verified": True}, None),
        ({"email": "", "email_verified": True}, None),
        ({"email": "no-at-sign", "email_verified": True}, None),
        ({"email": ["kari@example.org"], "email_verified": True}, None),
    ],
)
def test_only_an_address_the_provider_vouches_for_counts(claims, expected):
    assert verified_email(claims, "email_verified") == expected


def test_the_verified_claim_can_be_named():
    claims = {"email": "kari@example.org", "email_verified": True, "xms_edov": False}
    assert verified_email(claims, "xms_edov") is None
    assert verified_email({**claims, "xms_edov": True}, "xms_edov") == "kari@example.org"


def _candidates(user_id: int):
    yield None
    for active, learner, linked_here in itertools.product([True, False], repeat=3):
        yield Candidate(user_id=user_id, active=active, learner=learner, linked_here=linked_here)


@pytest.mark.parametrize("linked", list(_candidates(1)))
@pytest.mark.parametrize("by_email", list(_candidates(2)))
@pytest.mark.parametrize("verified", [True, False])
@pytest.mark.parametrize("learners_allowed", [True, False])
def test_every_combination(linked, by_email, verified, learners_allowed):
    decision = decide(linked, by_email, verified, learners_allowed)
    if linked is not None:  # a stored subject wins, whatever the e-mail says
        chosen = linked
    elif not verified:
        assert decision == Decision(refusal=Refusal.UNVERIFIED)
        return
    elif by_email is None:
        assert decision == Decision(refusal=Refusal.UNKNOWN)
        return
    elif by_email.linked_here:
        assert decision == Decision(refusal=Refusal.LINKED_ELSEWHERE)
        return
    else:
        chosen = by_email
    if not chosen.active:
        assert decision == Decision(refusal=Refusal.DEACTIVATED)
    elif chosen.learner and not learners_allowed:
        assert decision == Decision(refusal=Refusal.NOT_FOR_LEARNERS)
    else:
        assert decision == Decision(user_id=chosen.user_id, link=linked is None)


@given(
    st.one_of(
        st.none(), st.builds(Candidate, st.integers(), st.booleans(), st.booleans(), st.booleans())
    ),
    st.one_of(
        st.none(), st.builds(Candidate, st.integers(), st.booleans(), st.booleans(), st.booleans())
    ),
    st.booleans(),
    st.booleans(),
)
def test_never_an_inactive_account_and_never_both_or_neither(linked, by_email, verified, learners):
    decision = decide(linked, by_email, verified, learners)
    assert (decision.user_id is None) != (decision.refusal is None)
    entered = next(
        (c for c in (linked, by_email) if c is not None and c.user_id == decision.user_id), None
    )
    if decision.user_id is not None:
        assert entered is not None
        assert entered.active
        assert learners or not entered.learner
