"""Report figures as inline SVG strings: deterministic, self-contained and accessible.

Every function takes plain data (dicts, lists, arrays, DataFrames) and returns an ``<svg>``
element as :class:`markupsafe.Markup` (a ``str`` subclass, so Jinja2's autoescape inserts it as
markup) that can be pasted into an HTML page:

* no XML prolog or DOCTYPE, no ``<metadata>`` (no dates, no creator), text kept as ``<text>``
  (``svg.fonttype = 'none'``, so it is selectable, searchable and scales);
* the same data give the same bytes (``svg.hashsalt`` is fixed, nothing depends on the clock);
* ``role="img"``, an ``aria-label`` and a ``<title>`` (plus a ``<desc>`` that lists the data);
* element ids that other elements refer to (clip paths, markers) are prefixed with a hash of the
  figure, so several figures can share a page; all other ids are dropped;
* the data-bearing shapes carry a class and ``data-*`` attributes (``class="ek-bar"
  data-item=...``), which the tests count and a reader's script could use.

The matplotlib figures never touch pyplot or the global backend: they draw on a bare
:class:`matplotlib.figure.Figure` (Agg for text measurement, the SVG backend to save) inside an
``rc_context``, so importing this module changes nothing for a notebook user.
:func:`path_diagram` writes its SVG by hand.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from markupsafe import Markup

from .format import DASH, apa, apa_coef, apa_int, apa_p, is_missing

__all__ = [
    "driver_bars",
    "htmt_heatmap",
    "importance_performance",
    "likert_diverging",
    "path_diagram",
    "segments_matrix",
]

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# ElementTree's prefix registry is global (other modules register their own default namespace),
# so nothing is registered here: the SVG is serialised with unqualified tags and an explicit
# xmlns attribute, and xlink:href becomes SVG 2's plain href.

FONT_STACK = ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"]
SVG_FONT = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif"

# High-contrast colours (>= 4.5:1 on white for text), distinguishable with colour-vision
# deficiencies (Okabe & Ito blue / vermillion, darkened for contrast).
INK = "#1a1a1a"
MUTED = "#595959"
BLUE = "#005a9c"
VERMILLION = "#a84300"
GREY_LINE = "#8c8c8c"

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "engagekit",
    "svg.image_inline": True,
    "text.parse_math": False,  # "$5" in a label is money, not mathtext
    "font.family": "sans-serif",
    "font.sans-serif": FONT_STACK,
    "font.size": 10,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "text.color": INK,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


class FigureInputError(ValueError):
    """The data given to a figure function cannot be drawn (wrong shape, unknown keys...)."""


# --------------------------------------------------------------------------- SVG plumbing


class _Tags:
    """Maps matplotlib gids to the class / data attributes they become in the SVG."""

    def __init__(self) -> None:
        self.attrs: dict[str, dict[str, str]] = {}

    def __call__(self, cls: str, **data: Any) -> str:
        gid = f"ektag{len(self.attrs)}"
        attrs = {"class": cls}
        for k, v in data.items():
            attrs["data-" + k.replace("_", "-")] = _data_str(v)
        self.attrs[gid] = attrs
        return gid


def _data_str(v: Any) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (float, np.floating)):
        return DASH if is_missing(v) else repr(round(float(v), 6))
    return str(v)


def _new_figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)  # a canvas that can measure text (for label placement)
    return fig


_REF = re.compile(r"url\(#([^)]+)\)")


def _finish_svg(root: ET.Element, *, kind: str, title: str, desc: str | None,
                aria_label: str | None = None) -> Markup:
    """Accessibility attributes, id prefixing and serialisation of a parsed ``<svg>``."""
    q = f"{{{SVG_NS}}}"
    # drop <metadata>, matplotlib's global "*{...}" stylesheet (it would style the whole page)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag in (q + "metadata", q + "style"):
                parent.remove(child)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == q + "defs" and len(child) == 0:
                parent.remove(child)
    for el in root.iter():
        if f"{{{XLINK_NS}}}href" in el.attrib:
            el.set("href", el.attrib.pop(f"{{{XLINK_NS}}}href"))
    # ids: keep and prefix those that are referenced, drop the rest
    refs: set[str] = set()
    for el in root.iter():
        for k, v in el.attrib.items():
            refs.update(_REF.findall(v))
            if k == "href" and v.startswith("#"):
                refs.add(v[1:])
    body = _xml(root)
    prefix = "ek" + hashlib.sha1((kind + body).encode("utf-8")).hexdigest()[:8] + "-"
    for el in root.iter():
        i = el.attrib.get("id")
        if i is not None:
            if i in refs:
                el.set("id", prefix + i)
            else:
                del el.attrib["id"]
        for k, v in list(el.attrib.items()):
            if "url(#" in v:
                el.set(k, _REF.sub(lambda m: f"url(#{prefix}{m.group(1)})", v))
            elif k == "href" and v.startswith("#"):
                el.set(k, "#" + prefix + v[1:])
    _responsive_size(root)
    root.set("role", "img")
    root.set("aria-label", aria_label or title)
    root.set("class", f"ek-figure ek-{kind}")
    root.set("data-kind", kind)
    title_el = ET.Element(q + "title")
    title_el.text = title
    root.insert(0, title_el)
    if desc:
        desc_el = ET.Element(q + "desc")
        desc_el.text = desc
        root.insert(1, desc_el)
    return Markup(_xml(root))


def _xml(root: ET.Element) -> str:
    """Serialise with SVG as the plain default namespace (no ``ns0:`` prefixes), without
    touching ElementTree's global prefix registry."""
    qual = f"{{{SVG_NS}}}"
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag.startswith(qual):
            el.tag = el.tag[len(qual):]
    root.set("xmlns", SVG_NS)
    return ET.tostring(root, encoding="unicode")


_FONT_SIZE = re.compile(r"font-size:\s*([0-9.]+)")
MIN_TEXT_PX = 8.0  # a figure never shrinks below the width at which its smallest text is 8 px


def _responsive_size(root: ET.Element) -> None:
    """Width/height in px, and a ``style`` with the range of widths the figure may take.

    The report CSS makes figures fill the column (``width: 100%``); the inline ``min-width``
    keeps the smallest text at least ``MIN_TEXT_PX`` CSS pixels (a narrower screen scrolls the
    figure sideways instead), ``max-width`` stops it growing beyond 1.1x its natural size.
    """
    vb = [float(v) for v in root.get("viewBox", "0 0 0 0").split()]

    def px(attr: str, fallback: float) -> float:
        v = root.get(attr)
        if v is None:
            return fallback
        m = re.fullmatch(r"([0-9.]+)(pt|px)?", v.strip())
        if not m:
            return fallback
        return float(m.group(1)) * (4 / 3 if m.group(2) == "pt" else 1.0)

    w, h = px("width", vb[2]), px("height", vb[3])
    if not (w > 0 and h > 0 and vb[2] > 0):
        return
    scale = w / vb[2]  # CSS px per user unit at the natural size
    sizes = []
    for el in root.iter():
        for src in (el.get("font-size"), el.get("style")):
            if src:
                sizes += [float(x) for x in (_FONT_SIZE.findall(src) or
                                             ([src] if re.fullmatch(r"[0-9.]+", src) else []))]
    smallest = min(sizes) * scale if sizes else 10.0
    min_w = min(w, w * MIN_TEXT_PX / smallest)
    root.set("width", f"{w:.0f}")
    root.set("height", f"{h:.0f}")
    root.set("style", f"min-width: {min_w:.0f}px; max-width: {1.1 * w:.0f}px")


def _save(fig, tags: _Tags, *, kind: str, title: str, desc: str | None) -> Markup:
    """Save a matplotlib figure as an inline-ready, deterministic, accessible SVG string."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.08,
                metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    root = ET.fromstring(buf.getvalue())
    for el in root.iter():
        d = el.attrib.get("d")
        if d is not None:
            el.set("d", " ".join(d.split()))
        gid = el.attrib.get("id")
        if gid in tags.attrs:
            del el.attrib["id"]
            el.attrib.update(tags.attrs[gid])
    # the style matplotlib applied globally, as inherited presentation attributes instead
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    return _finish_svg(root, kind=kind, title=title, desc=desc)


def _wrap(label: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(label), width, break_long_words=True)) or str(label)


def _luminance(rgb: Sequence[float]) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(float(c)) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _text_on(rgb: Sequence[float]) -> str:
    """Black or white, whichever contrasts more with the fill ``rgb``."""
    lum = _luminance(rgb)
    return INK if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def _rc():
    import matplotlib

    # keys an older matplotlib does not know are left out (text.parse_math: 3.6+)
    return matplotlib.rc_context({k: v for k, v in _RC.items() if k in matplotlib.rcParams})


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
                 threshold: float = 0.85, *, title: str = "Heterotrait-monotrait ratios (HTMT)"
                 ) -> Markup:
    """Lower-triangle heatmap of an HTMT matrix with every value printed.

    ``matrix``: a square array / nested list / DataFrame / ``{column: {row: value}}`` dict
    (labels from the columns when ``labels`` is None). Cells at or above ``threshold`` get a heavy black outline and bold text
    (``data-flag="value"``); with ``ci_upper`` (same shape: upper bounds of the bootstrap CIs),
    each cell also shows "≤ upper" and a cell whose value is below the threshold but whose upper
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
                    ax.text(x0 + 0.5, y0 + 0.3, "\u2264 " + apa(u, 2, bounded=True),
                            ha="center", va="center", fontsize=9, color=color)
                desc_cells.append(f"{labels[i]} with {labels[j]}: {txt}"
                                  + ("" if u is None else f" (upper CI {apa(u, 2, bounded=True)})")
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
            key += f"\nDashed outline: upper CI limit \u2265 {thr}\n\u2264 .xx: upper limit of the CI"
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
                           ylabel: str = "Performance (0\u2013100)") -> Markup:
    """Importance-performance map: one point per driver, quadrant lines at the two means.

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
        ax.set_ylim(*padded(perf, mp))
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


# --------------------------------------------------------------------------- path diagram


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(s: Any) -> str:
    """Text for an SVG text node or attribute: escaped, characters XML forbids dropped."""
    return (_XML_ILLEGAL.sub("", str(s)).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def _norm_constructs(constructs: Any) -> list[dict]:
    out = []
    if isinstance(constructs, Mapping):
        items: Iterable = constructs.items()
        for cid, v in items:
            if isinstance(v, Mapping):
                out.append({"id": str(cid), "name": str(v.get("name", v.get("label", cid))),
                            "role": v.get("role")})
            else:
                out.append({"id": str(cid), "name": str(v), "role": None})
        return out
    for c in constructs:
        if isinstance(c, Mapping):
            cid = c.get("id", c.get("name"))
            if cid is None:
                raise FigureInputError(f"path_diagram: construct {c!r} has no id")
            out.append({"id": str(cid), "name": str(c.get("name", c.get("label", cid))),
                        "role": c.get("role")})
        else:
            out.append({"id": str(c), "name": str(c), "role": None})
    return out


def _first(d: Mapping, keys: Sequence[str], what: str) -> Any:
    for k in keys:
        if k in d:
            return d[k]
    raise FigureInputError(f"path_diagram: path {dict(d)!r} has no {what} ({' / '.join(keys)})")


def _norm_paths(paths: Any) -> list[dict]:
    out = []
    for p in paths:
        if isinstance(p, Mapping):
            src = _first(p, ("from", "source", "predictor", "rhs"), "source")
            dst = _first(p, ("to", "target", "outcome", "lhs"), "target")
            beta = _first(p, ("beta", "std", "std_all", "est", "coef", "estimate"), "coefficient")
            pv = next((p[k] for k in ("p", "pvalue", "p_value") if k in p), None)
        else:
            seq = list(p)
            if len(seq) not in (3, 4):
                raise FigureInputError(f"path_diagram: path {p!r}: give (from, to, beta[, p])")
            src, dst, beta = seq[:3]
            pv = seq[3] if len(seq) == 4 else None
        out.append({"from": str(src), "to": str(dst), "beta": float(beta),
                    "p": None if is_missing(pv) else float(pv)})
    return out


def _layers(ids: list[str], edges: list[tuple[str, str]], roles: dict[str, Any]) -> dict[str, int]:
    """Column of each node: longest path from a source; sinks in the last column."""
    depth = dict.fromkeys(ids, 0)
    for _ in range(len(ids)):  # Bellman-Ford style relaxation; stops growing in a DAG
        changed = False
        for a, b in edges:
            if a != b and depth[b] < depth[a] + 1 and depth[a] + 1 < len(ids):
                depth[b] = depth[a] + 1
                changed = True
        if not changed:
            break
    has_out = {a for a, _ in edges}
    has_in = {b for _, b in edges}
    for i in ids:
        role = roles.get(i)
        if role == "predictor" or (i not in has_in and role not in ("mediator", "outcome")):
            depth[i] = 0
    last = max(depth.values()) if depth else 0
    for i in ids:
        if roles.get(i) == "outcome" or (i in has_in and i not in has_out):
            depth[i] = max(last, 1)
    used = sorted(set(depth.values()))
    return {i: used.index(d) for i, d in depth.items()}


def _wrap_name(name: str, width: int = 15, lines: int = 2) -> list[str]:
    parts = textwrap.wrap(name, width, break_long_words=True) or [name]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "\u2026"
    return parts


def _text_w(s: str, size: float) -> float:
    """Rough width of ``s`` in DejaVu Sans at ``size`` px (wide glyphs: errs on the safe side)."""
    return sum(0.35 if ch in " .,:;|il1'" else 0.64 for ch in s) * size


def path_diagram(constructs: Any, paths: Any, r2: Mapping[str, float] | None = None, *,
                 title: str = "Structural model", alpha: float = 0.05,
                 bounded: bool = False) -> Markup:
    """The structural model as a hand-written SVG path diagram.

    ``constructs``: ids (``["aff", "sat"]``), ``{id: name}`` or dicts with ``id``, ``name``
    and optional ``role`` (``predictor`` / ``mediator`` / ``outcome``); only constructs on a
    path are drawn. ``paths``: dicts with ``from``, ``to``, ``beta`` (standardized) and ``p``
    (aliases: source/target, std/est, pvalue) or ``(from, to, beta, p)`` tuples. ``r2``:
    ``{id: R²}`` printed under the endogenous constructs.

    Layout: predictors left, mediators in the middle, outcomes right (by role, else by the
    longest path from a predictor); paths that would cross a construct bend around it.
    Coefficients are printed as "0.42***" (``bounded=True`` drops the leading zero); paths with
    p < ``alpha`` are solid, blue if positive and vermillion if negative, with a width that
    grows with |beta|; the others are dashed grey. Groups: ``<g class="ek-node"
    data-construct=...>`` and ``<g class="ek-path" data-from data-to data-beta data-p
    data-sig>``; ``<desc>`` lists every path in words.
    """
    nodes = _norm_constructs(constructs)
    edges = _norm_paths(paths)
    if not edges:
        raise FigureInputError("path_diagram: no paths")
    r2 = dict(r2 or {})
    names = {n["id"]: n["name"] for n in nodes}
    roles = {n["id"]: n["role"] for n in nodes}
    order = [n["id"] for n in nodes]
    for e in edges:
        for end in (e["from"], e["to"]):
            if end not in names:
                names[end] = end
                order.append(end)
    on_path = {e["from"] for e in edges} | {e["to"] for e in edges}
    ids = [i for i in order if i in on_path]
    col = _layers(ids, [(e["from"], e["to"]) for e in edges], roles)
    n_cols = max(col.values()) + 1
    columns: list[list[str]] = [[i for i in ids if col[i] == c] for c in range(n_cols)]
    # order later columns by the mean row of their predecessors (fewer crossings)
    rank = {i: k for k, i in enumerate(columns[0])}
    for c in range(1, n_cols):
        def bary(i: str, c: int = c) -> float:
            src = [rank[e["from"]] / max(1, len(columns[col[e["from"]]]) - 1)
                   for e in edges if e["to"] == i and e["from"] in rank and col[e["from"]] < c]
            return sum(src) / len(src) if src else 0.5

        columns[c].sort(key=lambda i: (bary(i), ids.index(i)))
        rank.update({i: k for k, i in enumerate(columns[c])})

    rx, ry = 86.0, 36.0
    row_gap = 100.0
    col_gap = 340.0 if n_cols <= 3 else 300.0
    margin_x, top = 12.0, 24.0
    max_rows = max(len(c) for c in columns)
    height_nodes = max(max_rows * row_gap, 2 * row_gap)
    pos: dict[str, tuple[float, float]] = {}
    for c, members in enumerate(columns):
        m = len(members)
        for k, i in enumerate(members):
            y = top + height_nodes * (k + 0.5) / m
            pos[i] = (margin_x + rx + c * col_gap, y)
    width = 2 * (margin_x + rx) + (n_cols - 1) * col_gap
    font = 14.0
    for attempt in range(3):  # again, shifted, when curves or labels stick out above / left
        geo = _route_paths(edges, ids, pos, rx, ry)
        labels = _place_coefficients(geo, ids, pos, rx, ry, font, bounded)
        xs, ys = [], []
        for g in geo:
            for t in range(21):
                x, y = _quad(g["p0"], g["ctrl"], g["p2"], t / 20)
                xs.append(x)
                ys.append(y)
        for _, lx, ly, w, h in labels:
            xs += [lx - w / 2, lx + w / 2]
            ys += [ly - h / 2, ly + h / 2]
        for cx, cy in pos.values():
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
        shift_x, shift_y = max(0.0, 6 - min(xs)), max(0.0, 6 - min(ys))
        if not (shift_x or shift_y) or attempt == 2:
            break
        pos = {i: (x + shift_x, y + shift_y) for i, (x, y) in pos.items()}
    width = max(width, max(xs) + 8, 2 * 210 + 150)  # room for the legend too
    legend_y = max(ys) + 34
    total_h = legend_y + 42
    out: list[str] = [
        f'<svg xmlns="{SVG_NS}" width="{width:.0f}" height="{total_h:.0f}" '
        f'viewBox="0 0 {width:.0f} {total_h:.0f}" font-family="{SVG_FONT}">',
    ]
    styles = []
    for g in geo:
        e = g["edge"]
        sig = e["p"] is not None and e["p"] < alpha
        neg = e["beta"] < 0
        if sig or e["p"] is None:  # significant, or no test given: coloured by sign
            color = VERMILLION if neg else BLUE
            styles.append((sig, neg, color, color,
                           min(1.6 + 3.2 * abs(e["beta"]), 5.0) if sig else 1.6, ""))
        else:
            styles.append((sig, neg, GREY_LINE, MUTED, 1.4, ' stroke-dasharray="7 5"'))
    # non-significant paths first, so that the significant ones are drawn on top
    draw_order = sorted(range(len(geo)), key=lambda k: (styles[k][0], abs(geo[k]["edge"]["beta"])))
    out.append('<g class="ek-paths" fill="none">')
    for k in draw_order:
        g, (sig, neg, color, _, sw, dash) = geo[k], styles[k]
        e, p0, c, p2 = g["edge"], g["p0"], g["ctrl"], g["p2"]
        tx, ty = p2[0] - c[0], p2[1] - c[1]
        tl = math.hypot(tx, ty) or 1.0
        ux, uy = tx / tl, ty / tl
        head_len, head_w = 10.0 + 1.5 * sw, 4.6 + 0.9 * sw
        base = (p2[0] - ux * head_len, p2[1] - uy * head_len)
        left = (base[0] - uy * head_w, base[1] + ux * head_w)
        right = (base[0] + uy * head_w, base[1] - ux * head_w)
        end = (p2[0] - ux * head_len * 0.7, p2[1] - uy * head_len * 0.7)
        if g["straight"]:
            d = f"M{p0[0]:.1f},{p0[1]:.1f} L{end[0]:.1f},{end[1]:.1f}"
        else:
            d = f"M{p0[0]:.1f},{p0[1]:.1f} Q{c[0]:.1f},{c[1]:.1f} {end[0]:.1f},{end[1]:.1f}"
        out.append(
            f'<g class="ek-path" data-from="{_esc(e["from"])}" data-to="{_esc(e["to"])}" '
            f'data-beta="{_data_str(e["beta"])}" data-p="{_esc(_p_attr(e["p"]))}" '
            f'data-sig="{1 if sig else 0}" data-sign="{"negative" if neg else "positive"}">')
        out.append(f'<path d="{d}" stroke="{color}" stroke-width="{sw:.2f}"{dash}/>')
        out.append(f'<polygon points="{p2[0]:.1f},{p2[1]:.1f} {left[0]:.1f},{left[1]:.1f} '
                   f'{right[0]:.1f},{right[1]:.1f}" fill="{color}"/>')
        out.append("</g>")
    out.append("</g>")
    # coefficient labels on top of every line, each on a white plate
    out.append(f'<g class="ek-coefs" text-anchor="middle" font-size="{font:.0f}">')
    for g, (text, lx, ly, w, h), (sig, _, _, text_color, _, _) in zip(geo, labels, styles,
                                                                       strict=True):
        e = g["edge"]
        weight = ' font-weight="bold"' if sig else ""
        out.append(f'<g class="ek-coef" data-from="{_esc(e["from"])}" '
                   f'data-to="{_esc(e["to"])}">')
        out.append(f'<rect x="{lx - w / 2:.1f}" y="{ly - h / 2:.1f}" width="{w:.1f}" '
                   f'height="{h:.1f}" rx="3" fill="#ffffff" fill-opacity="0.94"/>')
        out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" dy="0.35em" fill="{text_color}"{weight}>'
                   f"{_esc(text)}</text>")
        out.append("</g>")
    out.append("</g>")
    for i in ids:
        cx, cy = pos[i]
        role = roles.get(i) or ("predictor" if col[i] == 0 else
                                "outcome" if col[i] == n_cols - 1 else "mediator")
        endo = any(e["to"] == i for e in edges)
        out.append(f'<g class="ek-node" data-construct="{_esc(i)}" data-role="{_esc(role)}">')
        out.append(f"<title>{_esc(names[i])}</title>")
        fill = "#eaf1f8" if endo else "#ffffff"
        out.append(f'<ellipse cx="{cx:.1f}" cy="{cy:.1f}" rx="{rx:.0f}" ry="{ry:.0f}" '
                   f'fill="{fill}" stroke="{INK}" stroke-width="1.6"/>')
        lines = _wrap_name(names[i])
        size = 15.0 if max(len(s) for s in lines) <= 13 else 14.0
        has_r2 = i in r2 and not is_missing(r2[i])
        n_lines = len(lines) + has_r2
        y0 = cy - (n_lines - 1) * size * 0.58
        for k, line in enumerate(lines):
            out.append(f'<text x="{cx:.1f}" y="{y0 + k * size * 1.16:.1f}" dy="0.35em" '
                       f'text-anchor="middle" font-size="{size:.0f}" fill="{INK}">'
                       f"{_esc(line)}</text>")
        if has_r2:
            out.append(f'<text x="{cx:.1f}" y="{y0 + len(lines) * size * 1.16 + 1:.1f}" '
                       f'dy="0.35em" text-anchor="middle" font-size="13" fill="{INK}" '
                       f'font-style="italic" class="ek-r2">R\u00b2 = '
                       f"{_esc(apa(r2[i], 2, bounded=True))}</text>")
        out.append("</g>")
    a_txt = apa(alpha, 2, bounded=True)
    out.append(f'<g class="ek-legend" font-size="13" fill="{INK}">')
    for sample, color, dash, label in (
        (0, BLUE, "", f"positive, p < {a_txt}"),
        (1, VERMILLION, "", f"negative, p < {a_txt}"),
        (2, GREY_LINE, ' stroke-dasharray="7 5"', "not significant"),
    ):
        x = margin_x + sample * 210
        out.append(f'<line x1="{x:.0f}" y1="{legend_y:.0f}" x2="{x + 34:.0f}" '
                   f'y2="{legend_y:.0f}" stroke="{color}" stroke-width="2.5"{dash}/>')
        out.append(f'<text x="{x + 42:.0f}" y="{legend_y:.0f}" dy="0.35em">{_esc(label)}</text>')
    out.append(f'<text x="{margin_x:.0f}" y="{legend_y + 25:.0f}" dy="0.35em" fill="{MUTED}">'
               "Standardized coefficients. * p &lt; .05, ** p &lt; .01, *** p &lt; .001</text>")
    out.append("</g></svg>")
    root = ET.fromstring("".join(out))

    def p_words(p: float | None) -> str:
        if p is None:
            return ""
        s = apa_p(p)
        return f", p {s}" if s[0] in "<>" else f", p = {s}"

    desc = "; ".join(
        f"{names[g['edge']['from']]} \u2192 {names[g['edge']['to']]}: \u03b2 = "
        f"{apa(g['edge']['beta'], 2, bounded)}{p_words(g['edge']['p'])}" for g in geo)
    r2_txt = "; ".join(f"R\u00b2 of {names[i]} = {apa(r2[i], 2, bounded=True)}"
                       for i in ids if i in r2 and not is_missing(r2[i]))
    return _finish_svg(
        root, kind="path", title=title,
        desc=f"Path diagram of {len(ids)} constructs and {len(geo)} paths. {desc}."
             + (f" {r2_txt}." if r2_txt else ""),
        aria_label=f"{title}: {len(ids)} constructs, {len(geo)} paths")


def _p_attr(p: float | None) -> str:
    return "" if p is None else repr(round(float(p), 6))


def _quad(p0, p1, p2, t: float) -> tuple[float, float]:
    u = 1 - t
    return (u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
            u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1])


def _route_paths(edges: list[dict], ids: list[str], pos: dict, rx: float, ry: float) -> list[dict]:
    """End points and shape of every path: a straight line, or a quadratic curve bent just
    enough to clear every other construct.

    A path to a construct further right leaves its source on the right-hand side and enters
    its target on the left-hand side; the ends on one side of a construct are spread
    vertically ("ports") in the order of the other ends, so that fans of paths neither cross
    at their roots nor pile their arrowheads onto one point. Other paths (within a column or
    backwards) run between the centres, clipped at the ellipses.
    """

    def blocked(p0, c, p2, others: list[str], pad: float) -> bool:
        for o in others:
            cx, cy = pos[o]
            for t in range(1, 40):
                x, y = _quad(p0, c, p2, t / 40)
                if ((x - cx) / (rx + pad)) ** 2 + ((y - cy) / (ry + pad)) ** 2 < 1.0:
                    return True
        return False

    geo = [{"edge": e, "forward": pos[e["to"]][0] > pos[e["from"]][0] + 1.0}
           for e in edges if e["from"] != e["to"]]  # a self-loop is not a structural path
    # ports of forward paths: right side of the source, left side of the target
    sides: dict[tuple[str, int], list[tuple[float, float, int, str]]] = {}
    for k, g in enumerate(geo):
        if not g["forward"]:
            continue
        a, b = pos[g["edge"]["from"]], pos[g["edge"]["to"]]
        sides.setdefault((g["edge"]["from"], 1), []).append((b[1], -b[0], k, "p0"))
        sides.setdefault((g["edge"]["to"], -1), []).append((a[1], a[0], k, "p2"))
    for (node, side), members in sides.items():
        members.sort()
        m = len(members)
        spacing = min(11.0, 1.4 * ry / m)
        cx, cy = pos[node]
        for rank_, (_, _, k, which) in enumerate(members):
            dy = (rank_ - (m - 1) / 2) * spacing
            gap = 1.5 if which == "p0" else 1.0
            geo[k][which] = (cx + side * (rx * math.sqrt(1 - (dy / ry) ** 2) + gap), cy + dy)
    for g in geo:
        e = g["edge"]
        others = [i for i in ids if i not in (e["from"], e["to"])]
        a = g.get("p0", pos[e["from"]])
        b = g.get("p2", pos[e["to"]])
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        dx, dy = b[0] - a[0], b[1] - a[1]
        length = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / length, dx / length
        g["ctrl"], g["straight"] = (mx, my), True
        for off in (0, 35, -35, 70, -70, 105, -105, 140, -140, 180, -180):
            c = (mx + nx * off * 2, my + ny * off * 2)
            if not blocked(a, c, b, others, 12):
                g["ctrl"], g["straight"] = c, off == 0
                break
    # the other paths: between the centres, clipped at the ellipses (ports spread as well)
    ends: dict[tuple[str, int], list[tuple[float, int, str]]] = {}
    for k, g in enumerate(geo):
        if g["forward"]:
            continue
        for which, node in (("p0", g["edge"]["from"]), ("p2", g["edge"]["to"])):
            cx, cy = pos[node]
            ux, uy = g["ctrl"][0] - cx, g["ctrl"][1] - cy
            if g["straight"]:
                other = pos[g["edge"]["to"] if which == "p0" else g["edge"]["from"]]
                ux, uy = other[0] - cx, other[1] - cy
            side = 1 if ux >= 0 else -1
            ends.setdefault((node, side), []).append((math.atan2(uy, abs(ux) or 1e-9), k, which))
    for (node, _side), members in ends.items():
        members.sort()
        m = len(members)
        spacing = min(11.0, 1.5 * ry / max(m, 1))
        cx, cy = pos[node]
        for rank_, (_, k, which) in enumerate(members):
            g = geo[k]
            port = (cx, cy + (rank_ - (m - 1) / 2) * spacing)
            toward = g["ctrl"]
            if g["straight"]:
                toward = pos[g["edge"]["to"] if which == "p0" else g["edge"]["from"]]
            g[which] = _ellipse_exit(port, toward, (cx, cy), rx, ry,
                                     gap=1.5 if which == "p0" else 1.0)
    for g in geo:
        if g["straight"]:
            g["ctrl"] = ((g["p0"][0] + g["p2"][0]) / 2, (g["p0"][1] + g["p2"][1]) / 2)
    return geo


def _ellipse_exit(port, toward, centre, rx: float, ry: float, gap: float) -> tuple[float, float]:
    """Where the ray from ``port`` (inside the ellipse) toward ``toward`` leaves it (+ gap)."""
    ux, uy = toward[0] - port[0], toward[1] - port[1]
    n = math.hypot(ux, uy) or 1.0
    ux, uy = ux / n, uy / n
    px, py = port[0] - centre[0], port[1] - centre[1]
    a = (ux / rx) ** 2 + (uy / ry) ** 2
    b = 2 * (px * ux / rx**2 + py * uy / ry**2)
    c = (px / rx) ** 2 + (py / ry) ** 2 - 1
    t = (-b + math.sqrt(max(b * b - 4 * a * c, 0.0))) / (2 * a)
    return port[0] + ux * (t + gap), port[1] + uy * (t + gap)


def _place_coefficients(geo: list[dict], ids: list[str], pos: dict, rx: float, ry: float,
                        font: float, bounded: bool) -> list[tuple]:
    """Greedy label placement along each path: avoid constructs, other labels, other lines."""
    samples = [[_quad(g["p0"], g["ctrl"], g["p2"], t / 60) for t in range(61)] for g in geo]
    node_boxes = [(pos[i][0] - rx, pos[i][1] - ry - 3, pos[i][0] + rx, pos[i][1] + ry + 3)
                  for i in ids]

    def clash(b1, b2) -> float:
        w = min(b1[2], b2[2]) - max(b1[0], b2[0])
        h = min(b1[3], b2[3]) - max(b1[1], b2[1])
        return w * h if w > 0 and h > 0 else 0.0

    ts = [0.5 + d for k in range(12) for d in ((k * 0.035, -k * 0.035) if k else (0.0,))]
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for k, g in enumerate(geo):
        e = g["edge"]
        text = apa_coef(e["beta"], e["p"], 2, bounded)
        w = _text_w(text, font) + 8
        h = font + 5
        best, best_cost = None, math.inf
        for t in ts:
            x, y = _quad(g["p0"], g["ctrl"], g["p2"], t)
            box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            cost = sum(clash(box, o) for o in placed) * 4
            cost += sum(clash(box, o) for o in node_boxes) * 2
            cost += 40 * sum(1 for j, pts in enumerate(samples) if j != k
                             for (sx, sy) in pts
                             if box[0] < sx < box[2] and box[1] < sy < box[3])
            cost += abs(t - 0.5) * 30  # prefer the middle of the path
            if cost < best_cost:
                best, best_cost = (x, y, box), cost
        x, y, box = best
        placed.append(box)
        out.append((text, x, y, w, h))
    return out
