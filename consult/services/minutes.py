"""The minutes (*procès-verbal*) of a closed motion, and the chair's signature.

The minutes are assembled from what the close froze: the motion's rules, its stored tally (the
figures per college, the weighted share, the outcome and its reasons), and the ballots, which no
longer change once the vote is closed: the proxies used and the reasons given with *contre*
votes. In an open ballot the minutes name the voters who gave a reason and the givers and
holders of the proxies used, since the vote was open to the body; in a secret ballot they give
counts per college and the reasons alone, sorted, with neither name nor college (a small
college would give its voter away).

Signing pins the content: the MinutesSigned event carries the SHA-256 of the minutes' canonical
JSON (every field but the signature), not the minutes themselves, so that the append-only log
holds no member's name nor words and an erased account stays erased. Anyone reading the
minutes later sees whether they still hash as signed; they may not when a member renamed or
erased their account, or the board rewrote its outcome statement after the signature.

Who reads them: the board and the administrators, as soon as the motion is closed; the members
of the motion's body once the chair has signed them (the general assembly's minutes for every
member who could vote, the board's for the board). Members outside the body do not: the
motion's result page is the cooperative's, its minutes, with names, are the body's.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, select, update

from ethics_register import Signer

from .. import audit
from .. import events_board as events
from ..access import BOARD, holds
from ..models import AuditEvent, Ballot, Member, Motion, SecretBallot, utcnow
from ..rules import N_, Problem
from . import PermissionDenied, ServiceError, audit_log, require_role, retry_on_conflict
from .board import NO_COLLEGE, college_names, get_motion, in_body, weights_of
from .board_pages import CollegeRow, college_rows

NOT_CLOSED = N_("Le procès-verbal d'une motion s'établit une fois le vote clos.")
NOT_SIGNED = N_("Le procès-verbal de cette motion n'est pas encore signé par la présidence.")
NOT_YOUR_BODY = N_("Le procès-verbal de cette motion est celui d'une instance dont vous n'êtes "
                   "pas membre.")
STATEMENT_FIRST = N_("Écrivez la décision du conseil avant de signer le procès-verbal.")
ALREADY_SIGNED = N_("Le procès-verbal est déjà signé par %(name)s le %(signed_at)s.")
SIGNED_MEANWHILE = N_("Le procès-verbal vient d'être signé, ou la décision réécrite : "
                      "relisez-le avant de signer.")


@dataclass(frozen=True)
class ProxyUse:
    """A vote cast with a proxy, in an open ballot: the giver's college and both names."""

    college: str
    giver: str | None  # None: the account was erased
    holder: str | None


@dataclass(frozen=True)
class Dissent:
    """A reason given with a *contre* vote. ``voter`` and ``college`` in an open ballot only."""

    reason: str
    voter: str | None = None
    college: str | None = None


@dataclass(frozen=True)
class Signature:
    """The chair's signature and whether the minutes still hash as they did when signed."""

    name: str
    signed_at: datetime
    content_sha256: str | None  # as the MinutesSigned event pinned it
    intact: bool


@dataclass(frozen=True)
class Minutes:
    """A closed motion's minutes, ready for the page and the PDF. Shares are 0–1, quorums 0–1
    of the body, weights percent; times are UTC."""

    motion_id: int
    title: str
    text: str
    subject: str
    subject_id: int | None
    body: str
    method: str
    majority: str
    secret: bool
    quorum: float
    college_quorum: float
    weights: dict[str, float]
    empty_college: str
    opens_at: datetime
    closes_at: datetime
    closed_at: datetime | None
    eligible: int
    voted: int
    pour: int
    contre: int
    abstention: int
    by_proxy: int
    turnout: float | None
    quorum_met: bool
    college_quorum_met: bool
    colleges: tuple[CollegeRow, ...]
    share: float | None
    share_exact: str | None
    outcome: str
    reasons: tuple[Problem, ...]
    proxies: tuple[ProxyUse, ...]  # open ballot only; a secret one has counts per college
    dissents: tuple[Dissent, ...]
    statement: str
    not_applied: Problem | None  # why the outcome could not change its subject
    content_sha256: str  # of everything above (see :func:`canonical_content`)
    signature: Signature | None = None

    @property
    def weighted(self) -> bool:
        return self.method == "college_weighted"

    @property
    def proxies_by_college(self) -> tuple[tuple[str, int], ...]:
        return tuple((c.name, c.by_proxy) for c in self.colleges if c.by_proxy)


UNHASHED = frozenset({"content_sha256", "signature"})


def canonical_content(minutes: Minutes) -> str:
    """The minutes' content as canonical JSON (sorted keys, no spaces, UTC ISO times), without
    the hash and the signature: what the chair's signature pins."""
    content = {f.name: _plain(getattr(minutes, f.name)) for f in fields(minutes)
               if f.name not in UNHASHED}
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(value, Problem):
        return {"message": value.message, "params": _plain(value.params)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return _plain(asdict(value))
    return value


def _utc(value: datetime | None) -> datetime | None:
    """SQLite gives back naive times (stored UTC), PostgreSQL aware ones: both as aware UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def content_hash(minutes: Minutes) -> str:
    return hashlib.sha256(canonical_content(minutes).encode()).hexdigest()


# --- Reading ----------------------------------------------------------------------------


def minutes(session: Session, actor: Member, motion_id: int) -> Minutes:
    """The minutes of a closed motion, for the board and administrators, and once signed for
    the members of its body (see the module's docstring)."""
    motion = get_motion(session, motion_id)
    if motion.status != "closed":
        raise ServiceError(NOT_CLOSED)
    if not holds(actor, BOARD):
        if not in_body(motion, actor):
            raise PermissionDenied(NOT_YOUR_BODY)
        if motion.minutes_signed_at is None:
            raise ServiceError(NOT_SIGNED)
    return _assemble(session, motion)


def _assemble(session: Session, motion: Motion) -> Minutes:
    document = json.loads(motion.result or "{}")
    names = college_names(session)
    if motion.secret:
        proxies: tuple[ProxyUse, ...] = ()
        dissents = _secret_dissents(session, motion)
    else:
        proxies, dissents = _open_ballots(session, motion, names)
    applied = document.get("applied")
    unsigned = Minutes(
        motion_id=motion.id, title=motion.title, text=motion.text, subject=motion.subject,
        subject_id=motion.subject_id, body=motion.body, method=motion.method,
        majority=motion.majority, secret=motion.secret, quorum=motion.quorum,
        college_quorum=motion.college_quorum, weights=weights_of(motion),
        empty_college=motion.empty_college, opens_at=_utc(motion.opens_at),
        closes_at=_utc(motion.closes_at), closed_at=_utc(motion.closed_at),
        eligible=document["eligible"], voted=document["voted"], pour=document["pour"],
        contre=document["contre"], abstention=document["abstention"],
        by_proxy=document["by_proxy"], turnout=document.get("turnout"),
        quorum_met=document["quorum_met"], college_quorum_met=document["college_quorum_met"],
        colleges=college_rows(document),
        share=document["share"], share_exact=document.get("share_exact"),
        outcome=document["outcome"],
        reasons=tuple(Problem(r["message"], r["params"]) for r in document["reasons"]),
        proxies=proxies, dissents=dissents, statement=motion.outcome_statement,
        not_applied=Problem(applied["message"], applied["params"]) if applied else None,
        content_sha256="")
    digest = content_hash(unsigned)
    signature = None
    if motion.minutes_signed_at is not None:
        pinned = signed_hash(session, motion.id)
        signature = Signature(motion.minutes_signed_by or "", _utc(motion.minutes_signed_at),
                              pinned, pinned == digest)
    return replace(unsigned, content_sha256=digest, signature=signature)


def _open_ballots(session: Session, motion: Motion, names: dict[int | None, str]
                  ) -> tuple[tuple[ProxyUse, ...], tuple[Dissent, ...]]:
    """The latest open ballots' proxies and reasons. Every latest ballot of the motion: each
    was cast by a member of the body while the vote was open, and none changes after the
    close, so the minutes read the same whenever they are printed."""
    rows = list(session.exec(select(Ballot).where(Ballot.motion_id == motion.id,
                                                  Ballot.latest)))
    people = {m.id: m.display_name for m in session.exec(select(Member).where(
        Member.id.in_(({r.voter_id for r in rows} | {r.cast_by_id for r in rows}) - {None})))}
    proxies = sorted((ProxyUse(names.get(r.college_id, NO_COLLEGE), people.get(r.voter_id),
                               people.get(r.cast_by_id))
                      for r in rows if r.by_proxy), key=_sort_key)
    dissents = sorted((Dissent(r.reason, people.get(r.voter_id),
                               names.get(r.college_id, NO_COLLEGE))
                       for r in rows if r.choice == "contre" and r.reason.strip()),
                      key=_sort_key)
    return tuple(proxies), tuple(dissents)


def _secret_dissents(session: Session, motion: Motion) -> tuple[Dissent, ...]:
    """The reasons of a secret ballot's latest *contre* votes, sorted by their text: nothing
    else of the ballot, so that neither the order nor a college points at a voter."""
    reasons = session.exec(select(SecretBallot.reason).where(
        SecretBallot.motion_id == motion.id, SecretBallot.latest,
        SecretBallot.choice == "contre"))
    return tuple(Dissent(reason) for reason in sorted(r for r in reasons if r.strip()))


def _sort_key(item: ProxyUse | Dissent) -> tuple:
    return tuple("" if v is None else v.casefold() for v in asdict(item).values())


def signed_hash(session: Session, motion_id: int) -> str | None:
    """The content hash the MinutesSigned event of the motion pinned, read from the log."""
    event = session.exec(select(AuditEvent).where(
        AuditEvent.object_type == "motion", AuditEvent.object_id == str(motion_id),
        AuditEvent.event_type == "MinutesSigned").order_by(AuditEvent.leaf_index)).first()
    return json.loads(event.canonical)["data"]["content_sha256"] if event else None


# --- Signing ----------------------------------------------------------------------------


def sign_minutes(session: Session, actor: Member, motion_id: int, signer: Signer, *,
                 now: datetime | None = None) -> Minutes:
    """The chair (a board member or administrator) signs the minutes of a closed motion whose
    outcome statement is written: their name and the time on the motion, MinutesSigned with
    the content's SHA-256, a checkpoint. Once only, even when two signatures race."""
    require_role(actor, BOARD)
    return retry_on_conflict(session, lambda: _sign(session, actor, motion_id, signer,
                                                    now or utcnow()))


def _sign(session: Session, actor: Member, motion_id: int, signer: Signer,
          now: datetime) -> Minutes:
    motion = get_motion(session, motion_id)
    session.refresh(motion)  # a retry reads what the other signature wrote
    if motion.status != "closed":
        raise ServiceError(NOT_CLOSED)
    if motion.minutes_signed_at is not None:
        raise ServiceError(ALREADY_SIGNED, name=motion.minutes_signed_by,
                           signed_at=_utc(motion.minutes_signed_at))
    if not motion.outcome_statement.strip():
        raise ServiceError(STATEMENT_FIRST)
    content = _assemble(session, motion)
    # The row is taken only if nobody signed it, nor rewrote the statement, since it was read:
    # the hash is of what is signed.
    taken = session.execute(update(Motion).where(
        Motion.id == motion.id, Motion.status == "closed", Motion.minutes_signed_at.is_(None),
        Motion.outcome_statement == motion.outcome_statement,
    ).values(minutes_signed_by=actor.display_name, minutes_signed_at=now))
    if taken.rowcount != 1:
        session.rollback()
        raise ServiceError(SIGNED_MEANWHILE)
    audit.record_event(session, events.MinutesSigned(
        actor=actor.ref, object_id=str(motion.id), content_sha256=content.content_sha256,
        outcome=content.outcome))
    audit_log.checkpoint(session, signer, "board")
    session.commit()
    session.refresh(motion)
    return _assemble(session, motion)
