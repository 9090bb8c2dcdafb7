"""Votes on contributions, as in Polis: every event kept, the latest one counts."""

from collections import Counter
from datetime import datetime

from sqlmodel import Session, func, select

from .. import audit, events
from ..models import Contribution, Member, Vote, utcnow
from ..rules import vote_problem
from . import ServiceError, retry_on_conflict
from .consultations import require_visible
from .contributions import check_can_participate, get_contribution, participant


def cast(
    session: Session,
    contribution_id: int,
    member: Member,
    *,
    key: str,
    value: int,
    now: datetime | None = None,
) -> Vote:
    """Agree (1), disagree (-1) or pass (0) on someone else's contribution.

    Every vote is kept; the latest counts. Requests that arrive together are taken one after the
    other: the database refuses a second latest vote, and the loser retries on the winner's.
    """
    return retry_on_conflict(
        session, lambda: _cast(session, contribution_id, member, key, value, now or utcnow())
    )


def _cast(session: Session, contribution_id: int, member: Member, key: str, value: int,
          now: datetime) -> Vote:
    contribution = get_contribution(session, contribution_id)
    consultation = require_visible(session, member, contribution.consultation_id)
    who = participant(consultation, member, key)
    check_can_participate(session, consultation, who, now)
    problem = vote_problem(
        own=contribution.participant_ref == who.ref,
        hidden=contribution.hidden,
        withdrawn=contribution.withdrawn,
        value=value,
    )
    if problem:
        raise ServiceError(problem.message, **problem.params)
    previous = session.exec(
        select(Vote).where(
            Vote.contribution_id == contribution.id, Vote.participant_ref == who.ref, Vote.latest
        )
    ).first()
    if previous is not None:
        if previous.value == value:
            return previous  # the same vote twice (a double click) changes nothing
        previous.latest = False
        session.add(previous)
        session.flush()  # the old vote stops being latest before the new one is
    vote = Vote(
        contribution_id=contribution.id,
        participant_ref=who.ref,
        college_id=who.college_id,
        value=value,
        latest=True,
        created_at=now,
    )
    session.add(vote)
    audit.record_event(
        session, events.VoteCast(actor=who.ref, object_id=str(contribution.id), value=value)
    )
    session.commit()
    return vote


def _unvoted(consultation_id: int, who_ref: str):
    """Conditions for the contributions this participant can still vote on."""
    voted = select(Vote.contribution_id).where(Vote.participant_ref == who_ref)
    return (
        Contribution.consultation_id == consultation_id,
        Contribution.participant_ref != who_ref,
        ~Contribution.hidden,
        ~Contribution.withdrawn,
        Contribution.id.not_in(voted),
    )


def next_card(
    session: Session,
    consultation_id: int,
    member: Member,
    *,
    key: str,
    skip: frozenset[int] = frozenset(),
) -> Contribution | None:
    """The next contribution this member has not voted on, fewest votes first (as Polis does)."""
    consultation = require_visible(session, member, consultation_id)
    who = participant(consultation, member, key)
    counts = (
        select(Vote.contribution_id, func.count().label("votes"))
        .where(Vote.latest)
        .group_by(Vote.contribution_id)
        .subquery()
    )
    query = (
        select(Contribution)
        .outerjoin(counts, counts.c.contribution_id == Contribution.id)
        .where(*_unvoted(consultation.id, who.ref))
        .order_by(func.coalesce(counts.c.votes, 0), Contribution.id)
        .limit(1)
    )
    if skip:
        query = query.where(Contribution.id.not_in(skip))
    return session.exec(query).first()


def remaining(session: Session, consultation_id: int, who_ref: str) -> int:
    """How many contributions this participant has not voted on yet."""
    query = select(func.count()).select_from(Contribution).where(
        *_unvoted(consultation_id, who_ref)
    )
    return session.exec(query).one()


def latest_tallies(session: Session, contribution_ids: list[int]) -> dict[int, Counter]:
    """Latest votes per contribution: {id: Counter({1: agrees, -1: disagrees, 0: passes})}."""
    tallies: dict[int, Counter] = {}
    if not contribution_ids:
        return tallies
    for contribution_id, value in session.exec(
        select(Vote.contribution_id, Vote.value).where(
            Vote.contribution_id.in_(contribution_ids), Vote.latest
        )
    ):
        tallies.setdefault(contribution_id, Counter())[value] += 1
    return tallies


def my_vote(session: Session, contribution_id: int, who_ref: str) -> int | None:
    vote = session.exec(
        select(Vote).where(
            Vote.contribution_id == contribution_id, Vote.participant_ref == who_ref, Vote.latest
        )
    ).first()
    return vote.value if vote else None


def history(session: Session, contribution_id: int, who_ref: str) -> list[Vote]:
    return list(
        session.exec(
            select(Vote)
            .where(Vote.contribution_id == contribution_id, Vote.participant_ref == who_ref)
            .order_by(Vote.id)
        )
    )
