"""Contributions: consent, writing, editing and withdrawing a verbatim with its stance."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from .. import audit, events
from ..access import FACILITATION, holds
from ..models import (
    ConsentRecord,
    Consultation,
    Contribution,
    ContributionVersion,
    Member,
    utcnow,
)
from ..pseudonyms import participant_ref
from ..rules import (
    FORM_REUSED,
    N_,
    participation_problem,
    stance_problem,
    text_problem,
    tidy,
)
from . import NotFound, PermissionDenied, ServiceError, retry_on_conflict
from .consultations import invited_college_ids, require_visible, state_of

NOTICE_VERSION = "2026-11"


@dataclass(frozen=True)
class Participant:
    """A member as they appear in one consultation."""

    member: Member
    ref: str
    college_id: int | None


def participant(consultation: Consultation, member: Member, key: str) -> Participant:
    return Participant(member, participant_ref(key, consultation.id, member.ref), member.college_id)


def notice_hash(consultation: Consultation, retention_months: int) -> str:
    """Identifies the notice a participant accepted: it changes when its terms change."""
    terms = f"{NOTICE_VERSION}|{consultation.anonymity}|{retention_months}"
    return hashlib.sha256(terms.encode()).hexdigest()


def has_consented(
    session: Session, consultation: Consultation, who: Participant, retention_months: int
) -> bool:
    record = session.get(ConsentRecord, (consultation.id, who.ref))
    return record is not None and record.notice_hash == notice_hash(consultation, retention_months)


def accept_notice(
    session: Session, consultation: Consultation, who: Participant, retention_months: int
) -> None:
    """Record that the participant accepted the data notice (idempotent)."""
    digest = notice_hash(consultation, retention_months)
    record = session.get(ConsentRecord, (consultation.id, who.ref))
    if record is not None and record.notice_hash == digest:
        return
    if record is None:
        record = ConsentRecord(
            consultation_id=consultation.id, participant_ref=who.ref, notice_hash=digest
        )
    record.notice_hash, record.accepted_at = digest, utcnow()
    session.add(record)
    audit.record_event(
        session,
        events.ConsentAccepted(actor=who.ref, object_id=str(consultation.id), notice_hash=digest),
    )
    session.commit()


def _redact(text: str):
    from ..redaction import redact  # loads the spaCy model on first use

    return redact(text)


def check_can_participate(
    session: Session, consultation: Consultation, who: Participant, now: datetime
) -> None:
    problem = participation_problem(
        state_of(consultation), who.college_id, invited_college_ids(session, consultation.id), now
    )
    if problem:
        raise ServiceError(problem.message, **problem.params)


def _check_text_and_stance(consultation: Consultation, text: str, stance: str | None) -> None:
    for problem in (text_problem(text), stance_problem(stance, consultation.stance_scale)):
        if problem:
            raise ServiceError(problem.message, **problem.params)


def submit(
    session: Session,
    consultation_id: int,
    member: Member,
    *,
    key: str,
    text: str,
    stance: str | None = None,
    submission_key: str | None = None,
    retention_months: int = 36,
    now: datetime | None = None,
) -> Contribution:
    """Write a contribution. Submitting the same form twice gives back the first one."""
    return retry_on_conflict(session, lambda: _submit(
        session, consultation_id, member, key, text, stance, submission_key, retention_months,
        now or utcnow()))


def _submit(session, consultation_id, member, key, text, stance, submission_key,
            retention_months, now) -> Contribution:
    consultation = require_visible(session, member, consultation_id)
    who = participant(consultation, member, key)
    if submission_key:
        existing = session.exec(
            select(Contribution).where(Contribution.submission_key == submission_key)
        ).first()
        if existing is not None:
            if existing.participant_ref == who.ref:
                return existing
            raise ServiceError(FORM_REUSED)
    check_can_participate(session, consultation, who, now)
    if not has_consented(session, consultation, who, retention_months):
        raise ServiceError(N_("Acceptez d'abord la notice sur vos données."))
    text = tidy(text)
    stance = stance or None
    _check_text_and_stance(consultation, text, stance)
    redaction = _redact(text)
    contribution = Contribution(
        consultation_id=consultation.id,
        participant_ref=who.ref,
        author_id=None if consultation.anonymity == "anonymous" else member.id,
        college_id=who.college_id,
        text=text,
        redacted_text=redaction.text,
        stance=stance,
        submission_key=submission_key or None,
        created_at=now,
        updated_at=now,
    )
    session.add(contribution)
    session.flush()
    session.add(_version(contribution, now))
    audit.record_event(
        session,
        events.ContributionSubmitted(
            actor=who.ref,
            object_id=str(contribution.id),
            consultation_id=consultation.id,
            stance=stance,
            redactions=len(redaction.spans),
        ),
    )
    session.commit()
    return contribution


def _version(contribution: Contribution, now: datetime) -> ContributionVersion:
    return ContributionVersion(
        contribution_id=contribution.id,
        number=contribution.version,
        text=contribution.text,
        redacted_text=contribution.redacted_text,
        stance=contribution.stance,
        withdrawn=contribution.withdrawn,
        created_at=now,
    )


def get_contribution(session: Session, contribution_id: int) -> Contribution:
    contribution = session.get(Contribution, contribution_id)
    if contribution is None:
        raise NotFound(N_("Cette contribution n'existe pas."))
    return contribution


def own_contribution(
    session: Session, contribution_id: int, member: Member, key: str
) -> tuple[Consultation, Contribution, Participant]:
    contribution = get_contribution(session, contribution_id)
    consultation = require_visible(session, member, contribution.consultation_id)
    who = participant(consultation, member, key)
    if contribution.participant_ref != who.ref:
        raise PermissionDenied(N_("Seul l'auteur peut modifier ou retirer sa contribution."))
    return consultation, contribution, who


def edit(
    session: Session,
    contribution_id: int,
    member: Member,
    *,
    key: str,
    text: str,
    stance: str | None = None,
    now: datetime | None = None,
) -> Contribution:
    """Change one's contribution until closing; the previous version is kept."""
    now = now or utcnow()
    consultation, contribution, who = own_contribution(session, contribution_id, member, key)
    check_can_participate(session, consultation, who, now)
    if contribution.withdrawn:
        raise ServiceError(N_("Cette contribution a été retirée."))
    text, stance = tidy(text), stance or None
    _check_text_and_stance(consultation, text, stance)
    if text == contribution.text and stance == contribution.stance:
        return contribution
    redaction = _redact(text)
    contribution.text, contribution.redacted_text = text, redaction.text
    contribution.stance = stance
    contribution.version += 1
    contribution.updated_at = now
    session.add(contribution)
    session.add(_version(contribution, now))
    audit.record_event(
        session,
        events.ContributionEdited(
            actor=who.ref,
            object_id=str(contribution.id),
            version=contribution.version,
            stance=stance,
        ),
    )
    session.commit()
    return contribution


def withdraw(
    session: Session, contribution_id: int, member: Member, *, key: str, now: datetime | None = None
) -> Contribution:
    """Withdraw one's contribution until closing; its versions are kept."""
    now = now or utcnow()
    consultation, contribution, who = own_contribution(session, contribution_id, member, key)
    check_can_participate(session, consultation, who, now)
    if contribution.withdrawn:
        return contribution
    contribution.withdrawn = True
    contribution.version += 1
    contribution.updated_at = now
    session.add(contribution)
    session.add(_version(contribution, now))
    audit.record_event(
        session,
        events.ContributionWithdrawn(
            actor=who.ref, object_id=str(contribution.id), version=contribution.version
        ),
    )
    session.commit()
    return contribution


def mine(session: Session, consultation: Consultation, who: Participant) -> list[Contribution]:
    return list(
        session.exec(
            select(Contribution)
            .where(
                Contribution.consultation_id == consultation.id,
                Contribution.participant_ref == who.ref,
            )
            .order_by(Contribution.created_at)
        )
    )


def versions(session: Session, contribution_id: int) -> list[ContributionVersion]:
    return list(
        session.exec(
            select(ContributionVersion)
            .where(ContributionVersion.contribution_id == contribution_id)
            .order_by(ContributionVersion.number)
        )
    )


def visible_text(contribution: Contribution, viewer: Member, viewer_ref: str) -> str:
    """The author and facilitators read the original; everyone else the redacted text."""
    if contribution.participant_ref == viewer_ref or holds(viewer, FACILITATION):
        return contribution.text
    return contribution.redacted_text


def page_of_contributions(
    session: Session, consultation: Consultation, *, page: int = 1, per_page: int = 30
) -> tuple[list[Contribution], int]:
    """One page of the contributions that count (not withdrawn), oldest first, and the total."""
    from sqlmodel import func

    where = (Contribution.consultation_id == consultation.id, ~Contribution.withdrawn)
    total = session.exec(select(func.count()).select_from(Contribution).where(*where)).one()
    rows = session.exec(
        select(Contribution)
        .where(*where)
        .order_by(Contribution.created_at, Contribution.id)
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total


def public_author(contribution: Contribution, anonymity: str, names: dict[int, str]) -> str | None:
    """How other members see the author: a name, a pseudonym, or None (anonymous/imported)."""
    from ..pseudonyms import pseudonym

    if anonymity == "anonymous" or not contribution.participant_ref.startswith("m"):
        return None
    if anonymity == "named" and contribution.author_id in names:
        return names[contribution.author_id]
    return pseudonym(contribution.participant_ref)
