"""Members' rights over their data: get all of it, or erase their account."""

import json
import re
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, select

from nlp.redaction import PLACEHOLDERS

from .. import audit, events
from ..models import (
    AuditEvent,
    College,
    ConsentRecord,
    Consultation,
    Contribution,
    ContributionReport,
    Member,
    MemberRole,
    MemberToken,
    Notification,
    NotificationSetting,
    Proposal,
    ProposalComment,
    ProposalSupport,
    Vote,
    new_ref,
    utcnow,
)
from ..pseudonyms import participant_ref
from ..redaction import redact_many
from ..rules import N_
from ..security import verify_password
from . import ServiceError
from .contributions import versions
from .proposals import TEXT_FIELDS

ERASED_NAME = "Membre effacé"
PROPOSAL_TEXTS = ("title", *TEXT_FIELDS)


class _Forgetting:
    """What erasure leaves of a member's words: redacted (names, e-mails, phones, IBANs,
    addresses), and their own name and e-mail address replaced wherever the redactor missed
    them."""

    def __init__(self, member: Member):
        words = {member.display_name.strip()} | {
            part for part in re.split(r"[\s,;.'’-]+", member.display_name) if len(part) >= 3
        }
        words = sorted((w for w in words if w), key=len, reverse=True)
        self.name = re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b",
                               re.IGNORECASE) if words else None
        self.email = re.compile(re.escape(member.email), re.IGNORECASE) if member.email else None

    def many(self, texts: list[str]) -> list[str]:
        return [self._scrub(r.text) for r in redact_many(texts)]

    def __call__(self, text: str) -> str:
        return self.many([text])[0]

    def _scrub(self, text: str) -> str:
        if self.email is not None:
            text = self.email.sub(PLACEHOLDERS["email"], text)
        if self.name is not None:
            text = self.name.sub(PLACEHOLDERS["person"], text)
        return text


def _keep_redacted(session: Session, contribution: Contribution, forget: _Forgetting) -> None:
    """A contribution kept after its author's erasure: no link to them, and only its redacted
    text, in every version."""
    contribution.author_id = None
    contribution.text = contribution.redacted_text = forget(contribution.text)
    session.add(contribution)
    history = versions(session, contribution.id)
    for version, text in zip(history, forget.many([v.text for v in history]), strict=True):
        version.text = version.redacted_text = text
        session.add(version)


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
    reports = [
        {"contribution_id": r.contribution_id, "reason": r.reason,
         "created_at": _iso(r.created_at)}
        for r in session.exec(select(ContributionReport).where(
            ContributionReport.reporter_ref.in_(list(by_ref))).order_by(ContributionReport.id))
    ] if by_ref else []
    board = _board_data(session, member)
    history = _events_about(session, member, list(by_ref))
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
        "reports": reports,
        **board,
        "audit_events": history,
    }


def _forget_in_notifications(session: Session, member: Member) -> None:
    """The holders of the member's proxies were told their name: it goes with the account."""
    from ..models import Proxy

    holders = {p.holder_id for p in session.exec(select(Proxy).where(
        Proxy.giver_id == member.id))}
    if not holders:
        return
    for note in session.exec(select(Notification).where(
            Notification.member_id.in_(holders), Notification.kind == "proxy_received")):
        params = json.loads(note.params)
        if params.get("giver") == member.display_name:
            note.params = json.dumps({**params, "giver": ERASED_NAME}, ensure_ascii=False)
            session.add(note)


def _board_data(session: Session, member: Member) -> dict[str, list]:
    """The member's open ballots (a secret ballot's choice is linked to nobody: only that they
    took part), the proxies they gave or held, their notifications and e-mail settings."""
    from ..models import Ballot, BallotParticipation, Proxy

    return {
        "ballots": [{"motion_id": b.motion_id, "choice": b.choice, "reason": b.reason,
                     "by_proxy": b.by_proxy, "latest": b.latest, "created_at": _iso(b.created_at)}
                    for b in session.exec(select(Ballot).where(Ballot.voter_id == member.id)
                                          .order_by(Ballot.id))],
        "secret_ballots_taken_part": [
            p.motion_id for p in session.exec(select(BallotParticipation).where(
                BallotParticipation.member_id == member.id).order_by(BallotParticipation.id))],
        "proxies": [{"motion_id": p.motion_id, "given": p.giver_id == member.id,
                     "created_at": _iso(p.created_at), "revoked_at": _iso(p.revoked_at)}
                    for p in session.exec(select(Proxy).where(or_(
                        Proxy.giver_id == member.id, Proxy.holder_id == member.id)))],
        "notifications": [{"kind": n.kind, "params": json.loads(n.params), "url": n.url,
                           "created_at": _iso(n.created_at), "read_at": _iso(n.read_at)}
                          for n in session.exec(select(Notification).where(
                              Notification.member_id == member.id).order_by(Notification.id))],
        "notification_emails": {s.kind: s.email for s in session.exec(select(
            NotificationSetting).where(NotificationSetting.member_id == member.id))},
    }


def _events_about(session: Session, member: Member, refs: list[str]) -> list[dict]:
    """The audit log's entries the member did (under their ref or a consultation pseudonym) or
    that were done to their account, as recorded."""
    rows = session.exec(select(AuditEvent).where(or_(
        AuditEvent.actor_ref.in_([member.ref, *refs]), AuditEvent.object_id == member.ref,
    )).order_by(AuditEvent.id))
    return [json.loads(row.canonical) for row in rows]


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
    forget = _Forgetting(member)
    deleted = anonymised = 0
    if refs:
        for contribution in session.exec(
            select(Contribution).where(Contribution.participant_ref.in_(refs))
        ):
            if delete_contributions:
                session.delete(contribution)
                deleted += 1
            else:
                _keep_redacted(session, contribution, forget)
                anonymised += 1
    for proposal in session.exec(select(Proposal).where(Proposal.author_id == member.id)):
        proposal.author_id = None
        for name, text in zip(PROPOSAL_TEXTS, forget.many(
                [getattr(proposal, name) for name in PROPOSAL_TEXTS]), strict=True):
            setattr(proposal, name, text)
        session.add(proposal)
    for comment in session.exec(
        select(ProposalComment).where(ProposalComment.author_id == member.id)
    ):
        if delete_contributions:
            session.delete(comment)
        else:
            comment.author_id = None
            comment.text = forget(comment.text)
            session.add(comment)
    for model, column in (
        (ProposalSupport, ProposalSupport.member_id),
        (MemberToken, MemberToken.member_id),
        (Notification, Notification.member_id),
        (NotificationSetting, NotificationSetting.member_id),
    ):
        for row in session.exec(select(model).where(column == member.id)):
            session.delete(row)
    _forget_in_notifications(session, member)
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
