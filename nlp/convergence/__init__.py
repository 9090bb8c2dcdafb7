"""Convergent and divergent themes: a verdict per theme, with its reasons (docs/convergence.md).

``theme_convergence(themes, stances, votes)`` reads the stances and votes by college and by
opinion group (:mod:`nlp.opinion`) and returns a :class:`ConvergenceResult`. The sentences of the
reasons and the names of sources and groupings are exported as tables of French templates, which
the app translates by code.
"""

from .analysis import ConvergenceResult, theme_convergence
from .evidence import (
    GROUPINGS,
    SOURCES,
    Evidence,
    GroupEvidence,
    evidence_by_theme,
    person_positions_by_theme,
)
from .verdicts import (
    GROUPINGS_PLURAL,
    LABELS,
    REASONS,
    Reason,
    Verdict,
    VerdictThresholds,
    theme_verdict,
    verdicts_by_theme,
)

__all__ = [
    "GROUPINGS",
    "GROUPINGS_PLURAL",
    "LABELS",
    "REASONS",
    "SOURCES",
    "ConvergenceResult",
    "Evidence",
    "GroupEvidence",
    "Reason",
    "Verdict",
    "VerdictThresholds",
    "evidence_by_theme",
    "person_positions_by_theme",
    "theme_convergence",
    "theme_verdict",
    "verdicts_by_theme",
]
