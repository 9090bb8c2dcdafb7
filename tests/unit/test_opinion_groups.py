"""Opinion groups on crafted votes with a known answer, and on inputs too poor to form groups."""

import json

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score, silhouette_score

from nlp.opinion import analyse_opinion
from nlp.opinion.groups import (
    MESSAGES,
    clustered_participants,
    kmeans,
    neutralise,
    opinion_groups,
    principal_components,
    project,
    silhouette,
    vote_matrix,
)


def camps(profiles, sizes, seed=0, voted=0.8, noise=0.0):
    """Votes of participants drawn from opinion camps, shuffled in time; and each one's camp.

    A profile gives the camp's vote (1 or -1) on each comment; each participant votes on a
    random share ``voted`` of the comments, against their camp with probability ``noise``.
    """
    rng = np.random.default_rng(seed)
    votes, camp_of = [], {}
    for camp, (profile, size) in enumerate(zip(profiles, sizes, strict=True)):
        for _ in range(size):
            participant = len(camp_of)
            camp_of[participant] = camp
            for comment, lean in enumerate(profile):
                if rng.random() < voted:
                    vote = -lean if rng.random() < noise else lean
                    votes.append((participant, comment, int(vote)))
    return [votes[i] for i in rng.permutation(len(votes))], camp_of


def ari_with(groups, camp_of) -> float:
    return adjusted_rand_score([camp_of[p] for p in groups.participant_ids], list(groups.labels))


# Known answers.


@pytest.mark.parametrize("seed", range(5))
def test_two_camps_opposed_on_half_the_comments_are_two_groups(seed):
    together = [1] * 10
    votes, camp_of = camps([[1] * 10 + together, [-1] * 10 + together], [25, 15], seed)
    groups = opinion_groups(vote_matrix(votes))
    assert groups.message is None
    assert groups.k == 2
    assert ari_with(groups, camp_of) == 1.0
    assert sorted(len(m) for m in groups.members().values()) == [15, 25]


def test_three_camps_are_three_groups():
    """Group k-means is seeded with the first base clusters, as Polis does (no restarts): another
    order of arrival can settle in another local optimum, so this checks one drawn order."""
    first = [1] * 8 + [-1] * 8 + [1] * 8
    second = [-1] * 8 + [1] * 8 + [1] * 8
    third = [1] * 8 + [1] * 8 + [-1] * 8
    votes, camp_of = camps([first, second, third], [20, 15, 12], seed=0, noise=0.05)
    groups = opinion_groups(vote_matrix(votes))
    assert groups.k == 3
    assert ari_with(groups, camp_of) == 1.0
    assert max(groups.silhouettes, key=groups.silhouettes.get) == 3


def test_with_fewer_than_12_base_clusters_only_two_groups_are_tried():
    """Polis tries k = 2 .. 2 + n_base_clusters / 12 (at most 5)."""
    votes, _camps = camps([[1] * 10, [-1] * 10, [1] * 5 + [-1] * 5], [10, 10, 10], voted=1.0)
    groups = opinion_groups(vote_matrix(votes))
    assert len(groups.base_centers) == 3  # everyone voted on everything: three positions
    assert set(groups.silhouettes) == {2}


def test_moderated_out_comments_weigh_on_nothing():
    together = [1] * 10
    votes, camp_of = camps([[1] * 10 + together, [-1] * 10 + together], [20, 20])
    # A moderated-out comment on which the camps split the other way round.
    votes += [(p, 99, 1 if (p % 2) else -1) for p in camp_of]
    comment_ids = [*range(20), 99]
    groups = opinion_groups(vote_matrix(votes, comment_ids), moderated_out=[99])
    assert ari_with(groups, camp_of) == 1.0
    assert groups.components[:, -1].tolist() == [0.0, 0.0]


# The steps.


def test_vote_matrix_keeps_the_latest_vote_and_the_order_of_first_votes():
    matrix = vote_matrix([("b", 2, 1), ("a", 1, -1), ("b", 2, -1), ("a", 3, 0), ("c", 9, 1)],
                         comment_ids=[1, 2, 3])
    assert matrix.participant_ids == ("b", "a")  # c voted only on an unknown comment
    assert matrix.comment_ids == (1, 2, 3)
    np.testing.assert_array_equal(matrix.values, [[np.nan, -1, np.nan], [-1, np.nan, 0]])
    np.testing.assert_array_equal(matrix.vote_counts, [1, 2])


def test_neutralise_sets_moderated_out_columns_to_a_pass_for_everyone():
    matrix = vote_matrix([(1, "x", 1), (1, "y", -1), (2, "x", -1)])
    np.testing.assert_array_equal(neutralise(matrix, ["y"]), [[1, 0], [-1, 0]])
    assert np.isnan(matrix.values[1, 1])  # the matrix itself is left as it was


def test_clustered_participants_need_seven_votes_then_the_most_active_fill_up_to_15():
    votes = [(p, c, 1) for p in range(10) for c in range(7)]  # 10 with 7 votes
    votes += [(10 + p, c, 1) for p in range(8) for c in range(p % 4 + 1)]  # 8 with 1-4 votes
    matrix = vote_matrix(votes)
    mask = clustered_participants(matrix)
    assert mask.sum() == 15 and mask[:10].all()
    assert sorted(matrix.vote_counts[10:][mask[10:]].tolist()) == [2, 3, 3, 4, 4]


def test_with_fewer_comments_than_seven_a_vote_on_each_is_enough():
    votes = [(p, c, 1 if p % 2 else -1) for p in range(20) for c in range(3)]
    assert clustered_participants(vote_matrix(votes)).all()


def test_principal_components_are_sklearns_pca_on_the_mean_imputed_matrix():
    rng = np.random.default_rng(1)
    values = rng.choice([-1.0, 0.0, 1.0], size=(60, 12))
    values[rng.random(values.shape) < 0.3] = np.nan
    imputed = np.where(np.isnan(values), np.nanmean(values, axis=0), values)
    center, components = principal_components(values)
    reference = PCA(n_components=2).fit(imputed)
    np.testing.assert_allclose(center, reference.mean_, atol=1e-12)
    for ours, theirs in zip(components, reference.components_, strict=True):
        assert abs(ours @ theirs) == pytest.approx(1.0, abs=1e-9)
        assert ours[np.argmax(np.abs(ours))] > 0  # signed for reproducible runs


def test_many_comments_get_the_same_axes_from_the_two_leading_singular_vectors(monkeypatch):
    """Beyond EXACT_UP_TO comments only two axes are computed: the same as the full
    decomposition's, signed the same way (a theme correction on 10,000 verbatims waited three
    minutes for the full one)."""
    from nlp.opinion import groups

    rng = np.random.default_rng(2)
    leaning = rng.normal(size=(150, 2)) @ rng.normal(size=(2, 400))
    values = np.sign(leaning + rng.normal(scale=1.5, size=leaning.shape))
    values[rng.random(values.shape) < 0.8] = np.nan
    exact = principal_components(values)
    monkeypatch.setattr(groups, "EXACT_UP_TO", 100)
    center, components = principal_components(values)
    np.testing.assert_allclose(center, exact[0])
    np.testing.assert_allclose(components, exact[1], atol=1e-8)
    # and every participant lands where the full matrix puts them
    dense = project(values, center, components)
    monkeypatch.setattr(groups, "EXACT_UP_TO", 2000)
    np.testing.assert_allclose(dense, project(values, center, components), atol=1e-12)


def test_projection_is_scaled_by_the_share_of_comments_voted():
    """sqrt(n_comments / n_votes): someone who voted on half is pushed out by sqrt(2)."""
    values = np.array([[1, 1, 1, 1], [1, 1, np.nan, np.nan], [np.nan] * 4])
    components = np.array([[0.5, 0.5, 0.5, 0.5], [0.5, -0.5, 0.5, -0.5]])
    positions = project(values, np.zeros(4), components)
    np.testing.assert_allclose(positions, [[2, 0], [np.sqrt(2), 0], [0, 0]])


def test_projection_counts_votes_from_the_center():
    values = np.array([[1.0, np.nan], [-1.0, 1.0]])
    positions = project(values, np.array([0.5, 0.0]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(positions, [[0.5 * np.sqrt(2), 0], [-1.5, 1.0]])


def test_kmeans_is_seeded_with_the_first_distinct_points_in_order():
    points = np.array([[5.0, 5.0], [0.0, 0.0], [5.0, 5.0], [1.0, 1.0]])
    labels, centers = kmeans(points, 2, iterations=1)
    assert labels.tolist() == [0, 1, 0, 1]  # seeds (5, 5) then (0, 0), not sorted
    np.testing.assert_allclose(centers, [[5, 5], [0.5, 0.5]])


def test_kmeans_weights_the_means_and_converges():
    labels, centers = kmeans(np.array([[0.0], [1.0], [10.0]]), 2, weights=[1, 3, 1])
    assert labels.tolist() == [0, 0, 1]
    np.testing.assert_allclose(centers, [[0.75], [10.0]])  # unweighted would be 0.5


def test_kmeans_drops_a_cluster_that_loses_every_point():
    labels, centers = kmeans(np.array([[0.0], [1.0], [2.0]]), 2, seeds=[[0.0], [0.0]])
    assert labels.tolist() == [0, 0, 0]
    np.testing.assert_allclose(centers, [[1.0]])


def test_silhouette_is_sklearns_and_zero_when_it_is_undefined():
    points = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0], [5.0, 6.0], [9.0, 0.0]])
    labels = np.array([0, 0, 1, 1, 2])
    assert silhouette(points, labels) == pytest.approx(silhouette_score(points, labels))
    assert silhouette(points, np.zeros(5, dtype=int)) == 0.0
    assert silhouette(points[:2], np.array([0, 1])) == 0.0


# Inputs too poor to form groups: a message, no exception, no warning, no division by zero.

POOR_INPUTS = {
    "no votes": ([], None, (), "no_votes"),
    "no votes on known comments": ([], [1, 2, 3], (), "no_votes"),
    "one participant": ([(1, c, 1) for c in range(10)], None, (), "too_few_participants"),
    "two participants": ([(p, c, 1 if p else -1) for p in range(2) for c in range(10)], None, (),
                         "too_few_participants"),
    "everyone agrees": ([(p, c, 1) for p in range(30) for c in range(10)], None, (),
                        "no_variation"),
    "everyone passes": ([(p, c, 0) for p in range(30) for c in range(10)], None, (),
                        "no_variation"),
    "only moderated-out comments": (
        [(p, c, 1 if p % 2 else -1) for p in range(30) for c in range(5)], None, range(5),
        "all_moderated_out"),
}


@pytest.mark.parametrize("name", POOR_INPUTS)
def test_poor_input_gives_a_message_and_no_groups(name):
    votes, comment_ids, moderated_out, message = POOR_INPUTS[name]
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        result = analyse_opinion(votes, comment_ids, moderated_out)
    groups = result.groups
    assert groups.message == message and message in MESSAGES
    assert groups.message_text and "%" not in groups.message_text
    assert groups.labels == () and groups.k == 0
    assert result.representative == {} and result.consensus == {} and result.divisive == []
    document = json.loads(json.dumps(result.to_json()))
    assert document["message"] == message and document["participants"] == []
    assert document["groups"] == []


def test_too_few_participants_says_how_many_there_are():
    votes, comment_ids, moderated_out, _message = POOR_INPUTS["two participants"]
    text = analyse_opinion(votes, comment_ids, moderated_out).groups.message_text
    assert "(2, il en faut au moins 3)" in text


def test_without_groups_the_majority_still_speaks():
    votes, comment_ids, moderated_out, _message = POOR_INPUTS["everyone agrees"]
    result = analyse_opinion(votes, comment_ids, moderated_out)
    assert len(result.majority["agree"]) == 5 and result.majority["disagree"] == []
    assert all(s.n_success == s.n_trials == 30 for s in result.majority["agree"])


def test_a_single_comment_splits_its_agreers_from_its_disagreers():
    votes = [(p, "seul", 1 if p % 3 else -1) for p in range(30)]
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        result = analyse_opinion(votes)
    groups = result.groups
    assert groups.message is None and groups.k == 2
    assert sorted(len(m) for m in groups.members().values()) == [10, 20]
    json.dumps(result.to_json())


def test_three_participants_who_disagree_are_enough():
    votes = [(p, c, (1, -1, 0)[p]) for p in range(3) for c in range(8)]
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        result = analyse_opinion(votes)
    assert result.groups.message is None and result.groups.k == 2
    document = json.loads(json.dumps(result.to_json()))
    assert len(document["participants"]) == 3
    assert sum(group["size"] for group in document["groups"]) == 3
