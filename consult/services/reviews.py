"""The committee's reviews: recorded for an entry's current version, signed by the members
present (each signature an audit event), read by the deployment gate once signed."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ethics_register import Signer, gate, review

from .. import audit, events
from ..access import COMMITTEE
from ..models import Member, RegisterEntry, Review, ReviewSignature
from ..rules import N_
from . import NotFound, ServiceError, audit_log, require_role
from .register import get_entry

NO_REVIEW = N_("Cet avis n'existe pas.")
ALREADY_SIGNED = N_("Vous avez déjà signé cet avis.")


class ReviewInvalid(ServiceError):
    """A review that cannot be recorded: every problem, the first as the message."""

    def __init__(self, problems: list[review.Problem]) -> None:
        super().__init__(problems[0].message, **problems[0].params)
        self.problems = problems


@dataclass(frozen=True)
class ReviewInput:
    answers: dict[str, str]
    notes: dict[str, str]
    opinion: str
    conditions: str = ""
    dissent: str = ""


def record_review(session: Session, actor: Member, entry_id: int, data: ReviewInput,
                  signer: Signer) -> Review:
    """The committee's review of the entry's current version, signed by its author."""
    require_role(actor, COMMITTEE)
    row = get_entry(session, entry_id)
    problems = review.problems(data.answers, data.notes, data.opinion, data.conditions)
    if problems:
        raise ReviewInvalid(problems)
    names = [name for name, _label in review.REQUIREMENTS]
    record = Review(
        entry_id=row.id, version=row.current_version,
        answers=json.dumps({n: data.answers[n] for n in names}),
        notes=json.dumps({n: (data.notes.get(n) or "").strip() for n in names},
                         ensure_ascii=False),
        opinion=data.opinion, conditions=data.conditions.strip(), dissent=data.dissent.strip(),
        author_ref=actor.ref)
    session.add(record)
    session.flush()
    audit.record_event(session, events.ReviewRecorded(
        actor=actor.ref, object_id=str(record.id), entry_id=row.id, version=record.version,
        opinion=record.opinion))
    _sign(session, actor, record)
    audit_log.checkpoint(session, signer, "register")
    session.commit()
    return record


def sign_review(session: Session, actor: Member, review_id: int, signer: Signer) -> Review:
    """A committee member present at the review signs it, once."""
    require_role(actor, COMMITTEE)
    record = session.get(Review, review_id)
    if record is None:
        raise NotFound(NO_REVIEW)
    _sign(session, actor, record)
    audit_log.checkpoint(session, signer, "register")
    try:
        session.commit()
    except IntegrityError as error:  # a second signature, even sent twice at once
        session.rollback()
        raise ServiceError(ALREADY_SIGNED) from error
    return record


def _sign(session: Session, actor: Member, record: Review) -> None:
    existing = session.exec(select(ReviewSignature).where(
        ReviewSignature.review_id == record.id, ReviewSignature.member_id == actor.id)).first()
    if existing is not None:
        raise ServiceError(ALREADY_SIGNED)
    session.add(ReviewSignature(review_id=record.id, member_id=actor.id,
                                signer_name=actor.display_name[:120]))
    audit.record_event(session, events.ReviewSigned(
        actor=actor.ref, object_id=str(record.id), entry_id=record.entry_id))


@dataclass(frozen=True)
class ReviewView:
    review: Review
    answers: dict[str, str]
    notes: dict[str, str]
    signatures: list[ReviewSignature]


def reviews_of(session: Session, row: RegisterEntry) -> list[ReviewView]:
    """Every review of the entry, newest first, with its signatures."""
    views = []
    for record in session.exec(select(Review).where(Review.entry_id == row.id)
                               .order_by(Review.id.desc())):
        signatures = list(session.exec(select(ReviewSignature).where(
            ReviewSignature.review_id == record.id).order_by(ReviewSignature.id)))
        views.append(ReviewView(record, json.loads(record.answers), json.loads(record.notes),
                                signatures))
    return views


def signed_opinions(session: Session, row: RegisterEntry) -> tuple[gate.Opinion, ...]:
    """The opinions the gate reads: signed reviews, oldest first (the latest counts)."""
    return tuple(gate.Opinion(v.review.version, v.review.opinion)
                 for v in reversed(reviews_of(session, row)) if v.signatures)
