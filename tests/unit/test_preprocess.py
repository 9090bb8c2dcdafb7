"""French preprocessing: lemmas, content words, and the too-short rule."""

import pytest

from nlp.themes.preprocess import Preprocessor, is_too_short

pytestmark = pytest.mark.slow  # spaCy's French model tags every text


@pytest.fixture(scope="module")
def preprocessor():
    return Preprocessor()


def test_tokens_lemmas_and_content_words(preprocessor):
    (analysis,) = preprocessor.analyse(["Les données des bénéficiaires sont protégées !"])
    assert analysis.tokens == ("Les", "données", "des", "bénéficiaires", "sont", "protégées")
    assert analysis.lemmas[1] == "donnée" and analysis.lemmas[4] == "être"
    assert analysis.content_lemmas == ("donnée", "bénéficiaire", "protéger")


@pytest.mark.parametrize(
    "text, too_short",
    [
        ("Oui.", True),
        ("Non merci", True),
        ("Pas d'accord", True),
        ("👍👍", True),
        ("Très bien !", True),
        ("12 34", True),
        ("", True),
        ("Trop cher pour nous", False),
        ("Protection des données", False),
    ],
)

def test_the_too_short_rule(preprocessor, text, too_short):
    (analysis,) = preprocessor.analyse([text])
    assert is_too_short(analysis) is too_short


def test_large_corpora_learn_lemmas_from_a_sample_and_mostly_agree(preprocessor):
    texts = [
        "Les bénévoles veulent garder le contact humain avec les personnes visitées.",
        "Un outil qui propose des binômes ferait gagner du temps à la coordination.",
        "Les données de santé ne doivent jamais servir à choisir un bénévole.",
        "Nos trajets en voiture coûtent cher et polluent beaucoup trop.",
    ] * 6
    full = preprocessor.analyse(texts)
    sampled = Preprocessor(contextual_limit=5).analyse(texts)
    assert [a.tokens for a in sampled] == [a.tokens for a in full]
    pairs = [
        (x, y)
        for a, b in zip(full, sampled, strict=True)
        for x, y in zip(a.lemmas, b.lemmas, strict=True)
    ]
    assert sum(x == y for x, y in pairs) / len(pairs) >= 0.9


def test_very_long_texts_are_cut(preprocessor):
    (analysis,) = Preprocessor(max_characters=100).analyse(["mot " * 10_000])
    assert len(analysis.tokens) == 25
    assert preprocessor.analyse([]) == []
