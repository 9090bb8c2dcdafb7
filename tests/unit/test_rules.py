import pytest

from consult.rules import (
    college_weight_warnings,
    normalise_roles,
    password_problems,
)


def test_password_needs_twelve_characters():
    assert password_problems("court") != []
    assert password_problems("onze-caract") != []  # 11
    assert password_problems("douze-caract") == []  # 12


def test_password_cannot_be_repetitive_or_the_email():
    assert password_problems("aaaaaaaaaaaaaaaa") != []
    assert password_problems("ana@coop.example", "Ana@Coop.example") != []


def test_weights_summing_to_100_within_bounds_give_no_warning():
    assert college_weight_warnings({"A": 30, "B": 20, "C": 20, "D": 15, "E": 15}) == []


def test_weights_not_summing_to_100_are_flagged():
    warnings = college_weight_warnings({"A": 30, "B": 30, "C": 30})
    assert [w.params.get("total") for w in warnings] == [90]


def test_college_outside_scic_bounds_is_named():
    warnings = college_weight_warnings({"Salariés": 60, "Bénévoles": 35, "Partenaires": 5})
    named = sorted(w.params["name"] for w in warnings if "name" in w.params)
    assert named == ["Partenaires", "Salariés"]


def test_no_college_no_warning():
    assert college_weight_warnings({}) == []


def test_roles_are_normalised_and_always_include_member():
    assert normalise_roles(["admin", "board"]) == ("member", "board", "admin")
    with pytest.raises(ValueError):
        normalise_roles(["king"])
