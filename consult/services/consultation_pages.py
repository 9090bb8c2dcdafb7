"""What the consultation pages show, assembled as plain values.

Members: the list of their consultations, one consultation with its contributions, the next card
to vote on. Facilitators: every consultation, and one consultation's dashboard. Views add their
forms and render; a report or a JSON API can read the same dataclasses.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, func, select

from ..access import FACILITATION
from ..models import College, Consultation, Contribution, Member, Synthesis, utcnow
from ..rules import TRANSITIONS, Problem, participation_problem, phase
from . import require_role
from .consultations import (
    contribution_counts,
    get_consultation,
    invited_college_ids,
    invited_colleges,
    list_all,
    list_for_member,
    require_visible,
    state_of,
)
from .contributions import (
    has_consented,
    mine,
    page_of_contributions,
    participant,
    public_author,
    visible_text,
)
from .cooperative import list_colleges
from .votes import latest_tallies, next_card, remaining

CONTRIBUTIONS_PER_PAGE = 30  # on a member's page
DASHBOARD_PER_PAGE = 100  # on the facilitation dashboard


def pages_for(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


# --- Members ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConsultationList:
    """The consultations a member can see, each with its phase and count of contributions."""

    consultations: list[Consultation]
    phases: dict[int, str]
    counts: dict[int, int]
    answered: frozenset[int] = frozenset()  # those the member contributed to
    published: frozenset[int] = frozenset()  # those whose synthesis is published


def member_consultations(
    session: Session, member: Member, *, key: str, now: datetime | None = None
) -> ConsultationList:
    now = now or utcnow()
    consultations = list_for_member(session, member, now)
    answered = frozenset(
        c.id for c in consultations if mine(session, c, participant(c, member, key))
    )
    return ConsultationList(
        consultations=consultations,
        phases={c.id: phase(state_of(c), now) for c in consultations},
        counts=contribution_counts(session, [c.id for c in consultations]),
        answered=answered,
        published=frozenset(session.exec(select(Synthesis.consultation_id).where(
            Synthesis.consultation_id.in_([c.id for c in consultations])).distinct()))
        if consultations else frozenset(),
    )


CLOSING_SOON = timedelta(days=7)


@dataclass(frozen=True)
class OpenConsultation:
    """A consultation the member can answer now, on their home page."""

    consultation: Consultation
    answered: bool
    cards_left: int  # contributions they have not voted on yet
    closing_soon: bool  # closes within a week


def open_for_member(
    session: Session, member: Member, *, key: str, now: datetime | None = None
) -> list[OpenConsultation]:
    """The open consultations the member's college is invited to, those closing first first."""
    now = now or utcnow()
    found = []
    for consultation in list_for_member(session, member, now):
        state = state_of(consultation)
        who = participant(consultation, member, key)
        invited = invited_college_ids(session, consultation.id)
        if participation_problem(state, who.college_id, invited, now) is not None:
            continue
        found.append(OpenConsultation(
            consultation=consultation,
            answered=bool(mine(session, consultation, who)),
            cards_left=remaining(session, consultation.id, who.ref),
            closing_soon=consultation.closes_at is not None
            and consultation.closes_at - now <= CLOSING_SOON,
        ))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    return sorted(found, key=lambda o: (o.consultation.closes_at or far, o.consultation.id))


@dataclass(frozen=True)
class ContributionItem:
    """Someone's contribution as a member may read it."""

    id: int
    hidden: bool
    text: str
    stance: str | None
    author: str | None  # a name, a pseudonym, or None (anonymous, imported)
    college: int | None
    mine: bool


@dataclass(frozen=True)
class ContributionsPage:
    items: list[ContributionItem]
    page: int
    pages: int
    total: int
    per_page: int = CONTRIBUTIONS_PER_PAGE


@dataclass(frozen=True)
class ConsultationPage:
    """One consultation as a member sees it: what they can do, theirs, and everyone's."""

    consultation: Consultation
    phase: str
    colleges: list[College]
    problem: Problem | None  # why the member cannot contribute or vote now
    consented: bool
    mine: list[Contribution]
    remaining: int  # contributions left to vote on
    retention_months: int
    others: ContributionsPage
    college_names: dict[int, str]
    synthesis_version: int | None = None  # the latest published synthesis, if any


def consultation_page(
    session: Session,
    member: Member,
    consultation_id: int,
    *,
    key: str,
    retention_months: int,
    page: int = 1,
    now: datetime | None = None,
) -> ConsultationPage:
    now = now or utcnow()
    consultation = require_visible(session, member, consultation_id)
    who = participant(consultation, member, key)
    state = state_of(consultation)
    problem = participation_problem(
        state, who.college_id, invited_college_ids(session, consultation.id), now
    )
    return ConsultationPage(
        consultation=consultation,
        phase=phase(state, now),
        colleges=invited_colleges(session, consultation.id),
        problem=problem,
        consented=has_consented(session, consultation, who, retention_months),
        mine=mine(session, consultation, who),
        remaining=remaining(session, consultation.id, who.ref) if not problem else 0,
        retention_months=retention_months,
        others=_contributions_page(session, consultation, member, who.ref, page),
        college_names={c.id: c.name for c in list_colleges(session)},
        synthesis_version=session.exec(select(func.max(Synthesis.version)).where(
            Synthesis.consultation_id == consultation.id)).one(),
    )


def _contributions_page(
    session: Session, consultation: Consultation, viewer: Member, viewer_ref: str, page: int
) -> ContributionsPage:
    rows, total = page_of_contributions(
        session, consultation, page=page, per_page=CONTRIBUTIONS_PER_PAGE
    )
    pages = pages_for(total, CONTRIBUTIONS_PER_PAGE)
    if page > pages:  # past the end (a stale link): the last page
        page = pages
        rows, total = page_of_contributions(
            session, consultation, page=page, per_page=CONTRIBUTIONS_PER_PAGE
        )
    names = {}
    author_ids = {r.author_id for r in rows if r.author_id}
    if consultation.anonymity == "named" and author_ids:
        names = {
            m.id: m.display_name
            for m in session.exec(select(Member).where(Member.id.in_(author_ids)))
        }
    items = [
        ContributionItem(
            id=r.id,
            hidden=r.hidden,
            text=visible_text(r, viewer, viewer_ref),
            stance=r.stance,
            author=public_author(r, consultation.anonymity, names),
            college=r.college_id,
            mine=r.participant_ref == viewer_ref,
        )
        for r in rows
    ]
    return ContributionsPage(items, page, pages, total)


@dataclass(frozen=True)
class VotingCard:
    """The next contribution a member has not voted on (None: they have seen them all)."""

    consultation: Consultation
    card: Contribution | None
    text: str
    remaining: int
    problem: Problem | None  # why the member cannot vote now


def voting_card(
    session: Session,
    member: Member,
    consultation_id: int,
    *,
    key: str,
    skip: frozenset[int] = frozenset(),
    now: datetime | None = None,
) -> VotingCard:
    consultation = require_visible(session, member, consultation_id)
    who = participant(consultation, member, key)
    card = next_card(session, consultation.id, member, key=key, skip=skip)
    problem = participation_problem(
        state_of(consultation),
        who.college_id,
        invited_college_ids(session, consultation.id),
        now or utcnow(),
    )
    return VotingCard(
        consultation=consultation,
        card=card,
        text=visible_text(card, member, who.ref) if card else "",
        remaining=remaining(session, consultation.id, who.ref),
        problem=problem,
    )


# --- Facilitators --------------------------------------------------------------------------


def facilitation_list(
    session: Session, actor: Member, now: datetime | None = None
) -> ConsultationList:
    """Every consultation, drafts included, for the facilitation team."""
    now = now or utcnow()
    consultations = list_all(session, actor)
    return ConsultationList(
        consultations=consultations,
        phases={c.id: phase(state_of(c), now) for c in consultations},
        counts=contribution_counts(session, [c.id for c in consultations]),
    )


@dataclass(frozen=True)
class Authorship:
    """Who wrote a contribution, as the facilitation team may know it.

    ``kind``: ``member`` (``value`` is their name), ``anonymous``, ``imported`` (``value`` is their
    number: the source's own for Polis and Decidim, else their order of arrival in the
    consultation) or ``participant`` (``value`` is their pseudonymous reference).
    """

    kind: str
    value: str = ""


@dataclass(frozen=True)
class ConsultationDashboard:
    """A consultation's dashboard: its lifecycle, and a page of its contributions."""

    consultation: Consultation
    phase: str
    transitions: tuple[str, ...]
    show: str  # "all", or "moderation": reported or hidden contributions only
    page: int
    pages: int
    total: int
    per_page: int
    contributions: list[Contribution]
    authors: dict[int, Authorship]
    colleges: dict[int, str]
    invited: list[College]
    tallies: dict[int, Counter]


def consultation_dashboard(
    session: Session,
    actor: Member,
    consultation_id: int,
    *,
    show: str = "all",
    page: int = 1,
    now: datetime | None = None,
) -> ConsultationDashboard:
    require_role(actor, FACILITATION)
    consultation = get_consultation(session, consultation_id)
    query = select(Contribution).where(Contribution.consultation_id == consultation.id)
    if show == "moderation":
        query = query.where((Contribution.report_count > 0) | Contribution.hidden)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    pages = pages_for(total, DASHBOARD_PER_PAGE)
    page = min(max(page, 1), pages)
    contributions = list(
        session.exec(
            query.order_by(Contribution.created_at, Contribution.id)
            .offset((page - 1) * DASHBOARD_PER_PAGE)
            .limit(DASHBOARD_PER_PAGE)
        )
    )
    current = phase(state_of(consultation), now or utcnow())
    return ConsultationDashboard(
        consultation=consultation,
        phase=current,
        transitions=TRANSITIONS.get("open" if current == "scheduled" else current, ()),
        show=show,
        page=page,
        pages=pages,
        total=total,
        per_page=DASHBOARD_PER_PAGE,
        contributions=contributions,
        authors=_authorships(session, consultation, contributions),
        colleges={c.id: c.name for c in list_colleges(session)},
        invited=invited_colleges(session, consultation.id),
        tallies=latest_tallies(session, [c.id for c in contributions]),
    )


def _authorships(
    session: Session, consultation: Consultation, contributions: list[Contribution]
) -> dict[int, Authorship]:
    author_ids = {c.author_id for c in contributions if c.author_id}
    names = {}
    if author_ids and consultation.anonymity != "anonymous":
        names = {
            m.id: m.display_name
            for m in session.exec(select(Member).where(Member.id.in_(author_ids)))
        }
    numbers = _import_numbers(session, consultation, contributions)
    authors = {}
    for c in contributions:
        if c.author_id in names:
            authors[c.id] = Authorship("member", names[c.author_id])
        elif consultation.anonymity == "anonymous":
            authors[c.id] = Authorship("anonymous")
        elif c.external_id is not None or not c.participant_ref.startswith("m"):
            authors[c.id] = Authorship("imported", str(numbers[c.participant_ref]))
        else:
            authors[c.id] = Authorship("participant", c.participant_ref)
    return authors


def _import_numbers(session: Session, consultation: Consultation,
                    contributions: list[Contribution]) -> dict[str, int]:
    """A readable number for each imported author (never a hash): "polis:12" is 12; a
    spreadsheet's authors are numbered in the order their first contribution arrived."""
    wanted = {c.participant_ref for c in contributions if not c.participant_ref.startswith("m")}
    if not wanted:
        return {}
    numbers = {}
    for ref in wanted:
        source, _, number = ref.partition(":")
        if number.isdigit() and source in ("polis", "decidim"):
            numbers[ref] = int(number)
    if len(numbers) < len(wanted):
        first = session.exec(
            select(Contribution.participant_ref, func.min(Contribution.id))
            .where(Contribution.consultation_id == consultation.id,
                   Contribution.participant_ref.like("i%"))
            .group_by(Contribution.participant_ref)
            .order_by(func.min(Contribution.id)))
        for position, (ref, _first_id) in enumerate(first, start=1):
            numbers.setdefault(ref, position)
    return {ref: numbers.get(ref, 0) for ref in wanted}
