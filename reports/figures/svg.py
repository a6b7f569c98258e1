"""SVG plumbing shared by the report figures: palette, matplotlib settings, the input error,
and the step that turns a drawing into a deterministic, self-contained, accessible ``<svg>``.

* no XML prolog or DOCTYPE, no ``<metadata>`` (no dates, no creator), text kept as ``<text>``
  (``svg.fonttype = 'none'``, so it is selectable, searchable and scales);
* the same data give the same bytes (``svg.hashsalt`` is fixed, nothing depends on the clock);
* ``role="img"``, an ``aria-label`` and a ``<title>`` (plus a ``<desc>`` that lists the data);
* element ids that other elements refer to (clip paths, markers) are prefixed with a hash of the
  figure, so several figures can share a page; all other ids are dropped;
* the data-bearing shapes carry a class and ``data-*`` attributes (``class="ek-bar"
  data-item=...``), which the tests count and a reader's script could use.

Matplotlib is drawn on a bare :class:`matplotlib.figure.Figure` (Agg for text measurement, the
SVG backend to save) inside an ``rc_context``: pyplot and the global backend are never touched.
"""

from __future__ import annotations

import hashlib
import io
import re
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
from markupsafe import Markup

from instruments.errors import EngagekitInputError

from ..format import DASH, is_missing

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


class FigureInputError(EngagekitInputError):
    """The data given to a figure function cannot be drawn (wrong shape, unknown keys...)."""

    code = "figure_input"


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


def _rc():
    import matplotlib

    # keys an older matplotlib does not know are left out (text.parse_math: 3.6+)
    return matplotlib.rc_context({k: v for k, v in _RC.items() if k in matplotlib.rcParams})


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _esc(s: Any) -> str:
    """Text for an SVG text node or attribute: escaped, characters XML forbids dropped."""
    return (_XML_ILLEGAL.sub("", str(s)).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))
