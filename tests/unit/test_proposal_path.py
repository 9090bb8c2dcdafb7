"""The proposal's path, every step × every role: only the listed step, by the right people, with
what it needs; the outcome, the revision and the deployment are never taken by hand."""

from dataclasses import dataclass

import pytest

from consult.proposal_path import (
    LABELS,
    STEPS,
    TRANSITIONS,
    Facts,
    next_steps,
    step_refusal,
)

ALL_FACTS = Facts(consultation=True, entry=True, signed_opinion=True, reason="à revoir")
ROLES = ("member", "facilitator", "ethics", "board", "admin")


@dataclass
class Person:
    roles: frozenset
    active: bool = True


def person(role):
    return Person(frozenset({"member", role}))


@pytest.mark.parametrize("role", ROLES)
def test_every_pair_of_steps_for_every_role(role):
    actor = person(role)
    for current in STEPS:
        for target in STEPS:
            refusal = step_refusal(current, target, actor, ALL_FACTS)
            sources, who = TRANSITIONS.get(target, ((), None))
            allowed = current in sources and who is not None and bool(actor.roles & who)
            assert (refusal is None) == allowed, (role, current, target, refusal)


def test_the_happy_path_in_order():
    steps = [("submitted", "in_consultation", "facilitator"),
             ("in_consultation", "in_review", "ethics"),
             ("in_review", "board_decision", "board")]
    for current, target, role in steps:
        assert step_refusal(current, target, person(role), ALL_FACTS) is None
    for outcome in ("approved", "rejected"):
        assert step_refusal("board_decision", outcome, None, ALL_FACTS, system=True) is None
    assert step_refusal("approved", "deployed", None, ALL_FACTS, system=True) is None


def test_skipping_a_step_is_refused_with_both_names():
    refusal = step_refusal("submitted", "board_decision", person("board"), ALL_FACTS)
    assert refusal.params == {"current": LABELS["submitted"], "target": LABELS["board_decision"]}
    assert step_refusal("in_review", "deployed", None, ALL_FACTS, system=True) is not None


@pytest.mark.parametrize("target,facts,word", [
    ("in_consultation", Facts(), "consultation"),
    ("in_review", Facts(), "registre"),
    ("board_decision", Facts(entry=True), "avis"),
    ("needs_changes", Facts(), "raison"),
])
def test_each_step_needs_what_it_builds_on(target, facts, word):
    current = TRANSITIONS[target][0][0]
    role = {"in_consultation": "facilitator", "in_review": "ethics"}.get(target, "board")
    refusal = step_refusal(current, target, person(role), facts)
    assert refusal is not None and word in refusal.text()


def test_outcomes_are_not_taken_by_hand_even_by_an_administrator():
    for target in ("approved", "rejected", "deployed", "submitted"):
        source = TRANSITIONS[target][0][0]
        refusal = step_refusal(source, target, person("admin"), ALL_FACTS)
        assert refusal is not None and "à la main" in refusal.text()


def test_an_inactive_board_member_cannot_decide():
    gone = Person(frozenset({"member", "board"}), active=False)
    assert step_refusal("in_review", "board_decision", gone, ALL_FACTS) is not None


def test_next_steps_lists_what_the_role_may_ask_for():
    assert next_steps("submitted", person("facilitator")) == ("in_consultation",)
    assert set(next_steps("submitted", person("ethics"))) == {"in_review"}
    assert next_steps("board_decision", person("board")) == ("needs_changes",)
    assert next_steps("approved", person("admin")) == ()
