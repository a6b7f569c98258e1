"""Geometry of a path diagram read back from its SVG: the constructs' ellipses, each path's
curve (sampled along its ``M .. L`` or ``M .. Q ..`` data) and each coefficient label's plate,
and the defects a reader sees: a path through a construct that is not one of its ends, and two
labels on top of each other (tests/test_path_diagram_geometry.py)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def _points(d: str, n: int = 200) -> list[tuple[float, float]]:
    nums = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", d)]
    if "Q" in d:
        (x0, y0, cx, cy, x2, y2) = nums
        out = []
        for k in range(n + 1):
            t = k / n
            u = 1 - t
            out.append((u * u * x0 + 2 * u * t * cx + t * t * x2,
                        u * u * y0 + 2 * u * t * cy + t * t * y2))
        return out
    x0, y0, x2, y2 = nums
    return [(x0 + (x2 - x0) * k / n, y0 + (y2 - y0) * k / n) for k in range(n + 1)]


def read(svg: str) -> dict:
    """``{"nodes": {id: (cx, cy, rx, ry)}, "paths": [(from, to, points)],
    "labels": [(from, to, (x0, y0, x1, y1))]}`` of a path diagram's SVG."""
    root = ET.fromstring(str(svg))
    nodes, paths, labels = {}, [], []
    for g in root.iter(f"{SVG}g"):
        cls = g.get("class")
        if cls == "ek-node":
            e = g.find(f"{SVG}ellipse")
            nodes[g.get("data-construct")] = tuple(float(e.get(k)) for k in ("cx", "cy", "rx",
                                                                             "ry"))
        elif cls == "ek-path":
            paths.append((g.get("data-from"), g.get("data-to"),
                          _points(g.find(f"{SVG}path").get("d"))))
        elif cls == "ek-coef":
            r = g.find(f"{SVG}rect")
            x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
            labels.append((g.get("data-from"), g.get("data-to"), (x, y, x + w, y + h)))
    return {"nodes": nodes, "paths": paths, "labels": labels}


def crossings(geo: dict, margin: float = 2.0) -> list[tuple[str, str, str]]:
    """(from, to, construct) for every path that enters the ellipse (grown by ``margin``) of a
    construct other than its two ends."""
    out = []
    for a, b, pts in geo["paths"]:
        for node, (cx, cy, rx, ry) in geo["nodes"].items():
            if node in (a, b):
                continue
            if any(((x - cx) / (rx + margin)) ** 2 + ((y - cy) / (ry + margin)) ** 2 < 1
                   for x, y in pts):
                out.append((a, b, node))
    return out


def overlaps(geo: dict) -> list[tuple]:
    """Pairs of coefficient labels whose plates overlap."""
    out = []
    labs = geo["labels"]
    for i in range(len(labs)):
        for j in range(i + 1, len(labs)):
            p, q = labs[i][2], labs[j][2]
            if min(p[2], q[2]) > max(p[0], q[0]) and min(p[3], q[3]) > max(p[1], q[1]):
                out.append((labs[i][:2], labs[j][:2]))
    return out


def labels_on_nodes(geo: dict) -> list[tuple]:
    """Labels whose plate covers part of a construct's ellipse (its bounding box, inset)."""
    out = []
    for a, b, (x0, y0, x1, y1) in geo["labels"]:
        for node, (cx, cy, rx, ry) in geo["nodes"].items():
            # the plate's point nearest the centre lies inside the ellipse
            nx, ny = min(max(cx, x0), x1), min(max(cy, y0), y1)
            if ((nx - cx) / rx) ** 2 + ((ny - cy) / ry) ** 2 < 1:
                out.append(((a, b), node))
    return out
