"""Passwords too easy to guess are refused, each with its reason (consult/passwords.py)."""

import pytest

from consult.passwords import COMMON, GUESSABLE, PERSONAL, TOO_SHORT, password_problems

ANA = {"email": "ana.durand@coop.example", "name": "Ana Durand"}


def reason(password: str, **who) -> str | None:
    problems = password_problems(password, **who)
    return problems[0].message if problems else None


def test_twelve_characters_at_least():
    assert reason("court") == TOO_SHORT
    assert reason("onze-caract") == TOO_SHORT  # 11
    assert reason("douze-caract") is None  # 12, and nothing in it is easy to guess


@pytest.mark.parametrize("password", [
    "123456789012", "azertyuiopqs", "motdepasse12", "bonjour12345", "jetaime12345",
    "soleil123456", "bienvenue123", "ordinateur12", "Azerty123456", "password1234",
])
def test_the_most_common_passwords_in_french_and_english_are_refused(password):
    assert reason(password) == COMMON


@pytest.mark.parametrize("password", ["aaaaaaaaaaaaaaaa", "abcdefghijkl", "qwertzuiopas"])
def test_keyboard_rows_sequences_and_repeats_are_refused(password):
    assert reason(password) in (COMMON, GUESSABLE)


@pytest.mark.parametrize("password", [
    "anadurand2026", "AnaDurand!!!", "ana.durand@coop.example", "Ana.Durand@Coop.example",
    "durand-ana-75",
])
def test_a_password_built_from_the_members_name_or_email_is_refused(password):
    assert reason(password, **ANA) == PERSONAL


@pytest.mark.parametrize("password", [
    "correct horse battery staple", "une longue phrase secrète", "Le vélo de mamie est bleu",
    "anadurand2026",  # someone else's name is not this member's
    "banana split on a tree house",  # more than its "ana"
])
def test_passphrases_are_accepted(password):
    who = {"email": "ana@coop.example", "name": "Ana"} if "banana" in password else {
        "email": "bo@coop.example", "name": "Bo Martin"}
    assert reason(password, **who) is None


def test_a_very_long_password_is_checked_quickly_and_accepted():
    assert reason("Le vélo de mamie est bleu, " * 400) is None


def test_a_ligature_does_not_overflow_the_estimator():
    assert reason("ﬁ" * 80) in (COMMON, GUESSABLE)
