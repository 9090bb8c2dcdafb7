"""Personal data in French contributions is replaced by placeholders before anyone reads them."""

import csv
import itertools
from pathlib import Path

import pytest

from nlp.redaction import PLACEHOLDERS, Redaction, Redactor, Span, evaluate, load_examples
from nlp.redaction import redactor as redact_module
from tests.helpers import shared_data

pytestmark = pytest.mark.slow  # the redactor runs spaCy's entity recogniser

EVALUATION_SET = Path(__file__).resolve().parents[1] / "data" / "redaction_fr.jsonl"


@pytest.fixture(scope="module")
def redactor():
    """One Redactor for the module: the spaCy model loads once (about 4 s)."""
    return Redactor()


@pytest.fixture(scope="module")
def examples():
    return load_examples(EVALUATION_SET)


@pytest.mark.parametrize(
    "number",
    [
        "06 12 34 56 78",
        "06.12.34.56.78",
        "0612345678",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "(+33) 2 40 15 62 33",
        "0033 6 12 98 45 67",
        "01-23-45-67-89",
        "09 51 23 47 86",
        "06\u00a012\u00a034\u00a056\u00a078",
    ],
)
def test_phone_numbers_in_every_usual_format(redactor, number):
    assert redactor.redact(f"Appelez-moi au {number} demain.").text == (
        "Appelez-moi au [téléphone] demain."
    )


@pytest.mark.parametrize(
    "text",
    [
        "En cas d'urgence, composez le 15, le 17 ou le 112 ; pour les enfants, le 119.",
        "Pour les violences conjugales, le 3919 est gratuit, et le 115 pour un hébergement.",
        "L'entreprise prestataire (SIRET 123 456 789 00012) propose un chatbot.",
        "La séance du 12/10/2024 a duré 2 h 30.",
    ],
)
def test_short_service_numbers_and_other_numbers_are_not_phones(redactor, text):
    assert redactor.find(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Écrivez à claire.fontaine@orange.fr, merci.", "Écrivez à [e-mail], merci."),
        ("Mail : DIALLO.AMADOU@GMAIL.COM.", "Mail : [e-mail]."),
        ("Contact : aidants+briere@fil-solidaire.example", "Contact : [e-mail]"),
        ("Écrire à marie.dupont (at) free.fr svp", "Écrire à [e-mail] svp"),
        ("marie.dupont[arobase]free.fr", "[e-mail]"),
    ],
)
def test_email_addresses(redactor, text, expected):
    assert redactor.redact(text).text == expected


@pytest.mark.parametrize(
    "iban",
    [
        "FR76 3000 6000 0112 3456 7890 189",
        "FR7630006000011234567890189",
        "fr76 3000 6000 0112 3456 7890 189",
        "DE89 3704 0044 0532 0130 00",
        "BE68 5390 0754 7034",
        # Wrong check digits but the exact French layout: a mistyped IBAN is still bank details.
        "FR12 3000 3012 3400 0501 2345 678",
    ],
)
def test_ibans_with_or_without_spaces(redactor, iban):
    assert redactor.redact(f"Mon IBAN est {iban} merci.").text == "Mon IBAN est [IBAN] merci."


def test_an_iban_like_code_that_fails_the_check_is_left_alone(redactor):
    # German layout and length, wrong check digits: not an IBAN, so not redacted.
    assert redactor.find("Référence DE12 3704 0044 0532 0130 00 du dossier.") == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("J'habite au 12 rue des Lilas depuis 40 ans.", "12 rue des Lilas"),
        ("Ma mère vit au 3 bis avenue Jean Jaurès, au fond.", "3 bis avenue Jean Jaurès"),
        (
            "Envoyez le courrier au 45, boulevard de la République 44000 Nantes.",
            "45, boulevard de la République 44000 Nantes",
        ),
        ("Je vis seule au lieu-dit La Ville-Orain, sans voiture.", "lieu-dit La Ville-Orain"),
        ("Adresse postale : BP 12, 44350 Guérande", "BP 12, 44350 Guérande"),
        ("J'ai déménagé à 44500 La Baule-Escoublac l'an dernier.", "44500 La Baule-Escoublac"),
        ("J'habite rue des Peupliers, à côté de l'école.", "rue des Peupliers"),
    ],
)
def test_postal_addresses(redactor, text, address):
    assert [text[s.start : s.end] for s in redactor.find(text)] == [address]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Mme Le Goff attend une visite.", ["Le Goff"]),
        ("M. Kerjean voudrait savoir qui lira les réponses.", ["Kerjean"]),
        ("Le docteur Morvan dit que les appels aident.", ["Morvan"]),
        ("Marie Dupont s'occupe des plannings.", ["Marie Dupont"]),
        ("J'ai parlé avec Anne de La Tour hier.", ["Anne de La Tour"]),
        ("Jean-Pierre est venu réparer le volet.", ["Jean-Pierre"]),
        ("je remercie jean-paul pour les trajets", ["jean-paul"]),
        ("MOREAU Sylvie, bénévole, secteur nord.", ["MOREAU Sylvie"]),
        ("Nadia Benali et Thomas Guérin ont animé l'atelier.", ["Nadia Benali", "Thomas Guérin"]),
    ],
)
def test_person_names(redactor, text, names):
    found = redactor.find(text)
    assert [text[s.start : s.end] for s in found] == names
    assert {s.kind for s in found} == {"person"}


@pytest.mark.parametrize(
    "text",
    [
        "L'IA ne doit pas remplacer le contact humain avec les personnes âgées.",
        "Palabre nous a permis de voter en ligne, c'est plus simple.",
        "Le collège des Bénévoles pèse 20 % des voix et celui des Salariés 30 %.",
        "Dieu sait combien de temps il faudra pour former tout le monde.",
        "Le 15 mars, nous avons réuni 42 bénévoles à la salle des fêtes de Guérande.",
        "Avril et mai sont les mois où les demandes de transport explosent.",
        "Le budget est de 12 500 € sur 3 ans, soit 4 % de notre chiffre d'affaires.",
        "La Mairie de Saint-Nazaire et la Caisse d'allocations familiales financent l'accueil.",
        "L'atelier a lieu à la médiathèque Jules Verne chaque vendredi.",
        "Pour la Saint-Martin, nous organisons un goûter avec les résidents.",
        "Monsieur le Maire et Madame la Présidente étaient présents.",
        "Merci à tous les bénévoles de Donges, Montoir et Trignac pour leur mobilisation.",
    ],
)

def test_near_misses_are_left_alone(redactor, text):
    assert redactor.find(text) == []


def test_offsets_point_into_the_original_text(redactor):
    text = "Mme Hervé (06 71 42 88 19, h.herve@free.fr) vit au 8 impasse des Mésanges."
    result = redactor.redact(text)
    assert [(text[s.start : s.end], s.kind) for s in result.spans] == [
        ("Hervé", "person"),
        ("06 71 42 88 19", "phone"),
        ("h.herve@free.fr", "email"),
        ("8 impasse des Mésanges", "address"),
    ]
    assert result.text == "Mme [personne] ([téléphone], [e-mail]) vit au [adresse]."


def test_a_name_inside_an_email_address_is_part_of_the_address(redactor):
    result = redactor.redact("Écrivez à marie.dupont@orange.fr aujourd'hui.")
    assert result.spans == (Span(10, 32, "email"),)


def test_redacting_twice_changes_nothing(redactor, examples):
    texts = [example["text"] for example in examples]
    once = redactor.redact_many(texts)
    twice = redactor.redact_many([r.text for r in once])
    assert [r.text for r in twice] == [r.text for r in once]
    assert all(r.spans == () for r in twice)


def test_empty_text(redactor):
    assert redactor.redact("") == Redaction("", ())
    assert redactor.redact_many([]) == []


def test_very_long_text_is_redacted_throughout(redactor):
    # Longer than the pieces the model reads at a time (20,000 characters).
    paragraph = "Bonjour, je suis Marie Dupont, au 06 12 34 56 78 ou à marie@free.fr.\n"
    text = paragraph * 800
    result = redactor.redact(text)
    assert len(text) > 50_000
    assert result.text == "Bonjour, je suis [personne], au [téléphone] ou à [e-mail].\n" * 800
    assert len(result.spans) == 3 * 800


def test_html_is_kept_as_text(redactor):
    text = "<p>Je suis <b>Marie Dupont</b>, tél. <i>06 12 34 56 78</i>.</p>"
    assert redactor.redact(text).text == (
        "<p>Je suis <b>[personne]</b>, tél. <i>[téléphone]</i>.</p>"
    )


def test_redact_many_gives_the_same_result_as_redact(redactor, examples):
    texts = [example["text"] for example in examples[:40]]
    assert redactor.redact_many(texts, batch_size=7) == [redactor.redact(t) for t in texts]


def test_module_level_redact_uses_one_shared_redactor(redactor, monkeypatch):
    monkeypatch.setattr(redact_module, "_shared", redactor)
    assert redact_module.redact("Appelez Karim au 0612345678.").text == (
        "Appelez [personne] au [téléphone]."
    )


def test_without_ner_spacy_is_never_loaded():
    redactor = Redactor(use_ner=False)
    assert redactor.redact("Mme Le Goff, 06 12 34 56 78").text == "Mme [personne], [téléphone]"
    assert redactor._nlp is None


def test_a_full_pipeline_gives_the_same_result_as_the_entity_recogniser_alone(redactor, examples):
    spacy = pytest.importorskip("spacy")
    nlp = spacy.load(redact_module.MODEL)
    assert "lemmatizer" in nlp.pipe_names
    # Only the recogniser runs: the lemmatizer, for one, would warn without the morphologizer.
    texts = [example["text"] for example in examples[:60]]
    assert Redactor(nlp=nlp).redact_many(texts) == redactor.redact_many(texts)


def test_the_evaluation_set_is_well_formed(examples):
    assert len(examples) >= 180
    sentences_with = {kind: 0 for kind in [*PLACEHOLDERS, "none"]}
    for example in examples:
        spans = sorted(example["spans"], key=lambda s: s["start"])
        for span in spans:
            assert 0 <= span["start"] < span["end"] <= len(example["text"])
            assert span["kind"] in PLACEHOLDERS
            assert example["text"][span["start"] : span["end"]].strip() != ""
        assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(spans))  # no overlaps
        for kind in {s["kind"] for s in spans} or {"none"}:
            sentences_with[kind] += 1
    # At least what the issue asked for; docs/redaction.md gives the current counts.
    wanted = {"email": 40, "phone": 40, "iban": 25, "address": 30, "person": 60, "none": 30}
    assert all(sentences_with[kind] >= count for kind, count in wanted.items()), sentences_with


def test_quality_on_the_evaluation_set(redactor, examples):
    """Measured on 2026-11-22 (docs/redaction.md): recall 1.000 e-mail, 0.984 phone, 1.000 IBAN,
    1.000 address, 0.992 person; precision 1.000 for every kind but person (0.992).

    The floors are the issue's targets for recall and, for precision, the measured value less a
    margin of about 0.04 (one or two new sentences can move a figure by 0.01–0.03)."""
    scores = evaluate(redactor, examples)["kinds"]
    assert scores["email"]["recall"] >= 0.95
    assert scores["phone"]["recall"] >= 0.95
    assert scores["iban"]["recall"] >= 0.95
    assert scores["person"]["recall"] >= 0.85
    assert scores["address"]["recall"] >= 0.90
    for kind in ("email", "phone", "iban", "address"):
        assert scores[kind]["precision"] >= 0.96, kind
    assert scores["person"]["precision"] >= 0.95


def test_the_quality_rule_counts_an_overlap_as_found():
    class Fixed:
        """A stand-in redactor that always returns the same spans."""

        def __init__(self, spans):
            self.spans = tuple(spans)

        def redact_many(self, texts):
            return [Redaction(t, self.spans) for t in texts]

    example = {
        "text": "Mme Le Goff, 06 12 34 56 78",
        "spans": [
            {"start": 4, "end": 11, "kind": "person"},
            {"start": 13, "end": 27, "kind": "phone"},
        ],
    }
    predicted = [Span(0, 11, "person"), Span(13, 27, "iban")]
    scores = evaluate(Fixed(predicted), [example])
    person, phone, iban = (scores["kinds"][k] for k in ("person", "phone", "iban"))
    assert (person["found"], person["fp"], person["exact"]) == (1, 0, 0)  # overlap, not exact
    assert (phone["found"], phone["fn"], iban["fp"]) == (0, 1, 1)  # right place, wrong kind
    assert scores["covered"] == 1.0  # every character is hidden all the same


def test_real_french_prose_has_no_made_up_contact_details():
    folder = shared_data("sib200-fra")
    texts = []
    for name in ("train", "dev", "test"):
        with open(folder / f"{name}.tsv", encoding="utf-8", newline="") as rows:
            texts += [row["text"] for row in csv.DictReader(rows, delimiter="\t")]
    spans = [s for r in Redactor(use_ner=False).redact_many(texts) for s in r.spans]
    assert len(texts) == 1004
    assert not [s for s in spans if s.kind in {"email", "phone", "iban"}]
    # One address-shaped title is expected: "1, rue Sésame", the French Sesame Street.
    assert len([s for s in spans if s.kind == "address"]) <= 1
