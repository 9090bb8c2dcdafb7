"""Counts per day (contributions, votes), one line per series, every day of the span.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from .marks import DASHES, MARKERS, PALETTE, SeriesStyle, marker_path


@dataclass(frozen=True)
class TimelinePoint:
    day: date
    count: int
    x: float
    y: float


@dataclass(frozen=True)
class TimelineSeries:
    style: SeriesStyle  # its key, colour, marker and dash
    total: int
    points: tuple[TimelinePoint, ...]
    path: str
    label_y: float  # its name after the last day, kept apart from the other series' names
    marks: str  # a marker on each day, in one SVG path


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    axis_y: float
    days: tuple[date, ...]
    series: tuple[TimelineSeries, ...]
    x_ticks: tuple[tuple[float, date], ...]
    y_ticks: tuple[tuple[float, int], ...]  # (y, count)
    maximum: int  # the top of the axis
    markers: bool  # a marker on each day, while they are few enough to tell apart


def timeline(days: Iterable, series: Sequence[tuple[str, Mapping]], *, width: int = 640,
             height: int = 240, left: int = 44, right: int = 130, top: int = 12,
             bottom: int = 28) -> Timeline:
    """Counts per day, one line per series ``(key, {day: count})``, over every day from the
    earliest to the latest of ``days`` (0 where a series has no count; counts outside are left
    out). Days are dates, datetimes or ISO text (as a frozen synthesis keeps them)."""
    known = sorted({_day(d) for d in days})
    span = tuple(known[0] + timedelta(days=i) for i in range((known[-1] - known[0]).days + 1)) \
        if known else ()
    counts = []
    for _key, by_day in series:
        by_day = {_day(d): int(n or 0) for d, n in by_day.items()}
        counts.append([by_day.get(d, 0) for d in span])
    step = _nice_step(max((max(c, default=0) for c in counts), default=0))
    maximum = max(step * math.ceil(max((max(c, default=0) for c in counts), default=0) / step),
                  step)
    plot_w, axis_y = width - left - right, float(height - bottom)

    def x_of(i: int) -> float:
        return round(left + (plot_w / 2 if len(span) == 1 else i * plot_w / (len(span) - 1)), 2)

    def y_of(count: int) -> float:
        return round(axis_y - count / maximum * (axis_y - top), 2)

    lines = []
    for index, ((key, _by_day), values) in enumerate(zip(series, counts, strict=True)):
        style = SeriesStyle(key, PALETTE[index % len(PALETTE)],
                            marker=MARKERS[index % len(MARKERS)], dash=DASHES[index % len(DASHES)])
        points = tuple(TimelinePoint(d, v, x_of(i), y_of(v))
                       for i, (d, v) in enumerate(zip(span, values, strict=True)))
        lines.append([style, sum(values), points,
                      "M" + "L".join(f"{p.x} {p.y}" for p in points) if points else "",
                      points[-1].y + 4 if points else axis_y,
                      "".join(marker_path(style.marker, p.x, p.y) for p in points)])
    floor, ceiling = -math.inf, axis_y + 4  # the names a line apart, none below the axis
    for line in sorted(lines, key=lambda line: line[4]):
        line[4] = floor = max(line[4], floor + 14)
    for line in sorted(lines, key=lambda line: -line[4]):
        line[4] = ceiling = min(line[4], ceiling)
        ceiling -= 14
    ticks = min(len(span), 6)
    at = sorted({round(k * (len(span) - 1) / (ticks - 1)) for k in range(ticks)}) \
        if ticks > 1 else [0] * ticks
    return Timeline(width, height, left, top, plot_w, axis_y, span,
                    tuple(TimelineSeries(*line) for line in lines),
                    tuple((x_of(i), span[i]) for i in at),
                    tuple((y_of(v), v) for v in range(0, maximum + 1, step)), maximum,
                    len(span) <= 62)


def _day(value) -> date:
    return date.fromisoformat(str(value)[:10])


def _nice_step(maximum: int) -> int:
    """A step of 1, 2 or 5 × 10ⁿ giving at most about four intervals up to ``maximum``."""
    raw = max(maximum / 4, 1)
    power = 10 ** math.floor(math.log10(raw))
    return int(next(m * power for m in (1, 2, 5, 10) if m * power >= raw))
