"""What tells the series of a chart apart: colours, and a second cue that is not colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Every colour is at least 3:1 against white (WCAG 1.4.11); each series also has a pattern,
# a marker or a dash of its own and the table beside the chart: colour is never the only cue.
PALETTE = ("#0072b2", "#d55e00", "#007a5a", "#6a3d9a", "#8a5a00", "#c2185b", "#00727a",
           "#3b6e00")
OUTLIER_COLOUR = "#767676"  # 4.5:1
BAR_COLOUR = "#0a4f86"  # the accent of palabre.css
STANCE_COLOURS = {"agree": "#1d5e2b", "neutral": "#6b6b6b", "disagree": "#a4161a"}
PATTERNS = ("solid", "hatch", "dots", "cross")
MARKERS = ("circle", "square", "triangle", "diamond", "triangle-down")  # 8 × 5: 40 pairs
DASHES = ("", "6 3", "2 3", "8 3 2 3")
CHAR_WIDTH = 7.0  # px per character of 12 px text: a generous mean, to decide what fits


def marker_path(marker: str, x: float, y: float, r: float = 3.2) -> str:
    """An SVG path for one marker centred on (x, y), about 2r wide."""
    if marker == "square":
        s = r * 0.9
        return f"M{x - s:.1f} {y - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}z"
    if marker in ("triangle", "triangle-down"):
        h = r * 1.15 if marker == "triangle" else -r * 1.15
        return f"M{x:.1f} {y - h:.1f}L{x + r * 1.1:.1f} {y + h * 0.8:.1f}" \
               f"H{x - r * 1.1:.1f}z"
    if marker == "diamond":
        d = r * 1.25
        return f"M{x:.1f} {y - d:.1f}l{d:.1f} {d:.1f}l{-d:.1f} {d:.1f}l{-d:.1f} {-d:.1f}z"
    if marker == "dot":
        r *= 0.6
    return f"M{x - r:.1f} {y:.1f}a{r:.1f} {r:.1f} 0 1 0 {2 * r:.1f} 0" \
           f"a{r:.1f} {r:.1f} 0 1 0 {-2 * r:.1f} 0z"


@dataclass(frozen=True)
class SeriesStyle:
    """How one segment key, group or series is drawn: its colour and a cue that is not colour."""

    key: object
    colour: str
    pattern: str = "solid"  # of PATTERNS: share bars
    marker: str = "circle"  # of MARKERS (or "dot" for outliers): maps and timelines
    dash: str = ""  # stroke-dasharray: timelines

    @property
    def swatch(self) -> str:
        """The marker in a 14 × 14 box, for the legend in the table."""
        return marker_path(self.marker, 7, 7, 5)


def finite(value) -> float | None:
    """The value as a float, or None when it is None, NaN or infinite."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
