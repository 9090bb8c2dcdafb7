"""The bias test (ethics_register/bias.py): every value against scikit-learn on the rows, the
fast bootstrap against fairlearn's own, and verdicts that a small group cannot tip.

The predictions are synthetic, drawn with a seed: a model whose error rates differ by group by
design, so that what should pass and what should fail is known before anything is computed.
"""

import json
import warnings

import numpy as np
import pytest
from fairlearn.metrics import (
    MetricFrame,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score

from ethics_register.bias import (
    DENOMINATORS,
    METRICS,
    Thresholds,
    bias_test,
)
from ethics_register.predictions import predictions_from_arrays
from ethics_register.problems import InvalidPredictions


def model(n, seed, groups, shares, true_rate=0.7, false_rate=0.2, base_rate=0.4, **by_group):
    """Labels, predictions and groups of ``n`` rows: positives found with ``true_rate`` and
    negatives wrongly flagged with ``false_rate``, except in the groups given as
    ``name=(true_rate, false_rate)``."""
    rng = np.random.default_rng(seed)
    group = rng.choice(groups, n, p=shares)
    labels = rng.random(n) < base_rate
    tpr = np.array([by_group.get(g, (true_rate, false_rate))[0] for g in group])
    fpr = np.array([by_group.get(g, (true_rate, false_rate))[1] for g in group])
    predicted = rng.random(n) < np.where(labels, tpr, fpr)
    return labels, predicted, group


def sklearn_metrics(labels, predicted, mask):
    """The oracle: one group's metrics recomputed by scikit-learn on a boolean mask."""
    y, p = labels[mask], predicted[mask]
    tn, fp, fn, tp = confusion_matrix(y, p, labels=[False, True]).ravel()
    return {"members": int(mask.sum()), "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "selection_rate": p.mean(), "true_positive_rate": recall_score(y, p),
            "false_positive_rate": fp / (fp + tn), "false_negative_rate": 1 - recall_score(y, p),
            "precision": precision_score(y, p), "accuracy": accuracy_score(y, p)}


def group(result, attribute, name):
    [found] = [g for a in result.attributes if a.name == attribute for g in a.groups
               if g.name == name]
    return found


def test_every_metric_of_every_group_is_sklearns_on_the_groups_rows():
    rng = np.random.default_rng(3)
    labels, predicted, college = model(5000, 3, ["salariés", "usagers", "bénévoles"],
                                       [0.5, 0.3, 0.2], usagers=(0.6, 0.3))
    age = rng.choice(["jeune", "senior"], 5000)
    result = bias_test(predictions_from_arrays(
        labels, predicted, sensitive={"collège": college, "âge": age}), n_boot=0)
    masks = {"collège": {g: college == g for g in set(college)},
             "âge": {g: age == g for g in set(age)},
             "collège × âge": {f"{c} × {a}": (college == c) & (age == a)
                               for c in set(college) for a in set(age)}}
    assert [a.name for a in result.attributes] == list(masks)
    for attribute, groups in masks.items():
        assert {g.name for g in group_list(result, attribute)} == set(groups)
        for name, mask in groups.items():
            expected = sklearn_metrics(labels, predicted, mask)
            found = group(result, attribute, name)
            assert found.counts == {k: expected[k] for k in found.counts}
            for metric in METRICS:
                assert found.metrics[metric].value == pytest.approx(expected[metric],
                                                                    rel=1e-12), metric
    overall = sklearn_metrics(labels, predicted, np.ones(5000, dtype=bool))
    for metric in METRICS:
        assert result.overall[metric].value == pytest.approx(overall[metric], rel=1e-12)


def group_list(result, attribute):
    [found] = [a for a in result.attributes if a.name == attribute]
    return found.groups


def test_denominators_and_comparisons_follow_their_definitions():
    labels, predicted, college = model(4000, 4, ["a", "b"], [0.6, 0.4], b=(0.5, 0.35))
    result = bias_test(predictions_from_arrays(labels, predicted, sensitive={"c": college}),
                       n_boot=0)
    a, b = group(result, "c", "a"), group(result, "c", "b")
    assert a.is_reference and not b.is_reference  # the larger group by default
    kinds = {"members": b.counts["members"], "positives": b.counts["tp"] + b.counts["fn"],
             "negatives": b.counts["fp"] + b.counts["tn"],
             "predicted_positives": b.counts["tp"] + b.counts["fp"]}
    for metric in METRICS:
        found, ref = b.metrics[metric], a.metrics[metric]
        assert found.denominator == kinds[DENOMINATORS[metric]]
        assert found.difference == pytest.approx(found.value - ref.value)
        assert found.ratio == pytest.approx(found.value / ref.value)
        assert found.direction == ("higher" if found.value > ref.value else "lower")
        assert ref.verdict is None
    assert b.metrics["false_positive_rate"].direction == "higher"
    assert b.metrics["true_positive_rate"].direction == "lower"


def test_a_clear_gap_fails_and_equal_treatment_passes():
    labels, predicted, college = model(20_000, 5, ["a", "b", "c"], [0.4, 0.3, 0.3],
                                       c=(0.7, 0.4))  # c's negatives flagged twice as often
    result = bias_test(predictions_from_arrays(labels, predicted, sensitive={"c": college}),
                       n_boot=0)
    b, c = group(result, "c", "b"), group(result, "c", "c")
    assert {m.verdict for m in b.metrics.values()} == {"pass"}
    assert c.metrics["false_positive_rate"].verdict == "fail"
    assert c.metrics["false_positive_rate"].ratio > 1.25
    assert c.metrics["true_positive_rate"].verdict == "pass"
    assert result.verdicts()["c/false_positive_rate/c"] == "fail"
    loose = bias_test(predictions_from_arrays(labels, predicted, sensitive={"c": college}),
                      n_boot=0, thresholds=Thresholds(ratio_min=0.4, ratio_max=2.5,
                                                      max_difference=0.3))
    assert group(loose, "c", "c").metrics["false_positive_rate"].verdict == "pass"


def exact(cells):
    """Rows with exactly the given counts: {group: (tp, fp, fn, tn)}."""
    labels, predicted, groups = [], [], []
    for name, counts in cells.items():
        for (label, prediction), count in zip([(1, 1), (0, 1), (1, 0), (0, 0)], counts,
                                              strict=True):
            labels += [label] * count
            predicted += [prediction] * count
            groups += [name] * count
    return predictions_from_arrays(labels, predicted, sensitive={"g": groups})


def selecting(selected, members):
    """Confusion counts of a group of ``members`` of whom ``selected`` are predicted positive."""
    rest = members - selected
    return (selected // 2, selected - selected // 2, rest // 2, rest - rest // 2)


@pytest.mark.parametrize("reference, rate, verdict", [
    (0.5, 0.4, "pass"),  # ratio 0.8 and difference −0.10: both on their bound
    (0.5, 0.6, "pass"),  # ratio 1.2, difference +0.10
    (0.5, 0.38, "fail"),  # ratio 0.76 and difference −0.12: both out
    (0.1, 0.05, "fail"),  # a difference of 0.05 only, but half the rate: the ratio fails
    (0.8, 0.95, "fail"),  # a ratio of 1.19, but 15 points more: the difference fails
])
def test_both_the_ratio_and_the_difference_must_hold_bounds_included(reference, rate, verdict):
    data = exact({"ref": selecting(round(reference * 1000), 1000),
                  "other": selecting(round(rate * 1000), 1000)})
    result = bias_test(data, reference="ref", n_boot=0)
    metric = group(result, "g", "other").metrics["selection_rate"]
    assert metric.value == pytest.approx(rate)
    assert metric.verdict == verdict


def test_a_twelve_member_group_is_never_judged():
    labels, predicted, college = model(3000, 6, ["a", "b"], [0.6, 0.4])
    college = college.astype(object)
    college[:12] = "petit"
    result = bias_test(predictions_from_arrays(labels, predicted, sensitive={"c": college}),
                       n_boot=100)
    small = group(result, "c", "petit")
    assert small.counts["members"] == 12
    assert {m.verdict for m in small.metrics.values()} == {"not_enough_data"}
    assert {m.verdict for m in group(result, "c", "b").metrics.values()} == {"pass"}


def test_a_metric_with_few_positives_waits_while_the_others_are_judged():
    # 400 members of b, only 10 positives: TPR and FNR have 10 cases, FPR 390.
    data = exact({"a": (140, 60, 60, 540), "b": (7, 39, 3, 351)})
    result = bias_test(data, n_boot=0)
    b = group(result, "g", "b").metrics
    assert b["true_positive_rate"].denominator == 10
    assert b["true_positive_rate"].verdict == b["false_negative_rate"].verdict == (
        "not_enough_data")
    assert b["false_positive_rate"].verdict == "pass"
    assert b["selection_rate"].verdict != "not_enough_data"  # 400 members
    assert bias_test(data, n_boot=0, min_count=10).verdicts()["g/true_positive_rate/b"] != (
        "not_enough_data")


def test_a_small_reference_group_judges_nobody():
    data = exact({"a": (140, 60, 60, 540), "b": (5, 2, 3, 10)})
    result = bias_test(data, reference="b", n_boot=0)
    assert group(result, "g", "b").is_reference
    assert set(result.verdicts().values()) == {"not_enough_data"}


def test_a_zero_reference_value_makes_the_ratio_undefined():
    # The reference misses no positive (FNR 0); so does b; c misses some.
    result = bias_test(exact({"ref": (100, 20, 0, 200), "b": (60, 12, 0, 120),
                              "c": (50, 10, 10, 100)}), n_boot=0)
    b, c = (group(result, "g", n).metrics["false_negative_rate"] for n in ("b", "c"))
    assert b.ratio is None and b.verdict == "pass" and b.direction == "equal"
    assert c.ratio is None and c.verdict == "fail" and c.difference > 0


def test_an_empty_denominator_gives_no_value_not_zero():
    result = bias_test(exact({"a": (50, 20, 30, 100), "b": (0, 0, 40, 60)}), n_boot=50)
    precision = group(result, "g", "b").metrics["precision"]  # no predicted positive
    assert precision.value is None and precision.denominator == 0
    assert precision.verdict == "not_enough_data" and precision.interval is None


def test_the_intersection_and_its_reference():
    rng = np.random.default_rng(70)
    labels, predicted, college = model(6000, 7, ["a", "b"], [0.5, 0.5])
    age = rng.choice(["jeune", "senior"], 6000, p=[0.7, 0.3])
    data = predictions_from_arrays(labels, predicted, sensitive={"c": college, "âge": age})
    result = bias_test(data, reference=["c=b", "senior"], n_boot=0)
    references = {a.name: a.reference for a in result.attributes}
    assert references == {"c": "b", "âge": "senior", "c × âge": "b × senior"}
    assert group(result, "c × âge", "a × jeune").values == {"c": "a", "âge": "jeune"}
    default = bias_test(data, n_boot=0)
    intersection = default.attributes[2]
    sizes = {g.name: g.counts["members"] for g in intersection.groups}
    assert intersection.reference == max(sizes, key=sizes.get)


def test_a_combination_nobody_has_is_no_group():
    labels, predicted, college = model(3000, 14, ["a", "b"], [0.5, 0.5])
    age = np.where(college == "a", "jeune", np.where(np.arange(3000) % 2, "jeune", "senior"))
    result = bias_test(predictions_from_arrays(labels, predicted,
                                               sensitive={"c": college, "âge": age}), n_boot=20)
    names = {g.name for g in result.attributes[2].groups}
    assert names == {"a × jeune", "b × jeune", "b × senior"}  # no "a × senior"
    assert sum(g.counts["members"] for g in result.attributes[2].groups) == 3000


@pytest.mark.slow  # fairlearn refits its frame for each of the 500 draws: half a minute
def test_the_fast_bootstrap_agrees_with_fairlearns_own():
    labels, predicted, college = model(2000, 8, ["a", "b"], [0.6, 0.4], b=(0.8, 0.4))
    draws = 500
    metrics = {"selection_rate": selection_rate, "true_positive_rate": true_positive_rate,
               "false_positive_rate": false_positive_rate}
    frame = MetricFrame(metrics=metrics, y_true=labels.astype(int),
                        y_pred=predicted.astype(int), sensitive_features={"c": college},
                        n_boot=draws, ci_quantiles=[0.025, 0.975], random_state=1)
    low, high = frame.by_group_ci
    result = bias_test(predictions_from_arrays(labels, predicted, sensitive={"c": college}),
                       n_boot=draws, seed=2)
    # Both are Monte Carlo estimates of the same 2.5 % and 97.5 % quantiles, with different
    # random numbers. With B draws a tail quantile's standard error is about
    # sqrt(0.025 · 0.975 / B) / φ(1.96) ≈ 2.7 σ / √B, i.e. 3 % of the interval's width (3.92 σ)
    # at B = 500, and 4.3 % for the difference of two estimates: 15 % of the width is three
    # and a half standard errors, and an interval of half or double the width would fail.
    for name in ("a", "b"):
        for metric in metrics:
            ours = group(result, "c", name).metrics[metric].interval
            theirs = (low.loc[name, metric], high.loc[name, metric])
            width = theirs[1] - theirs[0]
            assert abs(ours[0] - theirs[0]) <= 0.15 * width, (name, metric)
            assert abs(ours[1] - theirs[1]) <= 0.15 * width, (name, metric)
    # The difference between the groups, in the same draws: fairlearn's between_groups is
    # max − min, here b − a since b selects clearly more.
    b = group(result, "c", "b").metrics["selection_rate"]
    assert b.difference > 0 and b.difference_interval[0] > 0
    theirs = frame.difference_ci(method="between_groups")
    width = theirs[1]["selection_rate"] - theirs[0]["selection_rate"]
    for ours, their in zip(b.difference_interval, theirs, strict=True):
        assert abs(ours - their["selection_rate"]) <= 0.15 * width


def test_the_interval_holds_the_value_and_narrows_with_more_rows():
    widths = []
    for n in (2000, 32000):
        labels, predicted, college = model(n, 9, ["a", "b"], [0.5, 0.5])
        result = bias_test(predictions_from_arrays(labels, predicted, sensitive={"c": college}))
        metric = group(result, "c", "b").metrics["true_positive_rate"]
        assert metric.interval[0] < metric.value < metric.interval[1]
        assert metric.ratio_interval[0] < metric.ratio < metric.ratio_interval[1]
        widths.append(metric.interval[1] - metric.interval[0])
    assert 3 < widths[0] / widths[1] < 5  # √16 = 4


def test_same_seed_same_result_another_seed_other_intervals():
    labels, predicted, college = model(3000, 10, ["a", "b", "c"], [0.4, 0.3, 0.3])
    data = predictions_from_arrays(labels, predicted, sensitive={"c": college})
    first, again = bias_test(data, seed=5).to_json(), bias_test(data, seed=5).to_json()
    assert first == again
    other = bias_test(data, seed=6).to_json()
    assert other["attributes"]["c"]["groups"]["b"]["metrics"]["precision"]["interval"] != (
        first["attributes"]["c"]["groups"]["b"]["metrics"]["precision"]["interval"])
    assert other["attributes"]["c"]["groups"]["b"]["metrics"]["precision"]["value"] == (
        first["attributes"]["c"]["groups"]["b"]["metrics"]["precision"]["value"])


def test_the_json_holds_everything_needed_to_redo_the_test():
    labels, predicted, college = model(2000, 11, ["a", "b"], [0.5, 0.5])
    data = predictions_from_arrays(labels, predicted, sensitive={"c": college})
    document = bias_test(data, n_boot=50, seed=3, min_count=20,
                         extra_parameters={"model": "tri-des-demandes"}).to_json()
    text = json.dumps(document, allow_nan=False)  # no NaN, no numpy type
    assert json.loads(text) == document
    assert document["dataset"]["sha256"] == data.sha256 and document["dataset"]["rows"] == 2000
    assert set(document["libraries"]) >= {"fairlearn", "numpy", "scikit-learn"}
    assert document["parameters"]["seed"] == 3 and document["parameters"]["n_boot"] == 50
    assert document["parameters"]["min_count"] == 20
    assert document["parameters"]["model"] == "tri-des-demandes"
    for name, entry in document["attributes"]["c"]["groups"].items():
        assert set(entry["metrics"]) == set(METRICS)
        for metric in entry["metrics"].values():
            assert {"value", "interval", "denominator"} <= set(metric)
            if not entry["is_reference"]:
                assert metric["verdict"] in ("pass", "fail", "not_enough_data")
                assert metric["direction"] in ("higher", "lower", "equal")
        assert entry["members"] == entry["tp"] + entry["fp"] + entry["fn"] + entry["tn"], name
    assert sum(document["summary"].values()) == len(document["verdicts"]) == len(METRICS)


def test_no_draws_no_intervals():
    labels, predicted, college = model(500, 12, ["a", "b"], [0.5, 0.5])
    result = bias_test(predictions_from_arrays(labels, predicted, sensitive={"c": college}),
                       n_boot=0)
    assert all(m.interval is None and m.ratio_interval is None
               for g in result.attributes[0].groups for m in g.metrics.values())


@pytest.mark.parametrize("options, code", [
    ({"min_count": 0}, "bad_min_count"), ({"n_boot": -1}, "bad_n_boot"),
    ({"n_boot": 1_000_000}, "bad_n_boot"), ({"confidence": 1.5}, "bad_confidence"),
    ({"thresholds": Thresholds(ratio_min=1.2)}, "bad_thresholds"),
    ({"thresholds": Thresholds(max_difference=-0.1)}, "bad_thresholds"),
    ({"reference": "z"}, "reference_absent")])
def test_bad_options_are_refused_before_anything_is_computed(options, code):
    labels, predicted, college = model(200, 13, ["a", "b"], [0.5, 0.5])
    data = predictions_from_arrays(labels, predicted, sensitive={"c": college})
    with pytest.raises(InvalidPredictions) as caught:
        bias_test(data, **options)
    assert [p.code for p in caught.value.problems] == [code]


def test_the_test_raises_no_warning_on_degenerate_groups():
    # A group whose every prediction is negative and one with no negatives at all.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = bias_test(exact({"a": (50, 20, 30, 100), "b": (0, 0, 40, 60),
                                  "c": (30, 0, 10, 0)}), n_boot=30)
    assert group(result, "g", "c").metrics["false_positive_rate"].value is None
