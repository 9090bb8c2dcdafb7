"""Opinion analysis of a set of votes: groups, then what unites and divides them.

``analyse_opinion(votes)`` runs :mod:`nlp.opinion.groups` then :mod:`nlp.opinion.statements`
and returns a frozen :class:`OpinionResult` whose ``to_json()`` the app stores and the CLI prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .groups import OpinionGroups, opinion_groups, vote_matrix
from .history import UPDATE_WINDOW, opinion_groups_over_time
from .statements import (
    CommentStatistics,
    Statement,
    comment_statistics,
    divisive_statements,
    group_informed_consensus,
    majority_statements,
    representative_comments,
)


def group_name(label: int) -> str:
    """Polis names groups A, B, C…; past Z: A1, B1…"""
    letter = chr(ord("A") + label % 26)
    return letter if label < 26 else f"{letter}{label // 26}"


@dataclass(frozen=True)
class OpinionResult:
    """Everything :func:`analyse_opinion` found. Empty statistics when no groups were formed."""

    groups: OpinionGroups
    comment_ids: tuple
    moderated_out: tuple
    n_participants: int
    n_votes: int
    majority: dict[str, list[Statement]]
    statistics: CommentStatistics | None
    consensus: dict  # comment → group-informed consensus
    representative: dict[int, list[Statement]]
    divisive: list[dict]

    def group_of(self) -> dict:
        """participant → group name, for the clustered participants."""
        return {p: group_name(label)
                for p, label in zip(self.groups.participant_ids, self.groups.labels, strict=True)}

    def to_json(self) -> dict:
        members = self.groups.members()
        return {
            "participants_count": self.n_participants,
            "comments_count": len(self.comment_ids),
            "votes_count": self.n_votes,
            "clustered_count": len(self.groups.participant_ids),
            "updates": self.groups.updates,
            "moderated_out": list(self.moderated_out),
            "message": self.groups.message,
            "message_text": self.groups.message_text,
            "message_params": dict(self.groups.message_params),
            "silhouettes": {str(k): v for k, v in self.groups.silhouettes.items()},
            "groups": [
                {
                    "group": group_name(label),
                    "size": len(members[label]),
                    "representative": [s.to_json() for s in self.representative.get(label, [])],
                }
                for label in sorted(members)
            ],
            "participants": [
                {"participant_id": p, "group": name} for p, name in self.group_of().items()
            ],
            "majority": {d: [s.to_json() for s in rows] for d, rows in self.majority.items()},
            "group_informed_consensus": [
                {"comment_id": c, "consensus": v}
                for c, v in sorted(self.consensus.items(), key=lambda item: -item[1])
            ],
            "divisive": [
                {**row,
                 "most_agreeing_group": group_name(row["most_agreeing_group"]),
                 "least_agreeing_group": group_name(row["least_agreeing_group"]),
                 "agree_by_group": {group_name(g): p for g, p in row["agree_by_group"].items()}}
                for row in self.divisive
            ],
        }


def analyse_opinion(
    votes: Iterable[tuple],
    comment_ids: Sequence | None = None,
    moderated_out: Iterable = (),
    *,
    times: Sequence[float] | None = None,
    window: float = UPDATE_WINDOW,
    **group_options,
) -> OpinionResult:
    """Groups and statements from (participant_id, comment_id, vote) triples, oldest first.

    ``vote`` is 1 agree, -1 disagree, 0 pass; a later triple for the same pair replaces the
    earlier one. ``moderated_out`` comments weigh on nothing and are never picked out.

    With ``times`` (each vote's moment, in seconds) the groups are those Polis reaches by
    updating every ``window`` seconds of votes (:mod:`nlp.opinion.history`); without, they
    come from one update on all the votes.
    """
    votes = list(votes)
    matrix = vote_matrix(votes, comment_ids)
    out = tuple(c for c in matrix.comment_ids if c in set(moderated_out))
    if times is None:
        groups = opinion_groups(matrix, out, **group_options)
    else:
        groups = opinion_groups_over_time(votes, times, matrix.comment_ids, out, window=window,
                                          **group_options)
    majority = majority_statements(matrix.values, matrix.comment_ids, out)
    statistics, consensus, representative, divisive = None, {}, {}, []
    if groups.labels:
        row = {p: i for i, p in enumerate(matrix.participant_ids)}
        values = matrix.values[[row[p] for p in groups.participant_ids]]
        statistics = comment_statistics(values, groups.labels, matrix.comment_ids)
        consensus = group_informed_consensus(statistics)
        representative = representative_comments(statistics, out)
        divisive = divisive_statements(statistics, out)
    return OpinionResult(
        groups=groups,
        comment_ids=matrix.comment_ids,
        moderated_out=out,
        n_participants=len(matrix.participant_ids),
        n_votes=int(np.count_nonzero(~np.isnan(matrix.values))),
        majority=majority,
        statistics=statistics,
        consensus=consensus,
        representative=representative,
        divisive=divisive,
    )
