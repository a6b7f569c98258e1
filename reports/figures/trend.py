"""The trend figure of a tracking study: each measure's mean per wave with its interval.

Small multiples, one panel per measure (scale means on their response scale, the NPS on
-100..100, a 0-100 index on 0-100), waves on the x axis in order; each wave's mean is a point
with whiskers to its interval, consecutive waves joined by a line. Every point is a
``<g class="ek-wave-point">`` with ``data-measure``, ``data-wave``, ``data-mean``,
``data-lower``, ``data-upper`` and ``data-n``.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup

from ..format import apa
from .svg import BLUE, INK, MUTED, FigureInputError, _new_figure, _rc, _save, _Tags

__all__ = ["trend_chart"]


def _fmt(kind: str, x: float) -> str:
    return apa(x, 0 if kind == "nps" else 1 if kind == "index" else 2)


def trend_chart(measures: Sequence[Mapping[str, Any]], waves: Sequence[str], title: str,
                *, level: float = 0.95) -> Markup:
    """Means with interval whiskers per wave, one panel per measure.

    ``measures``: ``[{"name", "kind", "min", "max", "points": [{"wave", "mean", "ci.lower",
    "ci.upper", "n"}]}]`` (points of waves without a value are left out); ``waves``: the labels
    in order.
    """
    if not measures or not waves:
        raise FigureInputError("trend_chart: no measures or no waves to draw")
    labels = [str(w) for w in waves]
    pos = {w: k for k, w in enumerate(labels)}
    k = len(measures)
    ncol = min(3, k)
    nrow = math.ceil(k / ncol)
    tags = _Tags()
    desc = []
    with _rc():
        fig = _new_figure(3.0 * ncol + 0.4, 2.55 * nrow + 0.6)
        for j, m in enumerate(measures):
            ax = fig.add_subplot(nrow, ncol, j + 1)
            kind = str(m.get("kind", "scale"))
            pts = [p for p in m["points"] if p.get("mean") is not None
                   and p["wave"] in pos]
            xs = [pos[p["wave"]] for p in pts]
            ys = [float(p["mean"]) for p in pts]
            if len(pts) > 1:
                ax.plot(xs, ys, color=BLUE, linewidth=1.2, zorder=2)
            texts = []
            for p, x, y in zip(pts, xs, ys, strict=True):
                lo, hi = p.get("ci.lower"), p.get("ci.upper")
                gid = tags("ek-wave-point", measure=m["name"], wave=p["wave"], mean=y,
                           lower=lo, upper=hi, n=p.get("n"))
                if lo is not None and hi is not None:
                    bars = ax.errorbar([x], [y], yerr=[[y - float(lo)], [float(hi) - y]],
                                       fmt="o", color=BLUE, ecolor=BLUE, elinewidth=1.4,
                                       capsize=4, markersize=5.5, zorder=3)
                    bars.lines[0].set_gid(gid)  # the point; its whiskers stay untagged
                    texts.append(f"{p['wave']} {_fmt(kind, y)} [{_fmt(kind, float(lo))}, "
                                 f"{_fmt(kind, float(hi))}]")
                else:
                    ax.plot([x], [y], "o", color=BLUE, markersize=5.5, zorder=3, gid=gid)
                    texts.append(f"{p['wave']} {_fmt(kind, y)}")
            desc.append(f"{m['name']}: " + "; ".join(texts))
            ax.set_xticks(range(len(labels)), [textwrap.fill(w, 10) for w in labels])
            ax.set_xlim(-0.5, len(labels) - 0.5)
            lows = [float(p["ci.lower"]) for p in pts if p.get("ci.lower") is not None] + ys
            highs = [float(p["ci.upper"]) for p in pts if p.get("ci.upper") is not None] + ys
            if lows:
                span = max(max(highs) - min(lows), 1e-9)
                lo_lim, hi_lim = min(lows) - 0.35 * span, max(highs) + 0.35 * span
                if m.get("min") is not None:
                    lo_lim = max(lo_lim, float(m["min"]))
                if m.get("max") is not None:
                    hi_lim = min(hi_lim, float(m["max"]))
                if hi_lim > lo_lim:
                    ax.set_ylim(lo_lim, hi_lim)
            ax.set_title(textwrap.fill(str(m["name"]), 30), loc="left", fontsize=10,
                         fontweight="bold", color=INK)
            ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
            ax.set_axisbelow(True)
            ax.tick_params(axis="x", length=0)
        fig.suptitle(title, x=0.02, ha="left", fontsize=12, fontweight="bold")
        fig.text(0.02, 0.005, f"Points: means; whiskers: {level:.0%} confidence intervals.",
                 fontsize=9, color=MUTED, ha="left", va="bottom")
        fig.tight_layout(rect=(0, 0.04, 1, 1))
        return _save(fig, tags, kind="trend", title=title,
                     desc=f"Means with {level:.0%} confidence intervals per wave. "
                          + " ".join(d + "." for d in desc))
