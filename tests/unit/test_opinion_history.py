"""Replaying Polis's updates: batches by time, participants kept once clustered."""

import numpy as np
import pytest

from nlp.opinion import analyse_opinion
from nlp.opinion.groups import opinion_groups, vote_matrix
from nlp.opinion.history import opinion_groups_over_time, update_ends


def two_camps(seed=0, size=20, comments=12):
    """Votes of two opposed camps, one participant after another, a minute apart."""
    rng = np.random.default_rng(seed)
    votes, times = [], []
    for participant in range(2 * size):
        lean = 1 if participant % 2 else -1
        for comment in rng.permutation(comments):
            votes.append((participant, int(comment), lean if comment < comments // 2 else 1))
            times.append(60.0 * participant + len(times) % comments)
    return votes, times


def test_batches_gather_the_votes_of_each_window():
    assert update_ends([0, 1, 59, 60, 61, 200], window=60) == [3, 5, 6]
    assert update_ends([], window=60) == []


def test_too_many_batches_widen_the_window():
    times = list(range(0, 1000, 10))
    assert len(update_ends(times, window=10, max_updates=1000)) == 100
    ends = update_ends(times, window=10, max_updates=30)
    assert len(ends) <= 30
    assert ends[-1] == 100


def test_one_window_holding_every_vote_is_one_update_on_all_the_votes():
    votes, times = two_camps()
    replay = opinion_groups_over_time(votes, times, window=10**9)
    once = opinion_groups(vote_matrix(votes))
    assert replay.updates == 1
    assert replay.participant_ids == once.participant_ids
    assert replay.labels == once.labels


def test_the_replay_finds_the_camps_update_after_update():
    votes, times = two_camps()
    groups = opinion_groups_over_time(votes, times, window=60)
    assert groups.updates == 40
    assert groups.k == 2
    camp = {p: p % 2 for p in groups.participant_ids}
    by_group = {}
    for participant, label in zip(groups.participant_ids, groups.labels, strict=True):
        by_group.setdefault(label, set()).add(camp[participant])
    assert sorted(map(sorted, by_group.values())) == [[0], [1]]


def test_a_participant_clustered_early_stays_clustered():
    """The first three voted on the only 3 comments there were; then 9 more came."""
    votes, times = two_camps(size=10)
    early = [(100 + p, c, 1 if p else -1) for p in range(3) for c in (90, 91, 92)]
    votes = early + votes
    times = [-1000.0 - i for i in range(len(early))][::-1] + times
    comment_ids = [90, 91, 92, *range(12)]
    once = analyse_opinion(votes, comment_ids)
    replay = analyse_opinion(votes, comment_ids, times=times, window=60)
    assert not {100, 101, 102} & set(once.groups.participant_ids)
    assert {100, 101, 102} <= set(replay.groups.participant_ids)
    assert replay.to_json()["updates"] == replay.groups.updates > 1


def test_votes_and_times_must_pair_up():
    with pytest.raises(ValueError, match="differ in length"):
        opinion_groups_over_time([(1, 1, 1)], [0.0, 1.0])


@pytest.mark.parametrize("votes", [[], [(1, 1, 1), (2, 1, -1)]])
def test_too_little_to_replay_says_why(votes):
    groups = opinion_groups_over_time(votes, [float(i) for i in range(len(votes))])
    assert groups.labels == ()
    assert groups.message in {"no_votes", "too_few_participants"}
    assert groups.message_text
