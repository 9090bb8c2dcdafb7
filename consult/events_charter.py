"""The AI charter's audit events: a draft written, edited, put to the members, withdrawn, and a
version adopted (by a motion, or at the cooperative's founding).

Like :mod:`consult.events`, one frozen dataclass per event with plain values only; a version is
named by its id (``object_id``) and its number, its principles by the SHA-256 of their canonical
JSON, so the log proves which text was adopted without holding it. Pure: no Flask, no database.
"""

from dataclasses import dataclass
from typing import ClassVar

from .events import Event


@dataclass(frozen=True, kw_only=True)
class CharterDraftCreated(Event):
    """A board member wrote a draft amendment of the charter, based on the adopted version."""

    object_type: ClassVar[str] = "charter_version"
    number: int
    base_version_id: int | None
    titles: tuple[str, ...]
    principles_sha256: str


@dataclass(frozen=True, kw_only=True)
class CharterDraftEdited(Event):
    """A draft's principles or summary changed (the draft keeps its number)."""

    object_type: ClassVar[str] = "charter_version"
    number: int
    titles: tuple[str, ...]
    principles_sha256: str


@dataclass(frozen=True, kw_only=True)
class CharterOpenedToConsultation(Event):
    """A draft was put to the members: a consultation presenting it was opened and linked."""

    object_type: ClassVar[str] = "charter_version"
    number: int
    consultation_id: int


@dataclass(frozen=True, kw_only=True)
class CharterDraftWithdrawn(Event):
    """The board withdrew a draft: it will not be put to the vote; it stays readable."""

    object_type: ClassVar[str] = "charter_version"
    number: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class CharterVersionAdopted(Event):
    """A version of the charter became the adopted one: by the motion ``motion_id``, or, for
    the first charter (``founding``), at the cooperative's founding, without a motion. The
    version it replaces, if any, is superseded."""

    object_type: ClassVar[str] = "charter_version"
    number: int
    motion_id: int | None
    founding: bool
    superseded_version_id: int | None
    principles_sha256: str
