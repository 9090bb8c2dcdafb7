"""Consultations: creation and settings by facilitators, lifecycle, what members see."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, func, select

from .. import audit, events
from ..access import FACILITATION, holds
from ..models import College, Consultation, ConsultationCollege, Contribution, Member, utcnow
from ..rules import (
    ANONYMITY_MODES,
    N_,
    SETTLED,
    STANCE_SCALES,
    ConsultationState,
    anonymity_change_problem,
    due_to_close,
    has_words,
    opening_problems,
    phase,
    stance_scale_change_problem,
    tidy,
    transition_problem,
)
from . import NotFound, PermissionDenied, ServiceError, actor_ref, notifications, require_role


@dataclass(frozen=True)
class ConsultationInput:
    """What a facilitator fills in for a consultation."""

    title: str
    question: str
    description: str = ""
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    anonymity: str = "pseudonymous"
    stance_scale: str = "three"
    college_ids: tuple[int, ...] = ()


def state_of(consultation: Consultation) -> ConsultationState:
    return ConsultationState(consultation.status, consultation.opens_at, consultation.closes_at)


def get_consultation(session: Session, consultation_id: int) -> Consultation:
    consultation = session.get(Consultation, consultation_id)
    if consultation is None:
        raise NotFound(N_("Cette consultation n'existe pas."))
    return consultation


_INVITED = "invited_college_ids"


def invited_college_ids(session: Session, consultation_id: int) -> frozenset[int]:
    """The colleges invited to a consultation.

    A page asks two or three times (who may see it, who may take part, what to show); the
    answer is kept for the rest of the transaction, so the database is asked once. A commit or a
    rollback starts another transaction and so a fresh reading; `_set_colleges` forgets it.
    """
    kept = session.info.get(_INVITED)
    if kept is not None and kept[0] is session.get_transaction() and consultation_id in kept[1]:
        return kept[1][consultation_id]
    ids = frozenset(session.exec(
        select(ConsultationCollege.college_id).where(
            ConsultationCollege.consultation_id == consultation_id
        )
    ))
    transaction = session.get_transaction()  # begun by the query if none was
    if kept is None or kept[0] is not transaction:
        kept = session.info[_INVITED] = (transaction, {})
    kept[1][consultation_id] = ids
    return ids


def invited_colleges(session: Session, consultation_id: int) -> list[College]:
    ids = invited_college_ids(session, consultation_id)
    if not ids:
        return []
    return list(session.exec(select(College).where(College.id.in_(ids)).order_by(College.name)))


def _check_input(session: Session, data: ConsultationInput) -> None:
    if not has_words(data.title):
        raise ServiceError(N_("Le titre est obligatoire."))
    if len(data.title) > 200:
        raise ServiceError(N_("Le titre ne peut dépasser %(max)s caractères."), max=200)
    if data.anonymity not in ANONYMITY_MODES:
        raise ServiceError(N_("Mode d'anonymat inconnu."))
    if data.stance_scale not in STANCE_SCALES:
        raise ServiceError(N_("Échelle de position inconnue."))
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        raise ServiceError(N_("La date de clôture doit suivre la date d'ouverture."))
    known = set(session.exec(select(College.id)))
    if set(data.college_ids) - known:
        raise ServiceError(N_("Ce collège n'existe pas."))


def _set_colleges(session: Session, consultation_id: int, college_ids) -> None:
    session.info.pop(_INVITED, None)
    for link in session.exec(
        select(ConsultationCollege).where(ConsultationCollege.consultation_id == consultation_id)
    ):
        session.delete(link)
    session.flush()
    for college_id in sorted(set(college_ids)):
        session.add(ConsultationCollege(consultation_id=consultation_id, college_id=college_id))


def create_consultation(
    session: Session, actor: Member | None, data: ConsultationInput, *, source: str = "manual"
) -> Consultation:
    """A new consultation, as a draft (facilitators and admins)."""
    if actor is not None:
        require_role(actor, FACILITATION)
    _check_input(session, data)
    consultation = Consultation(
        title=tidy(data.title),
        question=tidy(data.question),
        description=tidy(data.description),
        opens_at=data.opens_at,
        closes_at=data.closes_at,
        anonymity=data.anonymity,
        stance_scale=data.stance_scale,
        source=source,
        created_by_ref=actor_ref(actor),
    )
    session.add(consultation)
    session.flush()
    _set_colleges(session, consultation.id, data.college_ids)
    audit.record_event(
        session,
        events.ConsultationCreated(
            actor=actor_ref(actor),
            object_id=str(consultation.id),
            anonymity=data.anonymity,
            stance_scale=data.stance_scale,
            colleges=tuple(sorted(set(data.college_ids))),
        ),
    )
    session.commit()
    return consultation


def update_consultation(
    session: Session, actor: Member, consultation_id: int, data: ConsultationInput
) -> Consultation:
    """Change a consultation's text, dates, colleges, anonymity or scale, as the rules allow."""
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    _check_input(session, data)
    for problem in (
        anonymity_change_problem(consultation.anonymity, data.anonymity, consultation.status),
        stance_scale_change_problem(
            consultation.stance_scale, data.stance_scale, consultation.status
        ),
    ):
        if problem:
            raise ServiceError(problem.message, **problem.params)
    if consultation.status in SETTLED:
        raise ServiceError(N_("Une consultation analysée ne se modifie plus."))
    new = {
        "title": tidy(data.title),
        "question": tidy(data.question),
        "description": tidy(data.description),
        "opens_at": data.opens_at,
        "closes_at": data.closes_at,
        "anonymity": data.anonymity,
        "stance_scale": data.stance_scale,
    }
    changes = [key for key, value in new.items() if getattr(consultation, key) != value]
    if invited_college_ids(session, consultation.id) != frozenset(data.college_ids):
        changes.append("colleges")
        _set_colleges(session, consultation.id, data.college_ids)
    if not changes:
        return consultation
    for key, value in new.items():
        setattr(consultation, key, value)
    consultation.updated_at = utcnow()
    session.add(consultation)
    audit.record_event(
        session,
        events.ConsultationUpdated(
            actor=actor.ref, object_id=str(consultation.id), changes=tuple(changes)
        ),
    )
    session.commit()
    return consultation


def change_status(
    session: Session,
    actor: Member | None,
    consultation_id: int,
    target: str,
    *,
    now: datetime | None = None,
) -> Consultation:
    """Move a consultation along its lifecycle (facilitators; None = the system)."""
    if actor is not None:
        require_role(actor, FACILITATION)
    now = now or utcnow()
    consultation = get_consultation(session, consultation_id)
    current = phase(state_of(consultation), now)
    if current == "scheduled":
        current = "open"
    problem = transition_problem(current, target)
    if problem:
        raise ServiceError(problem.message, **problem.params)
    if target == "open":
        state = state_of(consultation)
        if consultation.status == "closed":
            # Reopening needs a closing date in the future (or none).
            state = ConsultationState("draft", consultation.opens_at, consultation.closes_at)
        problems = opening_problems(
            consultation.question, len(invited_college_ids(session, consultation.id)), state, now
        )
        if problems:
            raise ServiceError(problems[0].message, **problems[0].params)
    previous = consultation.status
    consultation.status = target
    consultation.updated_at = now
    session.add(consultation)
    audit.record_event(
        session,
        events.ConsultationStatusChanged(
            actor=actor_ref(actor),
            object_id=str(consultation.id),
            previous=previous,
            status=target,
        ),
    )
    if target == "open":  # its colleges' members are told, in this transaction
        notifications.consultation_opened(session, consultation, now=now)
    session.commit()
    return consultation


def close_due_consultations(session: Session, now: datetime | None = None) -> list[int]:
    """Record the closing of every open consultation whose closing date has passed."""
    now = now or utcnow()
    closed = []
    for consultation in session.exec(select(Consultation).where(Consultation.status == "open")):
        if due_to_close(state_of(consultation), now):
            consultation.status = "closed"
            consultation.updated_at = now
            session.add(consultation)
            audit.record_event(
                session,
                events.ConsultationStatusChanged(
                    actor=None, object_id=str(consultation.id), previous="open", status="closed"
                ),
            )
            closed.append(consultation.id)
    if closed:
        session.commit()
    return closed


def list_for_member(session: Session, member: Member, now: datetime | None = None):
    """Consultations a member can see: not drafts, and their college invited (open first)."""
    now = now or utcnow()
    query = select(Consultation).where(Consultation.status != "draft")
    if not holds(member, FACILITATION):
        query = query.where(
            Consultation.id.in_(
                select(ConsultationCollege.consultation_id).where(
                    ConsultationCollege.college_id == member.college_id
                )
            )
        )
    consultations = list(session.exec(query.order_by(Consultation.created_at.desc())))
    order = {"open": 0, "scheduled": 1, "closed": 2, "analysed": 3, "published": 4}
    return sorted(consultations, key=lambda c: order.get(phase(state_of(c), now), 5))


def consultation_ids(session: Session) -> list[int]:
    """Every consultation's id, oldest first (for the system: the CLI, the demo)."""
    return list(session.exec(select(Consultation.id).order_by(Consultation.id)))


def list_all(session: Session, actor: Member) -> list[Consultation]:
    """Every consultation, drafts included (facilitators)."""
    require_role(actor, FACILITATION)
    return list(session.exec(select(Consultation).order_by(Consultation.created_at.desc())))


def can_see(session: Session, member: Member, consultation: Consultation) -> bool:
    if holds(member, FACILITATION):
        return True
    if consultation.status == "draft":
        return False
    return member.college_id in invited_college_ids(session, consultation.id)


def require_visible(session: Session, member: Member, consultation_id: int) -> Consultation:
    consultation = get_consultation(session, consultation_id)
    if not can_see(session, member, consultation):
        raise PermissionDenied(N_("Cette consultation n'est pas ouverte à votre collège."))
    return consultation


def contribution_counts(session: Session, consultation_ids: list[int]) -> dict[int, int]:
    if not consultation_ids:
        return {}
    rows = session.exec(
        select(Contribution.consultation_id, func.count(Contribution.id))
        .where(Contribution.consultation_id.in_(consultation_ids), ~Contribution.withdrawn)
        .group_by(Contribution.consultation_id)
    )
    return {consultation_id: count for consultation_id, count in rows}
