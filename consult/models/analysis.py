"""The analysis workspace's tables: the facilitator's edits of a run's themes, and the
syntheses published to the members. An edit is never changed but to mark it undone; a
published synthesis is never changed at all (a new publication is a new version)."""

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from . import utcnow


class ThemeEdit(SQLModel, table=True):
    """One correction of the themes by the facilitation team, applied over the machine's
    result whenever the themes are read (consult.theme_edits).

    ``kind``: rename, summary, merge, split, move, review. ``theme_id`` is the theme edited
    (for a merge, the one that stays; for a move, the destination). ``payload`` (JSON) holds
    the rest: the text of a rename or summary, the theme merged in, the contributions moved
    or split off. ``run_id`` is the run it was made on: it also applies to the runs re-run
    from that one, where the theme ids still match. Undoing sets ``undone_at``.
    """

    __tablename__ = "theme_edit"
    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    run_id: int = Field(foreign_key="analysis_run.id", ondelete="CASCADE")
    kind: str = Field(max_length=12)
    theme_id: int
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    actor_ref: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow)
    undone_at: datetime | None = None
    undone_by_ref: str | None = Field(default=None, max_length=40)


class Synthesis(SQLModel, table=True):
    """A synthesis published to the members: the report's values frozen as JSON, as they were
    when it was published, whatever happens later to the analysis or its edits."""

    __tablename__ = "synthesis"
    __table_args__ = (UniqueConstraint("consultation_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="consultation.id", index=True, ondelete="CASCADE")
    run_id: int | None = Field(default=None, foreign_key="analysis_run.id",
                               ondelete="SET NULL")
    version: int
    document: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(max_length=64)
    published_by_ref: str | None = Field(default=None, max_length=40)
    published_at: datetime = Field(default_factory=utcnow)
