"""The board's audit events: motions opened, cancelled and closed, ballots cast, proxies given
and revoked, outcome statements written.

Like :mod:`consult.events`, one frozen dataclass per event with plain values only, people named
by their ``ref``. A secret ballot's events say *who took part*, never *what*: no choice, no
voter key, no commitment. The closing event lists the counted commitments sorted, so a voter
can find theirs (with the nonce of their receipt) without anyone learning which was whose.
Pure: no Flask, no database.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from .events import Event


@dataclass(frozen=True, kw_only=True)
class MotionOpened(Event):
    """The board put a motion to a body (the board, or the general assembly) with its rules:
    method, majority, quorums (shares 0–1), the colleges' weights (percent) as they stood, and
    its voting window."""

    object_type: ClassVar[str] = "motion"
    title: str
    text_sha256: str
    subject: str
    subject_id: int | None
    body: str
    method: str
    majority: str
    quorum: float
    college_quorum: float
    weights: dict[str, Any]
    empty_college: str
    secret: bool
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True, kw_only=True)
class MotionCancelled(Event):
    """The board withdrew a motion before anybody voted."""

    object_type: ClassVar[str] = "motion"
    reason: str


@dataclass(frozen=True, kw_only=True)
class BallotCast(Event):
    """An open ballot: ``voter`` voted ``choice`` on the motion, themselves or through the
    proxy holder who is the event's actor (``by_proxy``); ``changed`` when it replaces the
    voter's earlier ballot, which is kept."""

    object_type: ClassVar[str] = "ballot"
    motion_id: int
    voter: str
    choice: str
    by_proxy: bool
    reason_given: bool
    changed: bool


@dataclass(frozen=True, kw_only=True)
class SecretBallotCast(Event):
    """A secret ballot: ``voter`` took part (themselves, or through the proxy holder who is the
    actor). Never what they voted: no choice, no key, no commitment. ``again`` when they
    changed their vote."""

    object_type: ClassVar[str] = "motion"
    voter: str
    by_proxy: bool
    again: bool


@dataclass(frozen=True, kw_only=True)
class ProxyGiven(Event):
    """A member (``giver``, the actor) gave their proxy (*pouvoir*) for one assembly motion to
    ``holder``, a member of the same college."""

    object_type: ClassVar[str] = "proxy"
    motion_id: int
    giver: str
    holder: str


@dataclass(frozen=True, kw_only=True)
class ProxyRevoked(Event):
    """A standing proxy ended before the vote: revoked by its giver or its holder
    (``reason`` "revoked"), or because the giver voted themselves ("own_vote")."""

    object_type: ClassVar[str] = "proxy"
    motion_id: int
    giver: str
    holder: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class MotionClosed(Event):
    """The vote ended and was counted (consult.tally): the outcome, the overall figures, each
    college's, and for a secret ballot the sorted commitments that were counted."""

    object_type: ClassVar[str] = "motion"
    outcome: str
    eligible: int
    voted: int
    pour: int
    contre: int
    abstention: int
    by_proxy: int
    share: float | None
    share_exact: str | None
    quorum_met: bool
    colleges: tuple[dict[str, Any], ...]
    secret: bool
    commitments: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MotionOutcomeWritten(Event):
    """The board wrote (or rewrote) the outcome statement of a closed motion."""

    object_type: ClassVar[str] = "motion"
    statement: str
    outcome: str | None


@dataclass(frozen=True, kw_only=True)
class MinutesSigned(Event):
    """The chair (the actor) signed the minutes of a closed motion. ``content_sha256`` is the
    SHA-256 of the minutes' canonical JSON (consult.services.minutes), which pins what was
    signed without putting members' names or words in the log."""

    object_type: ClassVar[str] = "motion"
    content_sha256: str
    outcome: str
