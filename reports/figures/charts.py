"""The report's matplotlib charts as inline SVG: Likert distributions, the HTMT heatmap, the
importance-performance map, driver weights and Dick & Basu's loyalty segments.

Each function takes plain data (dicts, lists, arrays, DataFrames) and returns an ``<svg>``
element as :class:`markupsafe.Markup`; :mod:`reports.figures.svg` makes it deterministic and
accessible.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from markupsafe import Markup

from ..format import DASH, apa, apa_int, is_missing
from .svg import (
    BLUE,
    GREY_LINE,
    INK,
    MUTED,
    VERMILLION,
    FigureInputError,
    _new_figure,
    _rc,
    _save,
    _Tags,
)

__all__ = [
    "driver_bars",
    "htmt_heatmap",
    "importance_performance",
    "likert_diverging",
    "segments_matrix",
]


def _wrap(label: str, width: int) -> str:
    """``label`` on lines of about ``width`` characters, broken only at spaces: a word longer
    than ``width`` gets a line of its own rather than being split ("Very dissa/tisfied")."""
    return "\n".join(textwrap.wrap(str(label), width, break_long_words=False,
                                    break_on_hyphens=False)) or str(label)


def _luminance(rgb: Sequence[float]) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _text_on(rgb: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with the fill ``rgb``."""
    lum = _luminance(rgb)
    return INK if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


# --------------------------------------------------------------------------- Likert


def _diverging_colors(k: int) -> list:
    """``k`` colours from ColorBrewer's RdBu (colour-blind safe), a neutral grey in the middle."""
    from matplotlib import colormaps

    cmap = colormaps["RdBu"]
    if k == 1:
        return ["#bdbdbd"]
    cols = [cmap(x) for x in np.linspace(0.08, 0.92, k)]
    if k % 2:
        cols[k // 2] = (0.80, 0.80, 0.80, 1.0)
    return cols


def _counts(item: str, v: Any, labels: list[str], scale_values: Sequence | None) -> np.ndarray:
    """Counts in scale order from a sequence, or from a ``{scale value or label: n}`` mapping
    (e.g. ``value_counts().to_dict()``: absent categories count 0)."""
    if not isinstance(v, Mapping):
        return np.asarray(list(v), dtype=float)
    if scale_values is not None:
        keys = list(scale_values)
    elif set(map(str, v)) <= set(labels):
        keys = labels
    else:
        raise FigureInputError(f"likert_diverging: item {item!r} has counts keyed by value; "
                               "pass scale_values=[...] (the response value of each label)")
    unknown = [key for key in v if key not in keys and str(key) not in keys]
    if unknown:
        raise FigureInputError(f"likert_diverging: item {item!r} has counts for values "
                               f"{unknown} outside the scale {keys}")
    return np.asarray([float(v.get(key, v.get(str(key), 0))) for key in keys], dtype=float)


def _likert_groups(distributions: Any, labels: list[str], scale_values: Sequence | None
                   ) -> list[tuple[str | None, list[tuple[str, np.ndarray]]]]:
    k = len(labels)
    groups: list[tuple[str | None, list[tuple[str, np.ndarray]]]] = []
    if hasattr(distributions, "columns") and hasattr(distributions, "index"):  # DataFrame
        df = distributions
        value_cols = [c for c in df.columns if c != "construct"]
        if len(value_cols) != k:
            raise FigureInputError(f"likert_diverging: {len(value_cols)} count columns for "
                                   f"{k} scale labels")
        order: dict[Any, list] = {}
        cons = df["construct"] if "construct" in df.columns else [None] * len(df)
        counts = df[value_cols].astype(float).fillna(0.0)  # an absent category: 0 answers
        for (item, row), c in zip(counts.iterrows(), cons, strict=True):
            order.setdefault(c, []).append((str(item), np.asarray(row, dtype=float)))
        groups = [(None if c is None else str(c), rows) for c, rows in order.items()]
    elif not isinstance(distributions, Mapping):
        raise FigureInputError("likert_diverging: give {construct: {item: counts}} or a "
                               "DataFrame with one row per item")
    else:
        for construct, items in distributions.items():
            if not isinstance(items, Mapping):
                raise FigureInputError(f"likert_diverging: construct {construct!r} needs "
                                       "{item: counts}")
            rows = [(str(i), _counts(str(i), v, labels, scale_values))
                    for i, v in items.items()]
            groups.append((str(construct), rows))
    for _, rows in groups:
        for item, v in rows:
            if v.shape != (k,):
                raise FigureInputError(f"likert_diverging: item {item!r} has {v.size} counts "
                                       f"for {k} scale labels")
            if np.any(v < 0) or not np.all(np.isfinite(v)):
                raise FigureInputError(f"likert_diverging: item {item!r} has negative or "
                                       "non-finite counts")
    return groups


def likert_diverging(distributions: Any, scale_labels: Sequence[str], title: str,
                     *, scale_values: Sequence | None = None, label_width: int = 34) -> Markup:
    """Diverging stacked bars of item response distributions, grouped by construct.

    ``distributions``: ``{construct: {item_label: counts per scale point}}`` (counts or
    proportions, lowest scale point first, or ``{response value: n}`` with ``scale_values``
    giving the value of each label, e.g. ``[1, 2, 3, 4, 5]``; absent values count 0), or a
    DataFrame with one row per item (index = item label), one column per scale point and
    optionally a ``construct`` column. Each row is scaled
    to 100%; bars are centred on the neutral point (the middle category of an odd scale is split
    evenly across zero); the percentages below and above the midpoint are printed at the ends.
    One ``<g class="ek-bar">`` per item and scale point (``data-construct``, ``data-item``,
    ``data-category``, ``data-pct``).
    """
    labels = [str(s) for s in scale_labels]
    k = len(labels)
    if k < 2:
        raise FigureInputError("likert_diverging needs at least two scale labels")
    if scale_values is not None and len(scale_values) != k:
        raise FigureInputError(f"likert_diverging: {len(scale_values)} scale_values for {k} "
                               "scale labels")
    groups = _likert_groups(distributions, labels, scale_values)
    n_items = sum(len(rows) for _, rows in groups)
    if n_items == 0:
        raise FigureInputError("likert_diverging: no items")
    named = [g for g, _ in groups if g is not None]
    n_rows = n_items + len(named)
    max_lines = max(len(_wrap(item, label_width).split("\n"))
                    for _, rows in groups for item, _ in rows)
    row_h = 0.27 + 0.14 * (min(max_lines, 4) - 1)
    mid = k // 2
    colors = _diverging_colors(k)
    tags = _Tags()
    desc_lines = []
    with _rc():
        fig = _new_figure(6.0, 1.3 + row_h * n_rows)
        ax = fig.add_subplot()
        y = 0.0
        yticks, yticklabels, header_rows = [], [], []
        extent_l = extent_r = 0.0
        for construct, rows in groups:
            if construct is not None:
                yticks.append(y)
                yticklabels.append(_wrap(construct, label_width))
                header_rows.append(len(yticks) - 1)
                y -= 1
            for item, counts in rows:
                total = counts.sum()
                pct = counts / total * 100 if total > 0 else np.zeros(k)
                low = pct[:mid].sum()
                high = pct[k - mid:].sum()
                neutral = pct[mid] if k % 2 else 0.0
                start = -(low + neutral / 2)
                for j in range(k):
                    gid = tags("ek-bar", construct="" if construct is None else construct,
                               item=item, category=labels[j], index=j, pct=pct[j])
                    ax.barh(y, pct[j], left=start, height=0.72, color=colors[j],
                            edgecolor="white", linewidth=0.6, gid=gid)
                    start += pct[j]
                left_end = low + neutral / 2
                right_end = high + neutral / 2
                extent_l, extent_r = max(extent_l, left_end), max(extent_r, right_end)
                ax.text(-left_end - 1.5, y, f"{low:.0f}%", ha="right", va="center",
                        fontsize=9, color=MUTED)
                ax.text(right_end + 1.5, y, f"{high:.0f}%", ha="left", va="center",
                        fontsize=9, color=MUTED)
                yticks.append(y)
                yticklabels.append(_wrap(item, label_width))
                desc_lines.append(f"{item}: " + ", ".join(
                    f"{labels[j]} {pct[j]:.0f}%" for j in range(k)))
                y -= 1
        # the neutral line stays where it is; each side is as long as its longest bar + label
        lim_l = min(100.0, math.ceil((extent_l + 14) / 10) * 10)
        lim_r = min(100.0, math.ceil((extent_r + 14) / 10) * 10)
        ax.set_xlim(-lim_l, lim_r)
        ax.set_ylim(y + 0.4, 0.6)
        ax.axvline(0, color=INK, linewidth=0.8)
        ticks = [t for t in range(-100, 101, 25) if -lim_l <= t <= lim_r]
        ax.set_xticks(ticks, [f"{abs(t)}%" for t in ticks])
        ax.set_yticks(yticks, yticklabels)
        for i, tl in enumerate(ax.get_yticklabels()):
            if i in header_rows:
                tl.set_fontweight("bold")
                tl.set_fontsize(10)
            else:
                tl.set_fontsize(9)
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
        from matplotlib.patches import Patch

        handles = [Patch(facecolor=c, edgecolor="white", label=_wrap(lab, 10))
                   for c, lab in zip(colors, labels, strict=True)]
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=k,
                  frameon=False, fontsize=9, handlelength=1.0, handletextpad=0.4,
                  columnspacing=0.8, borderaxespad=0.3)
        fig.suptitle(title, x=0.02, ha="left", fontsize=12, fontweight="bold")
        fig.tight_layout()
        desc = (f"Diverging stacked bars of {n_items} items on a {k}-point scale "
                f"({labels[0]} to {labels[-1]}). " + "; ".join(desc_lines))
        return _save(fig, tags, kind="likert", title=title, desc=desc)


# --------------------------------------------------------------------------- HTMT


def htmt_heatmap(matrix: Any, labels: Sequence[str] | None = None, ci_upper: Any = None,
                 threshold: float = 0.85, *, title: str = "Heterotrait-monotrait ratios (HTMT)",
                 ci_level: float | None = None) -> Markup:
    """Lower-triangle heatmap of an HTMT matrix with every value printed.

    ``matrix``: a square array / nested list / DataFrame / ``{column: {row: value}}`` dict
    (labels from the columns when ``labels`` is None). Cells at or above ``threshold`` get a heavy black outline and bold text
    (``data-flag="value"``); with ``ci_upper`` (same shape: upper bounds of the bootstrap CIs),
    each cell also shows "upper .xx" (the upper limit of the interval, of the ``ci_level``
    CI when given, e.g. 0.90: the key then says "upper limit of the 90% CI") and a cell whose value is below the threshold but whose upper
    bound is not gets a dashed outline (``data-flag="ci"``). One ``<g class="ek-cell">`` per pair.
    """
    if isinstance(matrix, Mapping):  # {column: {row: value}}, as in HTMTResult.to_dict()
        import pandas as pd

        matrix = pd.DataFrame(matrix)
        matrix = matrix.loc[list(matrix.columns), list(matrix.columns)]
    if labels is None and hasattr(matrix, "columns"):
        labels = [str(c) for c in matrix.columns]
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 2:
        raise FigureInputError(f"htmt_heatmap needs a square matrix of >= 2 constructs, got "
                               f"shape {m.shape}")
    n = m.shape[0]
    labels = [str(s) for s in (labels if labels is not None else range(1, n + 1))]
    if len(labels) != n:
        raise FigureInputError(f"htmt_heatmap: {len(labels)} labels for a {n}x{n} matrix")
    up = None if ci_upper is None else np.asarray(ci_upper, dtype=float)
    if up is not None and up.shape != m.shape:
        raise FigureInputError(f"htmt_heatmap: ci_upper has shape {up.shape}, matrix {m.shape}")
    from matplotlib import colormaps
    from matplotlib.patches import Rectangle

    cmap = colormaps["YlOrBr"]
    tags = _Tags()
    thr = apa(threshold, 2, bounded=True)
    ci_words = "CI" if ci_level is None else f"{ci_level * 100:g}% CI"
    desc_cells, n_flag = [], 0
    with _rc():
        side = 0.66 * (n - 1)
        fig = _new_figure(max(3.0, side + 2.2), max(2.4, side + 1.6))
        ax = fig.add_subplot()
        for i in range(1, n):
            for j in range(i):
                v = m[i, j]
                u = None if up is None else up[i, j]
                flag = ""
                if not is_missing(v) and v >= threshold:
                    flag = "value"
                elif u is not None and not is_missing(u) and u >= threshold:
                    flag = "ci"
                n_flag += flag != ""
                face = (0.93, 0.93, 0.93, 1.0) if is_missing(v) else cmap(0.72 * min(
                    max(v, 0.0), 1.0) ** 1.3)
                gid = tags("ek-cell", row=labels[i], col=labels[j], value=v,
                           ci_upper="" if u is None else u, flag=flag)
                x0, y0 = j, n - 1 - i
                ax.add_patch(Rectangle((x0, y0), 1, 1, facecolor=face, edgecolor="white",
                                       linewidth=1.5, gid=gid))
                if flag:
                    ax.add_patch(Rectangle((x0 + 0.06, y0 + 0.06), 0.88, 0.88, fill=False,
                                           edgecolor=INK, linewidth=2.4,
                                           linestyle="-" if flag == "value" else (0, (3, 2))))
                txt = apa(v, 2, bounded=True)
                color = _text_on(face)
                weight = "bold" if flag == "value" else "normal"
                if u is None:
                    ax.text(x0 + 0.5, y0 + 0.5, txt, ha="center", va="center", fontsize=11,
                            color=color, fontweight=weight)
                else:
                    ax.text(x0 + 0.5, y0 + 0.6, txt, ha="center", va="center", fontsize=11,
                            color=color, fontweight=weight)
                    ax.text(x0 + 0.5, y0 + 0.3, "upper " + apa(u, 2, bounded=True),
                            ha="center", va="center", fontsize=9, color=color)
                desc_cells.append(f"{labels[i]} with {labels[j]}: {txt}"
                                  + ("" if u is None else f" (upper limit of the {ci_words} "
                                                           f"{apa(u, 2, bounded=True)})")
                                  + (" at or above the threshold" if flag == "value" else ""))
        ax.set_xlim(0, n - 1)
        ax.set_ylim(0, n - 1)
        ax.set_aspect("equal")
        ax.set_xticks([j + 0.5 for j in range(n - 1)],
                      [_wrap(s, 16) for s in labels[:-1]], rotation=35, ha="right",
                      rotation_mode="anchor")
        ax.set_yticks([n - 1 - i + 0.5 for i in range(1, n)], [_wrap(s, 22) for s in labels[1:]])
        ax.tick_params(length=0)
        for s in ax.spines.values():
            s.set_visible(False)
        ax.set_title(title, loc="left")
        key = f"Solid outline: HTMT \u2265 {thr}"
        if up is not None:
            key += (f"\nDashed outline: upper CI limit \u2265 {thr}"
                    f"\nupper .xx: upper limit of the {ci_words}")
        if n >= 3:  # the empty upper triangle holds the key
            ax.text(n - 1 - 0.05, n - 1 - 0.1, key, ha="right", va="top", fontsize=9,
                    color=MUTED, linespacing=1.5)
        else:
            ax.set_xlabel(key, fontsize=9, color=MUTED)
        fig.tight_layout()
        desc = (f"HTMT for {n} constructs, {n * (n - 1) // 2} pairs; {n_flag} flagged against "
                f"the threshold {thr}. " + "; ".join(desc_cells))
        return _save(fig, tags, kind="htmt", title=title, desc=desc)


# --------------------------------------------------------------------------- importance-performance

QUADRANTS = {
    (True, False): "Concentrate here",
    (True, True): "Keep up the good work",
    (False, True): "Possible overkill",
    (False, False): "Low priority",
}


def importance_performance(importance: Sequence[float], performance: Sequence[float],
                           labels: Sequence[str], *,
                           title: str = "Importance-performance map",
                           xlabel: str = "Importance (total effect)",
                           ylabel: str = "Performance (0\u2013100)",
                           scale: tuple[float, float] | None = (0.0, 100.0)) -> Markup:
    """Importance-performance map: one point per driver, quadrant lines at the two means.

    The performance axis spans the whole performance ``scale`` (0-100 by default, widened if a
    value lies outside it), so drivers whose performance differs by a point or two are drawn
    close together, not at opposite ends of a magnified axis; ``scale=None`` pads the data's
    own range instead (never narrower than 10 points).

    Quadrants (Martilla & James, 1977) are named in the corners; points with above-average
    importance and below-average performance ("Concentrate here") are drawn as vermillion
    diamonds, the rest as blue circles. One ``<g class="ek-point">`` per driver
    (``data-label``, ``data-importance``, ``data-performance``, ``data-quadrant``).
    """
    imp = np.asarray(importance, dtype=float)
    perf = np.asarray(performance, dtype=float)
    labels = [str(s) for s in labels]
    if not (imp.shape == perf.shape == (len(labels),)) or len(labels) == 0:
        raise FigureInputError("importance_performance: importance, performance and labels "
                               "must have the same (non-zero) length")
    if not (np.all(np.isfinite(imp)) and np.all(np.isfinite(perf))):
        raise FigureInputError("importance_performance: non-finite values")
    mi, mp = float(imp.mean()), float(perf.mean())
    tags = _Tags()
    with _rc():
        fig = _new_figure(5.4, 4.3)
        ax = fig.add_subplot()

        def padded(v: np.ndarray, centre: float) -> tuple[float, float]:
            lo, hi = min(v.min(), centre), max(v.max(), centre)
            span = hi - lo if hi > lo else max(abs(hi), 1.0)
            return lo - 0.18 * span, hi + 0.18 * span

        ax.set_xlim(*padded(imp, mi))
        if scale is not None:
            lo, hi = float(min(scale[0], perf.min())), float(max(scale[1], perf.max()))
            pad = 0.04 * (hi - lo)
            ax.set_ylim(lo - pad, hi + pad)
        else:
            lo, hi = padded(perf, mp)
            if hi - lo < 10.0:  # a point or two of difference must not fill the axis
                lo, hi = (lo + hi) / 2 - 5.0, (lo + hi) / 2 + 5.0
            ax.set_ylim(lo, hi)
        ax.axvline(mi, color=GREY_LINE, linestyle=(0, (5, 3)), linewidth=1)
        ax.axhline(mp, color=GREY_LINE, linestyle=(0, (5, 3)), linewidth=1)
        for (hi_imp, hi_perf), name in QUADRANTS.items():
            ax.text(0.98 if hi_imp else 0.02, 0.98 if hi_perf else 0.02, name,
                    transform=ax.transAxes, ha="right" if hi_imp else "left",
                    va="top" if hi_perf else "bottom", fontsize=9, color=MUTED,
                    fontstyle="italic")
        desc = []
        for x, yv, lab in zip(imp, perf, labels, strict=True):
            quadrant = QUADRANTS[(bool(x >= mi), bool(yv >= mp))]
            focus = quadrant == "Concentrate here"
            gid = tags("ek-point", label=lab, importance=x, performance=yv, quadrant=quadrant)
            ax.scatter([x], [yv], s=60 if focus else 48, marker="D" if focus else "o",
                       color=VERMILLION if focus else BLUE, edgecolor="white", linewidth=0.8,
                       zorder=3, gid=gid)
            desc.append(f"{lab}: importance {apa(x, 2)}, performance {apa(yv, 1)} ({quadrant})")
        _place_point_labels(fig, ax, imp, perf, labels)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _save(fig, tags, kind="ipma", title=title,
                     desc=f"Quadrant lines at mean importance {apa(mi, 2)} and mean performance "
                          f"{apa(mp, 1)}. " + "; ".join(desc))


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _place_point_labels(fig, ax, xs: np.ndarray, ys: np.ndarray, labels: list[str]) -> None:
    """Label each point at the first of eight offsets that overlaps no label, point or edge."""
    from matplotlib.transforms import Bbox

    renderer = fig.canvas.get_renderer()
    axbox = ax.get_window_extent(renderer)
    pts = ax.transData.transform(np.column_stack([xs, ys]))
    r = 6.0
    obstacles = [Bbox([[px - r, py - r], [px + r, py + r]]) for px, py in pts]
    placed: list = []
    candidates = [((7, 3), "left", "bottom"), ((7, -3), "left", "top"),
                  ((-7, 3), "right", "bottom"), ((-7, -3), "right", "top"),
                  ((0, 8), "center", "bottom"), ((0, -8), "center", "top"),
                  ((12, 0), "left", "center"), ((-12, 0), "right", "center")]
    order = np.argsort(-xs, kind="stable")
    for i in order:
        best, best_cost = None, math.inf
        for off, ha, va in candidates:
            t = ax.annotate(_wrap(labels[i], 22), (xs[i], ys[i]), xytext=off,
                            textcoords="offset points", ha=ha, va=va, fontsize=9, color=INK)
            bb = t.get_window_extent(renderer)
            cost = sum(_overlap(bb, o) for o in placed) * 4
            cost += sum(_overlap(bb, o) for j, o in enumerate(obstacles) if j != i)
            inside = _overlap(bb, axbox)
            cost += (bb.width * bb.height - inside) * 2
            t.remove()
            if cost < best_cost:
                best, best_cost = (off, ha, va, bb), cost
            if cost == 0:
                break
        off, ha, va, bb = best
        ax.annotate(_wrap(labels[i], 22), (xs[i], ys[i]), xytext=off,
                    textcoords="offset points", ha=ha, va=va, fontsize=9, color=INK)
        placed.append(bb)


# --------------------------------------------------------------------------- driver bars


def driver_bars(weights: Sequence[float], labels: Sequence[str], title: str, *,
                r2: float | None = None, sort: bool = True,
                xlabel: str = "Share of explained variance (R\u00b2)") -> Markup:
    """Horizontal bars of dominance or relative weights, largest first, summing to R².

    Each bar is labelled with its weight (three decimals, no leading zero) and its share of R²;
    the subtitle gives the sum. If ``r2`` is given it must equal the sum of the weights (they
    are a decomposition of R²); a mismatch raises :class:`FigureInputError`. One
    ``<g class="ek-bar">`` per driver (``data-label``, ``data-weight``, ``data-share``).
    """
    w = np.asarray(weights, dtype=float)
    labels = [str(s) for s in labels]
    if w.shape != (len(labels),) or len(labels) == 0:
        raise FigureInputError("driver_bars: weights and labels must have the same length")
    if not np.all(np.isfinite(w)):
        raise FigureInputError("driver_bars: non-finite weights")
    total = float(w.sum())
    if r2 is not None and abs(total - float(r2)) > 1e-3 * max(1.0, abs(float(r2))):
        raise FigureInputError(f"driver_bars: the weights sum to {total:.4f}, not to "
                               f"R\u00b2 = {float(r2):.4f}")
    order = np.argsort(-w, kind="stable") if sort else np.arange(len(w))
    tags = _Tags()
    desc = []
    with _rc():
        fig = _new_figure(5.4, 1.2 + 0.4 * len(w))
        ax = fig.add_subplot()
        top = max(float(w.max()), 1e-9)
        for pos, i in enumerate(order):
            share = w[i] / total * 100 if total > 0 else float("nan")
            gid = tags("ek-bar", label=labels[i], weight=w[i], share=share)
            ax.barh(pos, w[i], height=0.62, color=BLUE, gid=gid)
            share_txt = DASH if is_missing(share) else f"{share:.0f}%"
            txt = f"{apa(w[i], 3, bounded=True)} ({share_txt})"
            ax.text(max(w[i], 0) + top * 0.015, pos, txt, va="center", ha="left", fontsize=9,
                    color=INK)
            desc.append(f"{labels[i]}: {txt}")
        ax.set_yticks(range(len(w)), [_wrap(labels[i], 28) for i in order])
        ax.set_ylim(len(w) - 0.4, -0.6)
        ax.set_xlim(min(0.0, float(w.min()) * 1.1), top * 1.32)
        from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

        ticks = [t for t in MaxNLocator(5).tick_values(*ax.get_xlim())
                 if ax.get_xlim()[0] - 1e-12 <= t <= ax.get_xlim()[1] + 1e-12]
        tick_dec = next((d for d in range(2, 7)
                         if all(abs(round(t, d) - t) < 1e-9 for t in ticks)), 6)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: apa(v, tick_dec, bounded=True)))
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_title(f"Weights sum to R\u00b2 = {apa(total, 3, bounded=True)}", loc="left",
                     fontsize=9.5, fontweight="normal", color=MUTED)
        fig.suptitle(title, x=0.02, ha="left", fontsize=12, fontweight="bold")
        fig.tight_layout()
        return _save(fig, tags, kind="drivers", title=title,
                     desc=f"Weights sum to R\u00b2 = {apa(total, 3, bounded=True)}. "
                          + "; ".join(desc))


# --------------------------------------------------------------------------- Dick & Basu

# (relative attitude high?, repeat patronage high?) -> segment
SEGMENTS = {
    (False, False): ("no_loyalty", "No loyalty", None),
    (False, True): ("spurious", "Spurious loyalty", "(inertia)"),
    (True, False): ("latent", "Latent loyalty", None),
    (True, True): ("premium", "Premium loyalty", None),
}
_SEGMENT_ALIASES = {
    "no_loyalty": (False, False), "none": (False, False), "no loyalty": (False, False),
    "spurious": (False, True), "spurious_loyalty": (False, True), "inertia": (False, True),
    "spurious loyalty": (False, True),
    "latent": (True, False), "latent_loyalty": (True, False), "latent loyalty": (True, False),
    "premium": (True, True), "premium_loyalty": (True, True), "loyalty": (True, True),
    "premium loyalty": (True, True), "true": (True, True),
}


def _segment_key(key: Any) -> tuple[bool, bool]:
    if isinstance(key, tuple) and len(key) == 2:
        out = []
        for part in key:
            s = str(part).lower()
            if s not in ("low", "high"):
                raise FigureInputError(f"segments_matrix: key {key!r}: use ('low'|'high', "
                                       "'low'|'high') for (relative attitude, repeat patronage)")
            out.append(s == "high")
        return out[0], out[1]
    s = str(key).strip().lower().replace("-", "_")
    if s not in _SEGMENT_ALIASES:
        raise FigureInputError(f"segments_matrix: unknown segment {key!r}; use no_loyalty, "
                               "spurious, latent or premium")
    return _SEGMENT_ALIASES[s]


def segments_matrix(counts: Mapping[Any, float], *,
                    title: str = "Loyalty segments (Dick & Basu, 1994)") -> Markup:
    """Dick & Basu's (1994) 2x2: relative attitude (rows) by repeat patronage (columns).

    ``counts``: ``{"no_loyalty": n, "spurious": n, "latent": n, "premium": n}`` (aliases such
    as ``inertia`` and ``loyalty`` are accepted) or ``{(attitude, patronage): n}`` with
    ``"low"``/``"high"``; missing segments count 0. Each cell shows the segment, n and its
    percentage of the total and is shaded by that share. One ``<g class="ek-cell">`` per
    segment (``data-segment``, ``data-n``, ``data-pct``).
    """
    cells: dict[tuple[bool, bool], float] = dict.fromkeys(SEGMENTS, 0.0)
    for key, n in counts.items():
        if is_missing(n) or float(n) < 0:
            raise FigureInputError(f"segments_matrix: count for {key!r} must be >= 0")
        cells[_segment_key(key)] += float(n)
    total = sum(cells.values())
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Rectangle

    light, dark = np.array(to_rgba("#f2f6fb")), np.array(to_rgba("#8fb8de"))
    tags = _Tags()
    desc = []
    with _rc():
        fig = _new_figure(4.8, 4.1)
        ax = fig.add_subplot()
        for (att, pat), (key, name, sub) in SEGMENTS.items():
            n = cells[(att, pat)]
            pct = n / total * 100 if total > 0 else float("nan")
            share = 0.0 if is_missing(pct) else pct / 100
            face = tuple(light + (dark - light) * share)
            gid = tags("ek-cell", segment=key, n=int(round(n)), pct=pct)
            x0, y0 = int(pat), int(att)
            ax.add_patch(Rectangle((x0, y0), 1, 1, facecolor=face, edgecolor="white",
                                   linewidth=3, gid=gid))
            ax.text(x0 + 0.5, y0 + 0.72, name, ha="center", va="center", fontsize=11.5,
                    fontweight="bold", color=INK)
            if sub:
                ax.text(x0 + 0.5, y0 + 0.58, sub, ha="center", va="center", fontsize=9.5,
                        color=INK)
            pct_txt = DASH if is_missing(pct) else f"{pct:.1f}%"
            ax.text(x0 + 0.5, y0 + 0.38, pct_txt, ha="center", va="center", fontsize=16,
                    color=INK)
            ax.text(x0 + 0.5, y0 + 0.2, f"n = {apa_int(n)}", ha="center", va="center",
                    fontsize=9.5, color=INK)
            desc.append(f"{name}: n = {apa_int(n)} ({pct_txt})")
        ax.set_xlim(0, 2)
        ax.set_ylim(0, 2)
        ax.set_aspect("equal")
        ax.set_xticks([0.5, 1.5], ["Low", "High"])
        ax.set_yticks([0.5, 1.5], ["Low", "High"])
        ax.set_xlabel("Repeat patronage", fontweight="bold")
        ax.set_ylabel("Relative attitude", fontweight="bold")
        ax.tick_params(length=0)
        for s in ax.spines.values():
            s.set_visible(False)
        ax.set_title(title, loc="left")
        fig.tight_layout()
        return _save(fig, tags, kind="segments", title=title,
                     desc=f"N = {apa_int(total)}. " + "; ".join(desc))
