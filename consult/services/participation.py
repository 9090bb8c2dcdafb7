"""Who took part in a consultation, college by college, and how far its contributions' mix is
from the membership's: the facilitator's dashboard while it is open, and the synthesis's
"participation and representativeness" once it is closed.

A participant is a person who contributed or voted (distinct ``participant_ref``). Withdrawn
contributions do not count, nor the votes on them; hidden ones do (their author took part). A
vote counts once: the latest of a person on a contribution. A college's members are its active
members.

The colleges compared are those invited to the consultation (all of them when it invited none),
and any other college that took part all the same; a "sans collège" row (``WITHOUT_COLLEGE``)
holds what carries no college (imports, mostly), with no member. The membership share of a
college is its share of the members of those colleges: a college that was not asked is not
"under-represented".

The gap is the total variation distance between the two mixes: ½ Σ |contribution share −
membership share| over the rows, from 0 (the contributions come from the colleges in the
proportions of their members) to 1 (they come from none of them). It reads as points: a gap of
0.12 means 12 % of the contributions would have to come from other colleges for the mixes to be
the same.

A college is under-represented when its share of the contributions is below its share of the
membership by at least ``GAP_POINTS`` (5 points) and by at least half of its membership share:
a college of 30 % of the members with 12 % of the contributions is; one of 30 % with 20 % is
not (a third below, within what a few contributions change); one of 4 % with 1 % is not
either (3 points: too few members for a point to say much).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlmodel import Session, func, select

from ..access import FACILITATION
from ..charts import BarItem, Bars, Timeline, bars, timeline
from ..models import College, Consultation, Contribution, Member, Vote, utcnow
from ..rules import phase
from . import require_role
from .consultations import get_consultation, invited_college_ids, state_of

GAP_POINTS = 0.05
WITHOUT_COLLEGE = "—"
_EPSILON = 1e-9  # 0.30 − 0.25 is 0.04999… in floating point: still 5 points


@dataclass(frozen=True)
class CollegeParticipation:
    college: str  # its name, or WITHOUT_COLLEGE
    college_id: int | None
    invited: bool
    members: int  # active members
    participants: int
    rate: float | None  # participants / members; None without members
    contributions: int
    votes: int
    contribution_share: float  # of the consultation's contributions, 0..1
    membership_share: float  # of the members of the colleges compared, 0..1
    under_represented: bool


@dataclass(frozen=True)
class CollegeDay:
    college: str
    contributions: int
    votes: int


@dataclass(frozen=True)
class Day:
    day: date  # in the cooperative's time zone
    contributions: int
    votes: int
    colleges: tuple[CollegeDay, ...]  # in the order of Participation.colleges


@dataclass(frozen=True)
class Participation:
    colleges: tuple[CollegeParticipation, ...]
    members: int  # of the colleges compared
    participants: int
    contributions: int
    votes: int
    gap: float  # ½ Σ |contribution share − membership share|: 0 the same mix, 1 nothing shared
    under_represented: tuple[str, ...]  # the colleges' names
    days: tuple[Day, ...]  # every day from the first to the last (to today while open)
    is_open: bool  # still open: there is time to reach a college


def _local_day(moment: datetime, zone: tzinfo) -> date:
    if moment.tzinfo is None:  # SQLite gives some back without their zone: they are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


class _LocalDays:
    """``_local_day`` for many moments, worked out once per quarter of an hour: every time
    zone's offset is a whole number of quarters, so moments of one quarter share their day."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.known: dict[tuple, date] = {}

    def __call__(self, moment: datetime) -> date:
        quarter = (moment.year, moment.month, moment.day, moment.hour, moment.minute // 15,
                   moment.utcoffset())
        day = self.known.get(quarter)
        if day is None:
            day = self.known[quarter] = _local_day(moment, self.zone)
        return day


def participation_of(session: Session, consultation_id: int, *, zone: tzinfo = UTC,
                     now: datetime | None = None) -> Participation:
    """The participation figures of a consultation (no actor: the synthesis reads them too).
    Days are counted in ``zone``."""
    now = now or utcnow()
    consultation = get_consultation(session, consultation_id)
    names = {c.id: c.name for c in session.exec(select(College).order_by(College.id))}
    invited = invited_college_ids(session, consultation.id) or frozenset(names)
    members = Counter(dict(session.exec(
        select(Member.college_id, func.count(Member.id)).where(Member.active)
        .group_by(Member.college_id)).all()))
    mine = (Contribution.consultation_id == consultation.id, ~Contribution.withdrawn)
    queries = {
        "contributions": select(Contribution.college_id, Contribution.participant_ref,
                                Contribution.created_at).where(*mine),
        "votes": select(Vote.college_id, Vote.participant_ref, Vote.created_at).join(
            Contribution, Contribution.id == Vote.contribution_id).where(*mine, Vote.latest),
    }
    people: dict = defaultdict(set)
    counts = {"contributions": Counter(), "votes": Counter()}
    per_day: dict = defaultdict(Counter)  # day → {(kind, college id): n}
    day_of = _LocalDays(zone)
    for kind, query in queries.items():
        # Plain rows, not ORM results: tens of thousands of votes in a large consultation.
        for college_id, ref, created in session.connection().execute(query):
            college_id = college_id if college_id in names else None
            people[college_id].add(ref)
            counts[kind][college_id] += 1
            per_day[day_of(created)][kind, college_id] += 1
    total = sum(counts["contributions"].values())

    keys = [c for c in names if c in invited or c in people] + ([None] if None in people else [])
    total_members = sum(members.get(c, 0) for c in keys if c is not None)
    rows = []
    for college_id in keys:
        n_members = members.get(college_id, 0) if college_id is not None else 0
        contribution_share = counts["contributions"][college_id] / total if total else 0.0
        membership_share = n_members / total_members if total_members else 0.0
        shortfall = membership_share - contribution_share
        rows.append(CollegeParticipation(
            college=names.get(college_id, WITHOUT_COLLEGE), college_id=college_id,
            invited=college_id in invited, members=n_members,
            participants=len(people[college_id]),
            rate=len(people[college_id]) / n_members if n_members else None,
            contributions=counts["contributions"][college_id],
            votes=counts["votes"][college_id], contribution_share=contribution_share,
            membership_share=membership_share,
            under_represented=bool(total) and college_id in invited and n_members > 0
            and shortfall >= GAP_POINTS - _EPSILON
            and shortfall >= membership_share / 2 - _EPSILON))
    gap = sum(abs(r.contribution_share - r.membership_share) for r in rows) / 2 if total else 0.0
    is_open = phase(state_of(consultation), now) == "open"
    return Participation(
        colleges=tuple(rows), members=total_members,
        participants=len(set().union(*people.values())),
        contributions=total, votes=sum(counts["votes"].values()), gap=gap,
        under_represented=tuple(r.college for r in rows if r.under_represented),
        days=_days(per_day, keys, rows, consultation, is_open, now, zone), is_open=is_open)


def _days(per_day: dict, keys: list, rows: list, consultation: Consultation, is_open: bool,
          now: datetime, zone: tzinfo) -> tuple[Day, ...]:
    """Every day from the first with activity to the last; while open, from the opening (or
    the first activity, if earlier) to today."""
    active = sorted(per_day)
    if is_open:
        opened = consultation.opens_at or consultation.created_at
        first = min([_local_day(opened, zone), *active[:1]])
        last = max([_local_day(now, zone), *active[-1:]])
    elif active:
        first, last = active[0], active[-1]
    else:
        return ()
    out = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        counted = per_day.get(day, Counter())
        out.append(Day(day, sum(n for (kind, _c), n in counted.items()
                                if kind == "contributions"),
                       sum(n for (kind, _c), n in counted.items() if kind == "votes"),
                       tuple(CollegeDay(row.college, counted["contributions", key],
                                        counted["votes", key])
                             for key, row in zip(keys, rows, strict=True))))
    return tuple(out)


# --- The facilitator's dashboard ------------------------------------------------------------


@dataclass(frozen=True)
class ParticipationPage:
    consultation: Consultation
    participation: Participation
    days_left: int | None  # whole days until the closing, while open with a closing date
    rate_chart: Bars  # participation rate by college
    mix_chart: Bars  # share of the contributions by college, the share of members as a tick
    timeline_chart: Timeline  # contributions and votes per day
    college_timeline: Timeline  # contributions per college per day
    college_votes_timeline: Timeline  # votes per college per day


def participation_page(session: Session, actor: Member, consultation_id: int, *,
                       without_college: str = WITHOUT_COLLEGE, zone: tzinfo = UTC,
                       now: datetime | None = None) -> ParticipationPage:
    """The dashboard of a consultation (facilitation team). ``without_college`` names the
    "sans collège" row on the charts, in the reader's language."""
    require_role(actor, FACILITATION)
    now = now or utcnow()
    consultation = get_consultation(session, consultation_id)
    p = participation_of(session, consultation.id, zone=zone, now=now)

    def label(row: CollegeParticipation) -> str:
        return without_college if row.college_id is None else row.college

    charts = college_charts(p.colleges, without_college)
    days = [d.day for d in p.days]
    days_left = None
    if p.is_open and consultation.closes_at is not None:
        closes = consultation.closes_at if consultation.closes_at.tzinfo else \
            consultation.closes_at.replace(tzinfo=UTC)
        days_left = max((closes - now) // timedelta(days=1), 0)
    return ParticipationPage(
        consultation=consultation, participation=p, days_left=days_left,
        rate_chart=charts["rate"], mix_chart=charts["mix"],
        timeline_chart=timeline(days, [
            ("contributions", {d.day: d.contributions for d in p.days}),
            ("votes", {d.day: d.votes for d in p.days})]),
        college_timeline=timeline(days, [
            (label(r), {d.day: d.colleges[i].contributions for d in p.days})
            for i, r in enumerate(p.colleges)]),
        college_votes_timeline=timeline(days, [
            (label(r), {d.day: d.colleges[i].votes for d in p.days})
            for i, r in enumerate(p.colleges)]))


def college_charts(rows, without_college: str = WITHOUT_COLLEGE) -> dict[str, Bars]:
    """The two bar charts of participation by college: ``rate`` (the share of each college's
    members who took part) and ``mix`` (its share of the contributions, with its share of the
    members as a tick). ``rows`` are CollegeParticipation, or the same values as dicts (a
    published synthesis, frozen as JSON)."""
    def get(row, name):
        return row[name] if isinstance(row, dict) else getattr(row, name)

    def label(row) -> str:
        return without_college if get(row, "college_id") is None else get(row, "college")

    return {
        "rate": bars([BarItem(label(r), get(r, "rate")) for r in rows], maximum=1.0),
        "mix": bars([BarItem(label(r), get(r, "contribution_share"), get(r, "membership_share"))
                     for r in rows]),
    }
