"""The geometry of Palabre's charts, computed here so that templates only draw: plain values in,
coordinates out (no Flask, no database). The SVG itself is a Jinja macro in
``templates/_macros.html``, rendered on the server, so a chart works without JavaScript, prints,
and goes into WeasyPrint's PDFs as it is.

Written by hand rather than with a plotting library: matplotlib or Altair would draw the same
dots and lines, but as a picture with its own fonts and no link to the page's text alternative
and data table, and with a dependency several times the size of Palabre. What a chart here needs
is a handful of coordinates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Tick:
    x: float
    value: float


@dataclass(frozen=True)
class Row:
    """One group on the chart: its dot, its interval and its verdict (the shape)."""

    label: str
    y: float
    x: float | None  # None: no value (nothing measured), the row says so
    x_low: float | None
    x_high: float | None
    value: float | None
    low: float | None
    high: float | None
    verdict: str | None  # pass, fail, not_enough_data; None for the reference group
    is_reference: bool


@dataclass(frozen=True)
class IntervalChart:
    """Groups down the side, a metric along the axis: each group's value as a dot with its
    interval, the reference group's value as a line, the band of values within the thresholds."""

    width: int
    height: int
    left: int  # where the plot starts, after the labels
    plot_width: int
    top: int
    axis_y: float
    rows: tuple[Row, ...]
    ticks: tuple[Tick, ...]
    reference_x: float | None
    band: tuple[float, float] | None  # x from, x to


@dataclass(frozen=True)
class ChartInput:
    label: str
    value: float | None
    interval: tuple[float, float] | None = None
    verdict: str | None = None
    is_reference: bool = False


def interval_chart(items: list[ChartInput], *, reference: float | None = None,
                   band: tuple[float, float] | None = None,
                   domain: tuple[float, float] = (0.0, 1.0), width: int = 640,
                   label_width: int = 200, row_height: int = 30) -> IntervalChart:
    """Lay out ``items`` on one horizontal axis over ``domain`` (values outside are clamped to
    its edges; the table beside the chart gives them exactly)."""
    low, high = domain
    if not high > low:
        raise ValueError("domain must be increasing")
    top, right = 10, 20
    plot = width - label_width - right

    def x_of(value: float | None) -> float | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        clamped = min(max(value, low), high)
        return round(label_width + (clamped - low) / (high - low) * plot, 2)

    rows = []
    for index, item in enumerate(items):
        interval = item.interval or (None, None)
        rows.append(Row(item.label, top + (index + 0.5) * row_height, x_of(item.value),
                        x_of(interval[0]), x_of(interval[1]), item.value, interval[0],
                        interval[1], item.verdict, item.is_reference))
    axis_y = top + len(items) * row_height + 4
    ticks = tuple(Tick(x_of(v), v) for v in _ticks(low, high))
    shown_band = None
    if band is not None and band[1] >= low and band[0] <= high and band[1] >= band[0]:
        shown_band = (x_of(band[0]), x_of(band[1]))
    return IntervalChart(width, int(axis_y + 30), label_width, plot, top, axis_y, tuple(rows),
                         ticks, x_of(reference), shown_band)


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    step = (high - low) / (count - 1)
    return [round(low + i * step, 10) for i in range(count)]


def threshold_band(reference: float | None, ratio_min: float, ratio_max: float,
                   max_difference: float) -> tuple[float, float] | None:
    """The values a group may take and pass: within the ratio bounds and the difference of the
    reference value at once (as ethics_register.bias decides); None without a reference."""
    if reference is None:
        return None
    if reference == 0:
        return (0.0, 0.0)
    low = max(reference * ratio_min, reference - max_difference)
    high = min(reference * ratio_max, reference + max_difference)
    return (low, high) if high >= low else None


# --- Shares by group (agree / neutral / disagree) -------------------------------------------

SHARE_KEYS = ("agree", "neutral", "disagree")


@dataclass(frozen=True)
class Segment:
    key: str  # agree, neutral, disagree
    x: float
    width: float
    share: float
    text_x: float | None  # where its percentage is written; None when it does not fit


@dataclass(frozen=True)
class ShareRow:
    label: str
    n: int
    y: float
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class ShareBars:
    """One 100 % bar per group, cut into its shares of agree, neutral and disagree."""

    width: int
    height: int
    left: int
    plot_width: int
    bar_height: int
    rows: tuple[ShareRow, ...]


def share_bars(groups, *, width: int = 640, label_width: int = 180,
               row_height: int = 28) -> ShareBars:
    """``groups``: (label, n, agree, neutral, disagree) with shares from 0 to 1 (or objects with
    those attributes, ``group`` for the label); shares are scaled to fill the bar."""
    plot = width - label_width - 10
    rows = []
    for index, item in enumerate(groups):
        if isinstance(item, (tuple, list)):
            label, n, *shares = item
        else:
            label, n = _get(item, "group"), _get(item, "n")
            shares = [_get(item, key) for key in SHARE_KEYS]
        shares = [max(0.0, float(s or 0.0)) for s in shares]
        total = sum(shares) or 1.0
        x, segments = float(label_width), []
        for key, share in zip(SHARE_KEYS, shares, strict=True):
            part = round(share / total * plot, 2)
            segments.append(Segment(key, round(x, 2), part, share / total,
                                    round(x + part / 2, 2) if part >= 34 else None))
            x += part
        rows.append(ShareRow(str(label), int(n or 0), 8 + index * row_height, tuple(segments)))
    return ShareBars(width, 16 + len(rows) * row_height, label_width, plot, row_height - 8,
                     tuple(rows))


def _get(item, name):
    return item[name] if isinstance(item, dict) else getattr(item, name)


# --- The map of the verbatims ----------------------------------------------------------------

PALETTE = ("#0a4f86", "#a4161a", "#1d5e2b", "#7a4100", "#5a2d82", "#00626b", "#8a1a5b",
           "#4a4a4a")  # each at least 4.5:1 on white
SHAPES = ("circle", "square", "triangle", "diamond")


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    colour: str
    shape: str


@dataclass(frozen=True)
class MapLabel:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class ThemeMap:
    width: int
    height: int
    points: tuple[MapPoint, ...]
    labels: tuple[MapLabel, ...]
    legend: tuple[tuple[str, str, str, int], ...]  # label, colour, shape, count
    drawn: int
    total: int


def scatter_map(points, labels, *, max_points: int = 2000, width: int = 640,
                height: int = 420, named: int = 12) -> ThemeMap:
    """The verbatims' 2-D map: ``points`` are (x, y, theme id) (-1: in no theme, grey),
    ``labels`` theme id → label. Above ``max_points`` a fixed share of each theme is drawn
    (every k-th point in order): the same map every time, each theme in proportion."""
    kept = [(float(x), float(y), int(t)) for x, y, t in points
            if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)]
    total = len(kept)
    if total > max_points:
        step = total / max_points
        by_theme: dict[int, list] = {}
        for point in kept:
            by_theme.setdefault(point[2], []).append(point)
        kept = [p for group in by_theme.values()
                for p in group[::max(1, math.ceil(step))]][:max_points]
    if not kept:
        return ThemeMap(width, height, (), (), (), 0, total)
    xs, ys = [p[0] for p in kept], [p[1] for p in kept]
    margin = 16
    low_x, high_x, low_y, high_y = min(xs), max(xs), min(ys), max(ys)
    span_x, span_y = (high_x - low_x) or 1.0, (high_y - low_y) or 1.0

    def place(x, y):
        return (round(margin + (x - low_x) / span_x * (width - 2 * margin), 1),
                round(height - margin - (y - low_y) / span_y * (height - 2 * margin), 1))

    order = [t for t in labels]
    style = {t: (PALETTE[i % len(PALETTE)], SHAPES[(i // len(PALETTE)) % len(SHAPES)])
             for i, t in enumerate(order)}
    drawn, places = [], {}
    for x, y, theme in kept:
        px, py = place(x, y)
        colour, shape = style.get(theme, ("#8a8a8a", "circle"))
        drawn.append(MapPoint(px, py, colour, shape))
        places.setdefault(theme, []).append((px, py))
    counts = {t: len(places.get(t, ())) for t in order}
    biggest = sorted(order, key=lambda t: -counts[t])[:named]
    marks = tuple(MapLabel(_median([p[0] for p in places[t]]), _median([p[1] for p in places[t]]),
                           str(labels[t])) for t in biggest if places.get(t))
    legend = tuple((str(labels[t]), *style[t], counts[t]) for t in order)
    return ThemeMap(width, height, tuple(drawn), marks, legend, len(drawn), total)


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]
