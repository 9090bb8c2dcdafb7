"""Verdicts per theme: convergent, divergent, mixed or not enough data, with reasons that read."""

import json

import numpy as np
import pytest

from nlp.convergence.evidence import (
    evidence,
    evidence_by_theme,
    person_positions,
    person_positions_by_theme,
)
from nlp.convergence.verdicts import (
    LABELS,
    REASONS,
    Reason,
    Verdict,
    VerdictThresholds,
    theme_verdict,
    verdicts_by_theme,
)


def positions_of(spec: dict[str, tuple[int, int, int]]) -> tuple[list[str], list[int]]:
    """One position per person: spec maps a group to its (agree, neutral, disagree) counts."""
    groups, positions = [], []
    for group, counts in spec.items():
        for position, count in zip((1, 0, -1), counts, strict=True):
            groups += [group] * count
            positions += [position] * count
    return groups, positions


def votes(spec, grouping="college", **kwargs):
    return evidence(*positions_of(spec), source="votes", grouping=grouping, **kwargs)


def stances(spec, **kwargs):
    return evidence(*positions_of(spec), source="stances", grouping="college", **kwargs)


def codes(verdict: Verdict) -> list[str]:
    return [reason.code for reason in verdict.reasons]


DIVIDED = {"bénévoles": (37, 5, 3), "bénéficiaires": (9, 4, 16), "salariés": (12, 3, 5)}
AGREED = {"bénévoles": (8, 1, 1), "bénéficiaires": (7, 2, 1), "salariés": (15, 2, 3)}
REJECTED = {"bénévoles": (1, 1, 8), "bénéficiaires": (0, 3, 7), "salariés": (2, 2, 16)}
LUKEWARM = {"bénévoles": (5, 2, 3), "bénéficiaires": (4, 3, 3), "salariés": (11, 4, 5)}


# --- The three judgements ---------------------------------------------------------------------


def test_divergent_reason_reads_like_a_sentence_from_raw_votes():
    # Each person votes on two verbatims of the theme; their position is the sign of the sum.
    person_ids, colleges, values = [], [], []
    for college, (agree, neutral, disagree) in {
        "bénévoles": (37, 5, 3),
        "bénéficiaires": (9, 4, 16),
    }.items():
        pairs = [(1, 1)] * (agree - agree // 2) + [(1, 0)] * (agree // 2)
        pairs += [(1, -1)] * neutral + [(-1, 0)] * disagree
        for pair in pairs:
            person = f"{college}-{len(person_ids)}"
            person_ids += [person, person]
            colleges += [college, college]
            values += list(pair)
    groups, positions = person_positions(person_ids, colleges, values)
    verdict = theme_verdict([evidence(groups, positions, source="votes", grouping="college")])
    assert verdict.label == "divergent" and verdict.label_text == "divergent"
    assert verdict.reasons[0].code == "gap"
    assert verdict.reasons[0].text == (
        "Votes — bénévoles 82 % d'accord (n=45), bénéficiaires 31 % (n=29) : écart 51 points"
    )
    assert verdict.reasons[0].params["points"] == 51
    assert len(verdict.reasons) == 1


def test_convergent_when_every_college_agrees():
    verdict = theme_verdict([votes(AGREED), stances(AGREED)])
    assert verdict.label == "convergent"
    assert codes(verdict) == ["common_ground", "common_ground"]
    assert verdict.reasons[0].text == (
        "Votes — chaque collège est d'accord à 60 % au moins ; "
        "le moins d'accord : bénéficiaires 70 % (n=10)"
    )
    assert verdict.reasons[1].text.startswith("Positions déclarées — ")


def test_every_college_agreeing_is_common_ground_even_with_a_wide_gap():
    # 95 % against 62 %: a 33-point gap, but every college agrees.
    verdict = theme_verdict([votes({"salariés": (19, 1, 0), "bénévoles": (31, 9, 10)})])
    assert verdict.label == "convergent"
    assert codes(verdict) == ["common_ground"]


def test_shared_rejection_is_convergent_too():
    verdict = theme_verdict([votes(REJECTED)])
    assert verdict.label == "convergent"
    assert codes(verdict) == ["shared_rejection"]
    assert verdict.reasons[0].text == (
        "Votes — chaque collège est en désaccord à 60 % au moins ; "
        "le moins en désaccord : bénéficiaires 70 % (n=10)"
    )


def test_mixed_when_no_common_ground_and_no_large_gap():
    verdict = theme_verdict([votes(LUKEWARM)])
    assert verdict.label == "mixed" and verdict.label_text == "sans tendance nette"
    assert codes(verdict) == ["no_common_ground"]
    assert verdict.reasons[0].text == (
        "Votes — pas de terrain commun : bénéficiaires 40 % d'accord (n=10), "
        "salariés 55 % (n=20) ; écart 15 points, sous les 30 d'une divergence"
    )


def test_a_gap_in_any_evidence_makes_the_theme_divergent():
    verdict = theme_verdict([votes(AGREED), stances(DIVIDED)])
    assert verdict.label == "divergent"
    assert codes(verdict) == ["gap"]
    assert verdict.reasons[0].text.startswith("Positions déclarées — bénévoles 82 %")


def test_opinion_groups_have_their_own_gap_reason():
    spec = {"A": (18, 1, 1), "B": (3, 2, 15)}
    verdict = theme_verdict([votes(AGREED), votes(spec, grouping="opinion_group")])
    assert verdict.label == "divergent"
    assert codes(verdict) == ["opinion_groups_gap"]
    assert verdict.reasons[0].text == (
        "Votes — groupe d'opinion A 90 % d'accord (n=20), "
        "groupe d'opinion B 15 % (n=20) : écart 75 points"
    )


def test_agreement_in_one_source_and_rejection_in_another_is_mixed():
    verdict = theme_verdict([votes(AGREED), stances(REJECTED)])
    assert verdict.label == "mixed"
    assert codes(verdict) == ["common_ground", "shared_rejection", "sources_disagree"]


def test_an_evidence_without_enough_data_is_named_but_does_not_decide():
    verdict = theme_verdict([votes(AGREED), stances({"bénévoles": (3, 0, 0)})])
    assert verdict.label == "convergent"
    assert codes(verdict) == ["common_ground", "too_few_groups"]  # not each group again
    assert verdict.reasons[1].text == (
        "Positions déclarées — collèges avec au moins 5 avis exprimés : 0 sur 1, il en faut 2"
    )


def test_a_college_with_too_few_opinions_is_left_out_and_said_so():
    spec = {**AGREED, "administrateurs": (0, 4, 3)}  # would be 0 % agree with enough data
    verdict = theme_verdict([votes(spec)])
    assert verdict.label == "convergent"
    assert codes(verdict) == ["common_ground", "few_opinions"]
    assert verdict.reasons[1].text == (
        "Votes — administrateurs : trop peu d'avis pour ou contre (3 sur n=7), non pris en compte"
    )


# --- Bad inputs: a verdict with a reason, never an exception or a warning ------------------------


@pytest.mark.parametrize(
    "spec, reason, text",
    [
        ({}, "no_votes", "Votes — aucun avis sur ce thème"),
        (
            {"bénévoles": (1, 0, 0)},
            "too_few_groups",
            "Votes — collèges avec au moins 5 avis exprimés : 0 sur 1, il en faut 2",
        ),
        (
            {"bénévoles": (12, 3, 4)},
            "too_few_groups",
            "Votes — collèges avec au moins 5 avis exprimés : 1 sur 1, il en faut 2",
        ),
        (
            {"bénévoles": (30, 0, 0), "salariés": (1, 0, 1)},
            "too_few_groups",
            "Votes — collèges avec au moins 5 avis exprimés : 1 sur 2, il en faut 2",
        ),
        (
            {"bénévoles": (0, 12, 0), "salariés": (0, 8, 0)},
            "no_expressed",
            "Votes — aucun avis pour ou contre, seulement des abstentions ou des avis neutres "
            "(n=20)",
        ),
    ],
    ids=["no votes", "one participant", "one college", "one college agrees", "all passes"],
)
def test_thin_data_gives_not_enough_data_with_a_reason(spec, reason, text):
    verdict = theme_verdict([votes(spec)])
    assert verdict.label == "not_enough_data"
    assert verdict.label_text == "pas assez de données"
    assert verdict.reasons[0].code == reason
    assert verdict.reasons[0].text == text
    json.dumps(verdict.to_json())


def test_no_evidence_at_all():
    verdict = theme_verdict([])
    assert verdict.label == "not_enough_data"
    assert codes(verdict) == ["no_evidence"]
    assert verdict.evidence == ()


def test_not_enough_data_lists_what_each_evidence_lacks():
    verdict = theme_verdict([votes({}), stances({"bénévoles": (4, 0, 0), "salariés": (9, 0, 1)})])
    assert verdict.label == "not_enough_data"
    assert codes(verdict) == ["no_votes", "too_few_groups"]
    assert (verdict.reasons[1].params["enough"], verdict.reasons[1].params["total"]) == (1, 2)


# --- Thresholds are parameters ----------------------------------------------------------------


def test_a_higher_divergence_gap_turns_divergent_into_mixed():
    assert theme_verdict([votes(DIVIDED)]).label == "divergent"
    relaxed = theme_verdict([votes(DIVIDED)], VerdictThresholds(divergence_gap=0.6))
    assert relaxed.label == "mixed"
    assert "sous les 60 d'une divergence" in relaxed.reasons[0].text


def test_a_lower_common_ground_turns_mixed_into_convergent():
    assert theme_verdict([votes(LUKEWARM)]).label == "mixed"
    verdict = theme_verdict([votes(LUKEWARM)], VerdictThresholds(common_ground=0.4))
    assert verdict.label == "convergent"
    assert "d'accord à 40 % au moins" in verdict.reasons[0].text


def test_a_higher_min_count_makes_small_colleges_too_thin():
    assert theme_verdict([votes(AGREED)]).label == "convergent"
    verdict = theme_verdict([votes(AGREED)], VerdictThresholds(min_count=10))
    assert verdict.label == "not_enough_data"
    assert verdict.reasons[0].params["enough"] == 1
    assert verdict.reasons[0].params["min_count"] == 10


def test_min_groups_of_one_lets_a_single_college_decide():
    single = votes({"bénévoles": (12, 3, 4)})
    assert theme_verdict([single]).label == "not_enough_data"
    assert theme_verdict([single], VerdictThresholds(min_groups=1)).label == "convergent"


def test_gap_exactly_at_the_threshold_is_divergent_despite_floating_point():
    spec = {"a": (7, 0, 3), "b": (4, 0, 6)}  # 0.7 - 0.4 = 0.29999999999999993 in floats
    assert theme_verdict([votes(spec)]).label == "divergent"


@pytest.mark.parametrize(
    "kwargs",
    [{"common_ground": 1.5}, {"divergence_gap": -0.1}, {"min_count": 0}, {"min_groups": 0}],
)
def test_impossible_thresholds_are_refused(kwargs):
    with pytest.raises(ValueError):
        VerdictThresholds(**kwargs)


# --- Reasons and output -----------------------------------------------------------------------


def test_every_reason_template_formats_with_the_params_it_is_given():
    verdicts = [
        theme_verdict(evidences)
        for evidences in (
            [votes(DIVIDED), votes({"A": (9, 0, 1), "B": (1, 0, 9)}, grouping="opinion_group")],
            [votes(AGREED), stances(REJECTED), votes({"x": (1, 0, 0)})],
            [votes(LUKEWARM), votes({}), votes({"a": (0, 3, 0)})],
            [votes({"a": (8, 0, 1), "b": (9, 0, 0), "c": (1, 0, 0)})],
            [],
        )
    ]
    seen = {reason.code for verdict in verdicts for reason in verdict.reasons}
    assert seen == set(REASONS)
    for verdict in verdicts:
        for reason in verdict.reasons:
            assert reason == Reason.of(reason.code, **reason.params)


def test_to_json_is_plain_json_with_codes_and_french_texts():
    data = json.loads(json.dumps(theme_verdict([votes(DIVIDED), stances(AGREED)]).to_json()))
    assert data["label"] == "divergent" and data["label_text"] == LABELS["divergent"]
    assert data["reasons"][0]["code"] == "gap"
    assert data["reasons"][0]["params"]["source_code"] == "votes"
    assert data["reasons"][0]["text"].startswith("Votes — bénévoles 82 % d'accord (n=45)")
    assert [e["source"] for e in data["evidence"]] == ["votes", "stances"]


# --- In bulk ----------------------------------------------------------------------------------


def test_verdicts_by_theme_equal_one_theme_at_a_time_on_random_data():
    rng = np.random.default_rng(3)
    colleges = np.array(["bénévoles", "bénéficiaires", "salariés"])
    college_of = colleges[rng.integers(0, 3, size=200)]
    agree_rate = rng.uniform(0.1, 0.9, size=(15, 3))  # per theme and college
    themes = rng.integers(0, 15, size=3000)
    person_ids = rng.integers(0, 200, size=3000)
    college_codes = np.searchsorted(colleges, college_of[person_ids])
    values = np.where(rng.random(3000) < agree_rate[themes, college_codes], 1, -1)
    values[rng.random(3000) < 0.2] = 0

    rows = person_positions_by_theme(themes, person_ids, college_of[person_ids], values)
    by_theme = evidence_by_theme(*rows, source="votes", grouping="college", theme_ids=[99])
    verdicts = verdicts_by_theme({t: [e] for t, e in by_theme.items()})
    assert set(verdicts) == set(range(15)) | {99}
    assert verdicts[99].label == "not_enough_data"
    labels = {v.label for v in verdicts.values()}
    assert {"divergent", "not_enough_data"} <= labels
    for theme, verdict in verdicts.items():
        assert verdict == theme_verdict([by_theme[theme]])
        assert verdict.reasons
