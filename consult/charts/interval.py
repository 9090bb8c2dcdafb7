"""The interval chart of the bias tests: each group's value with its interval, the
reference group's line and the band of values within the thresholds.
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
