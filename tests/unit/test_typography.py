"""French typography for printed documents: the spaces a French reader expects, and nothing
broken that is not prose (addresses, times, codes)."""

import pytest

from consult.typography import NBSP, NNBSP, french


def shown(text: str) -> str:
    """The text with its special spaces made visible: _ narrow no-break, ~ no-break."""
    return text.replace(NNBSP, "_").replace(NBSP, "~")


@pytest.mark.parametrize(("typed", "printed"), [
    ("Bonjour !", "Bonjour_!"),
    ("Bonjour!", "Bonjour_!"),
    ("Vraiment ?", "Vraiment_?"),
    ("Note: voir plus bas", "Note_: voir plus bas"),
    ("un; deux", "un_; deux"),
    ("Quoi ?!", "Quoi_?!"),
    ("Déjà\u00a0?", "Déjà_?"),
    ("(entre parenthèses) !", "(entre parenthèses)_!"),
])
def test_a_narrow_no_break_space_comes_before_high_punctuation(typed, printed):
    assert shown(french(typed)) == printed


@pytest.mark.parametrize(("typed", "printed"), [
    ("«bonjour»", "«_bonjour_»"),
    ("« bonjour »", "«_bonjour_»"),
    ("il dit «oui» !", "il dit «_oui_»_!"),
])
def test_guillemets_hold_narrow_no_break_spaces(typed, printed):
    assert shown(french(typed)) == printed


@pytest.mark.parametrize(("typed", "printed"), [
    ("12000 contributions", "12_000 contributions"),
    ("1234567,89", "1_234_567,89"),
    ("12 000 personnes", "12_000 personnes"),
    ("12 kWh", "12~kWh"),
    ("12kWh par an", "12~kWh par an"),
    ("1500 kWh", "1_500~kWh"),
    ("1,5 kg CO₂e", "1,5~kg CO₂e"),
    ("30%", "30~%"),
    ("12000 €", "12_000~€"),
    ("3 h par semaine", "3~h par semaine"),
])
def test_numbers_are_grouped_and_kept_with_their_unit(typed, printed):
    assert shown(french(typed)) == printed


@pytest.mark.parametrize("text", [
    "https://x",
    "Voir https://example.org/a?b=1;c=2 ici",
    "http://exemple.fr:8080/chemin",
    "écrire à contact@coop.example",
    "Rendez-vous à 10:30",
    "un ratio 3:2",
    "en 2024",
    "en 2024 s'ouvre la saison",
    "12 membres",
    "75011 Paris",
    "Tél. 0612345678",
    "+33612345678",
    "version 1.2.3 et v12345",
    "le 2024-01-31",
    "le 31/12/2024",
    "a;b",
    "",
])
def test_what_is_not_prose_is_left_as_it_is(text):
    assert french(text) == text


def test_an_address_at_the_end_of_a_question_keeps_its_characters():
    assert shown(french("Avez-vous lu https://x.org/faq ?")) == "Avez-vous lu https://x.org/faq_?"
    assert shown(french("Où : https://x.org/page?id=12345")) == "Où_: https://x.org/page?id=12345"


def test_it_is_idempotent_and_keeps_markup_characters_for_escaping():
    text = "Attention : « 1234567 € » ! <img src=\"http://x\">"
    once = french(text)
    assert french(once) == once
    assert '<img src="http://x">' in once
