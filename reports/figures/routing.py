"""The path diagram's edge router: where each arrow leaves and enters its constructs, how far it
bends to clear the others, and where its coefficient label sits.
"""

from __future__ import annotations

import math

from ..format import apa, apa_coef


def _text_w(s: str, size: float) -> float:
    """Rough width of ``s`` in DejaVu Sans at ``size`` px (wide glyphs: errs on the safe side)."""
    return sum(0.35 if ch in " .,:;|il1'" else 0.64 for ch in s) * size


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
            for t in range(1, 80):
                x, y = _quad(p0, c, p2, t / 80)
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
        g["ctrl"], g["straight"] = _bend(a, b, others, blocked)
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
        # the ends moved to their ports: bend again if the curve now touches a construct
        others = [i for i in ids if i not in (g["edge"]["from"], g["edge"]["to"])]
        if blocked(g["p0"], g["ctrl"], g["p2"], others, 4):
            g["ctrl"], g["straight"] = _bend(g["p0"], g["p2"], others, blocked)
    return geo


#: How far a curve may bow out (px at its middle), nearest first: the first that clears
#: every other construct is used. Beyond the bands between rows, a curve goes round the
#: whole column (the figure grows to hold it).
_BOWS = (0, 35, -35, 70, -70, 105, -105, 140, -140, 180, -180, 230, -230, 290, -290, 360, -360,
         440, -440, 540, -540, 660, -660)


def _bend(a, b, others: list[str], blocked) -> tuple[tuple[float, float], bool]:
    """The control point of the least-bent quadratic from ``a`` to ``b`` that keeps 12 px
    (else 4 px) from every construct in ``others``; (control, straight)."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy) or 1.0
    nx, ny = -dy / length, dx / length
    for pad in (12, 4):
        for off in _BOWS:
            c = (mx + nx * off * 2, my + ny * off * 2)  # a quadratic bows half as far
            if not blocked(a, c, b, others, pad):
                return c, off == 0
    return (mx, my), True


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
    """Greedy label placement along each path, first fit by cost.

    A label's plate never overlaps a label placed before it nor a construct's ellipse when any
    position along its path allows it (a hard rule: two labels on one spot, as where two
    curves cross, leave the reader guessing which path each belongs to); among the allowed
    positions it prefers one that covers no other line and lies near the middle of its path.
    """
    samples = [[_quad(g["p0"], g["ctrl"], g["p2"], t / 60) for t in range(61)] for g in geo]

    def clash(b1, b2) -> float:
        w = min(b1[2], b2[2]) - max(b1[0], b2[0])
        h = min(b1[3], b2[3]) - max(b1[1], b2[1])
        return w * h if w > 0 and h > 0 else 0.0

    def on_node(box) -> float:
        """How far into an ellipse the plate reaches (0: clear, with 3 px to spare)."""
        worst = 0.0
        for i in ids:
            cx, cy = pos[i]
            nx, ny = min(max(cx, box[0]), box[2]), min(max(cy, box[1]), box[3])
            d = ((nx - cx) / (rx + 3)) ** 2 + ((ny - cy) / (ry + 3)) ** 2
            worst = max(worst, 1.0 - d)
        return worst

    ts = [0.5 + d for k in range(20) for d in ((k * 0.02, -k * 0.02) if k else (0.0,))]
    texts = [apa(g["edge"]["beta"], 2, bounded) + g["edge"]["mark"] if "mark" in g["edge"]
             else apa_coef(g["edge"]["beta"], g["edge"]["p"], 2, bounded) for g in geo]
    candidates = []  # per path: (soft cost, node cost, x, y, box) of every position along it
    for k, g in enumerate(geo):
        w, h = _text_w(texts[k], font) + 8, font + 5
        options = []
        for t in ts:
            x, y = _quad(g["p0"], g["ctrl"], g["p2"], t)
            box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
            soft = 40 * sum(1 for j, pts in enumerate(samples) if j != k
                            for (sx, sy) in pts
                            if box[0] < sx < box[2] and box[1] < sy < box[3])
            soft += abs(t - 0.5) * 30  # prefer the middle of the path
            options.append((soft, 1000 * on_node(box), x, y, box))
        candidates.append(options)

    def place(order: list[int]) -> tuple[dict[int, tuple], list[int]]:
        placed: dict[int, tuple] = {}
        stuck = []
        for k in order:
            best, best_cost = None, (math.inf, math.inf)
            for soft, node, x, y, box in candidates[k]:
                cost = (node + sum(clash(box, o[2]) for o in placed.values()), soft)
                if cost < best_cost:
                    best, best_cost = (x, y, box), cost
            if best_cost[0] > 0:
                stuck.append(k)
            placed[k] = best
        return placed, stuck

    # a label that found no free spot is placed first next time (a few rounds at most)
    order = list(range(len(geo)))
    placed, stuck = place(order)
    for _ in range(6):
        if not stuck:
            break
        order = stuck + [k for k in order if k not in stuck]
        again, stuck_again = place(order)
        if len(stuck_again) < len(stuck):
            placed, stuck = again, stuck_again
        else:
            stuck = stuck_again
    out = []
    for k in range(len(geo)):
        x, y, box = placed[k]
        out.append((texts[k], x, y, box[2] - box[0], box[3] - box[1]))
    return out
