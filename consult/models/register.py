"""The ethics register's tables: entries and their versions, reviews, bias tests, waivers and
the committee's thresholds. Rows are never changed where history matters: a change is a new row.
"""

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from . import utcnow


class RegisterEntry(SQLModel, table=True):
    """An AI system the cooperative uses or plans to use. What it says is in its versions;
    this row holds its name, status and current version for the lists."""

    __tablename__ = "register_entry"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    status: str = Field(default="proposed", max_length=12, index=True)
    current_version: int = 1
    ai_act_tier: str = Field(default="minimal", max_length=12, index=True)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id", ondelete="SET NULL")
    # Palabre's own analysis stages are entries too ("themes", "opinion", "redaction").
    builtin: str | None = Field(default=None, max_length=20, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class RegisterEntryVersion(SQLModel, table=True):
    """One version of an entry: the whole document (JSON of ethics_register.entry's fields).
    Versions are never changed; a change is a new version."""

    __tablename__ = "register_entry_version"
    __table_args__ = (UniqueConstraint("entry_id", "version", name="uq_register_entry_version"),)
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="register_entry.id", index=True, ondelete="CASCADE")
    version: int
    document: str = Field(sa_column=Column(Text, nullable=False))
    author_ref: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class Review(SQLModel, table=True):
    """The committee's review of one version of an entry (ALTAI answers, then the opinion).
    Never changed: a new review replaces it for the gate, which reads the latest signed one."""

    __tablename__ = "review"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="register_entry.id", index=True, ondelete="CASCADE")
    version: int
    answers: str = Field(sa_column=Column(Text, nullable=False))  # JSON: requirement → answer
    notes: str = Field(sa_column=Column(Text, nullable=False))  # JSON: requirement → notes
    opinion: str = Field(max_length=30)
    conditions: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    dissent: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    author_ref: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class ReviewSignature(SQLModel, table=True):
    """A committee member present signed the review: once each (the database says so)."""

    __tablename__ = "review_signature"
    __table_args__ = (UniqueConstraint("review_id", "member_id", name="uq_review_signature"),)
    id: int | None = Field(default=None, primary_key=True)
    review_id: int = Field(foreign_key="review.id", index=True, ondelete="CASCADE")
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    signer_name: str = Field(max_length=120)
    signed_at: datetime = Field(default_factory=utcnow)


class BiasTest(SQLModel, table=True):
    """A bias test of one version of an entry: the whole result as JSON (ethics_register.bias's
    ``to_json``: values, intervals, denominators, verdicts, the dataset's SHA-256, library
    versions, seed and parameters), never a pickle. Never changed."""

    __tablename__ = "bias_test"
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="register_entry.id", index=True, ondelete="CASCADE")
    version: int
    result: str = Field(sa_column=Column(Text, nullable=False))
    dataset_sha256: str = Field(max_length=64)
    file_name: str = Field(default="", max_length=200)
    rows: int = 0
    passed: int = 0
    failed: int = 0
    not_enough_data: int = 0
    author_ref: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class BiasWaiver(SQLModel, table=True):
    """The committee accepts one verdict (fail or not enough data) of one test, with a reason,
    signed by the committee member who records it. Once per verdict (the database says so)."""

    __tablename__ = "bias_waiver"
    __table_args__ = (UniqueConstraint("test_id", "metric", name="uq_bias_waiver"),)
    id: int | None = Field(default=None, primary_key=True)
    test_id: int = Field(foreign_key="bias_test.id", index=True, ondelete="CASCADE")
    entry_id: int = Field(foreign_key="register_entry.id", index=True, ondelete="CASCADE")
    version: int
    metric: str = Field(max_length=300)  # "attribute/metric/group", as in the test's verdicts
    reason: str = Field(sa_column=Column(Text, nullable=False))
    member_id: int | None = Field(default=None, foreign_key="member.id", ondelete="SET NULL")
    signer_name: str = Field(max_length=120)
    author_ref: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)


class BiasThresholds(SQLModel, table=True):
    """The thresholds the committee approved for one entry's bias tests. Every approval is kept;
    the database holds at most one ``latest`` row per entry (a partial unique index)."""

    __tablename__ = "bias_thresholds"
    __table_args__ = (
        Index("uq_bias_thresholds_latest", "entry_id", unique=True,
              sqlite_where=text("latest"), postgresql_where=text("latest")),
    )
    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="register_entry.id", index=True, ondelete="CASCADE")
    ratio_min: float
    ratio_max: float
    max_difference: float
    min_count: int
    reason: str = Field(sa_column=Column(Text, nullable=False))
    latest: bool = True
    author_ref: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)
