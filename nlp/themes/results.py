"""What a theme analysis returns: frozen dataclasses, and the codes of its messages.

The app stores :meth:`ThemeResult.to_json`; ``nlp.themes`` re-exports everything here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .matching import ThemeChanges

MESSAGES = {
    "empty_corpus": "Aucun verbatim à analyser.",
    "all_too_short": "Tous les verbatims sont trop courts pour en dégager des thèmes "
    "(moins de deux mots porteurs de sens chacun).",
    "not_enough_data": "Trop peu de verbatims exploitables pour distinguer plusieurs thèmes : "
    "ils sont réunis en un seul.",
    "all_identical": "Tous les verbatims exploitables disent la même chose : un seul thème.",
    "no_clear_themes": "Aucun regroupement net ne se dégage : les verbatims sont réunis en un "
    "seul thème.",
    "fewer_themes_than_requested": "Moins de thèmes trouvés que le nombre demandé : des thèmes "
    "peuvent être fusionnés, pas divisés.",
}


class ThemeError(ValueError):
    """A request the pipeline cannot serve (unknown mode, missing embedder, bad embeddings)."""


@dataclass(frozen=True)
class Theme:
    """A group of verbatims, described. Row indices refer to the input texts."""

    id: int
    label: str
    keywords: tuple[str, ...]
    size: int
    representatives: tuple[int, ...]  # the most typical distinct verbatims, 3 to 5
    members: tuple[int, ...]  # every member, most typical first
    parent: int | None = None  # for a sub-theme: the merged theme it went into
    cohesion: float | None = None  # mean centroid silhouette of its members (nlp.themes.cohesion)
    to_check: bool = False  # cohesion below the floor: "à vérifier" for the facilitator
    status: str = "new"  # against a previous run: "kept", "merged", "split" or "new"


@dataclass(frozen=True)
class Assignment:
    """Where one verbatim went. ``theme_id`` is -1 for an outlier or a too-short verbatim."""

    theme_id: int
    strength: float  # 0..1: HDBSCAN membership, or for a reassigned verbatim the share of the
    # theme's members less typical than it
    reassigned: bool
    too_short: bool
    duplicate_of: int | None = None  # the row it repeats: it follows that row's theme


@dataclass(frozen=True)
class ThemeResult:
    """Everything a theme analysis produced, with what is needed to reproduce and explain it."""

    themes: tuple[Theme, ...]
    assignments: tuple[Assignment, ...]  # one per input row, in input order
    coordinates: tuple[tuple[float, float], ...]  # 2-D map, one per row; NaN for too-short rows
    outlier_share: float  # of the verbatims long enough to be grouped, the share left unassigned
    too_short_count: int
    mode: str
    embedder: str
    parameters: dict
    versions: dict
    input_sha256: str
    seconds: dict
    message: str | None = None  # a code of MESSAGES, or None
    subthemes: tuple[Theme, ...] = ()  # when themes were merged: the themes found, with parent
    reassigned_count: int = 0
    keys: tuple | None = None  # one per input row, as given: what tells verbatims apart across runs
    language: str = "fr"
    language_detected: bool = False
    changes: ThemeChanges | None = None  # against the previous result, when re-run from one
    rerun: str | None = None  # "incremental" or "refit" when re-run from a previous result

    @property
    def set_aside(self) -> dict[str, int]:
        """How many verbatims were set aside from the grouping, and why: too short to mean much,
        outliers no theme is close enough to, and copies of an earlier verbatim (which follow
        their first copy's theme)."""
        return {
            "too_short": self.too_short_count,
            "outlier": sum(1 for a in self.assignments if a.theme_id < 0 and not a.too_short),
            "duplicate": sum(1 for a in self.assignments if a.duplicate_of is not None),
        }

    @property
    def message_text(self) -> str | None:
        """The French explanation of ``message``."""
        return MESSAGES.get(self.message) if self.message else None

    def to_json(self) -> dict:
        """Plain JSON-ready values (NaN coordinates become null)."""
        return {
            "themes": [asdict(theme) for theme in self.themes],
            "subthemes": [asdict(theme) for theme in self.subthemes],
            "assignments": [asdict(a) for a in self.assignments],
            "coordinates": [
                None if np.isnan(x) or np.isnan(y) else [x, y] for x, y in self.coordinates
            ],
            "outlier_share": self.outlier_share,
            "too_short_count": self.too_short_count,
            "reassigned_count": self.reassigned_count,
            "mode": self.mode,
            "embedder": self.embedder,
            "parameters": self.parameters,
            "versions": self.versions,
            "input_sha256": self.input_sha256,
            "seconds": self.seconds,
            "message": self.message,
            "message_text": self.message_text,
            "set_aside": self.set_aside,
            "keys": list(self.keys) if self.keys is not None else None,
            "language": self.language,
            "language_detected": self.language_detected,
            "changes": self.changes.to_json() if self.changes is not None else None,
            "rerun": self.rerun,
        }


def input_sha256(texts: Sequence[str]) -> str:
    """SHA-256 of the texts in order, each as its UTF-8 byte length (8 bytes) then its bytes."""
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()
