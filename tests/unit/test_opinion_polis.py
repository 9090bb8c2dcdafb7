"""Opinion groups and statements checked against what Polis itself computed on real conversations.

Five conversations come with the math Polis's server computed for them
(../shared/data/polis/polis-math-fixtures, Polis API format: math-pca2.json). Given Polis's own
groups, each of our statistics must equal Polis's. Our own groups, found in one run from all the
votes, are compared with Polis's by adjusted Rand index, here and on two public CSV exports
whose participants-votes.csv carries the group Polis gave each participant
(../shared/data/polis/opendata).
"""

import csv
import functools

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from consult.formats.polis import OLDEST, read_polis_export
from nlp.opinion import analyse_opinion
from nlp.opinion.groups import (
    group_base_clusters,
    neutralise,
    principal_components,
    vote_matrix,
)
from nlp.opinion.statements import (
    comment_statistics,
    group_informed_consensus,
    majority_statements,
    representative_comments,
)
from tests.helpers import shared_data
from tests.polis_fixtures import load_fixture

pytestmark = pytest.mark.slow  # Polis conversations replayed update by update

FIXTURES = (
    "150ptpt-3gp-no-strict-no-meta",
    "25ptpt-3gp-no-strict-with-meta",
    "50ptpt-3gp-strict-no-meta",
    "above-100-ptpts",
    "below-100-ptpts",
)

EXPORTS = ("brexit-consensus", "15-per-hour-seattle")

# (conversation, Polis group id) → [(comment, our direction, Polis's "repful-for")].
# Polis picks its "best agree" comment by the agree statistics, then finalises it with
# repful-for = "agree" only when rat > rdt: comment 15 is agreed by 7 of group 2's 10 voters, but
# its disagree test is the higher of the two, so Polis labels it "disagree" (with the disagree
# counts, 1 of 10). We keep "agree", which is what the group does.
KNOWN_REPNESS_DIFFERENCES = {
    ("50ptpt-3gp-strict-no-meta", 2): [(15, "agree", "disagree")],
}

# Adjusted Rand index of our groups, from one update on all the votes, against Polis's, on the
# participants both cluster: today's value minus 0.03, so that a regression fails. The issue's
# target is ≥ 0.8. Below it:
# - 25ptpt-3gp-no-strict-with-meta (0.633): 27 participants, a few of whom sit between two groups;
# - brexit-consensus (0.552; 3 groups where Polis has 2) and 15-per-hour-seattle (0.499).
# Polis's clustering is incremental: each update starts from the previous clusters, and its set
# of clustered participants and its base-cluster order depend on that history, so a one-shot run
# from all the votes reaches another local optimum of k-means. The two exports (2014, 2017) also
# had their groups computed by the Polis math of that time.
ARI_FLOORS = {
    "150ptpt-3gp-no-strict-no-meta": 0.97,  # measured 1.000
    "25ptpt-3gp-no-strict-with-meta": 0.60,  # 0.633
    "50ptpt-3gp-strict-no-meta": 0.97,  # 1.000
    "above-100-ptpts": 0.85,  # 0.883
    "below-100-ptpts": 0.97,  # 1.000
    "brexit-consensus": 0.52,  # 0.552
    "15-per-hour-seattle": 0.47,  # 0.499
}
# The exports' groups: (ours, Polis's). brexit-consensus splits into 3 here (silhouettes: k=2
# 0.39, k=3 0.42), where Polis kept 2.
EXPORT_GROUP_COUNTS = {"brexit-consensus": (3, 2), "15-per-hour-seattle": (2, 2)}

# Columns where our PCA center is not minus Polis's: participant 50 has 4 votes in Polis's
# user-vote-counts but none in this fixture's votes.json, so these means count one vote fewer.
KNOWN_CENTER_DIFFERENCES = {"50ptpt-3gp-strict-no-meta": {1, 4, 12, 20}}


@functools.cache
def fixture(name: str):
    """The fixture, read once (a skip, raised when the data is missing, is not cached)."""
    return load_fixture(shared_data("polis", "polis-math-fixtures", name))


class GivenPolisGroups:
    """The fixture's votes with Polis's own groups: its participants, their latest raw votes."""

    def __init__(self, fx):
        self.matrix = vote_matrix(fx.votes, fx.comment_ids)
        groups = fx.polis_groups()
        self.group_ids = sorted(set(groups.values()))
        row = {p: i for i, p in enumerate(self.matrix.participant_ids)}
        members = [p for p in self.matrix.participant_ids if p in groups]
        self.labels = [self.group_ids.index(groups[p]) for p in members]
        self.values = self.matrix.values[[row[p] for p in members]]
        self.statistics = comment_statistics(self.values, self.labels, self.matrix.comment_ids)


def export_votes(name: str):
    """(votes oldest first, comment ids, rejected comments, Polis's groups, times) of an export."""
    folder = shared_data("polis", "opendata", name)
    export = read_polis_export(folder)
    votes = sorted(export.votes, key=lambda vote: vote.created_at or OLDEST)
    with open(folder / "participants-votes.csv", encoding="utf-8", newline="") as handle:
        groups = {int(row["participant"]): int(row["group-id"])
                  for row in csv.DictReader(handle) if row["group-id"]}
    return (
        [(v.voter_id, v.comment_id, v.vote) for v in votes],
        sorted(c.comment_id for c in export.comments),
        [c.comment_id for c in export.comments if c.moderated == -1],
        groups,
        [v.created_at.timestamp() for v in votes],
    )


def agreement(ours: dict, polis: dict) -> tuple[float, list]:
    """(adjusted Rand index on the participants both cluster, those only we cluster)."""
    both = [p for p in ours if p in polis]
    ari = adjusted_rand_score([polis[p] for p in both], [ours[p] for p in both])
    return ari, [p for p in ours if p not in polis]


# Given Polis's groups, every statistic is Polis's.


@pytest.mark.parametrize("name", FIXTURES)
def test_group_counts_equal_polis_group_votes(name):
    fx = fixture(name)
    given = GivenPolisGroups(fx)
    stats = given.statistics
    for g, group_id in enumerate(given.group_ids):
        polis = fx.math["group-votes"][str(group_id)]
        assert polis["n-members"] == given.labels.count(g)
        assert {int(c) for c in polis["votes"]} == set(given.matrix.comment_ids)
        for j, comment in enumerate(given.matrix.comment_ids):
            counts = polis["votes"][str(comment)]
            assert (stats.na[g, j], stats.nd[g, j], stats.ns[g, j]) == (
                counts["A"], counts["D"], counts["S"]), (group_id, comment)


@pytest.mark.parametrize("name", FIXTURES)
def test_group_informed_consensus_equals_polis_group_aware_consensus(name):
    fx = fixture(name)
    ours = group_informed_consensus(GivenPolisGroups(fx).statistics)
    polis = {int(c): value for c, value in fx.math["group-aware-consensus"].items()}
    assert set(ours) == set(polis) == set(fx.comment_ids)
    assert max(abs(ours[c] - polis[c]) for c in polis) <= 1e-9


@pytest.mark.parametrize("name", FIXTURES)
def test_representative_comments_are_polis_repness(name):
    fx = fixture(name)
    given = GivenPolisGroups(fx)
    chosen = representative_comments(given.statistics, fx.moderated_out)
    differences = {}
    for g, group_id in enumerate(given.group_ids):
        ours, polis = chosen[g], fx.math["repness"][str(group_id)]
        assert [s.comment_id for s in ours] == [r["tid"] for r in polis], group_id
        for statement, row in zip(ours, polis, strict=True):
            assert statement.best_agree == row.get("best-agree", False)
            if statement.direction != row["repful-for"]:
                differences.setdefault((name, group_id), []).append(
                    (statement.comment_id, statement.direction, row["repful-for"]))
                continue
            assert (statement.n_success, statement.n_trials) == (row["n-success"],
                                                                 row["n-trials"])
            assert statement.p_success == pytest.approx(row["p-success"], abs=1e-9)
            assert statement.p_test == pytest.approx(row["p-test"], abs=1e-9)
            assert statement.repness == pytest.approx(row["repness"], abs=1e-9)
            # Polis stores repness-test rounded to about 7 significant digits.
            assert statement.repness_test == pytest.approx(row["repness-test"], rel=1e-6)
    known = {key: rows for key, rows in KNOWN_REPNESS_DIFFERENCES.items() if key[0] == name}
    assert differences == known


@pytest.mark.parametrize("name", FIXTURES)
def test_majority_statements_are_polis_consensus(name):
    """Polis's "consensus" counts every participant of the matrix, clustered or not."""
    fx = fixture(name)
    matrix = vote_matrix(fx.votes, fx.comment_ids)
    ours = majority_statements(matrix.values, matrix.comment_ids, fx.moderated_out)
    for direction in ("agree", "disagree"):
        polis = fx.math["consensus"][direction]
        assert [s.comment_id for s in ours[direction]] == [r["tid"] for r in polis], direction
        for statement, row in zip(ours[direction], polis, strict=True):
            assert (statement.n_success, statement.n_trials) == (row["n-success"],
                                                                 row["n-trials"])
            assert statement.p_success == pytest.approx(row["p-success"], abs=1e-9)
            assert statement.p_test == pytest.approx(row["p-test"], abs=1e-9)


# PCA.


@pytest.mark.parametrize("name", FIXTURES)
def test_principal_components_are_polis_up_to_sign(name):
    """Polis stores agree as -1: its center is minus ours; its axes are ours up to sign."""
    fx = fixture(name)
    matrix = vote_matrix(fx.votes, fx.comment_ids)
    center, components = principal_components(neutralise(matrix, fx.moderated_out))
    kept = [j for j, c in enumerate(matrix.comment_ids) if c not in set(fx.moderated_out)]
    polis_components = np.array(fx.math["pca"]["comps"])[:, kept]
    for ours, polis in zip(components[:, kept], polis_components, strict=True):
        cosine = abs(ours @ polis) / np.linalg.norm(ours) / np.linalg.norm(polis)
        assert cosine >= 0.999
    polis_center = -np.array(fx.math["pca"]["center"])
    differing = {matrix.comment_ids[j] for j in kept if abs(center[j] - polis_center[j]) > 1e-9}
    assert differing == KNOWN_CENTER_DIFFERENCES.get(name, set())


def test_the_known_center_difference_is_votes_missing_from_the_fixture():
    fx = fixture("50ptpt-3gp-strict-no-meta")
    assert fx.math["user-vote-counts"]["50"] == 4
    assert all(participant != 50 for participant, _comment, _vote in fx.votes)


# Polis's base clusters, grouped by our step 6.


@pytest.mark.parametrize("name", FIXTURES)
def test_polis_base_clusters_grouped_afresh_are_polis_groups(name):
    """Seeded afresh in id order, the group k-means on Polis's own base clusters finds Polis's
    groups: what differs between Polis and one of our runs is the base clusters alone."""
    fx = fixture(name)
    base = fx.math["base-clusters"]
    order = np.argsort(base["id"])
    centers = np.column_stack([base["x"], base["y"]])[order]
    sizes = np.array(base["count"], dtype=float)[order]
    group_of_base, _silhouettes = group_base_clusters(centers, sizes)
    polis_group = {b: g["id"] for g in fx.math["group-clusters"] for b in g["members"]}
    polis_labels = [polis_group[base["id"][i]] for i in order]
    assert len(set(group_of_base.tolist())) == len(fx.math["group-clusters"])
    assert adjusted_rand_score(polis_labels, group_of_base) == 1.0


# Our own groups.


@pytest.mark.parametrize("name", FIXTURES)
def test_our_groups_are_as_many_as_polis_and_agree_with_them(name):
    fx = fixture(name)
    result = analyse_opinion(fx.votes, fx.comment_ids, fx.moderated_out)
    polis = fx.polis_groups()
    assert result.groups.k == len(set(polis.values()))
    ari, only_ours = agreement(dict(zip(result.groups.participant_ids, result.groups.labels,
                                        strict=True)), polis)
    assert ari >= ARI_FLOORS[name]
    # Polis's clustered participants only grow (once in, always in), so it holds ours and more.
    assert only_ours == []


@pytest.mark.parametrize("name", EXPORTS)
def test_our_groups_on_polis_exports(name):
    votes, comment_ids, rejected, polis, _times = export_votes(name)
    result = analyse_opinion(votes, comment_ids, rejected)
    assert (result.groups.k, len(set(polis.values()))) == EXPORT_GROUP_COUNTS[name]
    ari, only_ours = agreement(dict(zip(result.groups.participant_ids, result.groups.labels,
                                        strict=True)), polis)
    assert ari >= ARI_FLOORS[name]
    assert only_ours == []


# Our own groups, replaying Polis's updates every 60 s of votes (nlp/opinion_history.py).

# Measured ARI minus 0.03. The replay finds Polis's number of groups on all seven; its ARI
# depends on the update cadence, as Polis's own result does (docs/benchmarks.md: the same
# replay at 5 to 120 s agrees with itself at ARI 0.4 to 1.0 on some of these conversations).
REPLAY_ARI_FLOORS = {
    "150ptpt-3gp-no-strict-no-meta": 0.88,  # measured 0.912
    "25ptpt-3gp-no-strict-with-meta": 0.71,  # 0.746
    "50ptpt-3gp-strict-no-meta": 0.97,  # 1.000
    "above-100-ptpts": 0.85,  # 0.887
    "below-100-ptpts": 0.60,  # 0.638
    "brexit-consensus": 0.86,  # 0.897
    "15-per-hour-seattle": 0.85,  # 0.884
}


@functools.cache
def replayed(name: str):
    """(result, participant → group) of the replay at 60 s, computed once per conversation."""
    if name in EXPORTS:
        votes, comment_ids, moderated_out, _polis, times = export_votes(name)
    else:
        fx = fixture(name)
        votes, times, comment_ids, moderated_out = (fx.votes, fx.times, fx.comment_ids,
                                                    fx.moderated_out)
    result = analyse_opinion(votes, comment_ids, moderated_out, times=times, window=60)
    return result, dict(zip(result.groups.participant_ids, result.groups.labels, strict=True))


@pytest.mark.parametrize("name", FIXTURES)
def test_replayed_groups_are_as_many_as_polis_and_agree_with_them(name):
    fx = fixture(name)
    result, ours = replayed(name)
    polis = fx.polis_groups()
    assert result.groups.updates > 10
    assert result.groups.k == len(set(polis.values()))
    ari, only_ours = agreement(ours, polis)
    assert ari >= REPLAY_ARI_FLOORS[name]
    assert only_ours == []


@pytest.mark.parametrize("name", EXPORTS)
def test_replayed_groups_on_polis_exports_are_as_many_as_polis(name):
    polis = export_votes(name)[3]
    result, ours = replayed(name)
    assert result.groups.k == len(set(polis.values()))
    ari, _only_ours = agreement(ours, polis)
    assert ari >= REPLAY_ARI_FLOORS[name]


def test_replay_keeps_in_the_participants_polis_clustered_early():
    """Polis clusters 4 participants of 150ptpt that one update on all the votes leaves out:
    they voted little, but enough while the conversation had few comments, and once in, a
    participant stays in. The replay clusters them too."""
    fx = fixture("150ptpt-3gp-no-strict-no-meta")
    polis = fx.polis_groups()
    once = analyse_opinion(fx.votes, fx.comment_ids, fx.moderated_out)
    _result, ours = replayed("150ptpt-3gp-no-strict-no-meta")
    missed_once = set(polis) - set(once.groups.participant_ids)
    assert len(missed_once) == 4
    assert missed_once <= set(ours)
