"""The college check of a theme analysis, on cases computed by hand."""

import json

import pytest

from ethics_register import CollegeCheck, Verbatim, check_colleges
from ethics_register.bias import Thresholds


def verbatims(college, n, *, unassigned=0, redacted=0, theme=1):
    """``n`` verbatims of ``college``: the first ``unassigned`` in no theme, the rest in
    ``theme``; the first ``redacted`` of them redacted."""
    return [Verbatim(college, None if i < unassigned else theme, i < redacted)
            for i in range(n)]


def row(check: CollegeCheck, college, metric):
    (found,) = [r for r in check.rows if r.college == college and r.metric == metric]
    return found


def test_a_college_left_unassigned_five_times_as_often_fails_and_is_flagged():
    # A: 4 of 40 unassigned (0.10); B: 20 of 40 (0.50). B − A = 0.40, B ÷ A = 5.
    check = check_colleges(verbatims("A", 40, unassigned=4, redacted=2)
                           + verbatims("B", 40, unassigned=20, redacted=2))
    b = row(check, "B", "unassigned")
    assert (b.value, b.count, b.denominator) == (0.5, 20, 40)
    assert (b.rest_value, b.rest_denominator) == (0.1, 40)
    assert b.difference == pytest.approx(0.4) and b.ratio == pytest.approx(5.0)
    assert (b.direction, b.verdict, b.set_aside_more) == ("higher", "fail", True)
    a = row(check, "A", "unassigned")  # A fails too, but the machine keeps more of its words
    assert (a.direction, a.verdict, a.set_aside_more) == ("lower", "fail", False)
    assert a.ratio == pytest.approx(0.2)
    for college in ("A", "B"):  # 2 redacted of 40 each: equal
        redacted = row(check, college, "redacted")
        assert (redacted.value, redacted.ratio, redacted.verdict) == (0.05, 1.0, "pass")
    assert check.flagged == ["B"]
    document = json.loads(json.dumps(check.to_json()))
    assert document["flagged"] == ["B"] and document["summary"]["fail"] == 2
    assert document["parameters"] == {"thresholds": {"ratio_min": 0.8, "ratio_max": 1.25,
                                                     "max_difference": 0.1},
                                      "min_count": 30}


def test_shares_within_the_thresholds_pass_bounds_included():
    # A: 4 of 40 (0.100); B: 5 of 40 (0.125). B ÷ A = 1.25 and A ÷ B = 0.8: on the bounds.
    check = check_colleges(verbatims("A", 40, unassigned=4) + verbatims("B", 40, unassigned=5))
    assert row(check, "B", "unassigned").ratio == pytest.approx(1.25)
    assert row(check, "A", "unassigned").ratio == pytest.approx(0.8)
    assert {r.verdict for r in check.rows if r.metric != "under_represented"} == {"pass"}
    assert check.flagged == []


def test_a_small_college_has_not_enough_data_however_it_is_treated():
    # C has 5 verbatims, all unassigned: fewer than min_count (30), so no verdict either way;
    # A (40) is compared with B and C pooled: 4 of 40 against 4 + 5 of 45.
    check = check_colleges(verbatims("A", 40, unassigned=4) + verbatims("B", 40, unassigned=4)
                           + verbatims("C", 5, unassigned=5))
    c = row(check, "C", "unassigned")
    assert (c.value, c.denominator, c.verdict) == (1.0, 5, "not_enough_data")
    assert c.direction == "higher" and not c.set_aside_more
    a = row(check, "A", "unassigned")
    assert (a.rest_value, a.rest_denominator) == (pytest.approx(9 / 45), 45)
    assert a.verdict == "fail"  # 0.10 ÷ 0.20 = 0.5, and lower: not flagged
    assert check.flagged == []


def test_verbatims_in_themes_where_their_college_is_under_represented():
    # min_count 10. Theme 1: A 20, B 2. Theme 2: A 10, B 10. Theme 3: A 3 (too small: not
    # judged). Judged verbatims: A 30, B 12 of 42. A is under-represented in theme 2
    # (10/20 = 0.50 < 0.8 × 30/42 = 0.571), B in theme 1 (2/22 = 0.091 < 0.8 × 12/42 = 0.229).
    data = (verbatims("A", 20, theme=1) + verbatims("B", 2, theme=1)
            + verbatims("A", 10, theme=2) + verbatims("B", 10, theme=2)
            + verbatims("A", 3, theme=3))
    check = check_colleges(data, min_count=10)
    assert check.judged_themes == (1, 2)
    a, b = row(check, "A", "under_represented"), row(check, "B", "under_represented")
    assert (a.count, a.denominator, a.value) == (10, 30, pytest.approx(1 / 3))
    assert (b.count, b.denominator, b.value) == (2, 12, pytest.approx(1 / 6))
    assert a.difference == pytest.approx(1 / 6) and a.ratio == pytest.approx(2.0)
    assert (a.verdict, b.verdict) == ("fail", "fail")
    assert check.flagged == ["A"]
    assert row(check, "A", "unassigned").denominator == 33  # theme 3 counts as assigned


def test_stricter_thresholds_are_the_committees_and_are_used():
    data = verbatims("A", 40, unassigned=4) + verbatims("B", 40, unassigned=5)
    strict = check_colleges(data, thresholds=Thresholds(ratio_min=0.9, ratio_max=1.1))
    assert row(strict, "B", "unassigned").verdict == "fail" and strict.flagged == ["B"]


def test_without_colleges_there_is_nothing_to_compare():
    check = check_colleges(verbatims(None, 50, unassigned=40))
    assert check.rows == () and check.colleges == () and check.flagged == []
    assert (check.verbatims, check.without_college) == (50, 50)
    assert check.to_json()["summary"] == {"pass": 0, "fail": 0, "not_enough_data": 0}
    one = check_colleges(verbatims("A", 40) + verbatims(None, 40, unassigned=40))
    assert {r.verdict for r in one.rows} == {"not_enough_data"}  # nobody to compare A with
    assert row(one, "A", "unassigned").rest_denominator == 0


def test_no_verbatims_at_all():
    check = check_colleges([])
    assert check.rows == () and check.verbatims == 0 and check.judged_themes == ()
