"""Polis's opinion analysis of a set of votes (docs/convergence.md).

``analyse_opinion(votes, comment_ids)`` forms the opinion groups (in one update, or replaying
Polis's updates from the votes' times) and computes what unites and divides them; it returns a
frozen :class:`OpinionResult`. The steps are exported too, for checks against Polis's own results.
"""

from .analysis import OpinionResult, analyse_opinion, group_name
from .groups import MESSAGES, OpinionGroups, VoteMatrix, opinion_groups, vote_matrix
from .history import UPDATE_WINDOW, opinion_groups_over_time, update_ends
from .statements import (
    CommentStatistics,
    Statement,
    comment_statistics,
    divisive_statements,
    group_informed_consensus,
    majority_statements,
    representative_comments,
)

__all__ = [
    "MESSAGES",
    "UPDATE_WINDOW",
    "CommentStatistics",
    "OpinionGroups",
    "OpinionResult",
    "Statement",
    "VoteMatrix",
    "analyse_opinion",
    "comment_statistics",
    "divisive_statements",
    "group_informed_consensus",
    "group_name",
    "majority_statements",
    "opinion_groups",
    "opinion_groups_over_time",
    "representative_comments",
    "update_ends",
    "vote_matrix",
]
