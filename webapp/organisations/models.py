"""The organisations users belong to."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from webapp.db_types import UTCDateTime, enum_column, utcnow
from webapp.extensions import db


class OrganisationKind(enum.StrEnum):
    """What an organisation is: a municipality buys and decides, a provider teaches."""

    MUNICIPALITY = "municipality"
    PROVIDER = "provider"
    BOTH = "both"


class Organisation(db.Model):
    """A municipality, a training provider, or a municipal adult-education centre (both)."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint(
            "kind = 'provider' OR municipality_number IS NOT NULL",
            name="municipality_has_number",
        ),
        CheckConstraint(
            "municipality_number IS NULL OR length(municipality_number) = 4",
            name="municipality_number_four_digits",
        ),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "kind"))
    municipality_number: Mapped[str | None] = mapped_column(String(4), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_municipality(self) -> bool:
        """True for municipalities and for municipal centres that are also providers."""
        return self.kind in (OrganisationKind.MUNICIPALITY, OrganisationKind.BOTH)

    @property
    def is_provider(self) -> bool:
        """True for providers and for municipal centres that also teach."""
        return self.kind in (OrganisationKind.PROVIDER, OrganisationKind.BOTH)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"
