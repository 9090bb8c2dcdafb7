"""AI-project proposals: submitted by any member, commented and supported by others."""

from dataclasses import dataclass, fields

from sqlmodel import Session, func, select

from .. import audit, events
from ..models import College, Member, Proposal, ProposalComment, ProposalSupport
from ..rules import FORM_REUSED, N_, TEXT_MAX_LENGTH, tidy
from . import NotFound, ServiceError, retry_on_conflict

TEXT_FIELDS = (
    "need",
    "benefits",
    "affected",
    "data_used",
    "risks",
    "environmental_cost",
    "alternatives",
)


@dataclass(frozen=True)
class ProposalInput:
    title: str
    need: str
    benefits: str
    affected: str
    data_used: str
    risks: str
    environmental_cost: str
    alternatives: str
    personal_data: bool = False
    sensitive_data: bool = False


def _require_member(member: Member | None) -> Member:
    if member is None or not member.active:
        raise ServiceError(N_("Connectez-vous pour participer."))
    return member


def submit(
    session: Session, member: Member, data: ProposalInput, submission_key: str | None = None
) -> Proposal:
    """Any member submits a proposal; it starts its path as `submitted`. Submitting the same
    form twice, even at once, gives back the first one."""
    return retry_on_conflict(session, lambda: _submit(session, member, data, submission_key))


def _submit(session: Session, member: Member, data: ProposalInput,
            submission_key: str | None) -> Proposal:
    _require_member(member)
    if submission_key:
        existing = session.exec(
            select(Proposal).where(Proposal.submission_key == submission_key)
        ).first()
        if existing is not None:
            if existing.author_id == member.id:
                return existing
            raise ServiceError(FORM_REUSED)
    values = {f.name: getattr(data, f.name) for f in fields(data)}
    for name in ("title", *TEXT_FIELDS):
        values[name] = tidy(values[name])
        if not values[name]:
            raise ServiceError(
                N_(
                    "Tous les champs de la proposition sont à remplir : "
                    "écrivez « aucun » ou « je ne sais pas » si besoin."
                )
            )
        if len(values[name]) > TEXT_MAX_LENGTH:
            raise ServiceError(N_("Un champ dépasse %(max)s caractères."), max=TEXT_MAX_LENGTH)
    if len(values["title"]) > 200:
        raise ServiceError(N_("Le titre ne peut dépasser %(max)s caractères."), max=200)
    if data.sensitive_data and not data.personal_data:
        values["personal_data"] = True  # sensitive data are personal data
    proposal = Proposal(
        **values,
        author_id=member.id,
        college_id=member.college_id,
        submission_key=submission_key or None,
    )
    session.add(proposal)
    session.flush()
    audit.record_event(
        session,
        events.ProposalSubmitted(
            actor=member.ref,
            object_id=str(proposal.id),
            personal_data=proposal.personal_data,
            sensitive_data=proposal.sensitive_data,
        ),
    )
    session.commit()
    return proposal


def get(session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(N_("Cette proposition n'existe pas."))
    return proposal


def comment(
    session: Session, member: Member, proposal_id: int, text: str, submission_key: str | None = None
) -> ProposalComment:
    """A member's comment on a proposal; the same form sent twice gives back the first one."""
    return retry_on_conflict(
        session, lambda: _comment(session, member, proposal_id, text, submission_key)
    )


def _comment(session: Session, member: Member, proposal_id: int, text: str,
             submission_key: str | None) -> ProposalComment:
    _require_member(member)
    proposal = get(session, proposal_id)
    if submission_key:
        existing = session.exec(
            select(ProposalComment).where(ProposalComment.submission_key == submission_key)
        ).first()
        if existing is not None:
            if existing.author_id == member.id:
                return existing
            raise ServiceError(FORM_REUSED)
    text = tidy(text)
    if not text:
        raise ServiceError(N_("Votre commentaire est vide."))
    if len(text) > TEXT_MAX_LENGTH:
        raise ServiceError(N_("Un champ dépasse %(max)s caractères."), max=TEXT_MAX_LENGTH)
    row = ProposalComment(
        proposal_id=proposal.id,
        author_id=member.id,
        college_id=member.college_id,
        text=text,
        submission_key=submission_key or None,
    )
    session.add(row)
    session.flush()
    audit.record_event(
        session,
        events.ProposalCommented(actor=member.ref, object_id=str(proposal.id), comment_id=row.id),
    )
    session.commit()
    return row


def set_support(session: Session, member: Member, proposal_id: int, supported: bool) -> None:
    """Support a proposal, or withdraw one's support (one support per member)."""
    _require_member(member)
    proposal = get(session, proposal_id)
    if proposal.author_id == member.id and supported:
        raise ServiceError(N_("Vous êtes l'auteur de cette proposition."))
    existing = session.get(ProposalSupport, (proposal.id, member.id))
    if (existing is not None) == supported:
        return
    if supported:
        session.add(ProposalSupport(proposal_id=proposal.id, member_id=member.id))
    else:
        session.delete(existing)
    audit.record_event(
        session,
        events.ProposalSupported(actor=member.ref, object_id=str(proposal.id), supported=supported),
    )
    session.commit()


def list_all(session: Session) -> list[Proposal]:
    return list(session.exec(select(Proposal).order_by(Proposal.created_at.desc())))


def support_counts(session: Session) -> dict[int, int]:
    rows = session.exec(
        select(ProposalSupport.proposal_id, func.count()).group_by(ProposalSupport.proposal_id)
    )
    return {proposal_id: count for proposal_id, count in rows}


def comments(session: Session, proposal_id: int) -> list[ProposalComment]:
    return list(
        session.exec(
            select(ProposalComment)
            .where(ProposalComment.proposal_id == proposal_id)
            .order_by(ProposalComment.id)
        )
    )


def supports(session: Session, proposal_id: int, member_id: int) -> bool:
    return session.get(ProposalSupport, (proposal_id, member_id)) is not None


# --- Pages --------------------------------------------------------------------------------


def _names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {m.id: m.display_name for m in session.exec(select(Member).where(Member.id.in_(ids)))}


@dataclass(frozen=True)
class ProposalList:
    """Every proposal, newest first, with its support count and its author's name (absent once
    the author's account is erased)."""

    proposals: list[Proposal]
    supports: dict[int, int]
    authors: dict[int, str]


def proposal_list(session: Session) -> ProposalList:
    proposals = list_all(session)
    return ProposalList(
        proposals=proposals,
        supports=support_counts(session),
        authors=_names(session, [p.author_id for p in proposals]),
    )


@dataclass(frozen=True)
class ProposalPage:
    """One proposal with its comments, as a member reads it."""

    proposal: Proposal
    comments: list[ProposalComment]
    authors: dict[int, str]
    colleges: dict[int, str]
    supported: bool  # by the reader
    support_count: int


def proposal_page(session: Session, member: Member, proposal_id: int) -> ProposalPage:
    proposal = get(session, proposal_id)
    thread = comments(session, proposal.id)
    return ProposalPage(
        proposal=proposal,
        comments=thread,
        authors=_names(session, [proposal.author_id] + [c.author_id for c in thread]),
        colleges={c.id: c.name for c in session.exec(select(College))},
        supported=supports(session, proposal.id, member.id),
        support_count=support_counts(session).get(proposal.id, 0),
    )
