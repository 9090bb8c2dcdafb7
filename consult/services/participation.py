"""Who took part in a consultation, college by college, and how far its contributions' mix is
from the membership's: the facilitator's dashboard while it is open, and the synthesis's
"participation and representativeness" once it is closed.

A participant is a person who contributed or voted (distinct ``participant_ref``). Withdrawn
contributions do not count; hidden ones do (their author took part). A vote counts once: the
latest of a person on a contribution. The colleges' members are the active members.

A college is under-represented when its share of the contributions is below its share of the
membership by at least ``GAP_POINTS`` points and by at least half of its membership share: a
college of 30 % of the members with 12 % of the contributions is; one of 4 % with 2 % is not (too
few members for one point to say much).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, func, select

from ..access import FACILITATION
from ..models import College, Consultation, Contribution, Member, Vote
from . import require_role
from .consultations import get_consultation

GAP_POINTS = 0.05
WITHOUT_COLLEGE = "—"


@dataclass(frozen=True)
class CollegeParticipation:
    college: str  # its name, or WITHOUT_COLLEGE
    members: int
    participants: int
    rate: float | None  # participants / members; None without members
    contributions: int
    votes: int
    contribution_share: float  # of the consultation's contributions
    membership_share: float  # of the cooperative's active members
    under_represented: bool


@dataclass(frozen=True)
class Day:
    day: date
    contributions: int
    votes: int


@dataclass(frozen=True)
class Participation:
    colleges: tuple[CollegeParticipation, ...]
    members: int
    participants: int
    contributions: int
    votes: int
    gap: float  # ½ Σ |contribution share − membership share|: 0 same mix, 1 nothing shared
    under_represented: tuple[str, ...]
    days: tuple[Day, ...]


def participation_of(session: Session, consultation_id: int) -> Participation:
    colleges = {c.id: c.name for c in session.exec(select(College).order_by(College.id))}
    members = Counter(dict(session.exec(
        select(Member.college_id, func.count(Member.id)).where(Member.active)
        .group_by(Member.college_id)).all()))
    contributions = session.exec(select(
        Contribution.college_id, Contribution.participant_ref, Contribution.created_at).where(
        Contribution.consultation_id == consultation_id, ~Contribution.withdrawn)).all()
    votes = session.exec(select(Vote.college_id, Vote.participant_ref, Vote.created_at).join(
        Contribution, Contribution.id == Vote.contribution_id).where(
        Contribution.consultation_id == consultation_id, Vote.latest)).all()

    people: dict = defaultdict(set)
    contributed, voted = Counter(), Counter()
    per_day: dict = defaultdict(lambda: [0, 0])
    for college_id, ref, created in contributions:
        people[college_id].add(ref)
        contributed[college_id] += 1
        per_day[created.date()][0] += 1
    for college_id, ref, created in votes:
        people[college_id].add(ref)
        voted[college_id] += 1
        per_day[created.date()][1] += 1

    total_members = sum(n for college_id, n in members.items() if college_id in colleges)
    total_contributions = len(contributions)
    rows = []
    keys = list(colleges) + ([None] if None in people else [])
    for college_id in keys:
        n_members = members.get(college_id, 0) if college_id is not None else 0
        contribution_share = contributed[college_id] / total_contributions \
            if total_contributions else 0.0
        membership_share = n_members / total_members if total_members else 0.0
        shortfall = membership_share - contribution_share
        rows.append(CollegeParticipation(
            college=colleges.get(college_id, WITHOUT_COLLEGE), members=n_members,
            participants=len(people[college_id]),
            rate=len(people[college_id]) / n_members if n_members else None,
            contributions=contributed[college_id], votes=voted[college_id],
            contribution_share=contribution_share, membership_share=membership_share,
            under_represented=bool(total_contributions) and college_id is not None
            and shortfall >= GAP_POINTS and shortfall >= membership_share / 2))
    gap = sum(abs(r.contribution_share - r.membership_share) for r in rows) / 2 \
        if total_contributions else 0.0
    days = ()
    if per_day:
        first, last = min(per_day), max(per_day)
        days = tuple(Day(date.fromordinal(d), *per_day.get(date.fromordinal(d), (0, 0)))
                     for d in range(first.toordinal(), last.toordinal() + 1))
    return Participation(
        colleges=tuple(rows), members=total_members,
        participants=len(set().union(*people.values())) if people else 0,
        contributions=total_contributions, votes=len(votes), gap=gap,
        under_represented=tuple(r.college for r in rows if r.under_represented), days=days)


@dataclass(frozen=True)
class ParticipationPage:
    consultation: Consultation
    participation: Participation


def participation_page(session: Session, actor: Member,
                       consultation_id: int) -> ParticipationPage:
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    return ParticipationPage(consultation, participation_of(session, consultation.id))
