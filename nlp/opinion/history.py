"""Opinion groups as Polis reaches them: by replaying the conversation's updates in time.

Polis does not cluster a conversation once. Its math worker updates the groups as votes arrive,
and every update starts from the one before: a participant once clustered stays clustered, and
the base clusters keep their ids and members, a new participant far from all of them opening a
new one. The groups themselves are found afresh from the base clusters at each update (in the
order of their ids). The result therefore depends on the order in which people joined, which a
single run on all the votes cannot know.

:func:`opinion_groups_over_time` replays that history from the votes' times: the votes are cut
into batches of ``window`` seconds (a batch starts with the first vote after the previous
update), and each batch ends with one update (:func:`nlp.opinion.groups.opinion_groups` with
the previous update's :class:`~nlp.opinion.groups.Carried` state). Moderation is taken as it is
at the end, for the whole history: its own timing is not in the data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from .groups import OpinionGroups, VoteMatrix, opinion_groups

UPDATE_WINDOW = 60.0  # seconds of votes gathered into one update
MAX_UPDATES = 1000  # past this many batches the window widens, which bounds the work


def update_ends(times: Sequence[float], window: float = UPDATE_WINDOW,
                max_updates: int = MAX_UPDATES) -> list[int]:
    """Index just past the last vote of each batch, for times sorted oldest first.

    A batch holds the votes within ``window`` seconds of its first one. When that gives more
    than ``max_updates`` batches, the window is doubled until it does not: a long conversation
    is then replayed at a coarser grain, which bounds the work.
    """
    if len(times) == 0:
        return []
    times = np.asarray(times, dtype=float)
    while True:
        ends, start = [], times[0]
        for i, moment in enumerate(times):
            if moment - start >= window:
                ends.append(i)
                start = moment
        ends.append(len(times))
        if len(ends) <= max_updates:
            return ends
        window *= 2


def opinion_groups_over_time(
    votes: Iterable[tuple],
    times: Iterable[float],
    comment_ids: Sequence | None = None,
    moderated_out: Iterable = (),
    *,
    window: float = UPDATE_WINDOW,
    max_updates: int = MAX_UPDATES,
    **group_options,
) -> OpinionGroups:
    """The groups after replaying every update (see the module's docstring).

    ``votes`` are (participant_id, comment_id, vote) triples and ``times`` their moments in
    seconds (any origin); a later vote on the same pair replaces the earlier one. Votes on
    comments outside ``comment_ids`` (when given) are ignored.
    """
    votes, times = list(votes), np.asarray(list(times), dtype=float)
    if len(votes) != len(times):
        raise ValueError("votes and times differ in length")
    order = np.argsort(times, kind="stable")
    votes, times = [votes[i] for i in order], times[order]
    if comment_ids is None:
        comment_ids = list(dict.fromkeys(comment for _p, comment, _v in votes))
    column = {comment: j for j, comment in enumerate(comment_ids)}
    kept = [i for i, vote in enumerate(votes) if vote[1] in column]
    votes, times = [votes[i] for i in kept], times[kept]
    rows: dict = {}
    cells = np.array([(rows.setdefault(p, len(rows)), column[c], float(v)) for p, c, v in votes],
                     dtype=float).reshape(-1, 3)
    values = np.full((len(rows), len(column)), np.nan)
    seen = np.zeros(len(column), dtype=bool)
    participants = tuple(rows)
    out = set(moderated_out)
    previous, start, n_rows = None, 0, 0
    ends = update_ends(times, window, max_updates) or [0]
    for number, end in enumerate(ends, start=1):
        batch = cells[start:end]
        rows_at, columns_at = batch[:, 0].astype(int), batch[:, 1].astype(int)
        values[rows_at, columns_at] = batch[:, 2]  # later votes overwrite earlier ones
        seen[columns_at] = True
        start = end
        if len(batch):  # rows are numbered as participants first vote
            n_rows = max(n_rows, int(rows_at.max()) + 1)
        shown = np.flatnonzero(seen)
        matrix = VoteMatrix(participants[:n_rows], tuple(comment_ids[j] for j in shown),
                            values[:n_rows][:, shown])
        last = number == len(ends)
        result = opinion_groups(matrix, out & set(matrix.comment_ids), previous=previous,
                                find_groups=last, **group_options)
        previous = result.carried
    return replace(result, updates=len(ends))
