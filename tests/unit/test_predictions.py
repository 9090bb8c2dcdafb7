"""Predictions checked before a bias test (ethics_register/predictions.py): every bad input is
refused with the column and the lines to fix, all problems at once, and no result."""

import math

import numpy as np
import pytest

from ethics_register.predictions import (
    MAX_GROUPS,
    predictions_from_arrays,
    predictions_from_table,
    reference_groups,
)
from ethics_register.problems import MESSAGES, InvalidPredictions

COLUMNS = ["id", "réel", "prédit", "score", "collège", "âge"]


def table(rows: list[list[str]], columns=COLUMNS):
    """Rows as read_table gives them, the header on line 1 and the data from line 2."""
    return (columns, [dict(zip(columns, r, strict=True)) for r in rows],
            list(range(2, len(rows) + 2)))


def good_rows(n=8) -> list[list[str]]:
    return [[str(i), "oui" if i % 2 else "non", "1" if i % 3 else "0", f"0,{i}",
             "salariés" if i % 4 else "bénévoles", "jeune" if i < n // 2 else "senior"]
            for i in range(n)]


def read(rows, **options):
    options = {"label": "réel", "prediction": "prédit", "sensitive": ["collège"], **options}
    if "score" in options:
        options.pop("prediction")
    return predictions_from_table(*table(rows), **options)


def problems(call, *args, **kwargs):
    with pytest.raises(InvalidPredictions) as caught:
        call(*args, **kwargs)
    return caught.value.problems


def test_a_good_table_gives_booleans_and_groups_row_by_row():
    rows = good_rows()
    data = read(rows, sensitive=["collège", "âge"])
    assert data.labels.tolist() == [r[1] == "oui" for r in rows]
    assert data.predicted.tolist() == [r[2] == "1" for r in rows]
    college = data.attributes[0]
    assert college.name == "collège" and set(college.groups) == {"salariés", "bénévoles"}
    assert [college.groups[c] for c in college.codes] == [r[4] for r in rows]
    assert college.sizes() == {"bénévoles": 2, "salariés": 6}
    assert data.lines.tolist() == list(range(2, 10))
    assert len(data) == 8 and data.columns["sensitive"] == ["collège", "âge"]


@pytest.mark.parametrize("positive, negative", [
    ("1", "0"), ("TRUE", "false"), ("Yes", "no"), ("oui", "Non"), ("vrai", "faux"),
    ("1.0", "0.0")])
def test_every_spelling_of_yes_and_no_is_read(positive, negative):
    rows = good_rows()
    for row in rows:
        row[1] = positive if row[1] == "oui" else negative
    assert read(rows).labels.tolist() == [i % 2 == 1 for i in range(8)]


def test_a_missing_column_is_named_with_the_columns_there_are():
    found = problems(read, good_rows(), label="label", sensitive=["collège", "genre"])
    assert [p.code for p in found] == ["missing_columns"]
    assert "« label »" in found[0].text and "« genre »" in found[0].text
    assert "« réel »" in found[0].params["present"]


def test_a_non_binary_label_names_its_column_values_and_lines():
    rows = good_rows()
    rows[2][1], rows[5][1] = "2", "peut-être"
    [problem] = problems(read, rows)
    assert problem.code == "non_binary"
    assert problem.params["column"] == "réel" and problem.params["lines"] == "4, 7"
    assert "« 2 »" in problem.text and "« peut-être »" in problem.text


def test_many_bad_lines_show_the_first_five_and_the_count():
    rows = good_rows(40)
    for row in rows[10:]:
        row[2] = "?"
    [problem] = problems(read, rows)
    assert problem.params["count"] == 30 and problem.params["lines"] == "12, 13, 14, 15, 16, …"


def test_a_positive_value_reads_against_one_other_and_names_a_third():
    rows = good_rows()
    for row in rows:
        row[1] = "accepté" if row[1] == "oui" else "refusé"
    data = read(rows, positive="Accepté")  # case does not matter
    assert data.labels.tolist() == [i % 2 == 1 for i in range(8)]
    assert data.positive == "Accepté"
    rows[6][1] = "en attente"
    [problem] = problems(read, rows, positive="accepté")
    assert problem.code == "non_binary" and problem.params["lines"] == "8"
    assert "« en attente »" in problem.text


def test_a_column_without_the_positive_value_falls_back_to_yes_and_no():
    rows = good_rows()
    for row in rows:
        row[1] = "accepté" if row[1] == "oui" else "refusé"
    data = read(rows, positive="accepté")  # the predictions are still 1 / 0
    assert data.predicted.tolist() == [r[2] == "1" for r in rows]


def test_labels_of_one_class_are_refused():
    rows = good_rows()
    for row in rows:
        row[1] = "non"
    [problem] = problems(read, rows)
    assert problem.code == "one_class" and problem.params["column"] == "réel"


def test_empty_cells_and_nan_are_refused_with_their_lines():
    rows = good_rows()
    rows[0][1], rows[3][1] = "", "NaN"
    rows[4][4] = "nan"
    found = problems(read, rows)
    assert {(p.code, p.params["column"], p.params["lines"]) for p in found} == {
        ("missing_values", "réel", "2, 5"), ("missing_values", "collège", "6")}


def test_every_problem_is_reported_at_once():
    rows = good_rows()
    rows[1][1], rows[2][2], rows[3][4] = "2", "x", ""
    found = problems(read, rows)
    assert [(p.code, p.params["column"]) for p in found] == [
        ("non_binary", "réel"), ("non_binary", "prédit"), ("missing_values", "collège")]
    assert all(p.text == p.message % p.params for p in found)


def test_a_score_over_the_threshold_is_a_positive_prediction():
    rows = good_rows()
    data = read(rows, score="score", threshold="0,5")
    assert data.predicted.tolist() == [i >= 5 for i in range(8)]  # 0,5 itself counts
    assert data.threshold == 0.5 and data.scores.tolist() == [i / 10 for i in range(8)]


@pytest.mark.parametrize("threshold", ["abc", math.inf, math.nan, None, True])
def test_a_threshold_must_be_a_finite_number(threshold):
    found = problems(read, good_rows(), score="score", threshold=threshold)
    assert found[0].code == ("prediction_or_score" if threshold is None else "bad_threshold")


def test_a_threshold_for_probabilities_stays_in_zero_one():
    [problem] = problems(read, good_rows(), score="score", threshold=1.5)
    assert problem.code == "threshold_probability" and problem.params["column"] == "score"


def test_a_threshold_outside_other_scores_is_refused():
    rows = good_rows()
    for i, row in enumerate(rows):
        row[3] = str(10 * i)  # 0 to 70: not probabilities
    assert read(rows, score="score", threshold=35).predicted.sum() == 4
    [problem] = problems(read, rows, score="score", threshold=80)
    assert problem.code == "threshold_range" and (problem.params["low"],
                                                  problem.params["high"]) == ("0", "70")


def test_scores_that_are_not_numbers_are_named():
    rows = good_rows()
    rows[3][3], rows[4][3] = "élevé", "inf"
    [problem] = problems(read, rows, score="score", threshold=0.5)
    assert problem.code == "bad_scores" and problem.params["lines"] == "5, 6"


def test_prediction_and_score_go_one_without_the_other():
    found = problems(predictions_from_table, *table(good_rows()), label="réel",
                     prediction="prédit", score="score", threshold=0.5, sensitive=["collège"])
    assert found[0].code == "prediction_or_score"
    found = problems(predictions_from_table, *table(good_rows()), label="réel",
                     sensitive=[])
    assert {p.code for p in found} == {"prediction_or_score", "no_sensitive"}


def test_a_column_cannot_play_two_roles():
    found = problems(read, good_rows(), sensitive=["collège", "réel"])
    assert [(p.code, p.params["column"]) for p in found] == [("column_twice", "réel")]


def test_a_sensitive_column_of_ten_thousand_values_is_refused():
    n = 10_000
    rng = np.random.default_rng(0)
    labels = rng.random(n) < 0.5
    found = problems(predictions_from_arrays, labels, ~labels,
                     sensitive={"identifiant": [f"m{i}" for i in range(n)]})
    assert [(p.code, p.params["column"], p.params["count"]) for p in found] == [
        ("too_many_groups", "identifiant", n)]
    assert str(MAX_GROUPS) in found[0].text


def test_an_attribute_of_one_group_is_refused():
    rows = good_rows()
    for row in rows:
        row[4] = "salariés"
    [problem] = problems(read, rows)
    assert (problem.code, problem.params["column"]) == ("one_group", "collège")


def test_intersections_are_capped_too():
    n = 4000
    rng = np.random.default_rng(1)
    labels = rng.random(n) < 0.5
    sensitive = {"a": rng.integers(0, 60, n), "b": rng.integers(0, 60, n)}
    found = problems(predictions_from_arrays, labels, labels, sensitive=sensitive,
                     max_groups=100)
    assert [p.code for p in found] == ["too_many_intersections"]
    assert "« a » × « b »" in found[0].text


def test_no_rows_is_refused():
    [problem] = problems(read, [])
    assert problem.code == "no_rows"


def test_arrays_of_any_common_type_read_alike():
    rng = np.random.default_rng(2)
    labels = rng.random(50) < 0.5
    predicted = rng.random(50) < 0.5
    groups = rng.choice(["a", "b"], 50)
    reference = predictions_from_arrays(labels, predicted, sensitive={"g": groups})
    as_ints = predictions_from_arrays(labels.astype(int), predicted.astype(float),
                                      sensitive={"g": list(groups)})
    as_words = predictions_from_arrays(np.where(labels, "oui", "non"), predicted.tolist(),
                                       sensitive={"g": groups.astype(object)})
    for other in (as_ints, as_words):
        assert other.sha256 == reference.sha256
        assert (other.labels == reference.labels).all()


def test_the_data_hash_changes_with_one_label():
    labels = np.array([True, False] * 20)
    data = predictions_from_arrays(labels, labels, sensitive={"g": ["a", "b"] * 20})
    flipped = labels.copy()
    flipped[3] = True
    other = predictions_from_arrays(flipped, labels, sensitive={"g": ["a", "b"] * 20})
    assert data.sha256 != other.sha256 and len(data.sha256) == 64


def test_arrays_name_rows_from_one_and_refuse_nan_and_unequal_lengths():
    labels = np.array([1.0, 0.0, np.nan, 1.0])
    found = problems(predictions_from_arrays, labels, [1, 0, 1, 1],
                     sensitive={"g": ["a", None, "b", "b"]})
    assert {(p.params["column"], p.params["lines"]) for p in found} == {("label", "3"),
                                                                          ("g", "2")}
    [problem] = problems(predictions_from_arrays, [1, 0], [1, 0, 1], sensitive={"g": "ab"})
    assert problem.code == "lengths" and "prediction 3" in problem.text


def test_a_reference_group_must_exist():
    data = read(good_rows(), sensitive=["collège", "âge"])
    assert reference_groups(data, "salariés") == {"collège": "salariés"}
    assert reference_groups(data, ["âge=senior", "bénévoles"]) == {"âge": "senior",
                                                                   "collège": "bénévoles"}
    assert reference_groups(data, {"âge": "jeune"}) == {"âge": "jeune"}
    [problem] = problems(reference_groups, data, "retraités")
    assert problem.code == "reference_absent"
    assert "« salariés »" in problem.text and "« senior »" in problem.text
    [problem] = problems(reference_groups, data, {"genre": "femme"})
    assert problem.code == "reference_unknown_column"


def test_every_message_is_a_sentence_with_its_figures():
    for code, message in MESSAGES.items():
        assert message.endswith((".", "?")), code
