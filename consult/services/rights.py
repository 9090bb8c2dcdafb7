"""Members' rights over their data: get all of it, or erase their account."""

from typing import Any

from sqlmodel import Session, select

from .. import audit, events
from ..models import (
    College,
    ConsentRecord,
    Consultation,
    Contribution,
    Member,
    MemberRole,
    MemberToken,
    Proposal,
    ProposalComment,
    ProposalSupport,
    Vote,
    new_ref,
    utcnow,
)
from ..pseudonyms import participant_ref
from ..rules import N_
from ..security import verify_password
from . import ServiceError
from .contributions import versions

ERASED_NAME = "Membre effacé"


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _refs(session: Session, member: Member, key: str) -> dict[int, str]:
    """The member's pseudonym in every consultation."""
    return {
        cid: participant_ref(key, cid, member.ref) for cid in session.exec(select(Consultation.id))
    }


def export_my_data(session: Session, member: Member, *, key: str) -> dict[str, Any]:
    """Everything Palabre holds about the member, as plain JSON-ready data."""
    college = session.get(College, member.college_id) if member.college_id else None
    refs = _refs(session, member, key)
    by_ref = {ref: cid for cid, ref in refs.items()}
    contributions, votes, consents = [], [], []
    if by_ref:
        for c in session.exec(
            select(Contribution)
            .where(Contribution.participant_ref.in_(by_ref))
            .order_by(Contribution.id)
        ):
            contributions.append(
                {
                    "id": c.id,
                    "consultation_id": c.consultation_id,
                    "text": c.text,
                    "stance": c.stance,
                    "withdrawn": c.withdrawn,
                    "hidden": c.hidden,
                    "created_at": _iso(c.created_at),
                    "updated_at": _iso(c.updated_at),
                    "versions": [
                        {
                            "number": v.number,
                            "text": v.text,
                            "stance": v.stance,
                            "withdrawn": v.withdrawn,
                            "created_at": _iso(v.created_at),
                        }
                        for v in versions(session, c.id)
                    ],
                }
            )
        for v in session.exec(
            select(Vote).where(Vote.participant_ref.in_(by_ref)).order_by(Vote.id)
        ):
            votes.append(
                {
                    "contribution_id": v.contribution_id,
                    "value": v.value,
                    "latest": v.latest,
                    "created_at": _iso(v.created_at),
                }
            )
        for r in session.exec(
            select(ConsentRecord).where(ConsentRecord.participant_ref.in_(by_ref))
        ):
            consents.append(
                {"consultation_id": r.consultation_id, "accepted_at": _iso(r.accepted_at)}
            )
    proposals = [
        {
            "id": p.id,
            "title": p.title,
            "need": p.need,
            "benefits": p.benefits,
            "affected": p.affected,
            "data_used": p.data_used,
            "personal_data": p.personal_data,
            "sensitive_data": p.sensitive_data,
            "risks": p.risks,
            "environmental_cost": p.environmental_cost,
            "alternatives": p.alternatives,
            "status": p.status,
            "created_at": _iso(p.created_at),
        }
        for p in session.exec(select(Proposal).where(Proposal.author_id == member.id))
    ]
    comments = [
        {"proposal_id": c.proposal_id, "text": c.text, "created_at": _iso(c.created_at)}
        for c in session.exec(select(ProposalComment).where(ProposalComment.author_id == member.id))
    ]
    supported = [
        s.proposal_id
        for s in session.exec(select(ProposalSupport).where(ProposalSupport.member_id == member.id))
    ]
    audit.record_event(session, events.MemberDataExported(actor=member.ref, object_id=member.ref))
    session.commit()
    return {
        "format": "palabre-member-data/1",
        "exported_at": _iso(utcnow()),
        "member": {
            "email": member.email,
            "display_name": member.display_name,
            "college": college.name if college else None,
            "roles": sorted(member.roles),
            "active": member.active,
            "created_at": _iso(member.created_at),
            "last_login_at": _iso(member.last_login_at),
        },
        "contributions": contributions,
        "votes": votes,
        "consents": consents,
        "proposals": proposals,
        "proposal_comments": comments,
        "proposals_supported": supported,
    }


def erase_account(
    session: Session, member: Member, *, key: str, password: str, delete_contributions: bool = False
) -> tuple[int, int]:
    """Erase the member's identity. Contributions stay, anonymised, unless they ask to delete
    them. Returns (deleted, anonymised) contribution counts.

    The member's pseudonymous ref is replaced too: audit events keep the old one, which
    then points to nobody, and the consultation pseudonyms derived from it cannot be
    recomputed.
    """
    if not verify_password(member.password_hash, password):
        raise ServiceError(N_("Mot de passe incorrect : votre compte n'a pas été effacé."))
    if "admin" in member.roles:
        others = session.exec(
            select(MemberRole).where(MemberRole.role == "admin", MemberRole.member_id != member.id)
        ).first()
        if others is None:
            raise ServiceError(
                N_(
                    "Vous êtes le seul administrateur : nommez-en un autre "
                    "avant d'effacer votre compte."
                )
            )
    old_ref = member.ref
    refs = list(_refs(session, member, key).values())
    deleted = anonymised = 0
    if refs:
        for contribution in session.exec(
            select(Contribution).where(Contribution.participant_ref.in_(refs))
        ):
            if delete_contributions:
                session.delete(contribution)
                deleted += 1
            else:
                contribution.author_id = None
                session.add(contribution)
                anonymised += 1
    for proposal in session.exec(select(Proposal).where(Proposal.author_id == member.id)):
        proposal.author_id = None
        session.add(proposal)
    for comment in session.exec(
        select(ProposalComment).where(ProposalComment.author_id == member.id)
    ):
        if delete_contributions:
            session.delete(comment)
        else:
            comment.author_id = None
            session.add(comment)
    for model, column in (
        (ProposalSupport, ProposalSupport.member_id),
        (MemberToken, MemberToken.member_id),
    ):
        for row in session.exec(select(model).where(column == member.id)):
            session.delete(row)
    member.role_links = []
    member.email = None
    member.display_name = ERASED_NAME
    member.password_hash = None
    member.active = False
    member.erased_at = member.updated_at = utcnow()
    member.ref = new_ref()
    session.add(member)
    audit.record_event(
        session,
        events.MemberErased(
            actor=old_ref,
            object_id=old_ref,
            contributions_deleted=deleted,
            contributions_anonymised=anonymised,
        ),
    )
    session.commit()
    return deleted, anonymised
