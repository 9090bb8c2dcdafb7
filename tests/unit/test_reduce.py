"""Reducers: seeded UMAP repeats itself, tiny inputs do not break it, NoReduction does nothing."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from nlp.themes.reduce import NoReduction, PcaMap, UmapReducer, nearest_neighbours


@pytest.mark.slow
def test_seeded_umap_gives_the_same_embedding_twice_and_shares_its_neighbours():
    vectors, _ = make_blobs(n_samples=120, n_features=12, centers=3, random_state=0)
    knn = nearest_neighbours(vectors, 15, 0)
    first = UmapReducer(random_state=7).fit_transform(vectors, knn)
    second = UmapReducer(random_state=7).fit_transform(vectors)
    assert first.shape == (120, 5)
    np.testing.assert_array_equal(first, second)
    assert (knn[0][:, 0] == np.arange(120)).mean() > 0.9  # each point is its own nearest


def test_tiny_inputs_are_kept_as_they_are():
    vectors = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    reduced = UmapReducer(n_components=5).fit_transform(vectors)
    assert reduced.shape == (2, 5)
    assert PcaMap().fit_transform(vectors[:1]).shape == (1, 2)


def test_no_reduction_returns_the_embeddings():
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_array_equal(NoReduction().fit_transform(vectors), vectors)
