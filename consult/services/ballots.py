"""Ballots, proxies and receipts.

Votes are history: a changed vote is a new row and the earlier one is kept (``latest`` false);
the database holds one latest ballot per voter and motion, and when two requests race the loser
retries on what the winner wrote (:func:`consult.services.retry_on_conflict`).

An open ballot is a :class:`Ballot` row and a BallotCast event. A secret ballot is two rows that
nothing links: a :class:`BallotParticipation` (who took part) and a :class:`SecretBallot` (what,
with the voter's HMAC key and the commitment SHA-256(choice ‖ nonce)); the nonce is shown to
the voter once, as their receipt, and never stored.

Proxies (*pouvoirs*), for assembly motions only: to a member of the same college, at most
PALABRE_MAX_PROXIES held per member and motion, revocable (by the giver or the holder) until a
vote is cast for the giver. A member who gave a proxy and then votes themselves takes their
voice back: the proxy is revoked in the same transaction (ProxyRevoked, reason "own_vote").
Once the holder has voted for them, the proxy is used: it can no longer be revoked, and the
giver cannot vote themselves (the holder may still change that vote until the close).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session, func, select

from ethics_register import Signer

from .. import audit
from .. import events_board as events
from ..models import (
    AuditEvent,
    Ballot,
    BallotParticipation,
    Member,
    Motion,
    Proxy,
    SecretBallot,
    utcnow,
)
from ..rules import N_
from ..tally import CHOICES
from . import NotFound, PermissionDenied, ServiceError, audit_log, retry_on_conflict
from .board import get_motion, in_body, voter_key

NOT_OPEN = N_("Ce vote n'est pas ouvert.")
NOT_YET = N_("Le vote ouvre le %(opens_at)s.")
OVER = N_("Le vote est clos depuis le %(closes_at)s.")
NOT_IN_BODY = N_("Vous ne faites pas partie de l'instance qui vote cette motion.")
GIVER_NOT_IN_BODY = N_("Ce membre ne fait pas partie de l'instance qui vote cette motion.")
NO_PROXY = N_("Vous n'avez pas de pouvoir de ce membre pour cette motion.")
UNKNOWN_CHOICE = N_("Choisissez pour, contre ou abstention.")
REASON_LONG = N_("Le motif dépasse %(max)s caractères.")
PROXY_USED = N_("Votre pouvoir a déjà servi : %(holder)s a voté pour vous. Le vote reste le "
                "sien jusqu'à la clôture.")
ASSEMBLY_ONLY = N_("Les pouvoirs ne valent que pour les motions de l'assemblée générale.")
NO_MEMBER = N_("Ce membre n'existe pas.")
NOT_YOURSELF = N_("On ne se donne pas un pouvoir à soi-même.")
OTHER_COLLEGE = N_("Un pouvoir se donne à un membre de son collège.")
HOLDER_FULL = N_("%(holder)s détient déjà %(max)s pouvoirs pour cette motion, le maximum.")
ALREADY_GIVEN = N_("Vous avez déjà donné votre pouvoir à %(holder)s : retirez-le d'abord.")
VOTED_ALREADY = N_("Vous avez déjà voté : vous ne pouvez plus donner votre pouvoir.")
NO_STANDING = N_("Aucun pouvoir en cours pour ce membre sur cette motion.")
NOT_YOUR_PROXY = N_("Seuls le membre qui a donné ce pouvoir et celui qui le détient peuvent "
                    "le retirer.")
PROXY_VOTED = N_("Un vote a déjà été exprimé avec ce pouvoir : il ne peut plus être retiré.")
NO_BALLOT = N_("Vous n'avez pas voté sur cette motion.")
REASON_MAX = 2000
NONCE_BYTES = 16  # 128 bits: a commitment cannot be opened by trying nonces


def commitment_of(choice: str, nonce: str) -> str:
    """SHA-256(choice ‖ nonce), hex: what a secret ballot stores and its receipt opens."""
    return hashlib.sha256((choice + nonce).encode()).hexdigest()


def opened_choice(commitments: list[str] | tuple[str, ...], nonce: str) -> str | None:
    """The choice whose commitment with ``nonce`` is among ``commitments``, or None: the check a
    voter makes with their receipt (pure)."""
    nonce = nonce.strip()
    counted = set(commitments)
    for choice in CHOICES:
        if commitment_of(choice, nonce) in counted:
            return choice
    return None


@dataclass(frozen=True)
class CastVote:
    """What the voter is told after voting. ``nonce`` and ``commitment`` for a secret ballot
    only: the nonce is shown once, never stored."""

    motion_id: int
    voter_ref: str
    voter_name: str
    choice: str
    by_proxy: bool
    secret: bool
    changed: bool
    nonce: str | None = None
    commitment: str | None = None


def _window(motion: Motion, now: datetime) -> None:
    if motion.status != "open":
        raise ServiceError(NOT_OPEN)
    if now < motion.opens_at:
        raise ServiceError(NOT_YET, opens_at=motion.opens_at)
    if now >= motion.closes_at:
        raise ServiceError(OVER, closes_at=motion.closes_at)


def _locked_members(session: Session, *member_ids: int) -> dict[int, Member]:
    """The members' rows, locked in id order on PostgreSQL (SQLite takes its write lock at the
    first write): a proxy's cap and "not voted yet" are read under the lock."""
    rows = session.exec(select(Member).where(Member.id.in_(sorted(set(member_ids))))
                        .order_by(Member.id).with_for_update())
    return {m.id: m for m in rows}


def standing_proxy(session: Session, motion_id: int, giver_id: int) -> Proxy | None:
    return session.exec(select(Proxy).where(Proxy.motion_id == motion_id,
                                            Proxy.giver_id == giver_id,
                                            Proxy.revoked_at.is_(None))).first()


def has_voted(session: Session, motion: Motion, member_id: int) -> bool:
    if motion.secret:
        query = select(BallotParticipation.id).where(BallotParticipation.motion_id == motion.id,
                                                     BallotParticipation.member_id == member_id)
    else:
        query = select(Ballot.id).where(Ballot.motion_id == motion.id,
                                        Ballot.voter_id == member_id)
    return session.exec(query).first() is not None


def cast(session: Session, actor: Member, motion_id: int, choice: str, reason: str,
         settings: dict, *, for_member_id: int | None = None,
         now: datetime | None = None) -> CastVote:
    """Vote pour, contre or abstention on an open motion, with an optional reason; for
    ``for_member_id`` with their standing proxy. A second vote changes the first (both kept)."""
    return retry_on_conflict(session, lambda: _cast(
        session, actor, motion_id, choice, reason, settings, for_member_id, now or utcnow()))


def _cast(session, actor, motion_id, choice, reason, settings, for_member_id, now) -> CastVote:
    motion = get_motion(session, motion_id)
    _window(motion, now)
    if choice not in CHOICES:
        raise ServiceError(UNKNOWN_CHOICE)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ServiceError(REASON_LONG, max=REASON_MAX)
    if not in_body(motion, actor):
        raise ServiceError(NOT_IN_BODY)
    voter_id = actor.id if for_member_id is None else for_member_id
    members = _locked_members(session, actor.id, voter_id)
    voter = members.get(voter_id)
    if voter is None:
        raise NotFound(NO_MEMBER)
    proxy = standing_proxy(session, motion.id, voter.id)
    by_proxy = voter.id != actor.id
    if by_proxy:
        if proxy is None or proxy.holder_id != actor.id:
            raise ServiceError(NO_PROXY)
        if not in_body(motion, voter):
            raise ServiceError(GIVER_NOT_IN_BODY)
    elif proxy is not None:
        holder = session.get(Member, proxy.holder_id)
        if has_voted(session, motion, voter.id):
            raise ServiceError(PROXY_USED, holder=holder.display_name)
        _revoke(session, actor, motion, proxy, voter, holder, "own_vote", now)
    if motion.secret:
        return _cast_secret(session, actor, motion, voter, choice, reason, by_proxy, settings)
    return _cast_open(session, actor, motion, voter, choice, reason, by_proxy, now)


def _cast_open(session, actor, motion, voter, choice, reason, by_proxy, now) -> CastVote:
    previous = session.exec(select(Ballot).where(Ballot.motion_id == motion.id,
                                                 Ballot.voter_id == voter.id,
                                                 Ballot.latest)).first()
    result = CastVote(motion.id, voter.ref, voter.display_name, choice, by_proxy, False,
                      previous is not None)
    if previous is not None:
        if (previous.choice, previous.reason, previous.cast_by_id) == (choice, reason, actor.id):
            return result  # the same vote twice (a double click) changes nothing
        previous.latest = False
        session.add(previous)
        session.flush()  # the old ballot stops being latest before the new one is
    ballot = Ballot(motion_id=motion.id, voter_id=voter.id, voter_ref=voter.ref,
                    college_id=voter.college_id, cast_by_id=actor.id, by_proxy=by_proxy,
                    choice=choice, reason=reason, latest=True, created_at=now)
    session.add(ballot)
    session.flush()
    audit.record_event(session, events.BallotCast(
        actor=actor.ref, object_id=str(ballot.id), motion_id=motion.id, voter=voter.ref,
        choice=choice, by_proxy=by_proxy, reason_given=bool(reason),
        changed=previous is not None))
    session.commit()
    return result


def _cast_secret(session, actor, motion, voter, choice, reason, by_proxy, settings
                 ) -> CastVote:
    participation = session.exec(select(BallotParticipation).where(
        BallotParticipation.motion_id == motion.id,
        BallotParticipation.member_id == voter.id)).first()
    again = participation is not None
    if participation is None:  # a racing first vote: the unique constraint refuses one
        session.add(BallotParticipation(motion_id=motion.id, member_id=voter.id,
                                        member_ref=voter.ref, cast_by_id=actor.id,
                                        by_proxy=by_proxy))
    key = voter_key(settings, motion.id, voter.id)
    previous = session.exec(select(SecretBallot).where(SecretBallot.motion_id == motion.id,
                                                       SecretBallot.voter_key == key,
                                                       SecretBallot.latest)).first()
    if previous is not None:
        previous.latest = False
        session.add(previous)
    session.flush()
    nonce = secrets.token_hex(NONCE_BYTES)
    commitment = commitment_of(choice, nonce)
    ballot = SecretBallot(motion_id=motion.id, voter_key=key, college_id=voter.college_id,
                          by_proxy=by_proxy, choice=choice, reason=reason,
                          commitment=commitment, latest=True)
    session.add(ballot)
    session.flush()
    _scatter(session, ballot)
    audit.record_event(session, events.SecretBallotCast(
        actor=actor.ref, object_id=str(motion.id), voter=voter.ref, by_proxy=by_proxy,
        again=again))
    session.commit()
    return CastVote(motion.id, voter.ref, voter.display_name, choice, by_proxy, True, again,
                    nonce, commitment)


def _scatter(session: Session, ballot: SecretBallot) -> None:
    """SQLite gives every row a hidden sequential ``rowid`` that would order the what-half as
    the who-half's ids are ordered: a random one takes its place (the row is stored by it)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE secret_ballot SET rowid = :place WHERE id = :id"),
                        {"place": secrets.randbits(62) + 1, "id": ballot.id})


def reshuffle(session: Session, motion: Motion) -> None:
    """At the close of a secret ballot, in its transaction: rewrite the what-half in random
    order. While the vote is open, PostgreSQL's system columns (``xmin``, the transaction that
    wrote a row, and ``ctid``, its place) still pair each ballot with its participation row,
    written in the same transaction; rewritten together, every ballot carries the closing
    transaction's id and a place drawn at random, so the live rows no longer say who voted
    what. (The old row versions stay in the table's pages until autovacuum reclaims them.)"""
    rows = list(session.exec(select(SecretBallot).where(SecretBallot.motion_id == motion.id)))
    copies = [SecretBallot(motion_id=r.motion_id, voter_key=r.voter_key,
                           college_id=r.college_id, by_proxy=r.by_proxy, choice=r.choice,
                           reason=r.reason, commitment=r.commitment, latest=r.latest)
              for r in rows]
    for row in rows:
        session.delete(row)
    session.flush()
    secrets.SystemRandom().shuffle(copies)
    for copy in copies:
        session.add(copy)
        session.flush()
        _scatter(session, copy)


# --- Proxies ----------------------------------------------------------------------------


def _open_for_proxies(motion: Motion, now: datetime) -> None:
    if motion.status != "open":
        raise ServiceError(NOT_OPEN)
    if now >= motion.closes_at:
        raise ServiceError(OVER, closes_at=motion.closes_at)
    if motion.body != "assembly":
        raise ServiceError(ASSEMBLY_ONLY)


def give_proxy(session: Session, actor: Member, motion_id: int, holder_id: int,
               settings: dict, *, now: datetime | None = None) -> Proxy:
    """Give one's proxy for an assembly motion to a member of one's college (see the module's
    docstring for the rules)."""
    return retry_on_conflict(session, lambda: _give(session, actor, motion_id, holder_id,
                                                    settings, now or utcnow()))


def _give(session, actor, motion_id, holder_id, settings, now) -> Proxy:
    motion = get_motion(session, motion_id)
    _open_for_proxies(motion, now)
    if not in_body(motion, actor):
        raise ServiceError(NOT_IN_BODY)
    if holder_id == actor.id:
        raise ServiceError(NOT_YOURSELF)
    members = _locked_members(session, actor.id, holder_id)
    holder = members.get(holder_id)
    if holder is None or not in_body(motion, holder):
        raise ServiceError(GIVER_NOT_IN_BODY if holder else NO_MEMBER)
    if actor.college_id is None or holder.college_id != actor.college_id:
        raise ServiceError(OTHER_COLLEGE)
    if has_voted(session, motion, actor.id):
        raise ServiceError(VOTED_ALREADY)
    given = standing_proxy(session, motion.id, actor.id)
    if given is not None:
        raise ServiceError(ALREADY_GIVEN,
                           holder=session.get(Member, given.holder_id).display_name)
    cap = int(settings.get("PALABRE_MAX_PROXIES", 2))
    held = session.exec(select(func.count()).select_from(Proxy).where(
        Proxy.motion_id == motion.id, Proxy.holder_id == holder.id,
        Proxy.revoked_at.is_(None))).one()
    if held >= cap:
        raise ServiceError(HOLDER_FULL, holder=holder.display_name, max=cap)
    proxy = Proxy(motion_id=motion.id, giver_id=actor.id, holder_id=holder.id, created_at=now)
    session.add(proxy)
    session.flush()
    audit.record_event(session, events.ProxyGiven(
        actor=actor.ref, object_id=str(proxy.id), motion_id=motion.id, giver=actor.ref,
        holder=holder.ref))
    from .notifications import proxy_received

    proxy_received(session, proxy, settings)
    session.commit()
    return proxy


def revoke_proxy(session: Session, actor: Member, motion_id: int, *,
                 giver_id: int | None = None, now: datetime | None = None) -> Proxy:
    """End the standing proxy of ``giver_id`` (the actor by default) before a vote is cast with
    it: its giver or its holder may."""
    return retry_on_conflict(session, lambda: _revoke_standing(
        session, actor, motion_id, giver_id or actor.id, now or utcnow()))


def _revoke_standing(session, actor, motion_id, giver_id, now) -> Proxy:
    motion = get_motion(session, motion_id)
    _open_for_proxies(motion, now)
    members = _locked_members(session, giver_id)
    proxy = standing_proxy(session, motion.id, giver_id)
    if proxy is None or giver_id not in members:
        raise ServiceError(NO_STANDING)
    if actor.id not in (proxy.giver_id, proxy.holder_id):
        raise PermissionDenied(NOT_YOUR_PROXY)
    if has_voted(session, motion, giver_id):
        raise ServiceError(PROXY_VOTED)
    holder = session.get(Member, proxy.holder_id)
    _revoke(session, actor, motion, proxy, members[giver_id], holder, "revoked", now)
    session.commit()
    return proxy


def _revoke(session, actor, motion, proxy, giver, holder, reason, now) -> None:
    proxy.revoked_at = now
    session.add(proxy)
    session.flush()
    audit.record_event(session, events.ProxyRevoked(
        actor=actor.ref, object_id=str(proxy.id), motion_id=motion.id, giver=giver.ref,
        holder=holder.ref, reason=reason))


def proxies_held(session: Session, motion_id: int, holder_id: int) -> list[Proxy]:
    return list(session.exec(select(Proxy).where(
        Proxy.motion_id == motion_id, Proxy.holder_id == holder_id,
        Proxy.revoked_at.is_(None)).order_by(Proxy.id)))


# --- Receipts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Receipt:
    """What lets a voter check their vote was counted. Open ballot: their latest BallotCast
    event (``ballot_index``) and its proof. Secret ballot: the commitment of their latest
    ballot (their nonce opens it) and, once closed, the MotionClosed event (``closed_index``),
    its proof, and whether the commitment is among those counted."""

    motion_id: int
    secret: bool
    closed: bool
    choice: str | None  # open ballot only
    by_proxy: bool
    ballot_index: int | None
    commitment: str | None
    closed_index: int | None
    counted: bool | None
    proof: dict | None


def closing_event(session: Session, motion_id: int) -> AuditEvent | None:
    return session.exec(select(AuditEvent).where(
        AuditEvent.object_type == "motion", AuditEvent.object_id == str(motion_id),
        AuditEvent.event_type == "MotionClosed").order_by(AuditEvent.leaf_index.desc())).first()


def counted_commitments(session: Session, motion_id: int) -> tuple[int | None, list[str]]:
    """The closing event's index and the commitments it lists (read from the log itself)."""
    event = closing_event(session, motion_id)
    if event is None:
        return None, []
    return event.leaf_index, json.loads(event.canonical)["data"]["commitments"]


def receipt(session: Session, actor: Member, motion_id: int, signer: Signer,
            settings: dict) -> Receipt:
    """The actor's receipt for their own vote (cast by them or by their proxy holder)."""
    motion = get_motion(session, motion_id)
    closed = motion.status == "closed"
    if not motion.secret:
        ballot = session.exec(select(Ballot).where(Ballot.motion_id == motion.id,
                                                   Ballot.voter_id == actor.id,
                                                   Ballot.latest)).first()
        if ballot is None:
            raise NotFound(NO_BALLOT)
        event = session.exec(select(AuditEvent).where(
            AuditEvent.object_type == "ballot", AuditEvent.object_id == str(ballot.id),
            AuditEvent.event_type == "BallotCast")).one()
        proof = audit_log.proof_file(session, signer, event.leaf_index)
        return Receipt(motion.id, False, closed, ballot.choice, ballot.by_proxy,
                       event.leaf_index, None, None, None, proof)
    ballot = session.exec(select(SecretBallot).where(
        SecretBallot.motion_id == motion.id, SecretBallot.latest,
        SecretBallot.voter_key == voter_key(settings, motion.id, actor.id))).first()
    if ballot is None:
        raise NotFound(NO_BALLOT)
    index, commitments = counted_commitments(session, motion.id)
    proof = audit_log.proof_file(session, signer, index) if index is not None else None
    return Receipt(motion.id, True, closed, None, ballot.by_proxy, None, ballot.commitment,
                   index, ballot.commitment in commitments if index is not None else None,
                   proof)


@dataclass(frozen=True)
class NonceCheck:
    """The check of a secret ballot's nonce against the counted commitments."""

    motion_id: int
    closed_index: int | None  # None: not closed yet, nothing counted
    choice: str | None  # the choice counted with this nonce, None if none


def check_nonce(session: Session, motion_id: int, nonce: str) -> NonceCheck:
    motion = get_motion(session, motion_id)
    index, commitments = counted_commitments(session, motion.id)
    return NonceCheck(motion.id, index, opened_choice(commitments, nonce) if index is not None
                      else None)
