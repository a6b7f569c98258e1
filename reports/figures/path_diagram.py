"""The structural model as a hand-written SVG path diagram: constructs as ellipses laid out by
role (predictors left, outcomes right), standardized paths as arrows with their coefficients.
The geometry of the arrows and labels is in :mod:`reports.figures.routing`.
"""

from __future__ import annotations

import math
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from ..format import apa, apa_p, is_missing
from .routing import _place_coefficients, _quad, _route_paths
from .svg import (
    BLUE,
    GREY_LINE,
    INK,
    MUTED,
    SVG_FONT,
    SVG_NS,
    VERMILLION,
    FigureInputError,
    _data_str,
    _esc,
    _finish_svg,
)

__all__ = ["path_diagram"]


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
            ci = p.get("ci")
        else:
            seq = list(p)
            if len(seq) not in (3, 4):
                raise FigureInputError(f"path_diagram: path {p!r}: give (from, to, beta[, p])")
            src, dst, beta = seq[:3]
            pv = seq[3] if len(seq) == 4 else None
            ci = None
        if ci is not None and (len(ci) != 2 or any(is_missing(x) for x in ci)):
            ci = None
        # a coefficient that could not be standardized (e.g. a negative latent variance in an
        # inadmissible solution) is drawn as a grey dashed path labelled with a dash
        out.append({"from": str(src), "to": str(dst),
                    "beta": math.nan if is_missing(beta) else float(beta),
                    "p": None if is_missing(pv) else float(pv),
                    "ci": None if ci is None else (float(ci[0]), float(ci[1]))})
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


def path_diagram(constructs: Any, paths: Any, r2: Mapping[str, float] | None = None, *,
                 title: str = "Structural model", alpha: float = 0.05,
                 bounded: bool = False, interval: str | None = None) -> Markup:
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

    ``interval`` (e.g. ``"95% bootstrap BCa CI"``): significance is read from each path's
    ``ci`` = (lower, upper) of its effect, the interval a table beside the figure shows,
    instead of from ``p``: a path whose interval excludes zero is solid and marked "*"; a
    path without an interval is drawn as not tested. The legend says which interval it is.
    """
    nodes = _norm_constructs(constructs)
    edges = _norm_paths(paths)
    if not edges:
        raise FigureInputError("path_diagram: no paths")
    if interval is not None:
        for e in edges:  # one mark, from the interval: "*" when it excludes zero
            e["sig"] = e["ci"] is not None and (e["ci"][0] > 0 or e["ci"][1] < 0)
            e["mark"] = "*" if e["sig"] else ""
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
        if math.isnan(e["beta"]):  # no standardized coefficient: neither sign nor weight
            styles.append((False, False, GREY_LINE, MUTED, 1.4, ' stroke-dasharray="7 5"'))
            continue
        sig = e["sig"] if interval is not None else e["p"] is not None and e["p"] < alpha
        neg = e["beta"] < 0
        untested = e["ci"] is None if interval is not None else e["p"] is None
        if sig or untested:  # significant, or no test given: coloured by sign
            color = VERMILLION if neg else BLUE
            styles.append((sig, neg, color, color,
                           min(1.6 + 3.2 * abs(e["beta"]), 5.0) if sig else 1.6, ""))
        else:
            styles.append((sig, neg, GREY_LINE, MUTED, 1.4, ' stroke-dasharray="7 5"'))
    # non-significant paths first, so that the significant ones are drawn on top
    draw_order = sorted(range(len(geo)), key=lambda k: (
        styles[k][0], 0.0 if math.isnan(geo[k]["edge"]["beta"]) else abs(geo[k]["edge"]["beta"])))
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
    sig_words = "CI excludes 0" if interval is not None else f"p < {a_txt}"
    for sample, color, dash, label in (
        (0, BLUE, "", f"positive, {sig_words}"),
        (1, VERMILLION, "", f"negative, {sig_words}"),
        (2, GREY_LINE, ' stroke-dasharray="7 5"', "not significant"),
    ):
        x = margin_x + sample * 210
        out.append(f'<line x1="{x:.0f}" y1="{legend_y:.0f}" x2="{x + 34:.0f}" '
                   f'y2="{legend_y:.0f}" stroke="{color}" stroke-width="2.5"{dash}/>')
        out.append(f'<text x="{x + 42:.0f}" y="{legend_y:.0f}" dy="0.35em">{_esc(label)}</text>')
    key = (f"* the {_esc(interval)} of the effect excludes zero" if interval is not None else
           "* p &lt; .05, ** p &lt; .01, *** p &lt; .001")
    out.append(f'<text x="{margin_x:.0f}" y="{legend_y + 25:.0f}" dy="0.35em" fill="{MUTED}">'
               f"Standardized coefficients. {key}</text>")
    out.append("</g></svg>")
    root = ET.fromstring("".join(out))

    def p_words(p: float | None, e: dict) -> str:
        if interval is not None:
            if e["ci"] is None:
                return ""
            return f", {interval} {'excludes' if e['sig'] else 'includes'} zero"
        if p is None:
            return ""
        s = apa_p(p)
        return f", p {s}" if s[0] in "<>" else f", p = {s}"

    desc = "; ".join(
        f"{names[g['edge']['from']]} \u2192 {names[g['edge']['to']]}: \u03b2 = "
        f"{apa(g['edge']['beta'], 2, bounded)}{p_words(g['edge']['p'], g['edge'])}"
        for g in geo)
    r2_txt = "; ".join(f"R\u00b2 of {names[i]} = {apa(r2[i], 2, bounded=True)}"
                       for i in ids if i in r2 and not is_missing(r2[i]))
    return _finish_svg(
        root, kind="path", title=title,
        desc=f"Path diagram of {len(ids)} constructs and {len(geo)} paths. {desc}."
             + (f" {r2_txt}." if r2_txt else ""),
        aria_label=f"{title}: {len(ids)} constructs, {len(geo)} paths")


def _p_attr(p: float | None) -> str:
    return "" if p is None else repr(round(float(p), 6))
