"""The proposal's path through the cooperative: put to the members in a consultation, reviewed
by the ethics committee in the register, decided by the board or the assembly, deployed through
the register's gate. The rules are :mod:`consult.proposal_path`; each step here authorises by
them, links what the step builds on, records a ProposalMoved event and signs a checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from ethics_register import Signer

from .. import audit, events
from ..models import Consultation, Member, Motion, Proposal, RegisterEntry, utcnow
from ..proposal_path import Facts, next_steps, step_refusal
from ..rules import N_
from . import NotFound, ServiceError, actor_ref, audit_log
from .proposals import get

NO_CONSULTATION = N_("Cette consultation n'existe pas.")
NO_ENTRY = N_("Cette entrée du registre n'existe pas.")
ENTRY_TAKEN = N_("Cette entrée du registre est déjà liée à un autre projet.")
NOT_AUTHOR = N_("Seul l'auteur ou l'autrice de la proposition peut la soumettre à nouveau.")


def entry_of(session: Session, proposal_id: int) -> RegisterEntry | None:
    return session.exec(select(RegisterEntry).where(RegisterEntry.proposal_id == proposal_id)
                        .order_by(RegisterEntry.id)).first()


def _facts(session: Session, proposal: Proposal, reason: str) -> Facts:
    from .reviews import signed_opinions

    entry = entry_of(session, proposal.id)
    signed = bool(entry is not None and any(
        o.version == entry.current_version for o in signed_opinions(session, entry)))
    return Facts(consultation=proposal.consultation_id is not None, entry=entry is not None,
                 signed_opinion=signed, reason=reason)


def move(session: Session, actor: Member | None, proposal_id: int, target: str,
         signer: Signer, *, reason: str = "", consultation_id: int | None = None,
         entry_id: int | None = None, motion_id: int | None = None,
         system: bool = False) -> Proposal:
    """Take one step of the path. ``consultation_id`` links the consultation (to go *in
    consultation*), ``entry_id`` the register entry (to go *in review*); ``system`` is the app
    applying a motion's outcome or the gate's deployment."""
    proposal = get(session, proposal_id)
    if consultation_id is not None:
        if session.get(Consultation, consultation_id) is None:
            raise NotFound(NO_CONSULTATION)
        proposal.consultation_id = consultation_id
    if entry_id is not None:
        entry = session.get(RegisterEntry, entry_id)
        if entry is None:
            raise NotFound(NO_ENTRY)
        if entry.proposal_id not in (None, proposal.id):
            raise ServiceError(ENTRY_TAKEN)
        entry.proposal_id = proposal.id
        session.add(entry)
        session.flush()
    refusal = step_refusal(proposal.status, target, actor, _facts(session, proposal, reason),
                           system=system)
    if refusal is not None:
        session.rollback()
        raise ServiceError(refusal.message, **refusal.params)
    _step(session, actor, proposal, target, reason, motion_id)
    audit_log.checkpoint(session, signer, "board")
    session.commit()
    return proposal


def _step(session, actor, proposal, target, reason, motion_id=None) -> None:
    entry = entry_of(session, proposal.id)
    previous, proposal.status, proposal.updated_at = proposal.status, target, utcnow()
    session.add(proposal)
    audit.record_event(session, events.ProposalMoved(
        actor=actor_ref(actor), object_id=str(proposal.id), previous=previous, status=target,
        reason=reason.strip(), consultation_id=proposal.consultation_id,
        entry_id=entry.id if entry else None, motion_id=motion_id))


def resubmit(session: Session, actor: Member, proposal_id: int, signer: Signer) -> Proposal:
    """The author, having reworked a proposal sent back, submits it again."""
    proposal = get(session, proposal_id)
    if actor is None or proposal.author_id != actor.id:
        raise ServiceError(NOT_AUTHOR)
    return move(session, actor, proposal_id, "submitted", signer,
                reason=N_("revue par son auteur ou son autrice"), system=True)


def apply_motion_outcome(session: Session, motion: Motion) -> None:
    """In the closing motion's transaction: an adopted motion approves the proposal, a rejected
    one rejects it; without quorum, or failed, the proposal waits for another motion."""
    if motion.subject != "proposal" or motion.subject_id is None:
        return
    proposal = session.get(Proposal, motion.subject_id)
    if proposal is None or proposal.status != "board_decision":
        return
    target = {"adopted": "approved", "rejected": "rejected"}.get(motion.outcome or "")
    if target is not None:
        _step(session, None, proposal, target, motion.title, motion.id)


def entry_deployed(session: Session, entry: RegisterEntry) -> None:
    """In the gate's transaction: the approved proposal an entry came from is deployed."""
    if entry.proposal_id is None:
        return
    proposal = session.get(Proposal, entry.proposal_id)
    if proposal is not None and proposal.status == "approved":
        _step(session, None, proposal, "deployed", N_("déployé par la porte du registre"))


@dataclass(frozen=True)
class PathStep:
    occurred_at: str
    previous: str
    status: str
    reason: str


@dataclass(frozen=True)
class ProposalPath:
    status: str
    steps: list[PathStep]
    consultation: Consultation | None
    entry: RegisterEntry | None
    motions: list[Motion]
    next_steps: tuple[str, ...]
    consultations: list[Consultation]  # what can be linked
    entries: list[RegisterEntry]


def proposal_path(session: Session, actor: Member, proposal_id: int) -> ProposalPath:
    import json

    from ..models import AuditEvent

    proposal = get(session, proposal_id)
    steps = [PathStep(d["occurred_at"], d["data"]["previous"], d["data"]["status"],
                      d["data"]["reason"])
             for d in (json.loads(c) for c in session.exec(
                 select(AuditEvent.canonical).where(
                     AuditEvent.object_type == "proposal",
                     AuditEvent.object_id == str(proposal.id),
                     AuditEvent.event_type == "ProposalMoved").order_by(AuditEvent.leaf_index)))]
    motions = list(session.exec(select(Motion).where(
        Motion.subject == "proposal", Motion.subject_id == proposal.id).order_by(Motion.id)))
    allowed = next_steps(proposal.status, actor)
    return ProposalPath(
        proposal.status, steps,
        session.get(Consultation, proposal.consultation_id) if proposal.consultation_id else None,
        entry_of(session, proposal.id), motions, allowed,
        list(session.exec(select(Consultation).order_by(Consultation.id.desc())))
        if "in_consultation" in allowed else [],
        list(session.exec(select(RegisterEntry).where(RegisterEntry.proposal_id.is_(None))
                          .order_by(RegisterEntry.name))) if "in_review" in allowed else [])
