"""Theme descriptions: c-TF-IDF keywords checked by hand, typical verbatims first."""

import math

import numpy as np
import pytest

from nlp.themes.describe import ClassTfidf, ThemeDescriber, class_tfidf


def test_class_tfidf_matches_a_hand_computed_example():
    # Theme 0 has "pomme poire" and "pomme"; theme 1 has "train pomme".
    # Counts: theme 0 pomme 2, poire 1 (3 lemmas); theme 1 pomme 1, train 1 (2 lemmas).
    # A = (3 + 2) / 2 = 2.5; f(pomme) = 3, f(poire) = f(train) = 1.
    # w(pomme, 0) = 2/3 * ln(1 + 2.5/3) = 0.666667 * 0.606136 = 0.404091
    # w(poire, 0) = 1/3 * ln(1 + 2.5/1) = 0.333333 * 1.252763 = 0.417588
    # w(train, 1) = 1/2 * ln(3.5) = 0.626381;  w(pomme, 1) = 1/2 * 0.606136 = 0.303068
    model = ClassTfidf().fit([["pomme", "poire"], ["pomme"], ["train", "pomme"]], [0, 0, 1])

    assert model.vocabulary_ == ["poire", "pomme", "train"]
    expected = np.array([[0.417588, 0.404091, 0.0], [0.0, 0.303068, 0.626381]])
    np.testing.assert_allclose(model.weights_, expected, atol=1e-6)
    # The rarer lemma outweighs the more frequent one shared with the other theme.
    assert model.keywords(0) == ("poire", "pomme")
    assert model.keywords(1) == ("train", "pomme")


def test_class_tfidf_formula_on_a_count_matrix():
    weights = class_tfidf(np.array([[2, 1, 0], [1, 0, 1]]))
    assert weights[0, 1] == pytest.approx(1 / 3 * math.log(3.5))


def test_a_verbatim_counts_a_lemma_once_by_default():
    insistent = [["vélo", "vélo", "vélo", "parking"], ["parking"]]
    binary = ClassTfidf().fit(insistent, [0, 0])
    raw = ClassTfidf(binary=False).fit(insistent, [0, 0])
    assert binary.keywords(0)[0] == "parking"
    assert raw.keywords(0)[0] == "vélo"


def test_stop_words_are_removed_at_this_step_and_outliers_ignored():
    model = ClassTfidf(stop_words={"le", "de"}).fit(
        [["le", "vélo", "de"], ["le", "bus"], ["outlier"]], [0, 0, -1]
    )
    assert model.vocabulary_ == ["bus", "vélo"]
    assert model.classes_ == [0]


def test_describer_orders_members_by_typicality_and_skips_repeated_representatives():
    embeddings = np.array(
        [[0.2, 1.0], [1.0, 0.0], [1.0, 0.05], [1.0, 0.05], [0.9, 0.1], [0.0, 1.0], [0.1, 1.0]]
    )
    labels = np.array([0, 0, 0, 0, 0, 1, 1])
    lemmas = [["vélo", "bus"]] * 5 + [["salaire", "prime"]] * 2
    texts = ["a", "b", "répété", "Répété", "c", "d", "e"]
    described = ThemeDescriber(n_representatives=3).describe(
        lemmas, labels, embeddings, texts, rows=np.arange(10, 17)
    )

    theme = described[0]
    assert theme.members[-1] == 10  # the first verbatim is the least typical
    assert list(theme.typicality) == sorted(theme.typicality, reverse=True)
    # The most typical first, but 13 repeats 12's text, so it is skipped.
    assert theme.representatives == tuple(m for m in theme.members if m != 13)[:3]
    assert 12 in theme.representatives
    assert theme.label == "bus · vélo"
    assert described[1].keywords == ("prime", "salaire")


def test_numbers_emoji_and_light_verbs_never_make_keywords():
    described = ThemeDescriber().describe(
        [["12", "👍", "pouvoir", "compost", "jardin"]] * 3, np.zeros(3, int), np.ones((3, 2))
    )
    assert described[0].keywords == ("compost", "jardin")
