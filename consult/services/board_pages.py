"""What the board's and the members' vote pages show, as plain dataclasses: the list of
motions, a motion with its rules, its participation and, once closed, its result per college
(the table and the geometry of its bar chart), a member's ballot, proxies given and held."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, func, select

from ..access import BOARD, holds
from ..models import Ballot, BallotParticipation, Member, Motion, Proxy, utcnow
from ..rules import N_, Problem
from . import PermissionDenied, require_role
from .ballots import has_voted, proxies_held, standing_proxy
from .board import eligible, get_motion, in_body, weights_of

BAR_WIDTH = 300  # px: a college's share of pour at 100 %
NOT_FOR_YOU = N_("Ce vote est celui d'une instance dont vous n'êtes pas membre.")


@dataclass(frozen=True)
class CollegeRow:
    name: str
    eligible: int
    voted: int
    pour: int
    contre: int
    abstention: int
    by_proxy: int
    share: float | None  # 0–1
    weight: float | None  # percent, as snapshot at the opening
    effective_weight: float | None  # percent counted in the weighted share
    quorum_met: bool
    bar: float  # px
    share_exact: str | None = None  # "p/q", the exact share the verdict compared


def college_rows(document: dict) -> tuple[CollegeRow, ...]:
    """The colleges of a stored tally (Tally.to_json) that had members, for the motion's page
    and its minutes."""
    return tuple(CollegeRow(
        name=c["college"], eligible=c["eligible"], voted=c["voted"], pour=c["pour"],
        contre=c["contre"], abstention=c["abstention"], by_proxy=c["by_proxy"],
        share=c["share"], weight=c["weight"], effective_weight=c["effective_weight"],
        quorum_met=c["quorum_met"], bar=round((c["share"] or 0) * BAR_WIDTH, 1),
        share_exact=c.get("share_exact"))
        for c in document["colleges"] if c["eligible"] > 0)


@dataclass(frozen=True)
class Result:
    """A closed motion's result, read from the stored tally."""

    outcome: str
    weighted: bool
    rows: tuple[CollegeRow, ...]
    eligible: int
    voted: int
    pour: int
    contre: int
    abstention: int
    by_proxy: int
    share: float | None
    quorum_met: bool
    college_quorum_met: bool
    reasons: tuple[Problem, ...]
    objections: tuple[dict, ...]
    not_applied: Problem | None  # why the outcome could not change its subject
    bar_max: int = BAR_WIDTH
    chart_height: int = 0


def result_of(motion: Motion) -> Result | None:
    document = json.loads(motion.result or "{}")
    if not document.get("outcome"):
        return None
    rows = college_rows(document)
    applied = document.get("applied")
    return Result(
        outcome=document["outcome"], weighted=motion.method == "college_weighted", rows=rows,
        eligible=document["eligible"], voted=document["voted"], pour=document["pour"],
        contre=document["contre"], abstention=document["abstention"],
        by_proxy=document["by_proxy"], share=document["share"],
        quorum_met=document["quorum_met"], college_quorum_met=document["college_quorum_met"],
        reasons=tuple(Problem(r["message"], r["params"]) for r in document["reasons"]),
        objections=tuple(document.get("objections", ())),
        not_applied=Problem(applied["message"], applied["params"]) if applied else None,
        chart_height=30 * len(rows) + 30)


def participants(session: Session, motion: Motion) -> int:
    """How many members have voted so far (the latest ballots; who, never what)."""
    if motion.secret:
        query = select(func.count()).select_from(BallotParticipation).where(
            BallotParticipation.motion_id == motion.id)
    else:
        query = select(func.count()).select_from(Ballot).where(Ballot.motion_id == motion.id,
                                                               Ballot.latest)
    return session.exec(query).one()


@dataclass(frozen=True)
class MotionLine:
    motion: Motion
    voted: int
    eligible: int
    my_vote: bool | None = None  # the members' list: has this member voted


@dataclass(frozen=True)
class BoardList:
    motions: list[MotionLine]
    now: datetime


def board_list(session: Session, actor: Member) -> BoardList:
    require_role(actor, BOARD)
    motions = session.exec(select(Motion).order_by(Motion.status != "open",
                                                   Motion.closes_at.desc()))
    return BoardList([_line(session, m) for m in motions], utcnow())


def _line(session, motion, member: Member | None = None) -> MotionLine:
    count = sum(len(ms) for ms in eligible(session, motion).values())
    mine = has_voted(session, motion, member.id) if member is not None else None
    return MotionLine(motion, participants(session, motion), count, mine)


@dataclass(frozen=True)
class EligibleCollege:
    name: str
    members: int
    weight: float | None


@dataclass(frozen=True)
class MotionPage:
    """A motion as the board sees it (``board`` true) or a member of its body."""

    motion: Motion
    colleges: list[EligibleCollege]
    eligible: int
    voted: int
    result: Result | None
    now: datetime
    can_close: bool
    can_cancel: bool
    in_body: bool
    my_vote: str | None = None  # open ballot: the member's latest choice
    my_reason: str = ""
    voted_myself: bool = False
    proxy_given_to: str | None = None  # name of the holder of the member's standing proxy
    proxy_used: bool = False
    held: list[HeldProxy] = field(default_factory=list)
    holders: list[tuple[int, str]] = field(default_factory=list)  # proxy candidates
    max_proxies: int = 0
    voting_open: bool = False


@dataclass(frozen=True)
class HeldProxy:
    giver_id: int
    giver_name: str
    voted: bool
    choice: str | None  # open ballot only


def motion_page(session: Session, actor: Member, motion_id: int, settings: dict, *,
                board: bool = False) -> MotionPage:
    """The board's page (``board``) or a member's; members outside the body see it only once
    closed (results are the cooperative's)."""
    motion = get_motion(session, motion_id)
    member_of_body = in_body(motion, actor)
    if board:
        require_role(actor, BOARD)
    elif not member_of_body and motion.status != "closed" and not holds(actor, BOARD):
        raise PermissionDenied(NOT_FOR_YOU)
    weights = weights_of(motion)
    body = eligible(session, motion)
    colleges = [EligibleCollege(name, len(ms), weights.get(name)) for name, ms in body.items()]
    now = utcnow()
    voted = participants(session, motion)
    page = dict(motion=motion, colleges=colleges, eligible=sum(len(ms) for ms in body.values()),
                voted=voted, result=result_of(motion), now=now,
                can_close=motion.status == "open" and now >= motion.closes_at,
                can_cancel=motion.status == "open" and voted == 0, in_body=member_of_body,
                voting_open=motion.status == "open" and motion.opens_at <= now < motion.closes_at)
    if not member_of_body or board:
        return MotionPage(**page)
    return MotionPage(**page, **_member_part(session, actor, motion, body, settings))



def _member_part(session, actor, motion, body, settings) -> dict:
    part: dict = {"voted_myself": has_voted(session, motion, actor.id)}
    if not motion.secret:
        mine = session.exec(select(Ballot).where(Ballot.motion_id == motion.id,
                                                 Ballot.voter_id == actor.id,
                                                 Ballot.latest)).first()
        if mine is not None:
            part.update(my_vote=mine.choice, my_reason=mine.reason)
    given = standing_proxy(session, motion.id, actor.id)
    if given is not None:
        part["proxy_given_to"] = session.get(Member, given.holder_id).display_name
        part["proxy_used"] = part["voted_myself"]
    held = []
    for proxy in proxies_held(session, motion.id, actor.id):
        giver = session.get(Member, proxy.giver_id)
        choice = None
        if not motion.secret:
            ballot = session.exec(select(Ballot).where(Ballot.motion_id == motion.id,
                                                       Ballot.voter_id == giver.id,
                                                       Ballot.latest)).first()
            choice = ballot.choice if ballot else None
        held.append(HeldProxy(giver.id, giver.display_name,
                              has_voted(session, motion, giver.id), choice))
    part["held"] = held
    if motion.body == "assembly" and actor.college_id is not None:
        cap = int(settings.get("PALABRE_MAX_PROXIES", 2))
        counts = dict(session.exec(select(Proxy.holder_id, func.count()).where(
            Proxy.motion_id == motion.id, Proxy.revoked_at.is_(None))
            .group_by(Proxy.holder_id)).all())
        part["max_proxies"] = cap
        part["holders"] = [(m.id, m.display_name) for ms in body.values() for m in ms
                           if m.college_id == actor.college_id and m.id != actor.id
                           and counts.get(m.id, 0) < cap]
    return part


@dataclass(frozen=True)
class MemberVotes:
    """The motions of the bodies a member belongs to: open ones first, then the closed."""

    open: list[MotionLine]
    closed: list[MotionLine]
    held: dict[int, int]  # motion id → proxies held
    now: datetime


def member_votes(session: Session, actor: Member) -> MemberVotes:
    motions = [m for m in session.exec(select(Motion).where(Motion.status != "cancelled")
                                       .order_by(Motion.closes_at.desc()))
               if in_body(m, actor)]
    held = dict(session.exec(select(Proxy.motion_id, func.count()).where(
        Proxy.holder_id == actor.id, Proxy.revoked_at.is_(None))
        .group_by(Proxy.motion_id)).all())
    return MemberVotes([_line(session, m, actor) for m in motions if m.status == "open"],
                       [_line(session, m, actor) for m in motions if m.status == "closed"],
                       held, utcnow())
