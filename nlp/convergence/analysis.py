"""Convergent and divergent themes: one verdict per theme, from stances, votes and opinion groups.

:func:`theme_convergence` takes what a consultation holds, already reduced to plain values:

- each verbatim's theme (-1 when it has none);
- the stances: (verbatim, author, college, direction) with direction +1 for, 0 neither, -1 against;
- the latest votes: (verbatim, voter, college, value) with value 1 agree, 0 pass, -1 disagree.

It reads three evidences per theme (docs/convergence.md):

1. **votes by college** — each voter counts once per theme, with the sign of the sum of their
   votes on its verbatims;
2. **declared stances by college** — each author counts once per theme, likewise;
3. **votes by opinion group** — the same votes, grouped by the Polis opinion groups found over
   the whole consultation (:mod:`nlp.opinion`).

and combines them with :func:`nlp.convergence.verdicts.theme_verdict`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..opinion import OpinionResult, analyse_opinion
from .evidence import Evidence, evidence_by_theme
from .verdicts import Verdict, VerdictThresholds, theme_verdict


@dataclass(frozen=True)
class ConvergenceResult:
    """A verdict per theme, the evidences behind it, and the opinion groups of the votes."""

    verdicts: dict[int, Verdict]
    opinion: OpinionResult
    thresholds: VerdictThresholds

    def counts(self) -> dict[str, int]:
        """How many themes got each label."""
        tally: dict[str, int] = {}
        for verdict in self.verdicts.values():
            tally[verdict.label] = tally.get(verdict.label, 0) + 1
        return tally

    def to_json(self) -> dict:
        opinion = self.opinion.to_json()
        opinion.pop("participants")  # pseudonyms: who is in which group stays out of the report
        return {
            "thresholds": asdict(self.thresholds),
            "counts": self.counts(),
            "verdicts": {str(theme): v.to_json() for theme, v in sorted(self.verdicts.items())},
            "opinion": opinion,
        }


def theme_convergence(
    theme_of_item: Sequence[int],
    stances: Iterable[tuple],
    votes: Iterable[tuple],
    *,
    orientation: Sequence[int] | None = None,
    thresholds: VerdictThresholds | None = None,
    opinion: OpinionResult | None = None,
) -> ConvergenceResult:
    """A verdict for every theme of ``theme_of_item`` (see the module's docstring).

    Items in ``stances`` and ``votes`` are indices into ``theme_of_item``.

    ``orientation`` gives each verbatim's direction on the question (+1 for, -1 against, 0
    neither); a vote then counts as that direction times the vote: agreeing with a verbatim
    against the proposal is a position against it. By default every verbatim counts +1: a vote
    is agreement with the theme's content. The opinion groups always read the raw votes.

    ``opinion``: the groups of these very votes on these very items, computed before (they do
    not depend on the themes): a correction of the themes reads the verdicts again without
    clustering the participants again.
    """
    thresholds = thresholds or VerdictThresholds()
    themes = np.asarray(theme_of_item, dtype=int)
    signs = np.ones(len(themes), dtype=int) if orientation is None else np.asarray(
        orientation, dtype=int)
    theme_ids = sorted({int(t) for t in themes if t >= 0})
    stances, votes = list(stances), list(votes)
    if opinion is None:  # the groups read the votes only: a caller may reuse them
        opinion = analyse_opinion(
            ((voter, item, value) for item, voter, _college, value in votes),
            comment_ids=list(range(len(themes))),
        )
    group_of = opinion.group_of()
    options = {"min_count": thresholds.min_count, "theme_ids": theme_ids}

    def read(rows: list[tuple], source: str, grouping: str, group_at,
             oriented_votes: bool = True) -> dict[int, Evidence]:
        """Every row is one observation, as Polis counts votes; rows without a group drop."""
        items = np.array([row[0] for row in rows], dtype=int)
        values = np.array([row[3] for row in rows], dtype=int)
        groups = [group_at(row) for row in rows]
        row_themes = themes[items]
        if oriented_votes:  # a vote on a verbatim that takes no side says nothing here
            values = values * signs[items]
            row_themes = np.where(signs[items] != 0, row_themes, -1)
        row_themes = np.where(np.array([g is not None for g in groups], dtype=bool),
                              row_themes, -1)
        names = np.array([g or "" for g in groups], dtype=str)
        return evidence_by_theme(row_themes, names, np.sign(values), source=source,
                                 grouping=grouping, **options)

    def college(row: tuple) -> str | None:
        return row[2] if row[2] else None

    by_college = read(votes, "votes", "college", college)
    by_stance = read(stances, "stances", "college", college, oriented_votes=False)
    # Without opinion groups (too few voters, no variation) that evidence is left out: the
    # opinion result's message says why.
    by_group = read(votes, "votes", "opinion_group", lambda row: group_of.get(row[1])) \
        if group_of else {}
    verdicts = {
        theme: theme_verdict(
            [e for e in (by_college.get(theme), by_stance.get(theme), by_group.get(theme)) if e],
            thresholds,
        )
        for theme in theme_ids
    }
    return ConvergenceResult(verdicts, opinion, thresholds)
