"""The pure domain rules (consult/rules.py): college weights, roles, and the
consultation lifecycle: transitions, phases, who may contribute or vote, and why not."""

from datetime import UTC, datetime, timedelta

import pytest

from consult.rules import (
    ConsultationState,
    anonymity_change_problem,
    college_weight_warnings,
    due_to_close,
    normalise_roles,
    opening_problems,
    participation_problem,
    phase,
    should_auto_hide,
    stance_problem,
    text_problem,
    transition_problem,
    vote_problem,
)

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_the_lifecycle_goes_forward_only_along_its_path():
    assert transition_problem("draft", "open") is None
    assert transition_problem("open", "closed") is None
    assert transition_problem("closed", "analysed") is None
    assert transition_problem("analysed", "published") is None
    assert transition_problem("closed", "open") is None  # reopen before analysis
    for current, target in [
        ("draft", "closed"),
        ("open", "published"),
        ("published", "open"),
        ("analysed", "open"),
        ("draft", "nowhere"),
    ]:
        assert transition_problem(current, target) is not None, (current, target)


def test_an_open_consultation_closes_at_its_date():
    state = ConsultationState("open", None, NOW - HOUR)
    assert due_to_close(state, NOW) and phase(state, NOW) == "closed"
    assert phase(ConsultationState("open", None, NOW + HOUR), NOW) == "open"
    assert phase(ConsultationState("open", NOW + HOUR, None), NOW) == "scheduled"


def test_opening_needs_a_question_a_college_and_a_future_closing():
    state = ConsultationState("draft", None, None)
    assert opening_problems("Faut-il ?", 1, state, NOW) == []
    assert len(opening_problems(" ", 0, ConsultationState("draft", None, NOW - HOUR), NOW)) == 3


def test_participation_says_why_not():
    invited = {1, 2}
    open_state = ConsultationState("open", None, None)
    assert participation_problem(open_state, 1, invited, NOW) is None
    assert "pas invité" in participation_problem(open_state, 3, invited, NOW).message
    assert "pas invité" in participation_problem(open_state, None, invited, NOW).message
    closed = participation_problem(ConsultationState("closed"), 1, invited, NOW)
    assert "close" in closed.message
    scheduled = participation_problem(ConsultationState("open", NOW + HOUR), 1, invited, NOW)
    assert scheduled.params["date"] == NOW + HOUR  # a time, formatted by the page that shows it
    assert (
        "préparation" in participation_problem(ConsultationState("draft"), 1, invited, NOW).message
    )


def test_anonymous_is_forever_and_anonymity_is_chosen_before_opening():
    assert anonymity_change_problem("named", "anonymous", "draft") is None
    assert anonymity_change_problem("anonymous", "named", "draft") is not None
    assert anonymity_change_problem("anonymous", "pseudonymous", "open") is not None
    assert anonymity_change_problem("named", "pseudonymous", "open") is not None
    assert anonymity_change_problem("named", "named", "closed") is None


def test_text_must_be_one_to_five_thousand_characters():
    assert text_problem("Oui.") is None
    assert text_problem("   \n\t ") is not None
    assert text_problem("x" * 5000) is None
    assert text_problem("x" * 5001).params == {"length": 5001, "max": 5000}


def test_stance_must_belong_to_the_scale():
    assert stance_problem(None, "three") is None
    assert stance_problem("for", "three") is None
    assert stance_problem("agree", "three") is not None
    assert stance_problem("for", "none") is not None


def test_votes_refused_on_own_hidden_or_withdrawn_contributions():
    ok = {"own": False, "hidden": False, "withdrawn": False}
    assert vote_problem(**ok, value=1) is None
    assert vote_problem(**ok, value=2) is not None
    assert vote_problem(**{**ok, "own": True}, value=1) is not None
    assert vote_problem(**{**ok, "hidden": True}, value=0) is not None
    assert vote_problem(**{**ok, "withdrawn": True}, value=-1) is not None


def test_auto_hide_threshold():
    assert not should_auto_hide(2, 3) and should_auto_hide(3, 3)
    assert not should_auto_hide(50, 0)


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
