"""Polis's k-means: a clean start from the previous update keeps cluster ids and members."""

import numpy as np

from nlp.opinion.kmeans import Clusters, clean_start, first_distinct, lloyd


def test_a_first_run_is_seeded_with_the_first_distinct_points():
    points = np.array([[0.0, 0], [0, 0], [5, 5], [9, 9]])
    assert first_distinct(points, 2).tolist() == [[0, 0], [5, 5]]


def test_a_clean_start_moves_each_cluster_to_where_its_members_are_now():
    previous = Clusters((3, 7), (("a", "b"), ("c",)), np.array([[0.0, 0], [10, 10]]))
    points = np.array([[1.0, 1], [3, 1], [12, 10]])
    start = clean_start(points, ["a", "b", "c"], previous, k=2)
    assert start.ids == (3, 7)
    assert start.members == (("a", "b"), ("c",))
    assert start.centers.tolist() == [[2, 1], [12, 10]]


def test_a_newcomer_far_from_every_cluster_opens_one_with_the_next_id():
    previous = Clusters((0, 4), (("a",), ("b",)), np.array([[0.0, 0], [1, 0]]))
    points = np.array([[0.0, 0], [1, 0], [50, 50], [2, 0]])
    start = clean_start(points, ["a", "b", "far", "near"], previous, k=3)
    assert start.ids == (0, 4, 5)
    assert start.members[-1] == ("far",)
    assert start.centers[-1].tolist() == [50, 50]


def test_clusters_whose_centres_coincide_are_merged_and_vanished_members_forgotten():
    previous = Clusters((0, 1, 2), (("a",), ("b", "c"), ("gone",)),
                        np.array([[0.0, 0], [0, 0], [9, 9]]))
    points = np.array([[0.0, 0], [0, 0], [0, 0]])
    start = clean_start(points, ["a", "b", "c"], previous, k=3)
    # Only one distinct point: one cluster, with the larger one's id.
    assert start.ids == (1,)
    assert sorted(start.members[0]) == ["a", "b", "c"]


def test_lloyd_reports_which_starting_clusters_survived():
    points = np.array([[0.0], [1.0], [10.0]])
    labels, centers, survivors = lloyd(points, np.array([[0.0], [100.0], [10.0]]), None, 20)
    assert survivors.tolist() == [0, 2]
    assert labels.tolist() == [0, 0, 1]
    assert centers.ravel().tolist() == [0.5, 10.0]
