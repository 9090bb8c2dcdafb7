"""The tally of a motion (consult/tally.py): hand-counted cases for every rule, then properties
that hold for any motion (hypothesis): ballot order, weights' scale, one vote changed, colleges
in one member one vote."""

import itertools
import json
import math
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.tally import CHOICES, OUTCOMES, Ballot, Objection, Rules, rules_problems, tally
from tests.unit.test_architecture import FLASK, import_with_blocked

_ids = itertools.count()


def votes(college, pour=0, contre=0, abstention=0, reason="", by_proxy=False):
    """Ballots of distinct voters of ``college``."""
    choices = ["pour"] * pour + ["contre"] * contre + ["abstention"] * abstention
    return [Ballot(f"v{next(_ids)}", college, choice, reason if choice == "contre" else "",
                   by_proxy) for choice in choices]


def weighted(majority="simple", **rules):
    rules.setdefault("weights", {"Salariés": 50, "Usagers": 30, "Bénévoles": 20})
    return Rules("college_weighted", majority, **rules)


def one_vote(majority="simple", **rules):
    return Rules("one_member_one_vote", majority, **rules)


THREE = {"Salariés": 10, "Usagers": 10, "Bénévoles": 10}


def texts(result):
    return [reason.text() for reason in result.reasons]


# --- Shares and majorities -------------------------------------------------------------

def test_each_colleges_share_of_pour_is_weighted_by_its_weight():
    ballots = (votes("Salariés", pour=3, contre=1) + votes("Usagers", pour=1, contre=3)
               + votes("Bénévoles", pour=2, contre=2, abstention=1))
    result = tally(weighted(), THREE, ballots)
    # (50 × 3/4 + 30 × 1/4 + 20 × 1/2) / 100
    assert result.share == Fraction(11, 20) and result.outcome == "adopted"
    by_name = {c.college: c for c in result.colleges}
    assert [c.college for c in result.colleges] == ["Bénévoles", "Salariés", "Usagers"]
    assert by_name["Bénévoles"].share == Fraction(1, 2) and by_name["Bénévoles"].voted == 5
    assert by_name["Bénévoles"].expressed == 4 and by_name["Bénévoles"].abstention == 1
    assert [c.effective_weight for c in result.colleges] == [20, 50, 30]
    assert result.voted == 13 and result.expressed == 12 and result.eligible == 30
    assert texts(result) == ["Majorité simple atteinte : 55 % de pour, plus de 50 % requis."]


def test_a_tie_is_rejected_by_a_simple_majority():
    weights = {"Salariés": 50, "Usagers": 50}
    ballots = votes("Salariés", pour=2) + votes("Usagers", contre=3)
    result = tally(weighted(weights=weights), {"Salariés": 2, "Usagers": 3}, ballots)
    assert result.share == Fraction(1, 2) and result.outcome == "rejected"
    assert "Égalité" in texts(result)[0]
    ballots = votes("Salariés", pour=2, contre=2)
    assert tally(one_vote(), {"Salariés": 4}, ballots).outcome == "rejected"
    assert tally(one_vote(), {"Salariés": 5}, ballots + votes("Salariés", pour=1)).adopted


def test_a_tie_stays_a_tie_with_weights_that_floats_cannot_hold():
    # 22.4 × 3/10 + 44.8 × 3/5 + 32.8 × 1/2 = 50 exactly; in floats, 0.5000000000000001.
    weights = {"Salariés": 22.4, "Usagers": 44.8, "Bénévoles": 32.8}
    ballots = (votes("Salariés", pour=3, contre=7) + votes("Usagers", pour=3, contre=2)
               + votes("Bénévoles", pour=1, contre=1))
    result = tally(weighted(weights=weights), THREE, ballots)
    assert result.share == Fraction(1, 2) and result.outcome == "rejected"


def test_two_thirds_exactly_is_enough_and_a_hair_less_is_not():
    assert tally(one_vote("two_thirds"), {"Salariés": 3},
                 votes("Salariés", pour=2, contre=1)).adopted
    # In floats, 30 × 2/3 + 35 × 2/3 + 35 × 2/3 over 100 is 0.6666666666666665.
    weights = {"Salariés": 30, "Usagers": 35, "Bénévoles": 35}
    ballots = [b for name in THREE for b in votes(name, pour=2, contre=1)]
    result = tally(weighted("two_thirds", weights=weights), THREE, ballots)
    assert result.share == Fraction(2, 3) and result.adopted
    assert texts(result) == [
        "Majorité des deux tiers atteinte : 66.67 % de pour, deux tiers requis."]
    # Bénévoles at 13/20 instead of 2/3: (30 × 2/3 + 35 × 2/3 + 35 × 13/20) / 100 < 2/3
    ballots = [b for name in ("Salariés", "Usagers") for b in votes(name, pour=2, contre=1)]
    ballots += votes("Bénévoles", pour=13, contre=7)
    result = tally(weighted("two_thirds", weights=weights), THREE | {"Bénévoles": 20}, ballots)
    assert result.share < Fraction(2, 3) and result.outcome == "rejected"
    assert "non atteinte" in texts(result)[0]


def test_one_member_one_vote_counts_voters_not_colleges():
    ballots = votes("Salariés", pour=3) + votes("Usagers", contre=2)
    eligible = {"Salariés": 3, "Usagers": 2}
    result = tally(one_vote(), eligible, ballots)
    assert result.share == Fraction(3, 5) and result.adopted
    assert all(c.effective_weight is None for c in result.colleges)
    # The same ballots weighted 50/50 by college: 1/2, a tie.
    rules = weighted(weights={"Salariés": 50, "Usagers": 50})
    assert tally(rules, eligible, ballots).outcome == "rejected"


def test_weights_that_do_not_sum_to_100_are_normalised_by_the_tally():
    ballots = votes("Salariés", pour=1) + votes("Usagers", contre=1)
    eligible = {"Salariés": 1, "Usagers": 1}
    for weights in ({"Salariés": 60, "Usagers": 39}, {"Salariés": 60, "Usagers": 50}):
        result = tally(weighted(weights=weights), eligible, ballots)
        total = sum(weights.values())
        assert result.share == Fraction(60, total)
        assert [c.effective_weight for c in result.colleges] == [
            Fraction(6000, total), Fraction(100 * (total - 60), total)]


def test_abstentions_count_for_the_quorum_but_not_in_the_share():
    ballots = votes("Salariés", pour=1, abstention=5)
    result = tally(one_vote(quorum=0.6), {"Salariés": 10}, ballots)
    assert result.quorum_met and result.share == 1 and result.adopted
    result = tally(one_vote(quorum=0.5), {"Salariés": 10}, votes("Salariés", abstention=5))
    assert result.quorum_met and result.share is None and result.outcome == "rejected"
    assert texts(result)[-1] == "Aucun suffrage exprimé : la motion est rejetée."


def test_a_motion_nobody_voted_on_without_quorum_is_rejected():
    result = tally(weighted(), THREE, [])
    assert result.outcome == "rejected" and result.share is None and result.turnout == 0


# --- Quorum -----------------------------------------------------------------------------

def test_missing_quorum_overall():
    result = tally(one_vote(quorum=0.5), {"Salariés": 6, "Usagers": 4},
                   votes("Salariés", pour=4))
    assert result.outcome == "no_quorum" and not result.quorum_met and result.turnout == 0.4
    assert texts(result) == ["Quorum non atteint : participation de 4 sur 10, 50 % requis."]
    result = tally(one_vote(quorum=0.5), {"Salariés": 6, "Usagers": 4},
                   votes("Salariés", pour=4) + votes("Usagers", abstention=1))
    assert result.quorum_met and result.adopted  # reaching the quorum exactly is enough
    assert texts(result)[0] == "Quorum atteint : participation de 5 sur 10, 50 % requis."


def test_quorum_is_read_as_the_decimal_it_prints_as():
    # The float 0.1 is a little more than 1/10, and 1/3 a little less than a third.
    assert tally(one_vote(quorum=0.1), {"Salariés": 10}, votes("Salariés", pour=1)).quorum_met
    assert tally(one_vote(quorum=1 / 3), {"Salariés": 3}, votes("Salariés", pour=1)).quorum_met
    assert tally(one_vote(quorum=1.0), {"Salariés": 3}, votes("Salariés", pour=2)).outcome \
        == "no_quorum"


def test_missing_quorum_in_one_college():
    eligible = {"Salariés": 5, "Bénévoles": 10}
    ballots = votes("Salariés", pour=5) + votes("Bénévoles", pour=2)
    result = tally(one_vote(college_quorum=0.3), eligible, ballots)
    assert result.outcome == "no_quorum"
    assert result.quorum_met and not result.college_quorum_met
    assert {c.college: c.quorum_met for c in result.colleges} == {
        "Bénévoles": False, "Salariés": True}
    assert texts(result) == ["Quorum non atteint dans le collège « Bénévoles » : participation "
                             "de 2 sur 10, 30 % requis."]
    result = tally(weighted(college_quorum=0.3), eligible | {"Usagers": 2},
                   ballots + votes("Bénévoles", contre=1) + votes("Usagers", abstention=1))
    assert result.college_quorum_met and result.outcome != "no_quorum"


def test_both_quorums_missing_are_both_said():
    result = tally(weighted(quorum=0.9, college_quorum=0.5), THREE, votes("Salariés", pour=6))
    assert result.outcome == "no_quorum"
    assert [r.params.get("college") for r in result.reasons] == [None, "Bénévoles", "Usagers"]


# --- Colleges where nobody expressed a vote -----------------------------------------------

EMPTY_BÉNÉVOLES = votes("Salariés", pour=2) + votes("Usagers", contre=3)


def test_an_empty_colleges_weight_is_redistributed():
    result = tally(weighted(), THREE, EMPTY_BÉNÉVOLES)
    # Bénévoles' 20 % go to the others: 50 / 80 of pour.
    assert result.share == Fraction(5, 8) and result.adopted
    assert {c.college: c.effective_weight for c in result.colleges} == {
        "Bénévoles": 0, "Salariés": Fraction(125, 2), "Usagers": Fraction(75, 2)}
    assert texts(result)[0] == ("Aucun suffrage exprimé dans le collège « Bénévoles » : son "
                                "poids est réparti entre les autres collèges.")


def test_an_empty_college_fails_the_motion_when_the_statutes_say_so():
    result = tally(weighted(empty_college="fail"), THREE, EMPTY_BÉNÉVOLES)
    assert result.outcome == "failed_empty_college"
    assert texts(result) == ["Aucun suffrage exprimé dans le collège « Bénévoles » : les statuts "
                             "font alors échouer la motion."]


def test_a_college_of_abstentions_only_is_an_empty_college():
    ballots = EMPTY_BÉNÉVOLES + votes("Bénévoles", abstention=4)
    assert tally(weighted(), THREE, ballots).share == Fraction(5, 8)
    result = tally(weighted(empty_college="fail"), THREE, ballots)
    assert result.outcome == "failed_empty_college"


def test_a_college_without_members_is_left_out_either_way():
    eligible = THREE | {"Bénévoles": 0}
    for empty_college in ("redistribute", "fail"):
        result = tally(weighted(empty_college=empty_college), eligible, EMPTY_BÉNÉVOLES)
        assert result.share == Fraction(5, 8) and result.adopted
        assert len(result.reasons) == 1  # nothing to say about Bénévoles
    # Nor does it need a weight.
    rules = weighted(weights={"Salariés": 50, "Usagers": 50}, empty_college="fail")
    assert tally(rules, eligible, EMPTY_BÉNÉVOLES).outcome == "rejected"  # 1/2


def test_a_missing_quorum_comes_before_an_empty_college():
    result = tally(weighted(college_quorum=0.1, empty_college="fail"), THREE, EMPTY_BÉNÉVOLES)
    assert result.outcome == "no_quorum"


# --- Consent ----------------------------------------------------------------------------

def test_consent_without_objection_is_adopted():
    ballots = votes("Salariés", pour=1, abstention=2) + votes("Usagers", pour=1)
    result = tally(weighted("consent"), THREE, ballots)
    assert result.adopted and result.objections == ()
    assert texts(result) == ["Aucune objection motivée : la motion est adoptée par consentement."]


def test_one_reasoned_objection_blocks_consent():
    ballots = votes("Salariés", pour=9) + votes("Usagers", contre=1, reason="  Trop cher.\n")
    result = tally(one_vote("consent"), THREE, ballots)
    assert result.outcome == "rejected"
    assert result.objections == (Objection("Usagers", "Trop cher."),)
    assert texts(result) == ["Objections motivées : 1 ; le consentement n'est pas obtenu."]


def test_a_contre_without_a_reason_is_not_an_objection():
    ballots = votes("Salariés", pour=1) + votes("Usagers", contre=2) + votes(
        "Bénévoles", contre=1, reason="   ")
    result = tally(weighted("consent"), THREE, ballots)
    assert result.adopted and result.objections == () and result.contre == 3
    assert texts(result)[0] == "Votes contre sans motif, qui ne sont pas des objections : 3."


def test_consent_still_needs_its_quorum_and_ignores_empty_colleges():
    rules = weighted("consent", quorum=0.5, empty_college="fail")
    assert tally(rules, THREE, votes("Salariés", pour=3)).outcome == "no_quorum"
    ballots = votes("Salariés", pour=10) + votes("Usagers", abstention=5)
    assert tally(rules, THREE, ballots).adopted  # Bénévoles expressed nothing


def test_reasons_of_other_majorities_are_not_objections():
    result = tally(one_vote(), THREE, votes("Salariés", pour=2, contre=1, reason="Non."))
    assert result.adopted and result.objections == ()


# --- Proxies ----------------------------------------------------------------------------

def test_a_proxy_vote_counts_as_the_represented_members_vote():
    own = votes("Salariés", pour=2) + votes("Usagers", contre=1)
    by_proxy = [replace(b, by_proxy=True) for b in own]
    for rules in (weighted(quorum=0.1), one_vote(quorum=0.1)):
        mine, theirs = tally(rules, THREE, own), tally(rules, THREE, by_proxy)
        assert (mine.outcome, mine.share, mine.voted) == (theirs.outcome, theirs.share,
                                                          theirs.voted)
        assert mine.by_proxy == 0 and theirs.by_proxy == 3
        assert {c.college: c.by_proxy for c in theirs.colleges}["Salariés"] == 2


# --- What the tally refuses ----------------------------------------------------------------

@pytest.mark.parametrize("rules, eligible, ballots", [
    (one_vote(), {"Salariés": 2}, [Ballot("a", "Salariés", "pour")] * 2),
    (one_vote(), {"Salariés": 2}, [Ballot("a", "Usagers", "pour")]),
    (one_vote(), {"Salariés": 2}, [Ballot("a", "Salariés", "oui")]),
    (one_vote(), {"Salariés": 1}, votes("Salariés", pour=2)),
    (one_vote(), {"Salariés": -1}, []),
    (one_vote(quorum=1.5), {"Salariés": 1}, []),
    (Rules("tirage", "simple"), {"Salariés": 1}, []),
    (weighted(weights={"Salariés": 100}), THREE, []),
    (weighted(weights={"Salariés": -10, "Usagers": 60, "Bénévoles": 50}), THREE, []),
])
def test_what_cannot_be_counted_is_refused(rules, eligible, ballots):
    with pytest.raises(ValueError):
        tally(rules, eligible, ballots)


# --- The rules' problems -------------------------------------------------------------------

COLLEGES = ["Salariés", "Usagers", "Bénévoles"]


def problems_of(rules, colleges=COLLEGES):
    return [problem.text() for problem in rules_problems(rules, colleges)]


def test_good_rules_have_no_problem():
    assert problems_of(weighted()) == []
    assert problems_of(weighted(weights={c: 33.33 for c in COLLEGES})) == []  # 99.99
    assert problems_of(one_vote("consent", quorum=1, college_quorum=0.25)) == []
    assert problems_of(one_vote(weights={"Ailleurs": 5})) == []  # weights are not used


@pytest.mark.parametrize("weights, total", [
    ({"Salariés": 50, "Usagers": 30, "Bénévoles": 19}, 99),
    ({"Salariés": 50, "Usagers": 40, "Bénévoles": 20}, 110),
])
def test_weights_must_sum_to_100(weights, total):
    assert problems_of(weighted(weights=weights)) == [
        f"Les poids de vote des collèges totalisent {total} % au lieu de 100 %."]


def test_weights_must_be_given_known_and_within_the_statutes():
    assert problems_of(weighted(weights={"Salariés": 60, "Usagers": 35, "Bénévoles": 5})) == [
        "Le collège « Bénévoles » pèse 5 % : les statuts d'une SCIC demandent entre 10 et 50 %.",
        "Le collège « Salariés » pèse 60 % : les statuts d'une SCIC demandent entre 10 et 50 %.",
    ]
    assert problems_of(weighted(weights={"Salariés": 50, "Usagers": 50, "Autres": 0})) == [
        "Le collège « Bénévoles » n'a pas de poids de vote.",
        "Un poids est donné au collège « Autres », qui ne vote pas sur cette motion.",
    ]
    problems = problems_of(weighted(weights={"Salariés": -10, "Usagers": math.nan,
                                             "Bénévoles": 50}))
    assert problems == ["Le poids du collège « Salariés » est négatif (-10 %).",
                        "Le poids du collège « Usagers » n'est pas un nombre."]
    assert problems_of(weighted(), colleges=[]) == [
        "Un vote pondéré par collège demande au moins un collège."]


def test_unknown_settings_and_quorums_outside_0_to_1_are_named():
    rules = Rules("tirage", "unanimité", quorum=1.5, college_quorum=-0.1, empty_college="oui")
    assert problems_of(rules) == [
        "Méthode de vote inconnue : tirage.",
        "Majorité inconnue : unanimité.",
        "Règle inconnue pour un collège sans suffrage exprimé : oui.",
        "Le quorum doit être compris entre 0 et 100 % (150 % donné).",
        "Le quorum par collège doit être compris entre 0 et 100 % (-10 % donné).",
    ]


# --- The result as JSON, and purity -------------------------------------------------------

def test_the_result_as_json():
    result = tally(weighted("two_thirds"), THREE, EMPTY_BÉNÉVOLES)
    data = json.loads(json.dumps(result.to_json()))
    assert data["outcome"] == "rejected" and data["share"] == 0.625
    assert data["share_exact"] == "5/8" and data["turnout"] == 5 / 30
    assert data["rules"]["weights"] == {"Salariés": 50, "Usagers": 30, "Bénévoles": 20}
    college = data["colleges"][0]
    assert college["college"] == "Bénévoles" and college["share"] is None
    assert college["effective_weight"] == 0 and college["weight"] == 20
    assert data["reasons"][-1]["params"] == {"share": 62.5}


def test_the_tally_imports_without_flask_or_a_database():
    result = import_with_blocked(["consult.tally"], [*FLASK, "sqlmodel", "sqlalchemy"])
    assert result.returncode == 0, result.stderr


# --- Properties ---------------------------------------------------------------------------

NAMES = ("Salariés", "Usagers", "Bénévoles", "Collectivités")
QUORUMS = (0, 0, 0, 0.1, 0.25, 1 / 3, 0.5, 2 / 3, 1)
PROPERTY = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def motions(draw, method=None):
    """Rules, eligible voters and ballots of a random motion that can be counted."""
    colleges = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    eligible = {name: draw(st.integers(0, 8)) for name in colleges}
    ballots = []
    for name in colleges:
        absent = draw(st.integers(0, eligible[name]))  # the simplest motion: everybody votes
        for _ in range(eligible[name] - absent):
            choice = draw(st.sampled_from(("pour", *CHOICES)))
            ballots.append(Ballot(f"v{len(ballots)}", name, choice,
                                  draw(st.sampled_from(("", "Trop cher.", "Pas prêt."))),
                                  draw(st.booleans())))
    rules = Rules(
        method or draw(st.sampled_from(("college_weighted", "one_member_one_vote"))),
        draw(st.sampled_from(("simple", "two_thirds", "consent"))),
        quorum=draw(st.sampled_from(QUORUMS)),
        college_quorum=draw(st.sampled_from((0, 0, 0, *QUORUMS))),
        weights={name: draw(st.integers(1, 60)) for name in colleges},
        empty_college=draw(st.sampled_from(("redistribute", "fail"))))
    return rules, eligible, ballots


@PROPERTY
@given(motions())
def test_every_tally_is_consistent(motion):
    rules, eligible, ballots = motion
    result = tally(rules, eligible, ballots)
    assert result.outcome in OUTCOMES and result.reasons
    assert all(reason.text() for reason in result.reasons)
    assert result.voted == len(ballots) == result.pour + result.contre + result.abstention
    assert sum(c.voted for c in result.colleges) == result.voted
    assert result.share == _share(rules, eligible, ballots)
    if result.share is not None and rules.method == "college_weighted":
        assert sum(c.effective_weight for c in result.colleges) == 100
    if result.outcome in ("adopted", "rejected"):
        if rules.majority == "consent":
            expected = not any(b.choice == "contre" and b.reason for b in ballots)
        elif result.share is None:
            expected = False
        else:
            expected = result.share > Fraction(1, 2) if rules.majority == "simple" \
                else result.share >= Fraction(2, 3)
        assert result.adopted == expected
    json.dumps(result.to_json())


def _share(rules, eligible, ballots):
    """The share of pour, computed again the plain way (the oracle)."""
    by_vote = rules.method == "one_member_one_vote"
    shares, weights = {}, {}
    for college in [None] if by_vote else eligible:
        group = [b.choice for b in ballots if by_vote or b.college == college]
        if group.count("pour") + group.count("contre"):
            shares[college] = Fraction(group.count("pour"),
                                       group.count("pour") + group.count("contre"))
            weights[college] = 1 if by_vote else rules.weights[college]
    return sum(weights[c] * s for c, s in shares.items()) / sum(weights.values()) \
        if shares else None


@PROPERTY
@given(motions(), st.randoms(use_true_random=False))
def test_the_order_of_the_ballots_does_not_matter(motion, random):
    rules, eligible, ballots = motion
    shuffled = list(ballots)
    random.shuffle(shuffled)
    assert tally(rules, eligible, shuffled) == tally(rules, eligible, ballots)


@PROPERTY
@given(motions(method="college_weighted"),
       st.sampled_from((0.25, 0.5, 2, 3, 7, 10, 1000)))
def test_scaling_every_weight_changes_nothing(motion, factor):
    rules, eligible, ballots = motion
    scaled = replace(rules, weights={name: w * factor for name, w in rules.weights.items()})
    before, after = tally(rules, eligible, ballots), tally(scaled, eligible, ballots)
    assert (after.outcome, after.share, after.reasons) == (before.outcome, before.share,
                                                           before.reasons)
    assert [c.effective_weight for c in after.colleges] == [
        c.effective_weight for c in before.colleges]


def _changed(ballots, index, choice, reason=""):
    return [*ballots[:index], replace(ballots[index], choice=choice, reason=reason),
            *ballots[index + 1:]]


@PROPERTY
@given(motions(), st.data())
def test_one_contre_turned_pour_never_undoes_an_adoption(motion, data):
    rules, eligible, ballots = motion
    contre = [i for i, b in enumerate(ballots) if b.choice == "contre"]
    if not contre:
        return
    index = data.draw(st.sampled_from(contre))
    before = tally(rules, eligible, ballots).outcome
    after = tally(rules, eligible, _changed(ballots, index, "pour")).outcome
    # Quorum and empty colleges do not move; only a rejection can become an adoption.
    assert after == before or (before, after) == ("rejected", "adopted")


@PROPERTY
@given(motions(), st.data())
def test_one_pour_turned_contre_never_adopts(motion, data):
    rules, eligible, ballots = motion
    pour = [i for i, b in enumerate(ballots) if b.choice == "pour"]
    if not pour:
        return
    index = data.draw(st.sampled_from(pour))
    reason = data.draw(st.sampled_from(("", "Trop cher.")))
    before = tally(rules, eligible, ballots).outcome
    after = tally(rules, eligible, _changed(ballots, index, "contre", reason)).outcome
    assert after == before or (before, after) == ("adopted", "rejected")


@PROPERTY
@given(motions(method="one_member_one_vote"))
def test_colleges_do_not_matter_in_one_member_one_vote(motion):
    rules, eligible, ballots = motion
    rules = replace(rules, college_quorum=0)
    everyone = [replace(b, college="Tous") for b in ballots]
    apart = tally(rules, eligible, ballots)
    together = tally(rules, {"Tous": sum(eligible.values())}, everyone)
    assert (together.outcome, together.share, together.quorum_met, together.objections != ()) \
        == (apart.outcome, apart.share, apart.quorum_met, apart.objections != ())
