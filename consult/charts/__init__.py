"""The geometry of Palabre's charts, computed in this package so that templates only draw:
plain values in, coordinates out (no Flask, no database). The SVG itself is a Jinja macro in
``templates/_macros.html`` (the interval chart) or ``templates/_charts.html`` (the others),
rendered on the server, so a chart works without JavaScript, prints, and goes into WeasyPrint's
PDFs as it is. Each macro draws the chart beside its data table.

Written by hand rather than with a plotting library: matplotlib or Altair would draw the same
dots and lines, but as a picture with its own fonts and no link to the page's text alternative
and data table, and with a dependency several times the size of Palabre. What a chart here needs
is a handful of coordinates.

One module per kind of chart; :mod:`.marks` holds what they share (colours, patterns, markers).
"""

from .bars import Bar, BarItem, Bars, Segment, ShareBar, ShareBars, ShareRow, bars, share_bars
from .interval import ChartInput, IntervalChart, Row, Tick, interval_chart, threshold_band
from .marks import (
    DASHES,
    MARKERS,
    OUTLIER_COLOUR,
    PALETTE,
    PATTERNS,
    STANCE_COLOURS,
    SeriesStyle,
    marker_path,
)
from .scatter import MapGroup, ScatterMap, ThemeMap, scatter_map
from .timeline import Timeline, TimelinePoint, TimelineSeries, timeline

__all__ = [
    "DASHES", "MARKERS", "OUTLIER_COLOUR", "PALETTE", "PATTERNS", "STANCE_COLOURS", "Bar",
    "BarItem", "Bars", "ChartInput", "IntervalChart", "MapGroup", "Row", "ScatterMap",
    "Segment", "SeriesStyle", "ShareBar", "ShareBars", "ShareRow", "ThemeMap", "Tick",
    "Timeline", "TimelinePoint", "TimelineSeries", "bars", "interval_chart", "marker_path",
    "scatter_map", "share_bars", "threshold_band", "timeline",
]
