"""A report figure as a standalone SVG file and a PNG at print resolution.

The print size of a figure is its natural size in the report (CSS pixels at 96 per inch,
which is the size matplotlib drew it at), narrowed to at most :data:`MAX_WIDTH_IN` inches
(6.5 in = 16.5 cm, the text width of a US Letter or A4 page with 2.5 cm margins) with its
aspect ratio kept. The SVG file states that size in inches; the PNG has
``DPI`` (300) pixels per inch of it and says so in its ``pHYs`` chunk, so Word and journals'
systems place it at the intended size.

The PNG is drawn by resvg (through ``resvg-py``; resvg is MIT/Apache-2.0, its rasteriser
tiny-skia BSD-3-Clause, the binding MIT), with the DejaVu fonts that matplotlib ships (the
figures' first font), not the system's: the same figure gives the same PNG on every machine.
cairosvg (LGPL, and it needs the system's Cairo) was not chosen.
"""

from __future__ import annotations

import math
import re
import struct
import xml.etree.ElementTree as ET
import zlib
from functools import cache
from pathlib import Path

DPI = 300
CSS_PX_PER_IN = 96.0
MAX_WIDTH_IN = 6.5
_SVG_NS = "http://www.w3.org/2000/svg"


def print_size(svg: str) -> tuple[float, float]:
    """The figure's print size (width, height) in inches (see the module notes)."""
    root = ET.fromstring(svg)
    w, h = _px(root.get("width")), _px(root.get("height"))
    if not (w and h):
        vb = [float(v) for v in (root.get("viewBox") or "0 0 0 0").replace(",", " ").split()]
        w, h = vb[2], vb[3]
    if not (w > 0 and h > 0):
        raise ValueError("the figure has no size (no width/height or viewBox)")
    w_in, h_in = w / CSS_PX_PER_IN, h / CSS_PX_PER_IN
    if w_in > MAX_WIDTH_IN:
        w_in, h_in = MAX_WIDTH_IN, h_in * MAX_WIDTH_IN / w_in
    return w_in, h_in


def _px(value: str | None) -> float | None:
    if not value:
        return None
    m = re.fullmatch(r"\s*([0-9.]+)\s*(px|pt|in|cm|mm)?\s*", value)
    if not m:
        return None
    factor = {None: 1.0, "px": 1.0, "pt": 4 / 3, "in": 96.0, "cm": 96 / 2.54,
              "mm": 96 / 25.4}[m.group(2)]
    return float(m.group(1)) * factor


def standalone_svg(svg: str) -> str:
    """The report's inline ``<svg>`` as a file: an XML declaration, the print size in inches
    as width and height (the viewBox unchanged), without the page's responsive style."""
    w_in, h_in = print_size(svg)
    root = ET.fromstring(svg)
    root.set("width", f"{w_in:.3f}in")
    root.set("height", f"{h_in:.3f}in")
    root.attrib.pop("style", None)
    if root.get("viewBox") is None:  # keep the drawing's coordinates when it had none
        w, h = _px(svg_attr(svg, "width")), _px(svg_attr(svg, "height"))
        root.set("viewBox", f"0 0 {w:g} {h:g}")
    for el in root.iter():  # serialise with SVG as the default namespace, no ns0: prefixes
        if isinstance(el.tag, str) and el.tag.startswith(f"{{{_SVG_NS}}}"):
            el.tag = el.tag[len(_SVG_NS) + 2:]
    root.set("xmlns", _SVG_NS)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def svg_attr(svg: str, name: str) -> str | None:
    return ET.fromstring(svg).get(name)


@cache
def _fonts() -> tuple[str, ...]:
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return tuple(str(p) for p in sorted(ttf.glob("DejaVuSans*.ttf")))


def render_png(svg_file: str) -> bytes:
    """The PNG of a standalone SVG (:func:`standalone_svg`) at :data:`DPI` of its print size."""
    import resvg_py

    w_in, _ = print_size(svg_file)
    # the width fixed, resvg keeps the drawing's aspect ratio for the height
    png = resvg_py.svg_to_bytes(svg_string=svg_file, width=math.ceil(w_in * DPI), dpi=96.0,
                                background="white", skip_system_fonts=True,
                                font_files=list(_fonts()), font_family="DejaVu Sans",
                                sans_serif_family="DejaVu Sans")
    return set_dpi(bytes(png), DPI)


def set_dpi(png: bytes, dpi: float) -> bytes:
    """``png`` with a ``pHYs`` chunk of ``dpi`` pixels per inch (an old one replaced)."""
    sig, pos, chunks = png[:8], 8, []
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos:pos + 4])
        kind = png[pos + 4:pos + 8]
        chunks.append((kind, png[pos:pos + 12 + n]))
        pos += 12 + n
    ppm = round(dpi / 0.0254)
    data = struct.pack(">IIB", ppm, ppm, 1)
    phys = (struct.pack(">I", len(data)) + b"pHYs" + data
            + struct.pack(">I", zlib.crc32(b"pHYs" + data) & 0xFFFFFFFF))
    out = [sig]
    for kind, raw in chunks:
        if kind == b"pHYs":
            continue
        out.append(raw)
        if kind == b"IHDR":
            out.append(phys)
    return b"".join(out)


def figure_pair(svg: str) -> tuple[bytes, bytes]:
    """The SVG file and the PNG of a report figure (its inline ``<svg>``)."""
    text = standalone_svg(svg)
    return text.encode("utf-8"), render_png(text)
