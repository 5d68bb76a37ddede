"""Demo seats: Nordlys sells places and licences; Flesberg and Rollag buy them for learners."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from webapp.accounts.models import Role, User
from webapp.classes.models import ClassSeries
from webapp.extensions import db
from webapp.learners.models import LearnerProfile
from webapp.organisations.models import Organisation
from webapp.seats import services
from webapp.seats.models import Offering, OfferingKind

SERIES_TITLE = "Norsk A1 på nett, mandag og onsdag kveld"
LICENCE_TITLE = "Selvstudium på Norskvei med lærer-oppfølging, 6 måneder"


def seed_seats(today: date) -> int:
    """Publish two Nordlys offerings once; the small municipalities order and hand out seats."""
    if db.session.scalar(select(Offering.id).where(Offering.title == LICENCE_TITLE)):
        return 0
    seller = db.session.scalar(select(User).where(User.email == "provider@example.org"))
    series = db.session.scalar(select(ClassSeries).where(ClassSeries.title == SERIES_TITLE))
    if seller is None or series is None:
        return 0
    class_seats = services.create_offering(
        seller,
        services.OfferingInput(
            kind=OfferingKind.CLASS_SEAT,
            title=f"Plass: {SERIES_TITLE}",
            description="Nettkurs to kvelder i uka, med lærer fra Nordlys.",
            series_id=series.id,
            months=None,
            price_nok=series.seat_price_nok,
            seats_for_sale=8,
        ),
    )
    licence = services.create_offering(
        seller,
        services.OfferingInput(
            kind=OfferingKind.LICENCE,
            title=LICENCE_TITLE,
            description="Hele leksjonskatalogen og tilbakemelding fra lærer hver uke.",
            series_id=None,
            months=6,
            price_nok=3900,
            seats_for_sale=40,
        ),
    )
    towns = {
        org.name: org
        for org in db.session.scalars(
            select(Organisation).where(
                Organisation.name.in_(("Flesberg kommune", "Rollag kommune"))
            )
        )
    }
    coordinators = {
        user.organisation_id: user
        for user in db.session.scalars(select(User).where(User.role == Role.COORDINATOR))
    }
    for name, offering, seats, accept in (
        ("Flesberg kommune", class_seats, 3, True),
        ("Flesberg kommune", licence, 5, True),
        ("Rollag kommune", licence, 4, True),
        ("Rollag kommune", class_seats, 2, False),
    ):
        town = towns.get(name)
        buyer = coordinators.get(town.id) if town else None
        if buyer is None:
            continue
        first, last = services.default_period(offering, today - timedelta(days=60))
        order = services.place_order(
            buyer, offering, seats, first, max(last, today + timedelta(days=30))
        )
        if accept:
            services.decide_order(seller, order, accept=True)
            learners = db.session.scalars(
                select(User)
                .join(LearnerProfile, LearnerProfile.user_id == User.id)
                .where(LearnerProfile.home_municipality_id == town.id)
                .order_by(User.id)
                .limit(seats - 1)
            ).all()
            pool = [item for item in services.seat_pool(buyer) if item.order.id == order.id]
            for item, learner in zip(pool, learners, strict=False):
                try:
                    services.assign_seat(buyer, item.seat, learner.id)
                except services.SeatError:
                    continue  # e.g. the learner already has an overlapping class
    db.session.flush()
    return 2
