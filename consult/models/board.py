"""The board's tables: the AI charter's versions, motions, ballots, proxies, and members'
notifications. Votes are history: a changed vote is a new row, the earlier one kept with
``latest`` false; the database holds one latest ballot per voter and motion.

Secret ballots keep *who voted* (:class:`BallotParticipation`) apart from *what*
(:class:`SecretBallot`). The what-half holds no member id, no time and no sequential id (its
key is random), so neither the rows' order nor their times link it to the who-half; a voter's
changed vote finds their earlier one by ``voter_key``, an HMAC of the motion and the member
under the installation's secret key, which the database alone cannot reverse.
"""

import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from . import utcnow


def _uuid() -> str:
    return uuid.uuid4().hex


class CharterVersion(SQLModel, table=True):
    """One version of the AI charter: its principles (JSON list of {title, text, rationale}).
    ``draft`` → ``adopted`` (by a motion) → ``superseded`` when a later one is adopted; a draft
    may be ``withdrawn``. The database holds at most one adopted version."""

    __tablename__ = "charter_version"
    __table_args__ = (
        Index("uq_charter_version_adopted", "status", unique=True,
              sqlite_where=text("status = 'adopted'"),
              postgresql_where=text("status = 'adopted'")),
    )
    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    status: str = Field(default="draft", max_length=12, index=True)
    principles: str = Field(sa_column=Column(Text, nullable=False))
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The adopted version this draft amends (None for the first charter).
    base_version_id: int | None = Field(default=None, foreign_key="charter_version.id")
    consultation_id: int | None = Field(default=None, foreign_key="consultation.id",
                                        ondelete="SET NULL")
    motion_id: int | None = Field(default=None, foreign_key="motion.id", ondelete="SET NULL")
    author_ref: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)
    adopted_at: datetime | None = None


class Motion(SQLModel, table=True):
    """A question put to a voting body: on a charter version, an AI-project proposal, a register
    entry's deployment, or free text. Its rules (method, majority, quorum, the colleges'
    weights as they were when it opened) are kept with it; its result when it closes."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    subject: str = Field(default="free", max_length=20)  # charter, proposal, register_entry, free
    subject_id: int | None = None
    body: str = Field(max_length=12)  # board, assembly
    method: str = Field(max_length=24)  # college_weighted, one_member_one_vote
    majority: str = Field(max_length=12)  # simple, two_thirds, consent
    quorum: float = 0.0  # share of the body's members who must vote
    college_quorum: float = 0.0  # share of each college's members who must vote
    weights: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # college → %
    empty_college: str = Field(default="redistribute", max_length=12)
    secret: bool = False
    opens_at: datetime
    closes_at: datetime
    status: str = Field(default="open", max_length=12, index=True)  # open, closed, cancelled
    outcome: str | None = Field(default=None, max_length=24)
    result: str = Field(default="{}", sa_column=Column(Text, nullable=False))  # the tally
    outcome_statement: str = Field(default="", sa_column=Column(Text, nullable=False,
                                                                 default=""))
    created_by_ref: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    minutes_signed_by: str | None = Field(default=None, max_length=120)  # the chair's name
    minutes_signed_at: datetime | None = None


class Ballot(SQLModel, table=True):
    """An open ballot: who voted what, and who cast it (the member, or the proxy holder).
    Every vote kept; one latest per voter and motion."""

    __table_args__ = (
        Index("uq_ballot_latest", "motion_id", "voter_id", unique=True,
              sqlite_where=text("latest"), postgresql_where=text("latest")),
    )
    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True, ondelete="CASCADE")
    voter_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    voter_ref: str = Field(max_length=40)  # stays when a member's account is erased
    college_id: int | None = Field(default=None, foreign_key="college.id")
    cast_by_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    by_proxy: bool = False
    choice: str = Field(max_length=12)  # pour, contre, abstention
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    latest: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class BallotParticipation(SQLModel, table=True):
    """Who voted in a secret ballot (never what): once per member and motion, with who cast it
    (the member, or the proxy holder)."""

    __tablename__ = "ballot_participation"
    __table_args__ = (UniqueConstraint("motion_id", "member_id",
                                       name="uq_ballot_participation"),)
    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    member_ref: str = Field(max_length=40)
    cast_by_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    by_proxy: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class SecretBallot(SQLModel, table=True):
    """What was voted in a secret ballot (never who): the choice, the voter's college (the tally
    is per college), and the commitment SHA-256(choice ‖ nonce) the voter's receipt opens.
    No member id, no time, a random key: see the module's docstring."""

    __tablename__ = "secret_ballot"
    __table_args__ = (
        Index("uq_secret_ballot_latest", "motion_id", "voter_key", unique=True,
              sqlite_where=text("latest"), postgresql_where=text("latest")),
    )
    id: str = Field(default_factory=_uuid, primary_key=True, max_length=32)
    motion_id: int = Field(foreign_key="motion.id", index=True, ondelete="CASCADE")
    voter_key: str = Field(max_length=64)
    college_id: int | None = Field(default=None, foreign_key="college.id")
    by_proxy: bool = False
    choice: str = Field(max_length=12)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    commitment: str = Field(max_length=64)
    latest: bool = True


class Proxy(SQLModel, table=True):
    """A member's proxy (*pouvoir*) for one assembly motion, to a member of the same college;
    revocable until the vote. One standing proxy per giver and motion."""

    __table_args__ = (
        Index("uq_proxy_standing", "motion_id", "giver_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"),
              postgresql_where=text("revoked_at IS NULL")),
    )
    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True, ondelete="CASCADE")
    giver_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    holder_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


class Notification(SQLModel, table=True):
    """Something a member is told in the app (and by e-mail if they chose so): its kind, a
    translatable message's values, and where to go."""

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=30)
    params: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    url: str = Field(default="", max_length=300)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    read_at: datetime | None = None


class NotificationSetting(SQLModel, table=True):
    """Whether a member receives one kind of notification by e-mail (in the app: always)."""

    __tablename__ = "notification_setting"
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    kind: str = Field(max_length=30, primary_key=True)
    email: bool = True
