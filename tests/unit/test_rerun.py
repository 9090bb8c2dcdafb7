"""Re-running an analysis from a previous result: themes keep their ids and labels, the result
says what is new, gone, merged or split; copies, cohesion and what was set aside."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from nlp.themes import ThemeError, find_themes
from nlp.themes.cohesion import COHESION_FLOOR, silhouettes, theme_cohesion
from nlp.themes.matching import match_themes

from .test_pipeline import blob_corpus, close_pairs


def keys_of(n, prefix="c"):
    return [f"{prefix}{i}" for i in range(n)]


# Matching, on themes given as keys


def test_nothing_changed_keeps_every_id():
    previous = {0: list("abcdef"), 1: list("ghijkl"), 4: list("mnopq")}
    changes = match_themes(previous, {10: list("abcdef"), 11: list("ghijkl"), 12: list("mnopq")})
    assert changes.ids == {10: 0, 11: 1, 12: 4}
    assert changes.kept == {0: 0, 1: 1, 4: 4}
    assert not changes.merged and not changes.split and not changes.new and not changes.gone


def test_two_themes_joined_are_a_merge_and_one_cut_in_two_is_a_split():
    previous = {0: list("abcdefgh"), 1: list("ijklmnop"), 2: list("qrstuvwxyz")}
    current = {7: list("abcdefghijklmnop"), 8: list("qrstu"), 9: list("vwxyz")}
    changes = match_themes(previous, current)
    assert changes.merged == {0: (0, 1)}  # keeps the id of its first (larger or equal) source
    assert changes.split == {2: (2, 3)}  # the first part keeps the id, the other is fresh
    assert changes.ids == {7: 0, 8: 2, 9: 3}
    assert not changes.kept and not changes.new and not changes.gone


def test_new_and_gone_themes_and_representatives_decide_when_members_are_few():
    previous = {0: list("abcdef"), 1: list("ghijkl"), 2: ["x", "y"]}
    current = {0: list("abcdef"), 1: list("mnopqr"), 2: ["x", "y", "z"]}
    changes = match_themes(previous, current, {2: ["x"]})
    assert changes.kept == {0: 0, 2: 2}  # theme 2 has two shared members: its representative
    assert changes.new == (3,) and changes.gone == (1,)
    assert match_themes(previous, current).gone == (1, 2)  # without representatives: unsure


# Re-running through the pipeline


@pytest.mark.slow
def test_a_rerun_on_the_same_corpus_keeps_ids_labels_and_says_nothing_changed():
    texts, vectors, _truth = blob_corpus()
    keys = keys_of(len(texts))
    first = find_themes(texts, embeddings=vectors, keys=keys)
    stored = json.loads(json.dumps(first.to_json()))  # as the app stores it
    stored["themes"][0]["label"] = "Renommé par l'animatrice"
    again = find_themes(texts, embeddings=vectors, keys=keys, previous=stored)
    assert again.rerun == "incremental"
    assert [a.theme_id for a in again.assignments] == [a.theme_id for a in first.assignments]
    assert {t.id: t.label for t in again.themes}[first.themes[0].id] == "Renommé par l'animatrice"
    assert {t.status for t in again.themes} == {"kept"}
    assert again.changes.kept == {t.id: t.id for t in first.themes}
    refit = find_themes(texts, embeddings=vectors, keys=keys, previous=stored, refit=True)
    assert refit.rerun == "refit"
    assert sorted(refit.changes.kept) == sorted(t.id for t in first.themes)
    assert [a.theme_id for a in refit.assignments] == [a.theme_id for a in first.assignments]


@pytest.mark.slow
def test_adding_and_hiding_verbatims_keeps_the_shared_rows_themes():
    texts, vectors, truth = blob_corpus(n=240)
    keys = keys_of(len(texts))
    base = find_themes(texts[:200], embeddings=vectors[:200], keys=keys[:200])
    added = find_themes(texts, embeddings=vectors, keys=keys, previous=base)
    assert added.rerun == "incremental"
    before = [a.theme_id for a in base.assignments]
    assert [a.theme_id for a in added.assignments[:200]] == before
    # The 40 new verbatims join the theme of their own blob.
    assert adjusted_rand_score(truth[200:], [a.theme_id for a in added.assignments[200:]]) >= 0.95
    hidden = find_themes(texts[2:200], embeddings=vectors[2:200], keys=keys[2:200], previous=base)
    assert [a.theme_id for a in hidden.assignments] == before[2:]
    assert hidden.changes.gone == () and hidden.changes.new == ()
    # Determinism: the same re-run twice gives the same result.
    twice = find_themes(texts, embeddings=vectors, keys=keys, previous=base)
    assert twice.to_json() | {"seconds": None} == added.to_json() | {"seconds": None}


@pytest.mark.slow
def test_a_refit_that_joins_blobs_reports_the_merge():
    texts, vectors, _truth = blob_corpus(centers=close_pairs(), std=0.3)
    keys = keys_of(len(texts))
    four = find_themes(texts, embeddings=vectors, keys=keys)
    two = find_themes(texts, embeddings=vectors, keys=keys, previous=four, n_themes=2, refit=True)
    assert len(two.themes) == 2
    merged_sources = sorted(s for sources in two.changes.merged.values() for s in sources)
    assert merged_sources == sorted(t.id for t in four.themes)
    assert {t.status for t in two.themes} == {"merged"}
    assert all(len(sources) == 2 for sources in two.changes.merged.values())
    assert set(two.changes.merged) <= {t.id for t in four.themes}  # ids carried over


def test_a_rerun_needs_keys_and_keys_must_be_distinct():
    texts, vectors, _ = blob_corpus(n=40)
    with pytest.raises(ThemeError, match="keys"):
        find_themes(texts, embeddings=vectors, keys=["same"] * 40)
    with pytest.raises(ThemeError, match="one key per text"):
        find_themes(texts, embeddings=vectors, keys=["a", "b"])
    stored = {"themes": [], "assignments": [], "keys": None}
    with pytest.raises(ThemeError, match="keys"):
        find_themes(texts, embeddings=vectors, keys=keys_of(40), previous=stored)


# Copies, cohesion, what was set aside


@pytest.mark.slow
def test_copies_follow_their_first_copy_and_are_counted_as_set_aside():
    texts, vectors, _ = blob_corpus()
    texts = [*texts, texts[3].upper() + "  ", texts[3], "Oui."]
    vectors = np.vstack([vectors, vectors[3], vectors[3], vectors[0]])
    result = find_themes(texts, embeddings=vectors)
    first = result.assignments[3]
    for row in (200, 201):
        assert result.assignments[row].duplicate_of == 3
        assert result.assignments[row].theme_id == first.theme_id
        assert result.coordinates[row] == result.coordinates[3]
    theme = next(t for t in result.themes if t.id == first.theme_id)
    assert {3, 200, 201} <= set(theme.members) and theme.size == len(theme.members)
    assert result.set_aside == {"too_short": 1, "outlier": result.set_aside["outlier"],
                                "duplicate": 2}
    assert result.to_json()["set_aside"]["duplicate"] == 2


def test_cohesion_is_high_for_separate_themes_and_low_for_a_mixed_one():
    rng = np.random.default_rng(0)
    a = rng.normal([5, 0, 0], 0.3, (30, 3))
    b = rng.normal([0, 5, 0], 0.3, (30, 3))
    vectors = np.vstack([a, b])
    labels = np.array([0] * 30 + [1] * 30)
    cohesion = theme_cohesion(vectors, labels)
    assert min(cohesion.values()) > 0.8
    mixed = labels.copy()
    mixed[::2] = 1 - mixed[::2]  # half of each theme moved to the other
    assert max(theme_cohesion(vectors, mixed).values()) < COHESION_FLOOR
    assert silhouettes(vectors, np.array([0] * 60)).tolist() == [0.0] * 60
    assert theme_cohesion(vectors, np.zeros(60, dtype=int)) == {0: None}


@pytest.mark.slow
def test_every_theme_carries_its_cohesion_and_the_loose_ones_are_to_check():
    texts, vectors, _ = blob_corpus(std=4.0)
    result = find_themes(texts, embeddings=vectors)
    assert all(t.cohesion is not None for t in result.themes)
    assert all(t.to_check == (t.cohesion < COHESION_FLOOR) for t in result.themes)
    texts, vectors, _ = blob_corpus()
    tight = find_themes(texts, embeddings=vectors)
    assert not any(t.to_check for t in tight.themes)


@pytest.mark.slow
def test_an_incremental_rerun_keeps_the_map_and_puts_new_points_among_their_neighbours():
    texts, vectors, truth = blob_corpus(n=220)
    keys = keys_of(len(texts))
    base = find_themes(texts[:200], embeddings=vectors[:200], keys=keys[:200])
    again = find_themes(texts, embeddings=vectors, keys=keys, previous=base.to_json())
    assert again.coordinates[:200] == base.coordinates
    points = np.array(base.coordinates)
    for row in range(200, 220):  # a new point lands near the points of its own blob
        own = points[truth[:200] == truth[row]].mean(axis=0)
        other = min(np.linalg.norm(points[truth[:200] == b].mean(axis=0) - again.coordinates[row])
                    for b in set(truth.tolist()) - {truth[row]})
        assert np.linalg.norm(own - again.coordinates[row]) < other
    assert "map" in again.seconds
