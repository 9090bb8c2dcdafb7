"""Horizontal bars: 100 % stacked bars of shares by group, and plain bars of values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .marks import BAR_COLOUR, CHAR_WIDTH, PALETTE, PATTERNS, STANCE_COLOURS, SeriesStyle, finite


@dataclass(frozen=True)
class ShareRow:
    """One group and how its answers split: (segment key, share 0..1), in drawing order."""

    label: str
    n: int
    shares: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Segment:
    key: str
    style: int  # index in ShareBars.keys: its colour and pattern
    share: float  # 0..1, scaled so that the row's shares sum to 1
    percent: int  # rounded so that the row's percentages sum to 100
    x: float
    width: float
    colour: str
    pattern: str
    text_x: float | None  # the percentage's centre; None when it does not fit (see the table)
    label_width: float = 0.0  # the solid patch behind the percentage (readable on a pattern)


@dataclass(frozen=True)
class ShareBar:
    label: str
    n: int
    y: float  # the bar's top
    segments: tuple[Segment, ...]  # none when nothing is shared out (shares summing to 0)


@dataclass(frozen=True)
class ShareBars:
    """One bar per group across the full width of the plot, cut into its shares."""

    width: int
    height: int
    left: int
    plot_width: int
    bar_height: int
    keys: tuple[SeriesStyle, ...]
    rows: tuple[ShareBar, ...]


STANCE_KEYS = ("agree", "neutral", "disagree")


def _share_row(item) -> ShareRow:
    """A ShareRow, or what the explorer passes: (label, n, agree, neutral, disagree), or an
    object or dict with ``group``, ``n``, ``agree``, ``neutral``, ``disagree``."""
    if isinstance(item, ShareRow):
        return item
    if isinstance(item, (tuple, list)):
        label, n, *values = item
    else:
        get = item.get if isinstance(item, Mapping) else lambda name: getattr(item, name)
        label, n, values = get("group"), get("n"), [get(key) for key in STANCE_KEYS]
    return ShareRow(str(label), int(n or 0), tuple(zip(STANCE_KEYS, values, strict=True)))


def share_bars(rows: Iterable, *, width: int = 640, label_width: int = 190,
               bar_height: int = 22, gap: int = 12) -> ShareBars:
    """Lay out 100 % bars. Negative or missing shares count as 0; shares that do not sum to 1
    are scaled so that they do; a percentage is written inside its segment when it fits."""
    rows = [_share_row(row) for row in rows]
    top, right = 6, 60  # the right margin holds "n = …"
    plot = width - label_width - right
    keys: list[str] = []
    for row in rows:
        keys += [key for key, _share in row.shares if key not in keys]
    styles = tuple(SeriesStyle(key, STANCE_COLOURS.get(key, PALETTE[i % len(PALETTE)]),
                               PATTERNS[i % len(PATTERNS)]) for i, key in enumerate(keys))
    bars_ = []
    for index, row in enumerate(rows):
        shares = [(key, max(finite(share) or 0.0, 0.0)) for key, share in row.shares]
        total = sum(share for _key, share in shares)
        segments = []
        if total > 0:
            shares = [(key, share / total) for key, share in shares]
            percents = _largest_remainder([share for _key, share in shares], 100)
            start, cumulative = float(label_width), 0.0
            for (key, share), percent in zip(shares, percents, strict=True):
                cumulative += share
                end = round(label_width + min(cumulative, 1.0) * plot, 2)
                size = round(end - start, 2)
                style = keys.index(key)
                label = len(f"{percent} %") * CHAR_WIDTH
                fits = size >= label + 6
                segments.append(Segment(key, style, share, percent, round(start, 2), size,
                                        styles[style].colour, styles[style].pattern,
                                        round(start + size / 2, 2) if fits else None,
                                        min(label + 12, size - 2) if fits else 0.0))
                start = end
        bars_.append(ShareBar(row.label, row.n, top + index * (bar_height + gap),
                              tuple(segments)))
    return ShareBars(width, top * 2 + len(rows) * (bar_height + gap), label_width, plot,
                     bar_height, styles, tuple(bars_))


def _largest_remainder(shares: list[float], total: int) -> list[int]:
    """Whole numbers in proportion to ``shares`` (summing to 1) that sum to ``total``."""
    exact = [share * total for share in shares]
    whole = [math.floor(value + 1e-9) for value in exact]
    order = sorted(range(len(exact)), key=lambda i: (whole[i] - exact[i], i))
    for i in order[: max(total - sum(whole), 0)]:
        whole[i] += 1
    return whole


@dataclass(frozen=True)
class BarItem:
    label: str
    value: float | None  # None: nothing to measure (the row shows a dash)
    reference: float | None = None  # a tick across the bar, e.g. the membership share


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    reference: float | None
    y: float  # the bar's top
    width: float  # 0 for None, 0 and negative values
    text_x: float  # where the value is written: after the bar (and its tick when close)
    reference_x: float | None
    clamped: bool  # above the maximum: the bar stops at the edge, the text gives the value


@dataclass(frozen=True)
class Bars:
    width: int
    height: int
    left: int
    plot_width: int
    bar_height: int
    maximum: float
    rows: tuple[Bar, ...]
    colour: str = BAR_COLOUR


def bars(items: Iterable[BarItem], *, maximum: float | None = None, width: int = 640,
         label_width: int = 190, bar_height: int = 20, gap: int = 10) -> Bars:
    """Bars from a baseline on the left, scaled to ``maximum`` (by default the largest value or
    reference, or 1 when none is above 0); values are clamped to 0..maximum."""
    items = list(items)
    if maximum is None or not maximum > 0:
        found = [v for item in items for v in (finite(item.value), finite(item.reference))
                 if v is not None and v > 0]
        maximum = max(found, default=1.0) if maximum is None else 1.0
    top, right = 6, 70  # the right margin holds the value of the longest bar
    plot = width - label_width - right

    def x_of(value: float) -> float:
        return round(label_width + min(max(value, 0.0), maximum) / maximum * plot, 2)

    rows = []
    for index, item in enumerate(items):
        value, reference = finite(item.value), finite(item.reference)
        end = x_of(value) if value is not None else float(label_width)
        tick = x_of(reference) if reference is not None else None
        # The value right after its bar, or after the tick when the tick would cross it.
        text_x = end + 6
        if tick is not None and end - 2 <= tick <= text_x + 5 * CHAR_WIDTH:
            text_x = max(end, tick) + 6
        rows.append(Bar(item.label, value, reference, top + index * (bar_height + gap),
                        round(end - label_width, 2), round(text_x, 2), tick,
                        value is not None and value > maximum))
    return Bars(width, top * 2 + len(items) * (bar_height + gap), label_width, plot,
                bar_height, maximum, tuple(rows))
