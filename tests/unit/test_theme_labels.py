"""Theme labels read as phrases a person would write, in the texts' language (nlp.themes.labels)."""

import csv
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlp.themes import Preprocessor, ThemePipeline, find_themes
from nlp.themes.labels import PhraseLabeller, artefact, phrases, vocabulary_of
from nlp.themes.language import STOP_WORDS

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "themes_fr.json"
SHARED = ROOT.parent / "shared" / "data"
# The words a reader would accept in the label of each theme the fixture was written for.
EXPECTED = {
    "benevoles": {"bénévoles", "temps", "permanences"},
    "donnees": {"données", "protection", "bénéficiaires", "personnelles"},
    "trajets": {"trajets", "covoiturage", "voiture", "frais", "kilométriques"},
    "repas": {"cantine", "repas", "produits", "locaux", "gaspillage", "alimentaire"},
    "brexit": {"brexit", "referendum", "european", "union", "trade", "market"},
    "nhs": {"NHS", "nurses", "waiting", "lists", "hospitals"},
    "housing": {"housing", "rents", "homes", "families", "young", "social"},
}


def fixture(lang):
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))[lang]
    return [text for _, text in rows], [theme for theme, _ in rows]


def clause(text):
    """A clause as (form, lemma) pairs, the lemma being the lower-case form."""
    return [(word, word.lower()) for word in text.split()]


def candidates(text, lang="fr", part_of_speech=None):
    stop_words = STOP_WORDS[lang]
    connectors = PhraseLabeller(lang).connectors
    return {" ".join(forms) for _, forms in phrases(clause(text), stop_words, connectors,
                                                    part_of_speech)}


def test_candidates_begin_and_end_with_a_content_word_and_may_hold_connectors():
    found = candidates("le temps des bénévoles est compté")
    assert {"temps", "bénévoles", "temps des bénévoles", "compté"} <= found
    assert not any(c.split()[0] in STOP_WORDS["fr"] or c.split()[-1] in STOP_WORDS["fr"]
                   for c in found)
    assert "bénévoles est compté" not in found  # "est" is no connector


def test_no_candidate_holds_an_elision_a_hyphen_token_or_a_number_alone():
    found = candidates("qu' est -ce que la qualité de l' eau en 2024 , -t-il")
    assert "qualité de l' eau" in found
    assert not any(w.startswith("-") or w == "2024" or w.endswith("'")
                   for c in found for w in c.split()[:1] + c.split()[-1:])


def test_d_accord_says_a_stance_and_names_no_theme():
    found = candidates("je suis d' accord avec l' accord de branche , pas d' accord")
    assert {"accord de branche", "branche"} <= found  # "l'accord de branche" is a noun
    assert candidates("je suis d' accord , pas d' accord du tout") == set()
    assert candidates("tout à fait d’ accord avec le planning") == {"planning"}


def test_with_tags_phrases_keep_to_nouns_and_adjectives():
    tags = {"machine": "NOUN", "calcule": "VERB", "bonne": "ADJ", "validation": "NOUN",
            "humaine": "ADJ"}
    assert candidates("la machine calcule", part_of_speech=tags) == {"machine"}
    assert candidates("bonne validation humaine", part_of_speech=tags) == {
        "validation", "bonne validation", "validation humaine", "bonne validation humaine"}


def test_artefact_tells_what_no_person_would_write():
    for bad in ["the · rights · workers", "-ce", "l'", "' eau", "2024", "temps des",
                "de la machine", "brexit · to · the"]:
        assert artefact(bad), bad
    for good in ["temps des bénévoles", "protection des données des bénéficiaires",
                 "qualité de l'eau", "brexit · labour", "NHS"]:
        assert not artefact(good), good
    vocabulary = vocabulary_of(["Have the Tories ever had a plan?"])
    assert artefact("haver", "en", vocabulary)  # a lemma the texts never wrote
    assert not artefact("tories", "en", vocabulary)


def test_labeller_counts_variants_together_and_shows_the_written_form():
    written = [("protection", "protection"), ("des", "de"), ("données", "donnée"),
               ("personnelles", "personnelle")]
    documents = {
        0: [[written]] * 3 + [[[("donnée", "donnée"), ("personnelle", "personnelle")]]],
        1: [[clause("covoiturage vers les tournées")]] * 4,
    }
    labelled = PhraseLabeller("fr").label(documents)
    assert "données personnelles" in labelled[0].keywords
    assert "donnée personnelle" not in labelled[0].keywords
    assert labelled[1].label.startswith("covoiturage")
    assert PhraseLabeller("fr").label(documents) == labelled  # same input, same labels


def check_labels(result, texts, lang, written, at_least=3):
    vocabulary = vocabulary_of(texts)
    assert len(result.themes) >= at_least, [t.label for t in result.themes]
    for theme in result.themes:
        shown = [theme.label, *theme.keywords]
        bad = [s for s in shown if artefact(s, lang, vocabulary)]
        assert not bad, (theme.label, bad)
        majority = max(set(written), key=[written[i] for i in theme.members].count)
        words = {w for part in theme.label.split(" · ") for w in part.split()}
        assert words & EXPECTED[majority], (majority, theme.label)


@pytest.mark.slow
def test_french_fixture_gets_phrase_labels_in_french():
    texts, written = fixture("fr")
    pipeline = ThemePipeline(preprocessor=Preprocessor(lang=None))
    result = pipeline.fit(texts)
    assert pipeline.preprocessor.language.language == "fr"
    assert pipeline.preprocessor.language.detected
    check_labels(result, texts, "fr", written)
    assert any(" " in theme.label.replace(" · ", "") for theme in result.themes)
    again = ThemePipeline(preprocessor=Preprocessor(lang=None)).fit(texts)
    assert [(t.label, t.keywords) for t in again.themes] == [
        (t.label, t.keywords) for t in result.themes]


@pytest.mark.slow
def test_english_fixture_is_detected_and_labelled_without_english_stop_words():
    texts, written = fixture("en")
    pipeline = ThemePipeline(preprocessor=Preprocessor(lang=None))
    result = pipeline.fit(texts)
    assert pipeline.preprocessor.language.language == "en"
    assert pipeline.preprocessor.language.detected
    # 36 texts are few for the clustering: over seeds 0-4 today's libraries find 2 to 4 themes
    # (NHS and housing sometimes together), so this test of labels asks for two.
    check_labels(result, texts, "en", written, at_least=2)
    shown = {w.lower() for t in result.themes for s in (t.label, *t.keywords) for w in s.split()}
    assert not shown & {"the", "at", "but", "to", "be", "haver"}


@pytest.mark.slow
def test_the_language_given_is_used_not_detected():
    texts, _ = fixture("fr")
    pipeline = ThemePipeline(preprocessor=Preprocessor(lang="en"))
    result = pipeline.fit(texts)
    assert pipeline.preprocessor.language.language == "en"
    assert not pipeline.preprocessor.language.detected
    # Read as English, French articles are no stop words: some label or keyword begins with one.
    shown = [s for t in result.themes for s in (t.label, *t.keywords)]
    assert any(artefact(s, "fr") for s in shown)
    french = find_themes(texts, mode="fast", lang="fr")
    assert not any(artefact(s, "fr") for t in french.themes for s in (t.label, *t.keywords))


@pytest.mark.slow
def test_cli_says_which_language_it_used(tmp_path):
    from consult.cli_nlp import nlp_group

    texts, _ = fixture("en")
    path = tmp_path / "comments.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts)
    runner = CliRunner()
    detected = runner.invoke(nlp_group, ["themes", str(path), "--mode", "fast"])
    assert detected.exit_code == 0, detected.output
    assert "Langue détectée : anglais" in detected.output
    given = runner.invoke(nlp_group, ["themes", str(path), "--mode", "fast", "--lang", "fr"])
    assert given.exit_code == 0, given.output
    assert "Langue : français (indiquée)" in given.output
    refused = runner.invoke(nlp_group, ["themes", str(path), "--lang", "de"])
    assert refused.exit_code == 2


@pytest.mark.slow
@pytest.mark.skipif(not SHARED.exists(), reason=f"benchmark corpora not found at {SHARED}")
def test_no_label_or_keyword_of_the_benchmark_corpora_is_an_artefact():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import theme_labels
    finally:
        sys.path.remove(str(ROOT / "bench"))
    corpora = [(name, texts, "fr") for name, texts, _ in theme_labels.load_sets()]
    polis = theme_labels.load_polis()
    if polis:
        corpora.append(("polis", polis, "en"))
    for name, texts, lang in corpora:
        result = find_themes(texts, mode="fast", seed=0)
        vocabulary = vocabulary_of(texts)
        shown = [s for t in result.themes for s in (t.label, *t.keywords)]
        bad = [s for s in shown if artefact(s, lang, vocabulary)]
        assert not bad, (name, bad)
