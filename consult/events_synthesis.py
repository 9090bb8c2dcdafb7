"""The analysis workspace's audit events: a theme corrected, a correction undone, a synthesis
published.

Like :mod:`consult.events`, one frozen dataclass per event with plain values only. Pure: no
Flask, no database.
"""

from dataclasses import dataclass
from typing import ClassVar

from .events import Event


@dataclass(frozen=True, kw_only=True)
class ThemeEdited(Event):
    """The facilitation team corrected a theme of an analysis: renamed it, wrote its summary,
    merged another into it, split it, moved a verbatim into it, or marked it reviewed."""

    object_type: ClassVar[str] = "theme_edit"
    consultation_id: int
    run_id: int
    kind: str
    theme_id: int
    details: dict


@dataclass(frozen=True, kw_only=True)
class ThemeEditUndone(Event):
    """A correction of the themes was undone: the themes read as if it had never been made."""

    object_type: ClassVar[str] = "theme_edit"
    consultation_id: int
    kind: str
    theme_id: int


@dataclass(frozen=True, kw_only=True)
class SynthesisPublished(Event):
    """A synthesis of a consultation was published to the members, frozen as it then read."""

    object_type: ClassVar[str] = "synthesis"
    consultation_id: int
    run_id: int | None
    version: int
    sha256: str
