"""Report figures as inline SVG strings: deterministic, self-contained and accessible.

Every function takes plain data (dicts, lists, arrays, DataFrames) and returns an ``<svg>``
element as :class:`markupsafe.Markup` (a ``str`` subclass, so Jinja2's autoescape inserts it as
markup) that can be pasted into an HTML page. The same data give the same bytes.

* :mod:`~reports.figures.svg`: the plumbing (palette, matplotlib settings, id prefixing,
  accessibility attributes, responsive size) and :class:`FigureInputError`;
* :mod:`~reports.figures.charts`: the matplotlib charts (:func:`likert_diverging`,
  :func:`htmt_heatmap`, :func:`importance_performance`, :func:`driver_bars`,
  :func:`segments_matrix`);
* :mod:`~reports.figures.path_diagram`: :func:`path_diagram`, written by hand, with its edge
  router in :mod:`~reports.figures.routing`.

Importing this package changes nothing for a notebook user (no pyplot, no global backend).
"""

from .charts import (
    QUADRANTS,
    SEGMENTS,
    driver_bars,
    htmt_heatmap,
    importance_performance,
    likert_diverging,
    segments_matrix,
)
from .path_diagram import path_diagram
from .svg import (
    BLUE,
    FONT_STACK,
    GREY_LINE,
    INK,
    MIN_TEXT_PX,
    MUTED,
    SVG_FONT,
    SVG_NS,
    VERMILLION,
    XLINK_NS,
    FigureInputError,
)

__all__ = [
    "BLUE",
    "FONT_STACK",
    "GREY_LINE",
    "INK",
    "MIN_TEXT_PX",
    "MUTED",
    "QUADRANTS",
    "SEGMENTS",
    "SVG_FONT",
    "SVG_NS",
    "VERMILLION",
    "XLINK_NS",
    "FigureInputError",
    "driver_bars",
    "htmt_heatmap",
    "importance_performance",
    "likert_diverging",
    "path_diagram",
    "segments_matrix",
]
