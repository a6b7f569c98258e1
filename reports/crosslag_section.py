"""The report's cross-lagged section (a panel study, ``engagekit run ... --waves --cross-lagged
A,B``): what drives what across waves.

:func:`crosslag_section` reads the results' ``cross_lagged`` section (:func:`analysis.
cross_lagged_study.cross_lagged_waves`) and returns a report section (None without one, so
other reports are unchanged): the panel diagram with the RI-CLPM's standardized within-person
effects and the verdict of the comparison (``templates/crosslag.html.j2``), the lagged effects
of the RI-CLPM beside the CLPM's, the two models' fit with the chi-square difference test
(naive and chi-bar-square p), and the random intercepts. :func:`crosslag_methods` is its
sentence of the methods text.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from .format import apa, apa_p

__all__ = ["crosslag_methods", "crosslag_section"]

BOX_H, ROW, TOP, LEFT, GAP = 40, 110, 30, 20, 90


def _name(cl: dict, c: str) -> str:
    return (cl.get("names") or {}).get(c, c)


def _labels(cl: dict) -> list[str]:
    return list(cl.get("labels") or [str(t) for t in range(1, int(cl["waves"]) + 1)])


def _sig(r: dict) -> bool:
    lo, hi = r.get("std.ci.lower"), r.get("std.ci.upper")
    if lo is None or hi is None:
        lo, hi = r.get("ci.lower"), r.get("ci.upper")
    return lo is not None and hi is not None and (lo > 0 or hi < 0)


def _diagram(cl: dict) -> Markup:
    from .render import make_environment

    cs = list(cl["constructs"])
    labels = _labels(cl)
    W = int(cl["waves"])
    box_w = max(120, round(7 * max(len(_name(cl, c)) for c in cs)) + 20)  # 12px text fits
    col = box_w + GAP
    pos = {(c, t): (LEFT + (t - 1) * col, TOP + k * ROW) for k, c in enumerate(cs)
           for t in range(1, W + 1)}
    boxes = [{"x": x, "y": y, "w": box_w, "h": BOX_H, "label": _name(cl, c), "construct": c,
              "wave": labels[t - 1]} for (c, t), (x, y) in pos.items()]
    arrows = []
    for r in cl["models"]["riclpm"]["lagged"]:
        (x0, y0), (x1, y1) = pos[(r["predictor"], r["from_wave"])], pos[(r["outcome"],
                                                                          r["to_wave"])]
        sx, sy = x0 + box_w, y0 + BOX_H / 2
        ex, ey = x1, y1 + BOX_H / 2
        if r["kind"] == "autoregressive":
            lx, ly = (sx + ex) / 2, sy - 8
        else:  # along the diagonal, a third of the way from its start
            lx, ly = sx + (ex - sx) * 0.3, sy + (ey - sy) * 0.3
        std = r.get("std.all")
        arrows.append({"x1": round(sx, 1), "y1": round(sy, 1), "x2": round(ex - 2, 1),
                       "y2": round(ey, 1), "lx": round(lx, 1), "ly": round(ly, 1),
                       "text": apa(std, 2, bounded=True), "std": std, "sig": _sig(r),
                       "kind": r["kind"], "outcome": r["outcome"], "predictor": r["predictor"],
                       "from_wave": labels[r["from_wave"] - 1],
                       "to_wave": labels[r["to_wave"] - 1]})
    arrows.sort(key=lambda a: a["kind"] != "cross-lagged")  # autoregressive drawn last
    width = LEFT * 2 + (W - 1) * col + box_w
    height = TOP + (len(cs) - 1) * ROW + BOX_H + 10
    c = cl["comparison"]
    p = c.get("pvalue.chibar")
    needed = p is not None and p < float(c.get("alpha") or 0.05)
    cards = [
        {"label": "Random intercepts (stable differences between persons)",
         "value": "needed" if needed else "not needed",
         "note": f"Δχ²({float(c['df.diff']):g}) = {apa(c['chisq.diff'])}, chi-bar-square "
                 f"{apa_p(p, prefix=True)}",
         "status": "warn" if needed else "pass"},
        {"label": "Model interpreted", "value": "RI-CLPM",
         "note": "within-person effects" if needed else "the CLPM is not rejected: the "
                 "lagged effects may also be read as between-person (CLPM)",
         "status": None},
    ]
    bad = [name for key, name in (("riclpm", "RI-CLPM"), ("clpm", "CLPM"))
           if (c.get("admissible") or {}).get(key) is False]
    if bad:  # an inadmissible solution: neither the test nor its effects to be read
        cards[0]["status"] = "warn"
        cards[1] = {"label": "Model interpreted", "value": "none",
                    "note": f"the {' and the '.join(bad)} solution"
                            f"{'s are' if len(bad) > 1 else ' is'} not admissible (a negative "
                            "variance or a correlation beyond ±1)",
                    "status": "fail"}
    env = make_environment()
    return Markup(env.get_template("crosslag.html.j2").render(
        width=width, height=height, boxes=boxes, arrows=arrows, cards=cards,
        wave_labels=[{"x": LEFT + (t - 1) * col + box_w / 2, "text": labels[t - 1]}
                     for t in range(1, W + 1)],
        title=f"Random-intercept cross-lagged panel model of {', '.join(_name(cl, x) for x in cs)}",
        caption="Standardized within-person effects of the RI-CLPM (std.all): across, a "
                "construct's carry-over from one wave to the next (autoregressive); diagonal, "
                "the cross-lagged effects. Solid and bold: the 95% confidence interval excludes "
                "0; dashed: it does not."))


def _effect_rows(cl: dict) -> list[dict[str, Any]]:
    labels = _labels(cl)
    clpm = {(r["outcome"], r["predictor"], r["from_wave"]): r
            for r in cl["models"]["clpm"]["lagged"]}
    rows = []
    order = sorted(cl["models"]["riclpm"]["lagged"],
                   key=lambda r: (r["kind"] != "cross-lagged", r["predictor"], r["outcome"],
                                  r["from_wave"]))
    for r in order:
        c = clpm.get((r["outcome"], r["predictor"], r["from_wave"]), {})
        rows.append({
            "effect": f"{_name(cl, r['predictor'])} → {_name(cl, r['outcome'])}",
            "kind": r["kind"],
            "waves": f"{labels[r['from_wave'] - 1]}\u00a0→\u00a0{labels[r['to_wave'] - 1]}",
            "beta": apa(r.get("std.all"), 2, bounded=True),
            "ci": f"[{apa(r.get('std.ci.lower'), 2, bounded=True)}, "
                  f"{apa(r.get('std.ci.upper'), 2, bounded=True)}]",
            "b": apa(r.get("est"), 2), "se": apa(r.get("se"), 2), "p": r.get("pvalue"),
            "clpm": apa(c.get("std.all"), 2, bounded=True),
            "clpm_p": c.get("pvalue")})
    return rows


def _fit_rows(cl: dict) -> list[dict[str, Any]]:
    rows = []
    for key, name in (("riclpm", "RI-CLPM"), ("clpm", "CLPM")):
        f = cl["models"][key]["fit"]
        rows.append({"model": name, "chisq": f.get("chisq"), "df": f.get("df"),
                     "p": f.get("pvalue"), "cfi": f.get("cfi"), "tli": f.get("tli"),
                     "rmsea": f.get("rmsea"), "srmr": f.get("srmr"), "aic": f.get("aic"),
                     "bic": f.get("bic")})
    return rows


def _equal_lags_blocks(cl: dict) -> list[dict[str, Any]]:
    """With ``--cross-lagged-equal``: the RI-CLPM's lagged effects constrained equal over waves
    and the test of that constraint against free lags (nothing otherwise)."""
    eq = cl.get("equal_lags_test")
    if not eq:
        return []
    labels = _labels(cl)
    c = eq["comparison"]
    rows = []
    for r in sorted(eq["lagged"], key=lambda r: (r["kind"] != "cross-lagged", r["predictor"],
                                                  r["outcome"])):
        rows.append({
            "effect": f"{_name(cl, r['predictor'])} → {_name(cl, r['outcome'])}",
            "kind": r["kind"], "b": apa(r.get("est"), 2), "se": apa(r.get("se"), 2),
            "ci": f"[{apa(r.get('ci.lower'), 2)}, {apa(r.get('ci.upper'), 2)}]",
            "p": r.get("pvalue"), "beta": apa(r.get("std.all"), 2, bounded=True)})
    first = f"{labels[0]} → {labels[1]}"
    return [{
        "type": "table", "data": rows, "id": "crosslag-equal",
        "caption": "Lagged effects equal over waves (RI-CLPM)",
        "columns": {"effect": "Effect", "kind": "Kind", "b": "b", "se": "SE",
                    "ci": "95% CI of b", "p": "p", "beta": f"β ({first})"},
        "number_formats": {"p": "p"},
        "note": f"Each lagged effect constrained equal at every pair of waves, against the "
                f"free lags above: Δχ²({float(c['df.diff']):g}) = {apa(c['chisq.diff'])}, "
                f"{apa_p(c.get('pvalue'), prefix=True)}; ΔAIC = {apa(c.get('aic.diff'), 1)}, "
                f"ΔBIC = {apa(c.get('bic.diff'), 1)} (equal minus free). "
                f"{c['decision'][0].upper()}{c['decision'][1:]}. b is the same at every pair "
                f"of waves; β, standardized with the variances at {first}, varies with them."
                + _clpm_equal_text(cl)}]


def _clpm_equal_text(cl: dict) -> str:
    """The same test in the CLPM, for the table's note (results written before it: none)."""
    c = (cl.get("equal_lags_test_clpm") or {}).get("comparison")
    if not c:
        return ""
    return (f" In the CLPM (no random intercepts) the same constraint gives "
            f"Δχ²({float(c['df.diff']):g}) = {apa(c['chisq.diff'])}, "
            f"{apa_p(c.get('pvalue'), prefix=True)}: {c['decision']}.")


def crosslag_section(results: dict) -> dict[str, Any] | None:
    """The cross-lagged section of the report, or None when the results have none."""
    cl = results.get("cross_lagged")
    if not cl:
        return None
    cs = [_name(cl, c) for c in cl["constructs"]]
    labels = _labels(cl)
    c = cl["comparison"]
    n = cl["n"]
    how = ("scale scores" if cl["measurement"] == "scale scores" else
           "latent factors measured by their items (a random intercept per item; Mulder & "
           "Hamaker, 2021)")
    fiml = cl.get("settings", {}).get("missing") == "ml"
    used = ("every respondent with an answer in any wave (full-information ML)" if fiml
            else "the respondents observed in every wave (listwise)")
    if fiml and n.get("linked") is not None and int(n["linked"]) < int(n["used"]):
        single = int(n["used"]) - int(n["linked"])
        used += (f"; {int(n['linked']):,} of them answered two or more waves and carry the "
                 f"lagged effects, the other {single:,} answered one wave only")
    intro = (f"Does one construct drive another across the {len(labels)} waves "
             f"({', '.join(labels)})? The random-intercept cross-lagged panel model (RI-CLPM; "
             f"Hamaker et al., 2015) of {', '.join(cs)} on their {how} separates stable "
             "differences between persons (random intercepts) from each person's changes "
             "around their own level; its lagged effects are within-person: how a deviation "
             "from one's own level in one wave carries into the next. The traditional "
             "cross-lagged panel model (CLPM) without random intercepts is shown beside it. "
             f"N = {int(n['used']):,} of {int(n['panel']):,} panel respondents: {used}. "
             f"{c['decision'][0].upper()}{c['decision'][1:]}.")
    blocks: list[dict[str, Any]] = [{"type": "html", "html": _diagram(cl)}]
    blocks.append({
        "type": "table", "data": _effect_rows(cl), "id": "crosslag-effects",
        "caption": "Lagged effects (within-person, RI-CLPM) beside the CLPM",
        "columns": {"effect": "Effect", "kind": "Kind", "waves": "Waves",
                    "beta": "β", "ci": "95% CI of β", "b": "b", "se": "SE", "p": "p",
                    "clpm": "β (CLPM)", "clpm_p": "p (CLPM)"},
        "number_formats": {"p": "p", "clpm_p": "p"},
        "note": "β: standardized effect (lavaan std.all) with its delta-method interval; b: "
                "unstandardized, with SE and p. The CLPM's effects mix stable differences "
                "between persons with within-person change (Hamaker et al., 2015)."})
    blocks.append({
        "type": "table", "data": _fit_rows(cl), "id": "crosslag-fit",
        "caption": "Fit of the RI-CLPM and the CLPM",
        "columns": {"model": "Model", "chisq": "χ²", "df": "df", "p": "p", "cfi": "CFI",
                    "tli": "TLI", "rmsea": "RMSEA", "srmr": "SRMR", "aic": "AIC",
                    "bic": "BIC"},
        "number_formats": {"chisq": 2, "df": "int", "p": "p", "cfi": 3, "tli": 3,
                           "rmsea": 3, "srmr": 3, "aic": 1, "bic": 1},
        "note": f"The CLPM is the RI-CLPM with the random intercepts' variances and "
                f"covariances fixed to 0: Δχ²({float(c['df.diff']):g}) = "
                f"{apa(c['chisq.diff'])}, chi-bar-square {apa_p(c.get('pvalue.chibar'), prefix=True)} "
                f"(used; naive χ² {apa_p(c.get('pvalue.chisq'), prefix=True)}). A variance "
                "cannot be negative, so under the null hypothesis the statistic follows a "
                "mixture of chi-squares (chi-bar-square; Stoel et al., 2006), estimated by "
                "simulation; the naive χ² p-value is conservative."})
    blocks += _equal_lags_blocks(cl)
    ri_rows = []
    for r in cl["models"]["riclpm"]["random_intercepts"]:
        same = r["lhs"] == r["rhs"]
        ri_rows.append({"what": (f"Variance of {r['lhs']}" if same else
                                 f"Covariance of {r['lhs']} and {r['rhs']}"),
                        "est": apa(r.get("est"), 3), "se": apa(r.get("se"), 3),
                        "r": "—" if same else apa(r.get("std.all"), 2, bounded=True),
                        "p": r.get("pvalue")})
    blocks.append({"type": "table", "data": ri_rows, "id": "crosslag-intercepts",
                   "caption": "Random intercepts (stable between-person differences)",
                   "columns": {"what": "Parameter", "est": "Estimate", "se": "SE",
                               "r": "Correlation", "p": "p"},
                   "number_formats": {"p": "p"},
                   "note": "A positive correlation: people who are generally higher on one "
                           "construct are generally higher on the other, a difference the "
                           "CLPM would mistake for lagged effects."})
    if cl.get("notes"):
        blocks.append({"type": "list", "items": list(cl["notes"])})
    return {"id": "cross-lagged", "heading": "What drives what across waves",
            "intro": intro, "blocks": blocks}


def crosslag_methods(results: dict) -> str:
    """The methods text's sentences on the cross-lagged models ('' without them)."""
    cl = results.get("cross_lagged")
    if not cl:
        return ""
    c = cl["comparison"]
    latent = cl["measurement"] != "scale scores"
    return ("The lagged relations of " + ", ".join(_name(cl, x) for x in cl["constructs"])
            + " across the waves were estimated with the random-intercept cross-lagged panel "
            "model (Hamaker et al., 2015)"
            + (" with the items as indicators and a random intercept per item (Mulder & "
               "Hamaker, 2021)" if latent else " on the scale scores")
            + " and compared with the traditional cross-lagged panel model by the "
            "likelihood-ratio test of the random intercepts' (co)variances, whose p-value "
            "was taken from the chi-bar-square distribution (Stoel et al., 2006; "
            f"{int(cl.get('settings', {}).get('draws') or 0):,} Monte Carlo draws) because "
            f"the variances lie on the boundary under the null hypothesis (Δχ²("
            f"{float(c['df.diff']):g}) = {apa(c['chisq.diff'])}, "
            f"{apa_p(c.get('pvalue.chibar'), prefix=True)})." + _equal_lags_methods(cl))


def _equal_lags_methods(cl: dict) -> str:
    eq = (cl.get("equal_lags_test") or {}).get("comparison")
    if not eq:
        return ""
    return (" Whether the lagged effects are the same at every pair of waves was tested by "
            "the likelihood-ratio test of the RI-CLPM with each lagged effect constrained "
            f"equal over waves against free lags (Δχ²({float(eq['df.diff']):g}) = "
            f"{apa(eq['chisq.diff'])}, {apa_p(eq.get('pvalue'), prefix=True)})"
            + _clpm_equal_methods(cl) + ".")


def _clpm_equal_methods(cl: dict) -> str:
    c = (cl.get("equal_lags_test_clpm") or {}).get("comparison")
    if not c:
        return ""
    return (f", and the same in the CLPM (Δχ²({float(c['df.diff']):g}) = "
            f"{apa(c['chisq.diff'])}, {apa_p(c.get('pvalue'), prefix=True)})")
