"""Themes merge closest first, and each theme found knows where it went."""

import numpy as np
import pytest

from nlp.themes.hierarchy import merge_themes


def test_the_closest_themes_merge_first():
    # Four themes on the unit circle at 0, 10, 90 and 100 degrees; one outlier.
    angles = np.radians([0, 0, 10, 10, 90, 90, 100, 100, 45])
    embeddings = np.column_stack([np.cos(angles), np.sin(angles)])
    labels = np.array([0, 0, 1, 1, 2, 2, 3, 3, -1])
    merged, parent = merge_themes(embeddings, labels, 2)

    assert parent[0] == parent[1] != parent[2] == parent[3]
    assert merged[-1] == -1
    assert [parent[c] for c in labels[:-1]] == merged[:-1].tolist()


def test_nothing_merges_when_there_are_few_enough_themes_and_one_theme_takes_all():
    embeddings = np.eye(3)
    labels = np.array([0, 1, 2])
    same, parent = merge_themes(embeddings, labels, 5)
    assert same.tolist() == [0, 1, 2] and parent == {0: 0, 1: 1, 2: 2}
    one, _ = merge_themes(embeddings, labels, 1)
    assert one.tolist() == [0, 0, 0]
    with pytest.raises(ValueError):
        merge_themes(embeddings, labels, 0)
