"""Evidence of agreement per college: intervals, shares against a plain-Python oracle, zones."""

import json

import numpy as np
import pytest

from nlp.convergence.evidence import (
    Evidence,
    ZoneThresholds,
    classify_zone,
    evidence,
    evidence_by_theme,
    group_informed_consensus,
    largest_gap,
    percent,
    person_positions,
    person_positions_by_theme,
    wilson_interval,
    wilson_intervals,
)

COLLEGES = ["bénévoles", "bénéficiaires", "salariés"]


def votes(spec: dict[str, tuple[int, int, int]]) -> tuple[list[str], list[int]]:
    """One position per person: spec maps a college to its (agree, neutral, disagree) counts."""
    groups, positions = [], []
    for college, counts in spec.items():
        for position, count in zip((1, 0, -1), counts, strict=True):
            groups += [college] * count
            positions += [position] * count
    return groups, positions


def random_votes(rng, size):
    groups = rng.choice(COLLEGES, size=size, p=[0.5, 0.3, 0.2])
    positions = rng.choice([1, 0, -1], size=size, p=[0.5, 0.2, 0.3])
    return groups, positions


# --- Wilson intervals --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "successes, n, expected",
    [
        (8, 10, (0.4902, 0.9433)),
        (0, 10, (0.0, 0.2775)),
        (10, 10, (0.7225, 1.0)),
        (50, 100, (0.4038, 0.5962)),
        (1, 1, (0.2065, 1.0)),
    ],
)
def test_wilson_interval_matches_published_values(successes, n, expected):
    low, high = wilson_interval(successes, n)
    assert low == pytest.approx(expected[0], abs=1e-4)
    assert high == pytest.approx(expected[1], abs=1e-4)


def test_wilson_interval_is_exactly_zero_at_no_success_and_whole_without_data():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_widens_at_99_percent():
    low95, high95 = wilson_interval(8, 10)
    low99, high99 = wilson_interval(8, 10, z=2.5758293035489)
    assert low99 < low95 and high99 > high95


@pytest.mark.parametrize("successes, n", [(11, 10), (-1, 10), (0, -1)])
def test_wilson_interval_refuses_impossible_counts(successes, n):
    with pytest.raises(ValueError):
        wilson_interval(successes, n)


def test_vectorised_wilson_intervals_agree_with_the_scalar_one_and_handle_empty_cells():
    successes = np.array([[0, 3, 8], [0, 0, 0], [5, 5, 1]])
    n = np.array([[10, 3, 10], [0, 0, 0], [7, 5, 9]])
    low, high = wilson_intervals(successes, n)
    for i, j in np.ndindex(successes.shape):
        assert (low[i, j], high[i, j]) == pytest.approx(
            wilson_interval(int(successes[i, j]), int(n[i, j])), abs=1e-12
        )
    assert (low[1] == 0.0).all() and (high[1] == 1.0).all()


# --- Shares per college, against an independent oracle ----------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_counts_and_shares_per_college_match_a_plain_python_oracle(seed):
    rng = np.random.default_rng(seed)
    groups, positions = random_votes(rng, 300)
    result = evidence(groups, positions, source="votes", grouping="college", min_count=5)

    assert [g.group for g in result.groups] == sorted(set(groups.tolist()))
    for found in (*result.groups, result.overall):
        mask = [found.group in ("ensemble", g) for g in groups.tolist()]
        mine = [p for p, m in zip(positions.tolist(), mask, strict=True) if m]
        assert found.n == len(mine)
        for share, position in ((found.agree, 1), (found.neutral, 0), (found.disagree, -1)):
            count = sum(1 for p in mine if p == position)
            assert (share.count, share.n) == (count, len(mine))
            assert share.share == count / len(mine)
            assert (share.low, share.high) == pytest.approx(wilson_interval(count, len(mine)))
        assert found.expressed == sum(1 for p in mine if p != 0)


def test_groups_are_sorted_by_name_and_the_overall_adds_them_up():
    groups, positions = votes({"salariés": (1, 2, 3), "bénévoles": (4, 0, 1)})
    result = evidence(groups, positions, source="stances", grouping="college")
    assert [g.group for g in result.groups] == ["bénévoles", "salariés"]
    assert result.overall.n == 11
    assert (result.overall.agree.count, result.overall.disagree.count) == (5, 4)
    assert result.overall.expressed == 9


def test_nobody_gives_an_empty_evidence_without_warnings():
    result = evidence([], [], source="votes", grouping="college")
    assert result.groups == () and result.overall.n == 0
    assert result.overall.agree.share == 0.0
    assert (result.overall.agree.low, result.overall.agree.high) == (0.0, 1.0)
    assert result.zone == "limbo" and result.gap is None and result.consensus == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"groups": ["a"], "positions": [2], "source": "votes", "grouping": "college"},
        {"groups": ["a", "b"], "positions": [1], "source": "votes", "grouping": "college"},
        {"groups": ["a"], "positions": [1], "source": "ballots", "grouping": "college"},
        {"groups": ["a"], "positions": [1], "source": "votes", "grouping": "age"},
    ],
)
def test_bad_input_is_refused_with_a_clear_error(kwargs):
    with pytest.raises(ValueError):
        evidence(**kwargs)


def test_to_json_is_plain_json():
    groups, positions = votes({"bénévoles": (6, 1, 0), "salariés": (1, 1, 5)})
    data = evidence(groups, positions, source="votes", grouping="college").to_json()
    decoded = json.loads(json.dumps(data))
    assert decoded["groups"][0]["group"] == "bénévoles"
    assert decoded["groups"][0]["expressed"] == 6
    assert decoded["gap"] == {
        "higher": "bénévoles",
        "lower": "salariés",
        "points": 86 - 14,
        "difference": pytest.approx(6 / 7 - 1 / 7),
    }
    assert decoded["zone_label"] == "controverse"


# --- Gap, zones, consensus --------------------------------------------------------------------


def test_gap_is_between_the_extreme_agree_shares_of_groups_with_enough_expressed_positions():
    groups, positions = votes(
        {
            "bénévoles": (37, 5, 3),  # 82 %
            "bénéficiaires": (9, 4, 16),  # 31 %
            "salariés": (12, 3, 5),  # 60 %
            "administrateurs": (0, 10, 4),  # 0 % but only 4 expressed: ignored
        }
    )
    result = evidence(groups, positions, source="votes", grouping="college", min_count=5)
    assert (result.gap.higher.group, result.gap.lower.group) == ("bénévoles", "bénéficiaires")
    assert result.gap.points == 51
    assert result.gap.difference == pytest.approx(37 / 45 - 9 / 29)
    lowered = evidence(groups, positions, source="votes", grouping="college", min_count=4)
    assert lowered.gap.lower.group == "administrateurs" and lowered.gap.points == 82


def test_no_gap_with_fewer_than_two_groups_with_enough_data():
    groups, positions = votes({"bénévoles": (9, 0, 1), "salariés": (2, 5, 2)})
    assert evidence(groups, positions, source="votes", grouping="college").gap is None
    result = evidence(groups, positions, source="votes", grouping="college")
    assert largest_gap(result.groups, min_count=4) is not None


def test_percentages_round_half_up():
    shares = (0.825, 0.145, 0.314, 0.0, 1.0, 0.004999)
    assert [percent(s) for s in shares] == [83, 15, 31, 0, 100, 0]


def test_gap_points_add_up_with_the_shown_percentages():
    groups, positions = votes({"a": (33, 0, 7), "b": (157, 0, 343)})  # 82.5 % and 31.4 %
    gap = evidence(groups, positions, source="votes", grouping="college").gap
    assert percent(gap.higher.agree.share) == 83 and percent(gap.lower.agree.share) == 31
    assert gap.points == 52  # 83 - 31, though the exact difference is 51.1 points
    assert gap.difference == pytest.approx(0.511)


@pytest.mark.parametrize(
    "shares, zone",
    [
        ((0.7, 0.1, 0.2), "consensus"),
        ((0.6, 0.0, 0.4), "consensus"),
        ((0.1, 0.2, 0.7), "rejection"),
        ((0.4, 0.2, 0.4), "controversy"),
        ((0.25, 0.45, 0.3), "controversy"),
        ((0.3, 0.5, 0.2), "limbo"),  # half neutral: limbo even though both sides are there
        ((0.45, 0.4, 0.15), "limbo"),  # neither a majority nor a real opposition
        ((0.0, 0.0, 0.0), "limbo"),
    ],
)
def test_zones_on_crafted_shares(shares, zone):
    assert classify_zone(*shares) == zone


def test_zone_thresholds_are_parameters():
    assert classify_zone(0.55, 0.1, 0.35) == "controversy"
    assert classify_zone(0.55, 0.1, 0.35, ZoneThresholds(consensus=0.5)) == "consensus"
    assert classify_zone(0.3, 0.6, 0.1, ZoneThresholds(limbo_neutral=0.7)) == "limbo"
    assert classify_zone(0.3, 0.4, 0.3, ZoneThresholds(controversy=0.35)) == "limbo"


def test_evidence_zone_is_read_on_the_overall_shares():
    groups, positions = votes({"bénévoles": (10, 0, 0), "salariés": (0, 0, 10)})
    assert evidence(groups, positions, source="votes", grouping="college").zone == "controversy"
    groups, positions = votes({"bénévoles": (2, 6, 2)})
    assert evidence(groups, positions, source="votes", grouping="college").zone == "limbo"


def test_group_informed_consensus_on_a_hand_computed_example():
    # (3 + 1) / (4 + 2) * (1 + 1) / (2 + 2) = 2/3 * 1/2
    assert group_informed_consensus([3, 1], [4, 2]) == pytest.approx(1 / 3)
    assert group_informed_consensus([], []) == 0.0
    groups, positions = votes({"a": (3, 1, 0), "b": (1, 0, 1)})
    result = evidence(groups, positions, source="votes", grouping="college")
    assert result.consensus == pytest.approx(1 / 3)


def test_one_reluctant_group_pulls_the_consensus_down():
    everyone = group_informed_consensus([9, 9, 9], [10, 10, 10])
    one_against = group_informed_consensus([9, 9, 1], [10, 10, 10])
    assert one_against < everyone / 3


# --- One position per person -----------------------------------------------------------------


def test_a_person_counts_once_with_the_sign_of_their_votes():
    person_ids = ["p1", "p2", "p1", "p3", "p2", "p1", "p4"]
    groups = ["bénévoles", "salariés", "bénévoles", "salariés", "salariés", "bénévoles", "x"]
    values = [1, 1, -1, 0, -1, 1, -1]
    collapsed_groups, positions = person_positions(person_ids, groups, values)
    # p1: 1 - 1 + 1 > 0; p2: 1 - 1 = 0; p3: 0; p4: -1
    assert collapsed_groups.tolist() == ["bénévoles", "salariés", "salariés", "x"]
    assert positions.tolist() == [1, 0, 0, -1]


def test_a_person_keeps_the_group_of_their_first_row():
    groups, positions = person_positions([7, 7], ["bénévoles", "salariés"], [1, 1])
    assert groups.tolist() == ["bénévoles"] and positions.tolist() == [1]


def test_no_rows_give_no_people():
    groups, positions = person_positions([], [], [])
    assert len(groups) == 0 and len(positions) == 0
    themes, groups, positions = person_positions_by_theme([], [], [], [])
    assert len(themes) == len(groups) == len(positions) == 0


def test_person_positions_by_theme_collapses_within_each_theme_and_skips_unthemed_rows():
    themes = [0, 0, 1, 1, -1, 0]
    person_ids = [5, 5, 5, 6, 6, 6]
    groups = ["a", "a", "a", "b", "b", "b"]
    values = [1, 1, -1, 0, 1, -1]
    out_themes, out_groups, positions = person_positions_by_theme(
        themes, person_ids, groups, values
    )
    assert out_themes.tolist() == [0, 0, 1, 1]
    assert out_groups.tolist() == ["a", "b", "a", "b"]
    assert positions.tolist() == [1, -1, -1, 0]


# --- Bulk equals one theme at a time ------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
def test_bulk_evidence_equals_per_theme_evidence_on_random_votes(seed):
    rng = np.random.default_rng(seed)
    size = 4000
    themes = rng.integers(-1, 12, size=size)
    person_ids = rng.integers(0, 300, size=size)
    college_of = rng.choice(COLLEGES, size=300)
    groups = college_of[person_ids]
    values = rng.choice([1, 0, -1], size=size)

    bulk_themes, bulk_groups, bulk_positions = person_positions_by_theme(
        themes, person_ids, groups, values
    )
    bulk = evidence_by_theme(
        bulk_themes, bulk_groups, bulk_positions, source="votes", grouping="college", min_count=3
    )
    assert sorted(bulk) == sorted(set(themes.tolist()) - {-1})
    for theme, found in bulk.items():
        mask = themes == theme
        one_groups, one_positions = person_positions(person_ids[mask], groups[mask], values[mask])
        expected = evidence(
            one_groups, one_positions, source="votes", grouping="college", min_count=3
        )
        assert found == expected
        mine = bulk_themes == theme
        assert bulk_groups[mine].tolist() == one_groups.tolist()
        assert bulk_positions[mine].tolist() == one_positions.tolist()


def test_bulk_lists_requested_themes_without_any_position_and_ignores_unthemed_rows():
    result = evidence_by_theme(
        [3, -1, 3],
        ["a", "b", "a"],
        [1, -1, 1],
        source="stances",
        grouping="college",
        theme_ids=[3, 8],
    )
    assert sorted(result) == [3, 8]
    assert [g.group for g in result[3].groups] == ["a"]
    assert result[8].overall.n == 0 and result[8].groups == ()
    assert isinstance(result[8], Evidence) and result[8].source == "stances"


def test_bulk_with_no_rows_at_all():
    assert evidence_by_theme([], [], [], source="votes", grouping="college") == {}
    empty = evidence_by_theme([], [], [], source="votes", grouping="college", theme_ids=[1])
    assert empty[1].overall.n == 0


def test_bulk_refuses_bad_positions():
    with pytest.raises(ValueError):
        evidence_by_theme([0, 0], ["a", "a"], [1, 3], source="votes", grouping="college")
