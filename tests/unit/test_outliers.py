"""Outliers close enough to a theme join it; the others stay apart."""

import numpy as np

from nlp.themes.outliers import reassign_outliers


def corpus():
    # A theme centred on 10 degrees: members at 0, 5, 10, 15 and 20 degrees; an outlier at 17
    # degrees (inside the theme's spread) and one at 60 degrees (far from it).
    angles = np.radians([0, 5, 10, 15, 20, 17, 60])
    embeddings = np.column_stack([np.cos(angles), np.sin(angles)])
    labels = np.array([0, 0, 0, 0, 0, -1, -1])
    return embeddings, labels


def test_an_outlier_within_the_themes_spread_joins_it_and_a_far_one_stays_out():
    embeddings, labels = corpus()
    new, reassigned, strength = reassign_outliers(embeddings, labels, threshold=0.05)
    assert new.tolist() == [0, 0, 0, 0, 0, 0, -1]
    assert reassigned.tolist() == [False] * 5 + [True, False]
    # 7 degrees from the centre, it is more typical than 2 of the 5 members (0 and 20 degrees).
    assert strength[5] == 0.4


def test_a_stricter_threshold_keeps_more_outliers():
    embeddings, labels = corpus()
    # 0.5: it must be as close as the median member (5 degrees from the centre); it is 7 away.
    new, _reassigned, _strength = reassign_outliers(embeddings, labels, threshold=0.5)
    assert new[5] == -1


def test_nothing_to_do_without_themes_or_outliers():
    embeddings, labels = corpus()
    new, reassigned, _ = reassign_outliers(embeddings, np.full(7, -1), threshold=0.05)
    assert (new == -1).all() and not reassigned.any()
    new, reassigned, _ = reassign_outliers(embeddings[:5], labels[:5], threshold=0.05)
    assert new.tolist() == [0] * 5 and not reassigned.any()
