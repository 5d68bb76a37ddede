"""Creating organisations."""

from __future__ import annotations

from webapp.extensions import db
from webapp.organisations.models import Organisation, OrganisationKind


def create_organisation(
    name: str, kind: OrganisationKind, municipality_number: str | None
) -> Organisation:
    """Add a municipality, provider or municipal centre; providers carry no municipality number."""
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        municipality_number=None if kind is OrganisationKind.PROVIDER else municipality_number,
    )
    db.session.add(organisation)
    db.session.flush()
    return organisation
