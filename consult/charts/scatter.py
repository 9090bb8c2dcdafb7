"""The 2-D map of the verbatims, coloured and shaped by theme, sampled above a size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .marks import CHAR_WIDTH, MARKERS, OUTLIER_COLOUR, PALETTE, SeriesStyle, marker_path


@dataclass(frozen=True)
class MapGroup:
    """One theme (or the outliers, id -1) on the map: its style, its points, its label."""

    id: int
    label: str | None
    style: SeriesStyle
    total: int  # its points with coordinates
    drawn: int  # those drawn (fewer when the map is a sample)
    points: tuple[tuple[float, float], ...]
    path: str  # every marker of the group drawn, in one SVG path
    label_x: float | None  # its name, at its centre (the median); None: not named on the map
    label_y: float | None


@dataclass(frozen=True)
class ScatterMap:
    width: int
    height: int
    total: int  # points with coordinates
    drawn: int  # never above max_points
    skipped: int  # points without coordinates
    groups: tuple[MapGroup, ...]  # the outliers first (drawn beneath), then in the given order

    @property
    def sampled(self) -> bool:
        return self.drawn < self.total


ThemeMap = ScatterMap  # its first name


def scatter_map(points: Sequence, groups, *, max_points: int = 2000, seed: int = 0,
                width: int = 640, height: int = 420, margin: int = 24,
                named: int = 12) -> ScatterMap:
    """The 2-D map of the verbatims. ``points``: (x, y, group id), skipped when x or y is None
    or not finite; ``groups``: (group id, label) pairs or a mapping. Id -1, and ids not in
    ``groups``, are the outliers (grey). Both axes share one scale. Above ``max_points``, a
    sample in proportion to each group (one point at least), drawn with ``seed``: the same map
    every time. The ``named`` largest groups have their name written at their centre."""
    names = dict(groups.items() if isinstance(groups, Mapping) else groups)
    xs = np.array([np.nan if p[0] is None else p[0] for p in points], dtype=float)
    ys = np.array([np.nan if p[1] is None else p[1] for p in points], dtype=float)
    ids = np.array([-1 if p[2] is None else p[2] for p in points], dtype=np.int64)
    ids[~np.isin(ids, np.array([g for g in names if g != -1], dtype=np.int64))] = -1
    kept = np.isfinite(xs) & np.isfinite(ys)
    xs, ys, ids = xs[kept], ys[kept], ids[kept]
    total = len(ids)
    chosen = np.zeros(total, dtype=bool)
    chosen[_stratified(ids, max_points, seed) if total > max_points else slice(None)] = True
    xs, ys = _fit(xs, ys, width, height, margin)
    themes = [g for g in names if g != -1]
    order = ([-1] if (ids == -1).any() else []) + themes
    sizes = {g: int((ids == g).sum()) for g in order}
    to_name = set(sorted((g for g in themes if sizes[g]), key=lambda g: -sizes[g])[:named])
    taken: list[tuple[float, float, float]] = []
    out = []
    for group in order:
        mine = ids == group
        style = SeriesStyle(group, OUTLIER_COLOUR, marker="dot") if group == -1 else \
            SeriesStyle(group, PALETTE[themes.index(group) % len(PALETTE)],
                        marker=MARKERS[themes.index(group) % len(MARKERS)])
        shown = list(zip(np.round(xs[mine & chosen], 1).tolist(),
                         np.round(ys[mine & chosen], 1).tolist(), strict=True))
        label_x = label_y = None
        if group in to_name:
            label = str(names[group])
            label_x, label_y = _place_label(float(np.median(xs[mine])),
                                            float(np.median(ys[mine])), label, width, height,
                                            taken)
        out.append(MapGroup(group, None if names.get(group) is None else str(names[group]),
                            style, sizes[group], len(shown), tuple(shown),
                            "".join(marker_path(style.marker, x, y) for x, y in shown),
                            label_x, label_y))
    return ScatterMap(width, height, total, int(chosen.sum()), len(points) - total, tuple(out))


def _stratified(ids: np.ndarray, max_points: int, seed: int) -> np.ndarray:
    """Indices of a sample of at most ``max_points``: each group's quota in proportion to its
    size (largest remainders), one at least while there is room; each group drawn with its own
    generator (seed, group id), so that a group's sample does not move when another changes."""
    groups, counts = np.unique(ids, return_counts=True)
    exact = counts * max_points / counts.sum()
    quota = np.minimum(np.maximum(np.floor(exact).astype(int), 1 if max_points >= len(groups)
                                  else 0), counts)
    for i in np.lexsort((groups, quota - exact)):  # the largest remainders first
        if quota.sum() >= max_points:
            break
        quota[i] += quota[i] < counts[i]
    for i in np.argsort(-quota, kind="stable"):  # the minimum of one may overshoot
        excess = quota.sum() - max_points
        if excess <= 0:
            break
        quota[i] -= min(excess, quota[i] - 1)
    picked = [np.random.default_rng([seed, int(g) & 0xFFFFFFFF]).choice(
        np.flatnonzero(ids == g), q, replace=False) for g, q in zip(groups, quota, strict=True)]
    return np.sort(np.concatenate(picked)) if picked else np.array([], dtype=int)


def _fit(xs: np.ndarray, ys: np.ndarray, width: int, height: int, margin: int):
    """Coordinates scaled into the box within ``margin``, one scale for both axes, centred; the
    y axis upwards as on paper."""
    if not len(xs):
        return xs, ys
    plot_w, plot_h = width - 2 * margin, height - 2 * margin
    span_x, span_y = float(np.ptp(xs)), float(np.ptp(ys))
    scale = min(plot_w / span_x if span_x else math.inf, plot_h / span_y if span_y else math.inf)
    scale = 0.0 if math.isinf(scale) else scale
    x0 = margin + (plot_w - span_x * scale) / 2
    y0 = height - margin - (plot_h - span_y * scale) / 2
    return x0 + (xs - xs.min()) * scale, y0 - (ys - ys.min()) * scale


def _place_label(x: float, y: float, text: str, width: int, height: int,
                 taken: list[tuple[float, float, float]]) -> tuple[float, float]:
    """A label centred near (x, y), kept inside the box and moved down a line, then up, until
    it overlaps none already placed (``taken``: centre x, baseline y, half width)."""
    half = min(len(text), 28) * CHAR_WIDTH / 2 + 2
    x = min(max(x, half + 2), width - half - 2)
    for shift in (0, 15, -15, 30, -30, 45, -45):
        candidate = min(max(y + shift, 14), height - 4)
        if all(abs(candidate - ty) >= 15 or abs(x - tx) >= half + th for tx, ty, th in taken):
            break
    taken.append((x, candidate, half))
    return round(x, 1), round(candidate, 1)
