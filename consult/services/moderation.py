"""Moderation: members report, facilitators hide (with a reason) or restore."""

from datetime import datetime

from sqlmodel import Session, select, update

from .. import audit, events
from ..access import FACILITATION
from ..models import Contribution, ContributionReport, Member, utcnow
from ..rules import N_, report_problem, should_auto_hide, tidy
from . import ServiceError, require_role, retry_on_conflict
from .consultations import require_visible
from .contributions import check_can_participate, get_contribution, participant

REASON_MAX = 1000


def report(
    session: Session,
    contribution_id: int,
    member: Member,
    *,
    key: str,
    reason: str = "",
    auto_hide_threshold: int = 3,
    now: datetime | None = None,
) -> Contribution:
    """Report a contribution once; enough reports hide it until a facilitator reviews it.

    As for votes: only another member's contribution, still shown, while the consultation is
    open; a closed consultation's contributions can no longer be taken out of its analysis.
    """
    return retry_on_conflict(session, lambda: _report(
        session, contribution_id, member, key, reason, auto_hide_threshold, now or utcnow()))


def _report(session, contribution_id, member, key, reason, auto_hide_threshold, now):
    contribution = get_contribution(session, contribution_id)
    consultation = require_visible(session, member, contribution.consultation_id)
    who = participant(consultation, member, key)
    check_can_participate(session, consultation, who, now)
    problem = report_problem(own=contribution.participant_ref == who.ref,
                             hidden=contribution.hidden, withdrawn=contribution.withdrawn)
    if problem:
        raise ServiceError(problem.message, **problem.params)
    already = session.exec(
        select(ContributionReport).where(
            ContributionReport.contribution_id == contribution.id,
            ContributionReport.reporter_ref == who.ref,
        )
    ).first()
    if already is not None:
        return contribution
    session.add(
        ContributionReport(
            contribution_id=contribution.id,
            reporter_ref=who.ref,
            reason=tidy(reason)[:REASON_MAX],
        )
    )
    # Counted by the database, so that members reporting at once are all counted.
    session.exec(update(Contribution).where(Contribution.id == contribution.id)
                 .values(report_count=Contribution.report_count + 1))
    session.refresh(contribution)
    audit.record_event(
        session,
        events.ContributionReported(
            actor=who.ref, object_id=str(contribution.id), report_count=contribution.report_count
        ),
    )
    if should_auto_hide(contribution.report_count, auto_hide_threshold):
        _hide(
            session,
            contribution,
            None,
            N_(
                "Masquée automatiquement après plusieurs signalements, en attente de la modération."
            ),
        )
    session.commit()
    return contribution


def _hide(session: Session, contribution: Contribution, actor: Member | None, reason: str) -> None:
    contribution.hidden = True
    contribution.hidden_reason = reason
    contribution.hidden_at = utcnow()
    session.add(contribution)
    audit.record_event(
        session,
        events.ContributionHidden(
            actor=actor.ref if actor else None,
            object_id=str(contribution.id),
            reason=reason,
            automatic=actor is None,
        ),
    )


def hide(session: Session, actor: Member, contribution_id: int, reason: str) -> Contribution:
    """Hide a contribution with a reason; it stays stored and counted (facilitators)."""
    require_role(actor, FACILITATION)
    contribution = get_contribution(session, contribution_id)
    reason = tidy(reason)
    if not reason:
        raise ServiceError(N_("Indiquez la raison du masquage : elle est gardée."))
    if contribution.hidden and contribution.hidden_reason == reason:
        return contribution
    _hide(session, contribution, actor, reason[:REASON_MAX])
    session.commit()
    return contribution


def restore(
    session: Session, actor: Member, contribution_id: int, reason: str = ""
) -> Contribution:
    """Make a hidden contribution visible again (facilitators)."""
    require_role(actor, FACILITATION)
    contribution = get_contribution(session, contribution_id)
    if not contribution.hidden:
        return contribution
    contribution.hidden = False
    contribution.hidden_at = None
    session.add(contribution)
    audit.record_event(
        session,
        events.ContributionRestored(
            actor=actor.ref, object_id=str(contribution.id), reason=tidy(reason)[:REASON_MAX]
        ),
    )
    session.commit()
    return contribution


def queue(session: Session, actor: Member, consultation_id: int) -> list[Contribution]:
    """Reported or hidden contributions of a consultation, most reported first."""
    require_role(actor, FACILITATION)
    return list(
        session.exec(
            select(Contribution)
            .where(
                Contribution.consultation_id == consultation_id,
                (Contribution.report_count > 0) | Contribution.hidden,
            )
            .order_by(Contribution.hidden.desc(), Contribution.report_count.desc(), Contribution.id)
        )
    )


def reports_of(session: Session, contribution_id: int) -> list[ContributionReport]:
    return list(
        session.exec(
            select(ContributionReport)
            .where(ContributionReport.contribution_id == contribution_id)
            .order_by(ContributionReport.id)
        )
    )
