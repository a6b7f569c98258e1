"""Report figures: each is well-formed inline SVG (no prolog, role=img, title, desc), carries
the expected number of data shapes, puts them where the data say (measured from the SVG
geometry), escapes labels, and gives identical bytes for identical data."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from reports import figures
from reports.figures import FigureInputError

NS = "{http://www.w3.org/2000/svg}"
XSS = "<script>alert(1)</script>"
AGREE5 = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]


def parse(svg: str) -> ET.Element:
    assert isinstance(svg, str)
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg and "<!DOCTYPE" not in svg and "<metadata" not in svg
    root = ET.fromstring(svg)
    assert root.tag == NS + "svg"
    assert root.get("role") == "img" and root.get("aria-label")
    assert root[0].tag == NS + "title" and root[0].text
    return root


def tagged(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if el.get("class") == cls]


def title(root: ET.Element) -> str:
    return root.find(NS + "title").text


def texts(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter(NS + "text") if el.text]


def xrange_of(el: ET.Element) -> tuple[float, float]:
    """x extent of the first path in a group (matplotlib bars and cells are closed paths)."""
    path = el if el.tag == NS + "path" else el.find(".//" + NS + "path")
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
    xs = nums[0::2]
    return min(xs), max(xs)


def box_of(el: ET.Element) -> tuple[float, float, float, float]:
    path = el if el.tag == NS + "path" else el.find(".//" + NS + "path")
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
    xs, ys = nums[0::2], nums[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def assert_ids_sound(svg: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', svg):
        assert (ref[0] or ref[1]) in ids


# --------------------------------------------------------------------------- Likert

DIST = {
    "Affective commitment": {"aff_01": [1, 1, 2, 4, 2], "aff_02": [1, 2, 4, 2, 1],
                             "aff_03": [0, 0, 0, 5, 5]},
    "Habit": {"hab_01": [10, 0, 0, 0, 0], XSS: [2, 2, 2, 2, 2]},
}


def test_likert_counts_shapes_and_centring():
    svg = figures.likert_diverging(DIST, AGREE5, "Item responses")
    root = parse(svg)
    assert title(root) == "Item responses"
    bars = tagged(root, "ek-bar")
    assert len(bars) == 5 * 5
    by_item: dict[str, list[ET.Element]] = {}
    for b in bars:
        by_item.setdefault(b.get("data-item"), []).append(b)
    assert list(by_item) == ["aff_01", "aff_02", "aff_03", "hab_01", XSS]
    pct = [float(b.get("data-pct")) for b in by_item["aff_01"]]
    assert pct == pytest.approx([10, 10, 20, 40, 20])
    assert [b.get("data-category") for b in by_item["aff_01"]] == AGREE5
    assert by_item[XSS][0].get("data-construct") == "Habit"
    # every item's neutral bar is centred on the same x (the neutral point) ...
    centres = [sum(xrange_of(bs[2])) / 2 for bs in by_item.values()
               if float(bs[2].get("data-pct")) > 0]
    assert max(centres) - min(centres) < 0.01
    # ... and a symmetric distribution is symmetric about it
    lo, _ = xrange_of(by_item["aff_02"][0])
    _, hi = xrange_of(by_item["aff_02"][4])
    assert (lo + hi) / 2 == pytest.approx(centres[0], abs=0.01)
    # bar widths are proportional to the percentages (aff_01: 10% vs 40%)
    w = [xrange_of(b)[1] - xrange_of(b)[0] for b in by_item["aff_01"]]
    assert w[3] / w[0] == pytest.approx(4.0, rel=1e-3)
    # end labels: % below and % above the midpoint; construct names; escaping
    t = texts(root)
    assert "20%" in t and "60%" in t  # aff_01: 1+1 of 10 disagree, 4+2 of 10 agree
    assert "Affective commitment" in t and XSS in t
    assert XSS not in svg and "&lt;script&gt;" in svg
    assert_ids_sound(svg)


def test_likert_even_scale_and_dataframe_input():
    df = pd.DataFrame({"construct": ["A", "A", "B"], 1: [1, 3, 0], 2: [1, 1, 0],
                       3: [1, 1, 5], 4: [1, 5, 5]}, index=["i1", "i2", "i3"])
    root = parse(figures.likert_diverging(df, ["--", "-", "+", "++"], "Even"))
    bars = tagged(root, "ek-bar")
    assert len(bars) == 3 * 4
    # no neutral category: the boundary between "-" and "+" is the same x for every item
    mids = [xrange_of(b)[0] for b in bars if b.get("data-index") == "2"]
    assert max(mids) - min(mids) < 0.01
    assert {b.get("data-construct") for b in bars} == {"A", "B"}


def test_likert_counts_keyed_by_value_or_label():
    by_value = {"A": {"i1": {5: 2, 4: 6, 1: 2}}}  # value_counts(): 2 and 3 never chosen
    root = parse(figures.likert_diverging(by_value, AGREE5, "x", scale_values=[1, 2, 3, 4, 5]))
    pct = [float(b.get("data-pct")) for b in tagged(root, "ek-bar")]
    assert pct == pytest.approx([20, 0, 0, 60, 20])
    by_label = {"A": {"i1": {"Agree": 3, "Strongly disagree": 1}}}
    root = parse(figures.likert_diverging(by_label, AGREE5, "x"))
    assert [float(b.get("data-pct")) for b in tagged(root, "ek-bar")] == \
        pytest.approx([25, 0, 0, 75, 0])
    with pytest.raises(FigureInputError, match="scale_values"):
        figures.likert_diverging(by_value, AGREE5, "x")
    with pytest.raises(FigureInputError, match="outside the scale"):
        figures.likert_diverging({"A": {"i": {9: 1}}}, AGREE5, "x", scale_values=[1, 2, 3, 4, 5])


def test_likert_rejects_bad_input():
    with pytest.raises(FigureInputError, match="3 counts for 5 scale labels"):
        figures.likert_diverging({"A": {"i": [1, 2, 3]}}, AGREE5, "x")
    with pytest.raises(FigureInputError, match="negative"):
        figures.likert_diverging({"A": {"i": [1, -2, 3, 1, 1]}}, AGREE5, "x")


# --------------------------------------------------------------------------- HTMT

LABELS = ["Affective", "Normative", "Economic", "Forced", XSS]
M = np.array([[1, .52, .31, .22, .44],
              [.52, 1, .40, .35, .86],
              [.31, .40, 1, .85, .33],
              [.22, .35, .85, 1, .29],
              [.44, .86, .33, .29, 1]])


def test_htmt_cells_values_and_flags():
    upper = M + 0.06
    upper[0, 1] = upper[1, 0] = 0.70
    upper[0, 4] = upper[4, 0] = 0.90  # value .44 but upper limit .90: flagged by the CI
    svg = figures.htmt_heatmap(M, LABELS, ci_upper=upper, threshold=.85)
    root = parse(svg)
    cells = tagged(root, "ek-cell")
    assert len(cells) == 5 * 4 // 2
    flags = {(c.get("data-row"), c.get("data-col")): c.get("data-flag") for c in cells}
    assert flags[(XSS, "Normative")] == "value"  # .86
    assert flags[("Forced", "Economic")] == "value"  # exactly .85: "at or above"
    assert flags[(XSS, "Affective")] == "ci"
    assert sum(f != "" for f in flags.values()) == 3
    t = texts(root)
    for v in (".52", ".31", ".22", ".44", ".40", ".35", ".86", ".85", ".33", ".29"):
        assert v in t
    assert "upper .90" in t and "upper .70" in t  # the upper CI limit, not "≤" (at most)
    assert XSS in "".join(t) and XSS not in svg  # long labels wrap over several <text>
    assert_ids_sound(svg)


def test_htmt_from_dataframe_and_checks():
    df = pd.DataFrame(M[:3, :3], columns=["a", "b", "c"], index=["a", "b", "c"])
    root = parse(figures.htmt_heatmap(df))
    assert {c.get("data-row") for c in tagged(root, "ek-cell")} == {"b", "c"}
    assert len(tagged(root, "ek-cell")) == 3
    # the HTMTResult.to_dict() shape: {column: {row: value}}, rows in any order
    as_dict = {c: dict(reversed(list(df[c].to_dict().items()))) for c in df.columns}
    assert figures.htmt_heatmap(as_dict) == figures.htmt_heatmap(df)
    with pytest.raises(FigureInputError, match="square"):
        figures.htmt_heatmap(np.ones((2, 3)), ["a", "b"])


# --------------------------------------------------------------------------- path diagram

PRED = ["aff", "nor", "eco", "frc", "hab"]
CONSTRUCTS = ([{"id": p, "name": n, "role": "predictor"} for p, n in zip(
    PRED, ["Affective commitment", "Normative commitment", "Economic commitment",
           "Forced commitment", XSS], strict=True)]
    + [{"id": "sat", "name": "Satisfaction", "role": "mediator"},
       {"id": "ret", "name": "Retention intention", "role": "outcome"},
       {"id": "wom", "name": "Word of mouth", "role": "outcome"}])
PATHS = (
    [("aff", "sat", 0.41, 0.0001), ("nor", "sat", 0.12, 0.02), ("eco", "sat", -0.18, 0.003),
     ("frc", "sat", -0.05, 0.31), ("hab", "sat", 0.07, 0.12),
     ("sat", "ret", 0.48, 0.00002), ("sat", "wom", 0.55, 0.00001)]
    + [(p, "ret", b, pv) for p, b, pv in zip(PRED, [0.22, 0.09, 0.16, 0.04, 0.11],
                                               [0.001, 0.04, 0.008, 0.5, 0.03], strict=True)]
    + [(p, "wom", b, pv) for p, b, pv in zip(PRED, [0.25, 0.03, -0.12, -0.21, 0.02],
                                               [0.0004, 0.61, 0.02, 0.001, 0.74], strict=True)])
R2 = {"sat": 0.38, "ret": 0.46, "wom": 0.523}


def _expected_label(beta: float, p: float) -> str:
    sign = "\u2212" if beta < 0 else ""
    stars = "***" if p < .001 else "**" if p < .01 else "*" if p < .05 else ""
    return f"{sign}{abs(beta):.2f}{stars}"


def _path_points(g: ET.Element) -> list[tuple[float, float]]:
    d = g.find(NS + "path").get("d")
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
    pts = list(zip(nums[0::2], nums[1::2], strict=True))
    if "Q" in d:  # sample the quadratic curve
        p0, c, p2 = pts
        return [((1 - t) ** 2 * p0[0] + 2 * (1 - t) * t * c[0] + t * t * p2[0],
                 (1 - t) ** 2 * p0[1] + 2 * (1 - t) * t * c[1] + t * t * p2[1])
                for t in np.linspace(0, 1, 50)]
    return [(pts[0][0] + (pts[1][0] - pts[0][0]) * t, pts[0][1] + (pts[1][1] - pts[0][1]) * t)
            for t in np.linspace(0, 1, 50)]


def test_path_diagram_nodes_paths_and_labels():
    svg = figures.path_diagram(CONSTRUCTS, PATHS, R2)
    root = parse(svg)
    assert title(root) == "Structural model"
    nodes = {g.get("data-construct"): g for g in tagged(root, "ek-node")}
    assert len(nodes) == 8
    paths = tagged(root, "ek-path")
    assert len(paths) == len(PATHS) == 17
    # every coefficient, with its sign (U+2212) and stars, in the label of its own path
    coefs = {(g.get("data-from"), g.get("data-to")): g.find(NS + "text").text
             for g in tagged(root, "ek-coef")}
    for a, b, beta, p in PATHS:
        assert coefs[(a, b)] == _expected_label(beta, p), (a, b)
    assert coefs[("eco", "sat")] == "\u22120.18**"
    assert coefs[("frc", "ret")] == "0.04"
    # non-significant paths dashed grey, significant solid; negative ones in another colour
    for g in paths:
        line = g.find(NS + "path")
        sig = g.get("data-sig") == "1"
        assert (line.get("stroke-dasharray") is None) == sig
        if sig:
            neg = float(g.get("data-beta")) < 0
            assert line.get("stroke") == (figures.VERMILLION if neg else figures.BLUE)
        else:
            assert line.get("stroke") == figures.GREY_LINE
    # columns: predictors left of the mediator, the mediator left of the outcomes
    cx = {k: float(g.find(NS + "ellipse").get("cx")) for k, g in nodes.items()}
    assert len({cx[p] for p in PRED}) == 1
    assert cx["aff"] < cx["sat"] < cx["ret"] == cx["wom"]
    assert nodes["sat"].get("data-role") == "mediator"
    # R² inside the endogenous constructs only
    r2_text = {k: [t.text for t in g.iter(NS + "text") if "R\u00b2" in (t.text or "")]
               for k, g in nodes.items()}
    assert r2_text["sat"] == ["R\u00b2 = .38"] and r2_text["wom"] == ["R\u00b2 = .52"]
    assert all(not r2_text[p] for p in PRED)
    # names escaped, shown as text (wrapped over two lines)
    assert XSS not in svg
    assert "".join(t.text for t in nodes["hab"].iter(NS + "text")) == XSS
    desc = root.find(NS + "desc").text
    assert "Economic commitment \u2192 Satisfaction: \u03b2 = \u22120.18, p = .003" in desc


def test_path_diagram_layout_is_clean():
    root = parse(figures.path_diagram(CONSTRUCTS, PATHS, R2))
    ellipses = {g.get("data-construct"): g.find(NS + "ellipse") for g in tagged(root, "ek-node")}
    geom = {k: tuple(float(e.get(a)) for a in ("cx", "cy", "rx", "ry"))
            for k, e in ellipses.items()}
    # no path runs through a construct other than its two ends
    for g in tagged(root, "ek-path"):
        ends = {g.get("data-from"), g.get("data-to")}
        for x, y in _path_points(g):
            for k, (cx, cy, rx, ry) in geom.items():
                if k not in ends:
                    assert ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 > 1.0, (ends, k)
    # coefficient plates overlap neither each other nor a construct
    plates = []
    for g in tagged(root, "ek-coef"):
        r = g.find(NS + "rect")
        x, y, w, h = (float(r.get(a)) for a in ("x", "y", "width", "height"))
        plates.append((x, y, x + w, y + h))
    for i, a in enumerate(plates):
        for b in plates[i + 1:]:
            assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1])
        for cx, cy, rx, ry in geom.values():
            nearest_x = min(max(cx, a[0]), a[2])
            nearest_y = min(max(cy, a[1]), a[3])
            assert ((nearest_x - cx) / rx) ** 2 + ((nearest_y - cy) / ry) ** 2 >= 1.0
    # everything inside the viewBox
    _, _, vw, vh = (float(v) for v in root.get("viewBox").split())
    for cx, cy, rx, ry in geom.values():
        assert rx <= cx <= vw - rx and ry <= cy <= vh - ry


def test_path_diagram_inputs():
    # ids only, roles inferred from the paths; dict paths with aliases; p missing
    root = parse(figures.path_diagram(
        ["x", "m", "y"],
        [{"source": "x", "target": "m", "std": 0.3, "pvalue": 0.2},
         {"from": "m", "to": "y", "beta": -0.5, "p": 0.0004}, ("x", "y", 0.1)],
        {"y": 0.25}, title="Mediation", bounded=True))
    assert title(root) == "Mediation"
    roles = {g.get("data-construct"): g.get("data-role") for g in tagged(root, "ek-node")}
    assert roles == {"x": "predictor", "m": "mediator", "y": "outcome"}
    coefs = {(g.get("data-from"), g.get("data-to")): g.find(NS + "text").text
             for g in tagged(root, "ek-coef")}
    assert coefs == {("x", "m"): ".30", ("m", "y"): "\u2212.50***", ("x", "y"): ".10"}
    with pytest.raises(FigureInputError, match="no coefficient"):
        figures.path_diagram(["a", "b"], [{"from": "a", "to": "b"}])


# --------------------------------------------------------------------------- IPMA

def test_importance_performance_points_and_quadrants():
    imp = [0.40, 0.10, 0.30, 0.05]
    perf = [80.0, 70.0, 40.0, 30.0]  # means: .2125 and 55
    labels = ["Affective", "Normative", "Economic", XSS]
    svg = figures.importance_performance(imp, perf, labels, title="IPMA")
    root = parse(svg)
    pts = tagged(root, "ek-point")
    assert len(pts) == 4
    quad = {p.get("data-label"): p.get("data-quadrant") for p in pts}
    assert quad == {"Affective": "Keep up the good work", "Normative": "Possible overkill",
                    "Economic": "Concentrate here", XSS: "Low priority"}
    t = texts(root)
    for name in ("Concentrate here", "Keep up the good work", "Possible overkill",
                 "Low priority", "Affective", "Economic"):
        assert name in t
    assert XSS in "".join(t) and XSS not in svg
    # point positions follow the data: x order = importance order (SVG x grows rightwards)
    xs = {p.get("data-label"): float(p.find(".//" + NS + "use").get("x")) for p in pts}
    assert sorted(xs, key=xs.get) == [XSS, "Normative", "Economic", "Affective"]
    with pytest.raises(FigureInputError):
        figures.importance_performance([1, 2], [1], ["a", "b"])


# --------------------------------------------------------------------------- driver bars

def test_driver_bars_sorted_proportional_and_sum():
    w = [0.051, 0.142, 0.012, 0.038, 0.019]
    labels = ["Normative", "Affective", "Forced", "Economic", XSS]
    svg = figures.driver_bars(w, labels, "Drivers of retention", r2=sum(w))
    root = parse(svg)
    bars = tagged(root, "ek-bar")
    assert len(bars) == 5
    assert [b.get("data-label") for b in bars] == ["Affective", "Normative", "Economic", XSS,
                                                  "Forced"]
    lengths = [xrange_of(b)[1] - xrange_of(b)[0] for b in bars]
    for b, length in zip(bars, lengths, strict=True):
        assert length / lengths[0] == pytest.approx(float(b.get("data-weight")) / 0.142,
                                                     rel=1e-3)
    t = texts(root)
    assert "Weights sum to R\u00b2 = .262" in t
    assert ".142 (54%)" in t and ".012 (5%)" in t
    assert "Drivers of retention" in t and XSS in "".join(t)
    with pytest.raises(FigureInputError, match="sum to 0.2620, not to R"):
        figures.driver_bars(w, labels, "x", r2=0.30)


# --------------------------------------------------------------------------- Dick & Basu

def test_segments_matrix_cells():
    svg = figures.segments_matrix({"no_loyalty": 98, "inertia": 121, "latent": 63,
                                   "premium": 130})
    root = parse(svg)
    cells = {c.get("data-segment"): c for c in tagged(root, "ek-cell")}
    assert set(cells) == {"no_loyalty", "spurious", "latent", "premium"}
    assert cells["spurious"].get("data-n") == "121"
    assert float(cells["premium"].get("data-pct")) == pytest.approx(130 / 412 * 100)
    t = texts(root)
    for s in ("No loyalty", "Spurious loyalty", "(inertia)", "Latent loyalty",
              "Premium loyalty", "n = 98", "n = 121", "29.4%", "31.6%", "Repeat patronage",
              "Relative attitude"):
        assert s in t
    # quadrants: premium top right, no loyalty bottom left (SVG y grows downwards)
    box = {k: box_of(c) for k, c in cells.items()}
    assert box["premium"][0] > box["latent"][0] and box["premium"][1] < box["spurious"][1]
    assert box["no_loyalty"][0] < box["spurious"][0] and box["no_loyalty"][1] > box["latent"][1]
    # tuple keys and missing cells
    root = parse(figures.segments_matrix({("high", "high"): 5, ("low", "low"): 5}))
    n = {c.get("data-segment"): c.get("data-n") for c in tagged(root, "ek-cell")}
    assert n == {"no_loyalty": "5", "spurious": "0", "latent": "0", "premium": "5"}
    with pytest.raises(FigureInputError, match="unknown segment"):
        figures.segments_matrix({"fans": 3})


# --------------------------------------------------------------------------- all figures


def _all_figures(scale: float = 1.0) -> dict[str, str]:
    return {
        "likert": figures.likert_diverging(DIST, AGREE5, "Items"),
        "htmt": figures.htmt_heatmap(M * scale, LABELS),
        "path": figures.path_diagram(CONSTRUCTS, [(a, b, c * scale, p) for a, b, c, p in PATHS],
                                     R2),
        "ipma": figures.importance_performance([0.4, 0.1 * scale, 0.3], [80, 70, 40],
                                               ["a", "b", "c"]),
        "drivers": figures.driver_bars([0.1, 0.2 * scale], ["a", "b"], "Drivers"),
        "segments": figures.segments_matrix({"premium": 10 * scale, "latent": 3}),
    }


def test_deterministic_bytes_and_unique_ids():
    first, second = _all_figures(), _all_figures()
    changed = _all_figures(scale=0.9)
    for kind in first:
        assert first[kind] == second[kind], kind
        if kind != "likert":
            assert first[kind] != changed[kind], kind
    page = "".join(first.values())
    assert_ids_sound(page)  # several figures on one page: no clashing ids
    for kind, svg in first.items():
        root = parse(svg)
        assert root.get("class") == f"ek-figure ek-{kind}"
        assert root.find(NS + "desc") is not None
        assert "<style" not in svg  # matplotlib's global "*{...}" sheet would style the page
        assert not re.search(r"\d{4}-\d{2}-\d{2}", svg)  # no dates
        # the style attribute keeps text legible: min-width never above the natural width
        m = re.search(r"min-width: (\d+)px; max-width: (\d+)px", root.get("style"))
        assert m and int(m.group(1)) <= float(root.get("width")) < int(m.group(2))
        assert math.isclose(float(root.get("width")) / float(root.get("height")),
                            float(root.get("viewBox").split()[2])
                            / float(root.get("viewBox").split()[3]), rel_tol=0.01)


def test_independent_of_elementtree_registrations():
    """Another module registering its own default XML namespace changes nothing."""
    before = _all_figures()
    ET.register_namespace("", "urn:example:other")
    ET.register_namespace("svg", "http://www.w3.org/2000/svg")
    try:
        assert _all_figures() == before
    finally:
        ET._namespace_map.pop("http://www.w3.org/2000/svg", None)
        ET._namespace_map.pop("urn:example:other", None)
    for svg in before.values():
        assert "xlink" not in svg and "ns0:" not in svg


def test_same_bytes_in_another_process():
    """Nothing depends on the process (hash seed, ids, clocks): a fresh interpreter agrees."""
    import hashlib
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = ("import hashlib, sys; sys.path.insert(0, 'tests');"
            "from test_report_figures import _all_figures;"
            "f = _all_figures(); print(hashlib.sha1((f['path'] + f['segments']).encode())"
            ".hexdigest())")
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.strip()
    here = _all_figures()
    assert out == hashlib.sha1((here["path"] + here["segments"]).encode()).hexdigest()
