"""Table models. One family per entity: XBase (shared fields) -> X(table=True).

Times are timezone-aware UTC datetimes; SQLModel's UTCDateTime type stores them so
that SQLite and PostgreSQL give back the same values.
"""

import uuid
from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, Relationship, SQLModel


def utcnow() -> datetime:
    """Current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def new_ref() -> str:
    """A pseudonymous reference: stable, meaningless, safe to keep after erasure."""
    return uuid.uuid4().hex


class CooperativeBase(SQLModel):
    name: str = Field(max_length=200)
    purpose: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Cooperative(CooperativeBase, table=True):
    """The cooperative's own settings: one row."""

    id: int | None = Field(default=None, primary_key=True)
    updated_at: datetime = Field(default_factory=utcnow)


class CollegeBase(SQLModel):
    name: str = Field(max_length=120, unique=True)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    vote_weight: int = Field(default=0, ge=0, le=100, description="Vote weight in percent")


class College(CollegeBase, table=True):
    """A college of the SCIC: members who share a relation to the cooperative."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MemberRole(SQLModel, table=True):
    """One role held by one member."""

    __tablename__ = "member_role"

    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(max_length=20, primary_key=True)

    member: "Member" = Relationship(back_populates="role_links")


class MemberBase(SQLModel):
    email: str | None = Field(default=None, max_length=254, unique=True, index=True)
    display_name: str = Field(max_length=120)
    college_id: int | None = Field(default=None, foreign_key="college.id", index=True)
    active: bool = Field(default=True)


class Member(MemberBase, table=True):
    """A person of the cooperative. `ref` is the pseudonymous reference used in audit events."""

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(default_factory=new_ref, max_length=32, unique=True)
    password_hash: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = None
    erased_at: datetime | None = None
    # Part of every session's identity: bumped on sign-out, password change, deactivation and
    # role change, it ends every session opened before (a copied cookie included).
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})

    role_links: list["MemberRole"] = Relationship(
        back_populates="member",
        sa_relationship_kwargs={"lazy": "selectin", "cascade": "all, delete-orphan"},
    )

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(link.role for link in self.role_links)

    def has_role(self, role: str) -> bool:
        return role in self.roles

    # Flask-Login protocol, kept here so that views need no wrapper class.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.ref}.{self.session_version}"

    def end_sessions(self) -> None:
        """End every session opened so far (the caller commits)."""
        self.session_version += 1


class MemberToken(SQLModel, table=True):
    """A single-use link (invitation or password reset). Only its SHA-256 hash is stored."""

    __tablename__ = "member_token"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    purpose: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """One recorded state change. Rows are only ever appended (triggers refuse the rest).

    `canonical` is the event serialised deterministically, with its place in the log
    (`leaf_index`) and the leaf hash of the event before it; `leaf_hash` is its RFC 6962
    leaf hash, SHA-256(0x00 || canonical). The Merkle log is the tree of the leaf hashes in
    `leaf_index` order (consult/audit.py).
    """

    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    leaf_index: int = Field(unique=True, index=True)
    occurred_at: datetime = Field(default_factory=utcnow, index=True)
    event_type: str = Field(max_length=60, index=True)
    actor_ref: str | None = Field(default=None, max_length=40, index=True)
    object_type: str = Field(max_length=40)
    object_id: str = Field(max_length=64)
    canonical: str = Field(sa_column=Column(Text, nullable=False))
    leaf_hash: str = Field(max_length=64)


class AuditLog(SQLModel, table=True):
    """The log's state, one row: its size and the right edge of its Merkle tree.

    Each event takes the next index by updating this row, which serialises the appends (a row
    lock on PostgreSQL, the write lock on SQLite) and keeps the tree's right edge in the same
    transaction as the event. It is a cache: `palabre audit verify` recomputes it.
    """

    __tablename__ = "audit_log"
    __table_args__ = (CheckConstraint("id = 1", name="audit_log_one_row"),)
    id: int = Field(default=1, primary_key=True)
    size: int = 0
    right_edge: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    last_leaf: str = Field(default="", max_length=64)
    root_hash: str = Field(default="", max_length=64)


class AuditCheckpoint(SQLModel, table=True):
    """A signed checkpoint of the log (C2SP tlog-checkpoint in a signed note). Append-only."""

    __tablename__ = "audit_checkpoint"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    tree_size: int = Field(index=True)
    root_hash: str = Field(max_length=64)
    note: str = Field(sa_column=Column(Text, nullable=False))
    reason: str = Field(max_length=20)


# --- Consultations ----------------------------------------------------------------


class ConsultationBase(SQLModel):
    title: str = Field(max_length=200)
    question: str = Field(sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    anonymity: str = Field(default="pseudonymous", max_length=20)
    stance_scale: str = Field(default="three", max_length=10)


class Consultation(ConsultationBase, table=True):
    """A question put to some colleges. Lifecycle: draft → open → closed → analysed → published."""

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default="draft", max_length=12, index=True)
    source: str = Field(default="manual", max_length=12)
    created_by_ref: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ConsultationCollege(SQLModel, table=True):
    """A college invited to answer a consultation."""

    __tablename__ = "consultation_college"

    consultation_id: int = Field(
        foreign_key="consultation.id", primary_key=True, ondelete="CASCADE"
    )
    college_id: int = Field(foreign_key="college.id", primary_key=True, ondelete="CASCADE")


class ConsentRecord(SQLModel, table=True):
    """A participant accepted the consultation's data notice (which version, when)."""

    __tablename__ = "consent_record"

    consultation_id: int = Field(
        foreign_key="consultation.id", primary_key=True, ondelete="CASCADE"
    )
    participant_ref: str = Field(max_length=40, primary_key=True)
    notice_hash: str = Field(max_length=64)
    accepted_at: datetime = Field(default_factory=utcnow)


class Contribution(SQLModel, table=True):
    """A verbatim and its optional stance. Text fields hold the latest version.

    `participant_ref` identifies the author within this consultation only (a keyed
    pseudonym for members, the source's id for imports). `author_id` links to the
    member except in anonymous consultations, for imports and after erasure.
    """

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    participant_ref: str = Field(max_length=40, index=True)
    author_id: int | None = Field(
        default=None, foreign_key="member.id", index=True, ondelete="SET NULL"
    )
    college_id: int | None = Field(default=None, foreign_key="college.id", index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    redacted_text: str = Field(sa_column=Column(Text, nullable=False))
    stance: str | None = Field(default=None, max_length=24)
    withdrawn: bool = Field(default=False)
    hidden: bool = Field(default=False, index=True)
    hidden_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    hidden_at: datetime | None = None
    report_count: int = Field(default=0)
    version: int = Field(default=1)
    external_id: str | None = Field(default=None, max_length=64)
    submission_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ContributionVersion(SQLModel, table=True):
    """Every version of a contribution, kept: the latest counts."""

    __tablename__ = "contribution_version"

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    number: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    redacted_text: str = Field(sa_column=Column(Text, nullable=False))
    stance: str | None = Field(default=None, max_length=24)
    withdrawn: bool = Field(default=False)
    created_at: datetime = Field(default_factory=utcnow)


class Vote(SQLModel, table=True):
    """One vote event (1 agree, -1 disagree, 0 pass). Earlier votes are kept with latest=False;
    the database holds at most one latest vote per participant and contribution."""

    __table_args__ = (
        Index(
            "uq_vote_latest",
            "contribution_id",
            "participant_ref",
            unique=True,
            sqlite_where=text("latest"),
            postgresql_where=text("latest"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    participant_ref: str = Field(max_length=40, index=True)
    college_id: int | None = Field(default=None, foreign_key="college.id")
    value: int
    latest: bool = Field(default=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class ContributionReport(SQLModel, table=True):
    """A member flagged a contribution for moderation."""

    __tablename__ = "contribution_report"
    __table_args__ = (UniqueConstraint("contribution_id", "reporter_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id", index=True, ondelete="CASCADE")
    reporter_ref: str = Field(max_length=40)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)


# --- AI-project proposals --------------------------------------------------------------


class ProposalBase(SQLModel):
    title: str = Field(max_length=200)
    need: str = Field(sa_column=Column(Text, nullable=False))
    benefits: str = Field(sa_column=Column(Text, nullable=False))
    affected: str = Field(sa_column=Column(Text, nullable=False))
    data_used: str = Field(sa_column=Column(Text, nullable=False))
    personal_data: bool = False
    sensitive_data: bool = False
    risks: str = Field(sa_column=Column(Text, nullable=False))
    environmental_cost: str = Field(sa_column=Column(Text, nullable=False))
    alternatives: str = Field(sa_column=Column(Text, nullable=False))


class Proposal(ProposalBase, table=True):
    """An AI project a member puts to the cooperative. Its path starts at `submitted`."""

    id: int | None = Field(default=None, primary_key=True)
    author_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    college_id: int | None = Field(default=None, foreign_key="college.id")
    status: str = Field(default="submitted", max_length=20)
    submission_key: str | None = Field(default=None, max_length=64, unique=True)
    # The consultation that informs it, once it is put to the members.
    consultation_id: int | None = Field(default=None, foreign_key="consultation.id",
                                        ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ProposalComment(SQLModel, table=True):
    __tablename__ = "proposal_comment"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True, ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    college_id: int | None = Field(default=None, foreign_key="college.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    submission_key: str | None = Field(default=None, max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)


class ProposalSupport(SQLModel, table=True):
    __tablename__ = "proposal_support"

    proposal_id: int = Field(foreign_key="proposal.id", primary_key=True, ondelete="CASCADE")
    member_id: int = Field(foreign_key="member.id", primary_key=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)


# --- Analyses -----------------------------------------------------------------------------


class AnalysisRun(SQLModel, table=True):
    """One run of the theme analysis on a consultation, kept whole so it can be reproduced:
    parameters, library versions, the hash of its input, its timing and its results.

    ``status``: queued → running → done, failed or cancelled. ``started_at`` is when it was asked
    for, then when the worker started it. The database holds at most one queued or running run per
    consultation (a partial unique index).
    """

    __tablename__ = "analysis_run"
    __table_args__ = (
        Index(
            "uq_analysis_run_active",
            "consultation_id",
            unique=True,
            sqlite_where=text("status IN ('queued', 'running')"),
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    kind: str = Field(default="themes", max_length=20)
    mode: str = Field(max_length=20)
    status: str = Field(default="queued", max_length=12)
    input_sha256: str = Field(default="", max_length=64)
    contribution_ids: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    parameters: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    versions: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    result: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    seconds: float = 0.0
    message: str | None = Field(default=None, max_length=200)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_by_ref: str | None = Field(default=None, max_length=40)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    # The worker running it ("host:pid") and its last sign of life, to tell a stopped worker.
    worker: str | None = Field(default=None, max_length=120)
    heartbeat_at: datetime | None = None
    # What the worker is doing (a stage of nlp.themes, or "convergence") and how far, 0 to 1.
    stage: str | None = Field(default=None, max_length=20)
    progress: float = 0.0
    # A facilitator asked to stop it: the worker stops at its next step, the run is "cancelled".
    cancel_requested: bool = False
    # The run whose themes it started from (nlp.themes.rerun), if any.
    previous_run_id: int | None = Field(default=None, foreign_key="analysis_run.id",
                                        ondelete="SET NULL")


# The register's and the board's tables (imported last: they use utcnow above).
from .analysis import Synthesis, ThemeEdit  # noqa: E402, F401  (re-exported)
from .api import ApiToken  # noqa: E402, F401  (re-exported)
from .board import (  # noqa: E402, F401  (re-exported: consult.models is one namespace)
    Ballot,
    BallotParticipation,
    CharterVersion,
    Motion,
    Notification,
    NotificationSetting,
    Proxy,
    SecretBallot,
)
from .register import (  # noqa: E402, F401  (re-exported: consult.models is one namespace)
    BiasTest,
    BiasThresholds,
    BiasWaiver,
    RegisterEntry,
    RegisterEntryVersion,
    Review,
    ReviewSignature,
)
