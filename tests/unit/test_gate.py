"""The register's lifecycle and deployment gate (ethics_register/gate.py): every path that skips
an opinion, a test or a waiver is refused, with its reason."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from ethics_register.gate import (
    MESSAGES,
    STATUSES,
    TRANSITIONS,
    BiasTest,
    Opinion,
    Refusal,
    Waiver,
    deployment_refusals,
    stale,
    transition_refusal,
)

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
PASSING = {"college/FPR/bénévoles": "pass", "college/TPR/bénévoles": "pass"}


def codes(refusals) -> list[str]:
    return [r.code for r in refusals]


def test_only_the_lifecycles_transitions_are_allowed():
    allowed = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    for current, target in itertools.product(STATUSES, STATUSES):
        refusal = transition_refusal(current, target)
        assert (refusal is None) == ((current, target) in allowed), (current, target)
    assert transition_refusal("proposed", "deployed").code == "transition"  # no skipping review
    assert transition_refusal("retired", "deployed").code == "transition"  # retired is final
    assert transition_refusal("lost", "deployed").params == {"status": "lost"}


def test_a_reviewed_tested_version_with_a_favourable_opinion_is_deployed():
    for verdict in ("favourable", "favourable_with_conditions"):
        assert deployment_refusals(2, [Opinion(2, verdict)],
                                   [BiasTest(2, NOW - timedelta(days=3), PASSING)], [], NOW) == []


@pytest.mark.parametrize("opinions", [[], [Opinion(2, "unfavourable")], [Opinion(1, "favourable")],
                                      [Opinion(2, "favourable"), Opinion(2, "unfavourable")]])
def test_no_deployment_without_a_favourable_opinion_of_this_version(opinions):
    refusals = deployment_refusals(2, opinions, [BiasTest(2, NOW, PASSING)], [], NOW)
    assert codes(refusals) == ["no_opinion"]


def test_no_deployment_without_a_test_of_this_version():
    refusals = deployment_refusals(3, [Opinion(3, "favourable")],
                                   [BiasTest(2, NOW, PASSING)], [], NOW)
    assert codes(refusals) == ["no_test"]  # a new version needs a new test


def test_a_stale_test_is_refused_and_flagged():
    old = [BiasTest(2, NOW - timedelta(days=181), PASSING)]
    refusals = deployment_refusals(2, [Opinion(2, "favourable")], old, [], NOW)
    assert codes(refusals) == ["stale_test"] and refusals[0].params["days"] == 181
    assert stale(old, 2, NOW) and not stale(old, 2, NOW, retest_days=200)
    assert stale([], 2, NOW)
    assert deployment_refusals(2, [Opinion(2, "favourable")], old, [], NOW, retest_days=365) == []


@pytest.mark.parametrize("verdict", ["fail", "not_enough_data"])
def test_a_failing_or_unknown_metric_needs_a_signed_waiver_with_a_reason(verdict):
    verdicts = {**PASSING, "college/FPR/salariés": verdict}
    test = [BiasTest(2, NOW, verdicts)]
    favourable = [Opinion(2, "favourable")]
    assert codes(deployment_refusals(2, favourable, test, [], NOW)) == ["uncovered_verdict"]
    for waiver in (Waiver(2, "college/FPR/salariés", "", True),  # no reason
                   Waiver(2, "college/FPR/salariés", "Groupe de 12 personnes", False),  # unsigned
                   Waiver(1, "college/FPR/salariés", "Groupe de 12 personnes", True),  # old version
                   Waiver(2, "college/TPR/salariés", "Groupe de 12 personnes", True)):  # other
        assert codes(deployment_refusals(2, favourable, test, [waiver], NOW)) == [
            "uncovered_verdict"]
    waiver = Waiver(2, "college/FPR/salariés", "Groupe de 12 personnes", True)
    assert deployment_refusals(2, favourable, test, [waiver], NOW) == []


def test_the_latest_test_of_the_version_counts():
    tests = [BiasTest(2, NOW - timedelta(days=10), PASSING),
             BiasTest(2, NOW - timedelta(days=1), {**PASSING, "college/FNR/bénévoles": "fail"})]
    refusals = deployment_refusals(2, [Opinion(2, "favourable")], tests, [], NOW)
    assert codes(refusals) == ["uncovered_verdict"]


def test_every_reason_is_said_at_once_and_reads_in_french():
    refusals = deployment_refusals(
        4, [], [BiasTest(4, NOW - timedelta(days=400), {"x/FPR/a": "fail"})], [], NOW)
    assert codes(refusals) == ["no_opinion", "stale_test", "uncovered_verdict"]
    assert refusals[1].text == ("Le dernier test de biais de la version 4 date de 400 jours : il "
                                "faut le refaire au moins tous les 180 jours.")
    assert set(MESSAGES) >= {r.code for r in refusals}
    assert Refusal("no_test", {"version": 1}).text == "La version 1 n'a pas de test de biais."
