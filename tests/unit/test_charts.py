"""The charts' geometry (consult/charts/): what a reader of the chart would notice — bars inside
the plot, shares filling the bar, values clamped, a sample that keeps every theme in
proportion and is the same each time, every day of the span on the timeline."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from consult.charts import (
    MARKERS,
    OUTLIER_COLOUR,
    PALETTE,
    STANCE_COLOURS,
    BarItem,
    ShareRow,
    bars,
    scatter_map,
    share_bars,
    timeline,
)


def contrast_with_white(colour: str) -> float:
    """WCAG's contrast ratio of a #rrggbb colour against white."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


def test_every_colour_stands_out_against_white():
    for colour in (*PALETTE, OUTLIER_COLOUR, *STANCE_COLOURS.values()):
        assert contrast_with_white(colour) >= 3, colour


# --- Share bars ---------------------------------------------------------------------------------

STANCES = (("agree", 0.5), ("neutral", 0.2), ("disagree", 0.3))


def test_shares_fill_the_whole_bar_and_their_percentages_sum_to_100():
    chart = share_bars([ShareRow("Salariés", 12, STANCES),
                        ShareRow("Bénévoles", 3, (("agree", 1 / 3), ("neutral", 1 / 3),
                                                  ("disagree", 1 / 3)))])
    for row in chart.rows:
        first, last = row.segments[0], row.segments[-1]
        assert first.x == chart.left
        assert last.x + last.width == pytest.approx(chart.left + chart.plot_width, abs=0.01)
        for left, right in zip(row.segments, row.segments[1:], strict=False):
            assert left.x + left.width == pytest.approx(right.x, abs=0.01)  # no gap, no overlap
        assert sum(s.percent for s in row.segments) == 100
    assert [s.percent for s in chart.rows[0].segments] == [50, 20, 30]
    assert chart.rows[0].y + chart.bar_height <= chart.rows[1].y  # bars do not overlap
    assert chart.rows[-1].y + chart.bar_height <= chart.height


def test_shares_that_do_not_sum_to_one_are_scaled_and_negative_ones_count_as_zero():
    chart = share_bars([ShareRow("A", 4, (("agree", 2.0), ("neutral", -1.0), ("disagree", 2.0)))])
    agree, neutral, disagree = chart.rows[0].segments
    assert (agree.share, neutral.share, disagree.share) == (0.5, 0.0, 0.5)
    assert neutral.width == 0 and agree.width == pytest.approx(disagree.width)


def test_a_group_with_nothing_to_share_has_no_segment():
    chart = share_bars([ShareRow("Vide", 0, (("agree", 0), ("neutral", None), ("disagree", 0)))])
    assert chart.rows[0].segments == () and chart.rows[0].n == 0
    assert share_bars([]).rows == ()


def test_a_percentage_is_written_inside_its_segment_only_where_it_fits():
    chart = share_bars([ShareRow("A", 100, (("agree", 0.97), ("neutral", 0.01),
                                            ("disagree", 0.02)))])
    agree, neutral, disagree = chart.rows[0].segments
    assert agree.text_x == pytest.approx(agree.x + agree.width / 2, abs=0.01)
    assert neutral.text_x is None and disagree.text_x is None  # the table gives them
    # The solid patch under "97 %" holds its four characters and stays inside the segment.
    assert 4 * 7 <= agree.label_width <= agree.width
    assert neutral.label_width == disagree.label_width == 0


def test_each_key_has_its_own_pattern_and_the_stances_keep_their_colours():
    chart = share_bars([ShareRow("A", 1, STANCES)])
    assert [k.key for k in chart.keys] == ["agree", "neutral", "disagree"]
    assert len({k.pattern for k in chart.keys}) == 3
    assert {k.key: k.colour for k in chart.keys} == STANCE_COLOURS


def test_the_explorer_s_rows_are_read_as_they_are():
    @dataclass
    class GroupShares:
        group: str
        n: int
        agree: float
        neutral: float
        disagree: float

    as_object = share_bars([GroupShares("Salariés", 12, 0.5, 0.2, 0.3)])
    as_tuple = share_bars([("Salariés", 12, 0.5, 0.2, 0.3)])
    expected = share_bars([ShareRow("Salariés", 12, STANCES)])
    assert as_object == as_tuple == expected


# --- Bars ---------------------------------------------------------------------------------------


def test_bars_start_on_the_baseline_and_stay_within_the_plot():
    chart = bars([BarItem("Salariés", 0.4), BarItem("Bénévoles", 1.5), BarItem("Neg", -0.2),
                  BarItem("Rien", None)], maximum=1.0)
    salaried, volunteers, negative, nothing = chart.rows
    assert salaried.width == pytest.approx(0.4 * chart.plot_width)
    assert volunteers.width == chart.plot_width and volunteers.clamped  # stops at the edge
    assert volunteers.value == 1.5  # the text still says what it is
    assert negative.width == 0 and nothing.width == 0 and nothing.value is None
    for row in chart.rows:
        assert chart.left + row.width <= chart.left + chart.plot_width
        assert row.text_x >= chart.left + row.width  # the value after the bar
        assert row.text_x < chart.width


def test_by_default_the_longest_bar_fills_the_plot():
    chart = bars([BarItem("A", 3), BarItem("B", 12), BarItem("C", 6)])
    assert chart.maximum == 12
    assert [r.width for r in chart.rows] == pytest.approx(
        [chart.plot_width / 4, chart.plot_width, chart.plot_width / 2])
    assert bars([BarItem("A", 0), BarItem("B", None)]).maximum == 1.0  # nothing to divide by
    assert bars([]).rows == ()


def test_a_reference_is_a_tick_and_the_value_does_not_sit_on_it():
    chart = bars([BarItem("Bénéficiaires", 0.05, reference=0.30),
                  BarItem("Salariés", 0.40, reference=0.41)], maximum=1.0)
    far, close = chart.rows
    assert far.reference_x == pytest.approx(chart.left + 0.30 * chart.plot_width)
    assert far.text_x == pytest.approx(chart.left + far.width + 6)  # right after its own bar
    assert close.text_x > close.reference_x  # the tick would cross it: after the tick


# --- The map ------------------------------------------------------------------------------------


def blobs(sizes: dict[int, int]) -> list[tuple[float, float, int]]:
    """Points around one centre per group, in a fixed order."""
    points = []
    for group, size in sizes.items():
        for i in range(size):
            points.append((group * 10 + (i % 17) / 17, (i % 13) / 13 - group, group))
    return points


THEMES = [(0, "Données"), (1, "Emploi"), (2, "Coûts")]


def test_points_are_inside_the_map_and_points_without_coordinates_are_left_out():
    points = blobs({0: 30, 1: 20, -1: 5}) + [(None, 1.0, 0), (1.0, None, 1),
                                              (float("nan"), 2.0, 2)]
    chart = scatter_map(points, THEMES, margin=24)
    assert chart.total == 55 and chart.skipped == 3 and chart.drawn == 55
    for group in chart.groups:
        for x, y in group.points:
            assert 24 - 0.1 <= x <= chart.width - 24 + 0.1
            assert 24 - 0.1 <= y <= chart.height - 24 + 0.1


def test_the_outliers_are_grey_and_drawn_first_each_theme_has_its_colour_and_shape():
    chart = scatter_map(blobs({0: 10, 1: 10, 2: 10, -1: 4, 7: 3}), THEMES)
    outliers, *themes = chart.groups
    assert outliers.id == -1 and outliers.style.colour == OUTLIER_COLOUR
    assert outliers.total == 7  # theme 7 is unknown: its points count as outliers
    assert [g.id for g in themes] == [0, 1, 2]
    assert len({(g.style.colour, g.style.marker) for g in themes}) == 3
    assert len({g.style.marker for g in themes}) == 3  # told apart without colour
    assert all(g.label_x is not None for g in themes) and outliers.label_x is None


def test_forty_themes_never_share_a_colour_and_a_shape():
    many = [(g, f"Thème {g}") for g in range(40)]
    chart = scatter_map(blobs(dict.fromkeys(range(40), 2)), many)
    assert len({(g.style.colour, g.style.marker) for g in chart.groups}) == 40


def test_a_label_sits_at_its_theme_s_centre_and_labels_do_not_overlap():
    chart = scatter_map([(0, 0, 0), (1, 0, 0), (2, 0, 0), (10, 10, 1), (11, 10, 1),
                         (12, 10, 1)], THEMES[:2])
    first, second = chart.groups
    assert first.label_x == pytest.approx(first.points[1][0], abs=0.1)  # the median point
    assert second.label_y == pytest.approx(second.points[1][1], abs=0.1)
    crowded = scatter_map([(0, 0, g) for g in range(3)] + [(1, 1, 0)], THEMES)
    places = [(g.label_x, g.label_y) for g in crowded.groups]
    assert len(set(places)) == 3


def test_above_the_limit_a_sample_keeps_each_theme_in_proportion():
    sizes = {0: 6000, 1: 3000, 2: 995, -1: 5}
    chart = scatter_map(blobs(sizes), THEMES, max_points=1000)
    assert chart.total == 10_000 and chart.drawn == 1000 and chart.sampled
    drawn = {g.id: g.drawn for g in chart.groups}
    assert sum(drawn.values()) == 1000
    for group, size in sizes.items():
        assert abs(drawn[group] - size / 10) <= 1
    assert drawn[-1] >= 1  # a small group is never left out
    assert all(len(g.points) == g.drawn for g in chart.groups)


def test_the_sample_is_the_same_every_time_and_never_above_the_limit():
    points = blobs({0: 700, 1: 200, 2: 100})
    first = scatter_map(points, THEMES, max_points=300)
    assert scatter_map(points, THEMES, max_points=300) == first
    assert scatter_map(points, THEMES, max_points=300, seed=1) != first
    for limit in (1, 2, 3, 7, 999):
        chart = scatter_map(points, THEMES, max_points=limit)
        assert chart.drawn == sum(g.drawn for g in chart.groups) <= limit


def test_more_themes_than_points_to_draw_stays_within_the_limit():
    many = [(g, str(g)) for g in range(50)]
    chart = scatter_map(blobs(dict.fromkeys(range(50), 4)), many, max_points=20)
    assert chart.drawn == 20


def test_an_empty_map_and_a_map_of_one_point():
    empty = scatter_map([], THEMES)
    assert empty.total == 0 and empty.drawn == 0 and all(g.total == 0 for g in empty.groups)
    single = scatter_map([(3.0, 4.0, 0), (3.0, 4.0, 0)], THEMES)
    (x, y), _ = single.groups[0].points
    assert (x, y) == (single.width / 2, single.height / 2)  # no spread: in the middle


def test_ten_thousand_points_are_laid_out():
    points = blobs({g: 1250 for g in range(-1, 7)})
    chart = scatter_map(points, [(g, str(g)) for g in range(7)])
    assert chart.total == 10_000 and chart.drawn == 2000
    assert Counter(len(g.points) for g in chart.groups) == Counter({250: 8})


# --- Timeline -----------------------------------------------------------------------------------

DAY = date(2026, 3, 1)


def test_every_day_of_the_span_is_on_the_timeline_missing_ones_at_zero():
    chart = timeline([DAY, DAY + timedelta(days=4)],
                     [("contributions", {DAY: 3, DAY + timedelta(days=2): 5}),
                      ("votes", {DAY + timedelta(days=4): 8, DAY + timedelta(days=9): 99})])
    assert chart.days == tuple(DAY + timedelta(days=i) for i in range(5))
    contributions, votes = chart.series
    assert [p.count for p in contributions.points] == [3, 0, 5, 0, 0]
    assert [p.count for p in votes.points] == [0, 0, 0, 0, 8]  # a day outside is left out
    assert (contributions.total, votes.total) == (8, 8)
    xs = [p.x for p in contributions.points]
    assert xs == sorted(xs) and xs[0] == chart.left and xs[-1] == chart.left + chart.plot_width
    top = min(p.y for s in chart.series for p in s.points)
    assert top >= chart.top and chart.maximum >= 8
    assert votes.style.dash != contributions.style.dash  # told apart without colour
    assert votes.style.marker != contributions.style.marker


def test_a_single_day_is_one_point_in_the_middle():
    chart = timeline([DAY], [("contributions", {DAY: 2})])
    (point,) = chart.series[0].points
    assert point.x == chart.left + chart.plot_width / 2 and chart.markers
    assert chart.x_ticks == ((point.x, DAY),)


def test_a_series_of_zeros_lies_on_the_axis():
    chart = timeline([DAY, DAY + timedelta(days=2)], [("votes", {})])
    assert {p.y for p in chart.series[0].points} == {chart.axis_y}
    assert chart.maximum == 1 and [v for _y, v in chart.y_ticks] == [0, 1]


def test_ticks_are_few_round_and_span_the_axes():
    chart = timeline([DAY, DAY + timedelta(days=59)], [("votes", {DAY: 47})])
    values = [v for _y, v in chart.y_ticks]
    assert values[0] == 0 and values[-1] == chart.maximum >= 47 and len(values) <= 6
    assert len({b - a for a, b in zip(values, values[1:], strict=False)}) == 1
    days = [d for _x, d in chart.x_ticks]
    assert days[0] == DAY and days[-1] == DAY + timedelta(days=59) and len(days) <= 6


def test_series_names_are_a_line_apart_and_days_may_be_iso_text():
    chart = timeline(["2026-03-01", "2026-03-02T10:00:00+00:00"],
                     [(key, {"2026-03-02": 1}) for key in ("a", "b", "c")])
    assert chart.days == (DAY, DAY + timedelta(days=1))
    names = sorted(s.label_y for s in chart.series)
    assert all(b - a >= 14 for a, b in zip(names, names[1:], strict=False))
    assert names[-1] <= chart.axis_y + 4
    assert timeline([], [("votes", {})]).days == ()


def test_markers_have_distinct_shapes():
    from consult.charts import marker_path

    assert len({marker_path(m, 10, 10) for m in MARKERS}) == len(MARKERS)
