"""Motions: the board puts a question to a body (the board, or the general assembly), with its
rules; the vote closes at its time and is counted by :mod:`consult.tally`; the board writes the
outcome. Each use case authorises (board or administrator), changes, records its audit event,
signs a checkpoint when the change matters (opened, closed), then commits.

Ballots and proxies are :mod:`consult.services.ballots`; what the pages show is
:mod:`consult.services.board_pages`.

Who is in the body is read when it is needed: the board is the active members holding the
"board" role, the assembly every active member. A college-weighted vote counts by college, so a
member with no college is not in its body; in a one-member-one-vote motion they vote in a
"no college" group. The tally counts the body and the colleges as they stand at the close: the
vote of someone who left the body before it is not counted.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, func, select, update

from ethics_register import Signer

from .. import audit, tally
from .. import events_board as events
from ..access import BOARD
from ..models import (
    Ballot,
    BallotParticipation,
    CharterVersion,
    College,
    Member,
    MemberRole,
    Motion,
    Proposal,
    RegisterEntry,
    SecretBallot,
    utcnow,
)
from ..rules import N_, Problem
from . import NotFound, ServiceError, actor_ref, audit_log, require_role

BODIES = ("board", "assembly")
SUBJECTS = ("free", "charter", "proposal", "register_entry")
NO_COLLEGE = "(sans collège)"  # the group of members without a college (one member one vote)
TITLE_MAX, TEXT_MAX, STATEMENT_MAX = 200, 20_000, 10_000

NO_MOTION = N_("Cette motion n'existe pas.")
NOT_OPEN = N_("Cette motion n'est plus ouverte.")
NOT_DUE = N_("Le vote reste ouvert jusqu'au %(closes_at)s : la motion ne peut pas être close "
             "avant.")
NOT_CLOSED = N_("La motion n'est pas encore close.")
ALREADY_VOTED = N_("Des membres ont déjà voté : la motion ne peut plus être annulée.")
STATEMENT_NEEDED = N_("Écrivez la décision.")
STATEMENT_LONG = N_("La décision dépasse %(max)s caractères.")
SUBJECT_MISSING = {
    "charter": N_("Cette version de la charte n'existe pas."),
    "proposal": N_("Ce projet d'IA n'existe pas."),
    "register_entry": N_("Cette entrée du registre n'existe pas."),
}
SUBJECT_TABLES = {"charter": CharterVersion, "proposal": Proposal,
                  "register_entry": RegisterEntry}


@dataclass(frozen=True)
class MotionInput:
    """What the board types to open a motion. ``quorum`` and ``college_quorum`` are shares
    (0–1) of the body's members; datetimes are timezone-aware."""

    title: str
    text: str
    body: str
    method: str
    majority: str
    opens_at: datetime
    closes_at: datetime
    quorum: float = 0.0
    college_quorum: float = 0.0
    secret: bool = False
    subject: str = "free"
    subject_id: int | None = None


class MotionInvalid(ServiceError):
    """A motion that cannot be opened: every problem, the first as the message."""

    def __init__(self, problems: list[Problem]) -> None:
        first = problems[0]
        super().__init__(first.message, **first.params)
        self.problems = problems


def get_motion(session: Session, motion_id: int) -> Motion:
    motion = session.get(Motion, motion_id)
    if motion is None:
        raise NotFound(NO_MOTION)
    return motion


def weights_of(motion: Motion) -> dict[str, float]:
    return json.loads(motion.weights or "{}")


def rules_of(motion: Motion) -> tally.Rules:
    return tally.Rules(method=motion.method, majority=motion.majority, quorum=motion.quorum,
                       college_quorum=motion.college_quorum, weights=weights_of(motion),
                       empty_college=motion.empty_college)


# --- The body ---------------------------------------------------------------------------


def college_names(session: Session) -> dict[int | None, str]:
    names: dict[int | None, str] = {c.id: c.name for c in session.exec(select(College))}
    names[None] = NO_COLLEGE
    return names


def body_members(session: Session, motion: Motion) -> list[Member]:
    """The members who may vote on the motion now (see the module's docstring)."""
    query = select(Member).where(Member.active).order_by(Member.id)
    if motion.body == "board":
        query = query.where(Member.id.in_(
            select(MemberRole.member_id).where(MemberRole.role == "board")))
    if motion.method == "college_weighted":
        query = query.where(Member.college_id.is_not(None))
    return list(session.exec(query))


def in_body(motion: Motion, member: Member | None) -> bool:
    if member is None or not member.active:
        return False
    if motion.body == "board" and "board" not in member.roles:
        return False
    return not (motion.method == "college_weighted" and member.college_id is None)


def eligible(session: Session, motion: Motion) -> dict[str, list[Member]]:
    """The members of the motion's body, by college name (every college of the cooperative,
    with no member for some; "(sans collège)" only when it has members)."""
    names = college_names(session)
    by_college: dict[str, list[Member]] = {name: [] for cid, name in names.items()
                                           if cid is not None}
    for member in body_members(session, motion):
        by_college.setdefault(names.get(member.college_id, NO_COLLEGE), []).append(member)
    return by_college


def voter_key(settings: dict, motion_id: int, member_id: int) -> str:
    """A secret ballot's link to its voter: HMAC-SHA-256 of the motion and the member under the
    installation's secret key, which the database alone cannot reverse."""
    key = settings["PALABRE_SECRET_KEY"].encode()
    return hmac.new(key, f"{motion_id}:{member_id}".encode(), hashlib.sha256).hexdigest()


# --- Opening ----------------------------------------------------------------------------


def _input_problems(session: Session, data: MotionInput, now: datetime) -> list[Problem]:
    problems = []
    if not data.title.strip():
        problems.append(Problem(N_("Donnez un titre à la motion.")))
    elif len(data.title.strip()) > TITLE_MAX:
        problems.append(Problem(N_("Le titre dépasse %(max)s caractères."), {"max": TITLE_MAX}))
    if not data.text.strip():
        problems.append(Problem(N_("Écrivez le texte de la motion.")))
    elif len(data.text) > TEXT_MAX:
        problems.append(Problem(N_("Le texte dépasse %(max)s caractères."), {"max": TEXT_MAX}))
    if data.body not in BODIES:
        problems.append(Problem(N_("Instance de vote inconnue : %(body)s."), {"body": data.body}))
    if data.opens_at is None or data.closes_at is None:
        problems.append(Problem(N_("Donnez l'ouverture et la clôture du vote.")))
    else:
        if data.opens_at >= data.closes_at:
            problems.append(Problem(N_("La clôture du vote doit suivre son ouverture.")))
        if data.closes_at <= now:
            problems.append(Problem(N_("La clôture du vote doit être dans le futur.")))
    if data.subject not in SUBJECTS:
        problems.append(Problem(N_("Objet de motion inconnu : %(subject)s."),
                                {"subject": data.subject}))
    elif data.subject != "free":
        table = SUBJECT_TABLES[data.subject]
        if data.subject_id is None or session.get(table, data.subject_id) is None:
            problems.append(Problem(SUBJECT_MISSING[data.subject]))
        elif data.subject == "charter":
            problems += _charter_problems(session, data.subject_id)
    return problems


def _charter_problems(session: Session, version_id: int) -> list[Problem]:
    """The charter's own rule (a draft amending the version in force), when its service says
    it; the charter module is another room's and may be absent."""
    try:
        from . import charter
    except ImportError:  # pragma: no cover - the charter room not built
        return []
    check = getattr(charter, "can_be_put_to_vote", None)
    if check is None:
        return []
    try:
        check(session, version_id)
    except ServiceError as error:
        return [error.problem]
    return []


def open_motion(session: Session, actor: Member, data: MotionInput, signer: Signer,
                settings: dict, *, now: datetime | None = None) -> Motion:
    """Open a motion with the colleges' weights as they stand (College.vote_weight, percent)
    and the statutes' rule for an empty college (PALABRE_EMPTY_COLLEGE). Every problem is
    refused at once (:class:`MotionInvalid`); nothing is stored."""
    require_role(actor, BOARD)
    now = now or utcnow()
    weights = {c.name: c.vote_weight for c in session.exec(select(College).order_by(College.name))}
    rules = tally.Rules(method=data.method, majority=data.majority, quorum=data.quorum,
                        college_quorum=data.college_quorum, weights=weights,
                        empty_college=settings.get("PALABRE_EMPTY_COLLEGE", "redistribute"))
    problems = _input_problems(session, data, now) + tally.rules_problems(rules, weights)
    if problems:
        raise MotionInvalid(problems)
    motion = Motion(title=data.title.strip(), text=data.text.strip(), subject=data.subject,
                    subject_id=data.subject_id if data.subject != "free" else None,
                    body=data.body, method=data.method, majority=data.majority,
                    quorum=data.quorum, college_quorum=data.college_quorum,
                    weights=json.dumps(weights, ensure_ascii=False, sort_keys=True),
                    empty_college=rules.empty_college, secret=data.secret,
                    opens_at=data.opens_at, closes_at=data.closes_at, status="open",
                    created_by_ref=actor.ref, created_at=now)
    session.add(motion)
    session.flush()
    audit.record_event(session, events.MotionOpened(
        actor=actor.ref, object_id=str(motion.id), title=motion.title,
        text_sha256=hashlib.sha256(motion.text.encode()).hexdigest(), subject=motion.subject,
        subject_id=motion.subject_id, body=motion.body, method=motion.method,
        majority=motion.majority, quorum=motion.quorum, college_quorum=motion.college_quorum,
        weights=weights, empty_college=motion.empty_college, secret=motion.secret,
        opens_at=motion.opens_at, closes_at=motion.closes_at))
    from .notifications import vote_opened

    vote_opened(session, motion, settings)  # the body's members are told (and mailed)
    audit_log.checkpoint(session, signer, "board")
    session.commit()
    return motion


def has_ballots(session: Session, motion: Motion) -> bool:
    table = BallotParticipation if motion.secret else Ballot
    count = session.exec(select(func.count()).select_from(table)
                         .where(table.motion_id == motion.id)).one()
    return count > 0


def cancel_motion(session: Session, actor: Member, motion_id: int, reason: str,
                  signer: Signer) -> Motion:
    """Withdraw an open motion nobody has voted on yet."""
    require_role(actor, BOARD)
    motion = get_motion(session, motion_id)
    if motion.status != "open":
        raise ServiceError(NOT_OPEN)
    if has_ballots(session, motion):
        raise ServiceError(ALREADY_VOTED)
    motion.status = "cancelled"
    session.add(motion)
    audit.record_event(session, events.MotionCancelled(
        actor=actor.ref, object_id=str(motion.id), reason=reason.strip()))
    audit_log.checkpoint(session, signer, "board")
    session.commit()
    return motion


# --- Closing ----------------------------------------------------------------------------


def counted_ballots(session: Session, motion: Motion, settings: dict
                    ) -> tuple[dict[str, int], list[tally.Ballot], list[str]]:
    """The body per college (counts), the latest ballot of each of its members, and for a
    secret ballot the commitments of those ballots (sorted)."""
    names = college_names(session)
    body = eligible(session, motion)
    counts = {name: len(members) for name, members in body.items()}
    college_of = {m.id: names.get(m.college_id, NO_COLLEGE) for ms in body.values() for m in ms}
    if not motion.secret:
        rows = session.exec(select(Ballot).where(Ballot.motion_id == motion.id, Ballot.latest,
                                                 Ballot.voter_id.in_(list(college_of))))
        ballots = [tally.Ballot(voter=b.voter_ref, college=college_of[b.voter_id],
                                choice=b.choice, reason=b.reason, by_proxy=b.by_proxy)
                   for b in rows]
        return counts, ballots, []
    # The keys are recomputed for the body, in memory, for the count only: nothing stored
    # links a member to their ballot.
    key_college = {voter_key(settings, motion.id, mid): name for mid, name in college_of.items()}
    rows = [s for s in session.exec(select(SecretBallot).where(
        SecretBallot.motion_id == motion.id, SecretBallot.latest)) if s.voter_key in key_college]
    ballots = [tally.Ballot(voter=s.voter_key, college=key_college[s.voter_key],
                            choice=s.choice, reason=s.reason, by_proxy=s.by_proxy)
               for s in rows]
    return counts, ballots, sorted(s.commitment for s in rows)


def close_motion(session: Session, actor: Member | None, motion_id: int, signer: Signer,
                 settings: dict, *, now: datetime | None = None) -> Motion:
    """Count the vote of a motion whose closing time has come, store its result and outcome,
    record MotionClosed (with the counted commitments of a secret ballot), apply the outcome to
    its subject, sign a checkpoint. ``actor`` None is the system (the job)."""
    if actor is not None:
        require_role(actor, BOARD)
    now = now or utcnow()
    motion = get_motion(session, motion_id)
    if motion.status != "open":
        raise ServiceError(NOT_OPEN)
    if now < motion.closes_at:
        raise ServiceError(NOT_DUE, closes_at=motion.closes_at)
    # Two closings at once (the job and the board): the first takes the row, the second
    # finds it closed.
    taken = session.execute(update(Motion).where(Motion.id == motion.id,
                                                 Motion.status == "open")
                            .values(status="closed", closed_at=now))
    if taken.rowcount != 1:
        session.rollback()
        raise ServiceError(NOT_OPEN)
    session.refresh(motion)
    if motion.secret:
        from .ballots import reshuffle

        reshuffle(session, motion)
    counts, ballots, commitments = counted_ballots(session, motion, settings)
    result = tally.tally(rules_of(motion), counts, ballots)
    document = result.to_json()
    motion.outcome = result.outcome
    audit.record_event(session, events.MotionClosed(
        actor=actor_ref(actor), object_id=str(motion.id), outcome=result.outcome,
        eligible=result.eligible, voted=result.voted, pour=result.pour, contre=result.contre,
        abstention=result.abstention, by_proxy=result.by_proxy,
        share=document["share"], share_exact=document["share_exact"],
        quorum_met=result.quorum_met and result.college_quorum_met,
        colleges=tuple({k: c[k] for k in ("college", "eligible", "voted", "pour", "contre",
                                          "abstention", "share", "effective_weight")}
                       for c in document["colleges"]),
        secret=motion.secret, commitments=tuple(commitments)))
    document["applied"] = _applied(apply_outcome(session, motion, signer))
    motion.result = json.dumps(document, ensure_ascii=False, sort_keys=True)
    session.add(motion)
    from .notifications import decision_taken

    decision_taken(session, motion, settings)  # those who took part are told
    audit_log.checkpoint(session, signer, "board")
    session.commit()
    return motion


def _applied(problem: Problem | None) -> dict[str, Any] | None:
    return None if problem is None else {"message": problem.message,
                                         "params": dict(problem.params)}


def apply_outcome(session: Session, motion: Motion, signer: Signer) -> Problem | None:
    """In the closing transaction: what the outcome changes in the motion's subject. An
    adopted motion on a charter version adopts it (consult.services.charter); a motion on a
    proposal approves or rejects it (consult.services.proposal_path). Returns why the outcome
    could not be applied (the charter moved on meanwhile), or None."""
    if motion.subject == "charter" and motion.outcome == "adopted":
        return _call("charter", "adopt_version", session, motion, signer)
    if motion.subject == "proposal":
        return _call("proposal_path", "apply_motion_outcome", session, motion)
    return None


def _call(module_name: str, function: str, *args) -> Problem | None:
    """A function of another room's service, when it exists. Its refusals are checked before
    it changes anything, so refusing leaves the closing transaction as it was."""
    import importlib

    try:
        module = importlib.import_module(f"{__package__}.{module_name}")
    except ImportError:  # pragma: no cover - that room is not built
        return None
    target = getattr(module, function, None)
    if target is None:  # pragma: no cover
        return None
    try:
        target(*args)
    except ServiceError as error:
        return error.problem
    return None


def close_due_motions(session: Session, signer: Signer, settings: dict,
                      now: datetime | None = None) -> list[int]:
    """Close every open motion whose closing time has passed (the job, every minute)."""
    now = now or utcnow()
    due = list(session.exec(select(Motion.id).where(Motion.status == "open",
                                                    Motion.closes_at <= now)))
    closed = []
    for motion_id in due:
        try:
            close_motion(session, None, motion_id, signer, settings, now=now)
        except ServiceError:  # closed meanwhile by the board
            session.rollback()
            continue
        closed.append(motion_id)
    return closed


MINUTES_SIGNED = N_("Le procès-verbal est signé (par %(name)s) : la décision ne se réécrit plus.")


def write_outcome(session: Session, actor: Member, motion_id: int, statement: str,
                  signer: Signer) -> Motion:
    """The board writes the outcome statement of a closed motion (it may rewrite it until the
    chair signs the minutes; every version is in the log)."""
    require_role(actor, BOARD)
    motion = get_motion(session, motion_id)
    if motion.status != "closed":
        raise ServiceError(NOT_CLOSED)
    if motion.minutes_signed_at is not None:
        raise ServiceError(MINUTES_SIGNED, name=motion.minutes_signed_by or "")
    statement = statement.strip()
    if not statement:
        raise ServiceError(STATEMENT_NEEDED)
    if len(statement) > STATEMENT_MAX:
        raise ServiceError(STATEMENT_LONG, max=STATEMENT_MAX)
    motion.outcome_statement = statement
    session.add(motion)
    audit.record_event(session, events.MotionOutcomeWritten(
        actor=actor.ref, object_id=str(motion.id), statement=statement,
        outcome=motion.outcome))
    audit_log.checkpoint(session, signer, "board")
    session.commit()
    return motion
