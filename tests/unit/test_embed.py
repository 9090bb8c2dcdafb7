"""Embedders share one interface and give unit-length float32 rows."""

import numpy as np
import pytest

from nlp.themes.embed import FastEmbedder, PrecomputedEmbeddings

TEXTS = [
    "Le covoiturage réduirait nos trajets en voiture.",
    "Partager la voiture pour aller aux visites ferait des économies.",
    "Les données de santé des bénéficiaires doivent rester confidentielles.",
    "Personne ne doit lire le dossier médical des personnes visitées.",
    "Un 👍",
]


@pytest.mark.slow
def test_fast_embedder_gives_unit_rows_and_puts_like_with_like():
    embedder = FastEmbedder()
    vectors = embedder.encode(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (5, embedder.dimension) == (5, 400)
    np.testing.assert_allclose(np.linalg.norm(vectors[:4], axis=1), 1, atol=1e-5)
    assert not vectors[4].any()  # nothing to embed in "Un 👍": zeros, not noise
    similarity = vectors[:4] @ vectors[:4].T
    assert similarity[0, 1] > similarity[0, 2] and similarity[2, 3] > similarity[2, 1]
    np.testing.assert_array_equal(vectors, embedder.encode(TEXTS))
    assert embedder.version().startswith("spacy-vectors+lsa on fr_core_news_md==")


@pytest.mark.slow
def test_fast_embedder_handles_empty_and_wordless_corpora():
    embedder = FastEmbedder()
    assert embedder.encode([]).shape == (0, 400)
    assert not embedder.encode(["!!!", "😀"]).any()


def test_precomputed_embeddings_are_checked_and_normalised():
    embedder = PrecomputedEmbeddings(np.array([[3.0, 4.0], [0.0, 2.0]]))
    np.testing.assert_allclose(embedder.encode(["a", "b"]), [[0.6, 0.8], [0.0, 1.0]])
    assert embedder.dimension == 2
    with pytest.raises(ValueError, match="one row per text"):
        embedder.encode(["a"])
    with pytest.raises(ValueError, match="2-D"):
        PrecomputedEmbeddings(np.ones(3))
    with pytest.raises(ValueError, match="NaN"):
        PrecomputedEmbeddings(np.array([[np.nan, 1.0]]))
