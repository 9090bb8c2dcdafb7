"""Clusterers: adaptive minimum size, HDBSCAN on blobs, and the simple variants."""

import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from nlp.themes.cluster import (
    HdbscanClusterer,
    KMeansClusterer,
    SingleCluster,
    adaptive_min_cluster_size,
)


@pytest.mark.parametrize(
    "n, size", [(0, 5), (50, 5), (100, 5), (1_000, 16), (10_000, 50), (100_000, 158)]
)
def test_minimum_cluster_size_grows_with_the_square_root_of_the_corpus(n, size):
    assert adaptive_min_cluster_size(n) == size


def test_hdbscan_finds_blobs_with_strengths_between_0_and_1():
    vectors, truth = make_blobs(n_samples=300, n_features=5, centers=3, random_state=1)
    clusterer = HdbscanClusterer().fit(vectors)
    assert clusterer.min_cluster_size_ == 9
    assert adjusted_rand_score(truth, clusterer.labels_) >= 0.95
    assert ((clusterer.probabilities_ >= 0) & (clusterer.probabilities_ <= 1)).all()


def test_kmeans_and_single_cluster():
    vectors, truth = make_blobs(n_samples=90, n_features=4, centers=3, random_state=2)
    kmeans = KMeansClusterer(3).fit(vectors)
    assert adjusted_rand_score(truth, kmeans.labels_) == 1.0
    assert ((kmeans.probabilities_ >= 0) & (kmeans.probabilities_ <= 1)).all()
    single = SingleCluster().fit(vectors)
    assert set(single.labels_) == {0} and (single.probabilities_ == 1).all()
