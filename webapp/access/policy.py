"""Who may see or change what, and the scoped queries that give each role only its own rows.

A coordinator sees the learners whose home municipality is theirs; a teacher and a provider
administrator see the learners who joined through their organisation; a learner sees themself;
an administrator sees everything. Each rule exists once as a SQL filter and once as an object
check, and the tests hold the two to the same answer.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, Select, false, or_, select, true

from webapp.accounts.models import Invitation, Role, User
from webapp.entitlement.models import LearnerOverview
from webapp.extensions import db
from webapp.learners.models import ImportJob, LearnerProfile
from webapp.organisations.models import Organisation
from webapp.seats.models import Offering, OrderStatus, SeatOrder


def _learner_filter(actor: User) -> ColumnElement[bool]:
    """The WHERE clause that limits learner rows to those ``actor`` may see."""
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.LEARNER:
        return User.id == actor.id
    if actor.role is Role.COORDINATOR:
        return LearnerProfile.home_municipality_id == actor.organisation_id
    if actor.role in (Role.TEACHER, Role.PROVIDER_ADMIN):
        return User.organisation_id == actor.organisation_id
    return false()


def learners_visible_to(actor: User) -> Select[tuple[User]]:
    """Select the learner accounts ``actor`` may see, with their profiles joined."""
    return (
        select(User)
        .join(LearnerProfile, LearnerProfile.user_id == User.id)
        .where(User.role == Role.LEARNER, _learner_filter(actor))
    )


def _overview_filter(actor: User) -> ColumnElement[bool]:
    """``_learner_filter`` on the overview row's own copies of the learner's scope."""
    if actor.role is Role.ADMIN:
        return true()
    if actor.role is Role.LEARNER:
        return LearnerOverview.learner_id == actor.id
    if actor.role is Role.COORDINATOR:
        return LearnerOverview.municipality_id == actor.organisation_id
    if actor.role in (Role.TEACHER, Role.PROVIDER_ADMIN):
        return LearnerOverview.organisation_id == actor.organisation_id
    return false()


def overview_rows_visible_to(actor: User) -> Select[tuple[LearnerOverview]]:
    """Select the overview rows of the learners ``actor`` may see, without joins: each row
    carries its learner's home municipality and organisation (every learner has a row)."""
    return select(LearnerOverview).where(_overview_filter(actor))


def may_view_learner(actor: User, learner: User) -> bool:
    """True when ``actor`` may see this learner's account and profile."""
    if learner.role is not Role.LEARNER or learner.learner_profile is None:
        return False
    if actor.role is Role.ADMIN:
        return True
    if actor.role is Role.LEARNER:
        return actor.id == learner.id
    if actor.role is Role.COORDINATOR:
        return learner.learner_profile.home_municipality_id == actor.organisation_id
    if actor.role in (Role.TEACHER, Role.PROVIDER_ADMIN):
        return learner.organisation_id == actor.organisation_id
    return False


def get_visible_learner_or_404(actor: User, user_id: int) -> User:
    """Load a learner ``actor`` may see; anything else is indistinguishable from missing."""
    learner = db.session.scalar(learners_visible_to(actor).where(User.id == user_id))
    if learner is None:
        abort(404)
    return learner


# Import jobs --------------------------------------------------------------------------------


def import_jobs_visible_to(actor: User) -> Select[tuple[ImportJob]]:
    """Select the learner imports ``actor`` may follow: their municipality's, or all for admins."""
    stmt = select(ImportJob)
    if actor.role is Role.ADMIN:
        return stmt
    if actor.role is not Role.COORDINATOR:
        return stmt.where(false())
    return stmt.where(ImportJob.organisation_id == actor.organisation_id)


def get_visible_import_job_or_404(actor: User, job_id: int) -> ImportJob:
    """Load an import job ``actor`` may follow; anyone else's is indistinguishable from missing."""
    job = db.session.scalar(import_jobs_visible_to(actor).where(ImportJob.id == job_id))
    if job is None:
        abort(404)
    return job


# Staff accounts -----------------------------------------------------------------------------

STAFF_ROLES_BY_KIND: dict[str, tuple[Role, ...]] = {
    "municipality": (Role.COORDINATOR,),
    "provider": (Role.TEACHER, Role.PROVIDER_ADMIN),
    "both": (Role.COORDINATOR, Role.TEACHER, Role.PROVIDER_ADMIN),
}

# The role that administers an organisation's staff accounts.
ORGANISATION_ADMIN_ROLES = (Role.COORDINATOR, Role.PROVIDER_ADMIN)


def staff_roles_for(organisation: Organisation) -> tuple[Role, ...]:
    """The staff roles an organisation of this kind can have."""
    return STAFF_ROLES_BY_KIND[organisation.kind.value]


def may_manage_staff(actor: User, organisation: Organisation) -> bool:
    """True when ``actor`` may create and deactivate staff accounts of ``organisation``."""
    if actor.role is Role.ADMIN:
        return True
    return actor.role in ORGANISATION_ADMIN_ROLES and actor.organisation_id == organisation.id


def creatable_staff_roles(actor: User, organisation: Organisation) -> tuple[Role, ...]:
    """The roles ``actor`` may give a new staff account in ``organisation``."""
    if not may_manage_staff(actor, organisation):
        return ()
    roles = staff_roles_for(organisation)
    if actor.role is Role.COORDINATOR:
        return tuple(role for role in roles if role is Role.COORDINATOR)
    if actor.role is Role.PROVIDER_ADMIN:
        return tuple(role for role in roles if role in (Role.TEACHER, Role.PROVIDER_ADMIN))
    return roles


def staff_visible_to(actor: User) -> Select[tuple[User]]:
    """Select the staff accounts ``actor`` may list: their own organisation's, or all for admins."""
    stmt = select(User).where(User.role != Role.LEARNER)
    if actor.role is Role.ADMIN:
        return stmt
    return stmt.where(User.organisation_id == actor.organisation_id)


# Invitations --------------------------------------------------------------------------------

INVITING_ROLES = (Role.COORDINATOR, Role.TEACHER, Role.PROVIDER_ADMIN)


def may_issue_invitations(actor: User) -> bool:
    """True when ``actor`` may hand out invitation codes for their organisation."""
    return actor.role in INVITING_ROLES and actor.organisation_id is not None


def invitations_visible_to(actor: User) -> Select[tuple[Invitation]]:
    """Select the invitations of ``actor``'s organisation (all of them for admins)."""
    stmt = select(Invitation)
    if actor.role is Role.ADMIN:
        return stmt
    if not may_issue_invitations(actor):
        return stmt.where(false())
    return stmt.where(Invitation.organisation_id == actor.organisation_id)


def get_visible_invitation_or_404(actor: User, invitation_id: int) -> Invitation:
    """Load an invitation ``actor`` may see and revoke."""
    invitation = db.session.scalar(
        invitations_visible_to(actor).where(Invitation.id == invitation_id)
    )
    if invitation is None:
        abort(404)
    return invitation


def municipalities_for_invitation(actor: User) -> Select[tuple[Organisation]]:
    """Municipalities an invitation from ``actor`` may name as the learner's home: a
    coordinator's own; for a provider's staff, the municipalities it serves (itself, when it is a
    municipality's own centre, and those that have bought seats from it, ordered or accepted)."""
    stmt = select(Organisation).where(
        or_(Organisation.kind == "municipality", Organisation.kind == "both")
    )
    if actor.role is Role.COORDINATOR:
        return stmt.where(Organisation.id == actor.organisation_id).order_by(Organisation.name)
    buyers = (
        select(SeatOrder.municipality_id)
        .join(Offering, Offering.id == SeatOrder.offering_id)
        .where(
            Offering.provider_id == actor.organisation_id,
            SeatOrder.status.in_((OrderStatus.PENDING, OrderStatus.ACCEPTED)),
        )
    )
    return stmt.where(
        or_(Organisation.id == actor.organisation_id, Organisation.id.in_(buyers))
    ).order_by(Organisation.name)


def get_visible_staff_or_404(actor: User, user_id: int) -> User:
    """Load a staff account ``actor`` may manage."""
    user = db.session.scalar(staff_visible_to(actor).where(User.id == user_id))
    if (
        user is None
        or user.organisation is None
        or user.role not in creatable_staff_roles(actor, user.organisation)
    ):
        abort(404)
    return user


# Entitlements ---------------------------------------------------------------------------------


def may_change_entitlement(actor: User, learner: User) -> bool:
    """Coordinators of the learner's home municipality (and admins) register decisions."""
    if actor.role is Role.ADMIN:
        return may_view_learner(actor, learner)
    return actor.role is Role.COORDINATOR and may_view_learner(actor, learner)


def may_see_entitlement_audit(actor: User, learner: User) -> bool:
    """The audit trail is for the learner's coordinators and administrators."""
    return may_change_entitlement(actor, learner)
