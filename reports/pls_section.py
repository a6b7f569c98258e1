"""The report of a PLS-SEM run (``engagekit run --method pls``): its measurement and structural
sections, key numbers, findings, missing-data text, methods paragraph and terminal lines.

The sections follow the reporting order of Hair, Risher, Sarstedt and Ringle (2019, *European
Business Review* 31(1), 2-24, figure 2 and tables 2-3):

1. measurement model: indicator loadings and indicator reliability; internal consistency
   (Cronbach's alpha, rho_A, rho_C); convergent validity (AVE); discriminant validity (HTMT
   with its bootstrap interval and HTMT2; the Fornell-Larcker criterion as a secondary check);
2. structural model: collinearity of the predictors (VIF); path coefficients with bootstrap
   intervals; R² and adjusted R²; f²; indirect and total effects; model fit (SRMR, d_ULS).

Every number is read from ``results["pls"]`` (:mod:`analysis.pls.pipeline`); nothing is
refitted. :func:`reports.report.report_context` builds a PLS run's page from these sections
when the results hold a ``pls`` section; the sample, distribution, segment and driver blocks
are the covariance-based report's own (this module imports nothing from it).
"""

from __future__ import annotations

import math

import pandas as pd

from . import figures
from .format import DASH, apa, apa_ci, screened_counts, screening_clause, screening_line
from .ipma import oriented_points, reversed_sentence
from .pls_groups_section import groups_blocks, groups_heading, groups_sentence
from .pls_predict_section import POWER_WORDS, predict_blocks, predict_sentence
from .tables import Cell

__all__ = ["findings_section", "key_cards", "measurement_section", "methods_section",
           "pls_headline_lines", "pls_missing_text", "pls_summary_lines", "structural_section"]

#: Loadings of at least this size: the construct explains over half of the item's variance
#: (Hair et al., 2019).
LOADING_MIN = 0.708
#: Discriminant validity: HTMT below .85 for conceptually distinct constructs (Henseler et al.,
#: 2015), judged by the upper limit of its bootstrap interval.
HTMT_MAX = 0.85
#: Intervals shown: the percentile bootstrap interval (Aguirre-Urreta & Rönkkö, 2018).
INTERVAL = "95% bootstrap percentile CI"

SCHEME_WORDS = {"path": "path weighting scheme", "factorial": "factorial weighting scheme",
                "centroid": "centroid weighting scheme"}


def _names(results: dict) -> dict[str, str]:
    return {c["id"]: c["name"] for c in results["instrument"]["constructs"]}


def _method_name(pls: dict) -> str:
    """"PLS-SEM" or "PLSc-SEM (consistent PLS)"."""
    return "consistent PLS (PLSc)" if pls["algorithm"] == "PLSc" else "PLS-SEM"


def _boot(pls: dict) -> bool:
    return int(pls["settings"]["n_boot"]) > 0


def _rows(pls: dict, op: str) -> list[dict]:
    return [r for r in pls["estimates"] if r["op"] == op]


def _find(pls: dict, op: str, lhs: str, rhs: str) -> dict:
    for r in pls["estimates"]:
        if r["op"] == op and r["lhs"] == lhs and r["rhs"] == rhs:
            return r
    return {}


def _ci(r: dict) -> str:
    """The interval to two decimals; to three (or more, until its first digit shows) when a
    bound would round to zero, so that [.003, .21] does not read as touching zero when the
    verdict rests on it excluding zero, nor [-.0003, .06] as starting at zero."""
    lo, hi = r.get("ci.lower"), r.get("ci.upper")
    if lo is None or hi is None:
        return apa_ci(lo, hi, 2)
    decimals = 3 if min(abs(lo), abs(hi)) < .005 else 2
    # a bound below .0005 still reads '0.000' (e.g. -0.00026 beside 'CI excludes 0: no'):
    # more decimals until its sign shows (up to 5; a bound nearer zero than that stays .000)
    def hidden(d: int) -> bool:
        return any(b != 0 and round(b, d) == 0 for b in (lo, hi))

    more = next((d for d in range(decimals, 6) if not hidden(d)), decimals)
    return apa_ci(lo, hi, more)


def _excludes_zero(r: dict) -> str:
    lo, hi = r.get("ci.lower"), r.get("ci.upper")
    if lo is None or hi is None:
        return DASH
    return "yes" if lo > 0 or hi < 0 else "no"


def _n_text(n: int) -> str:
    return f"{n:,}"


# ---- measurement model ------------------------------------------------------------------------


def _loadings_block(results: dict, pls: dict) -> list[dict]:
    names = _names(results)
    labels = {i["id"]: (i["id"] if not str(i.get("label") or "").strip() or i["label"] == i["id"]
                        else f"{i['id']} {i['label']}")
              for c in results["instrument"]["constructs"] for i in c["items"]}
    boot = _boot(pls)
    rows, low = [], []
    for r in pls["assessment"]["indicators"]:
        load = _find(pls, "=~", r["construct"], r["item"])
        row = {"construct": names.get(r["construct"], r["construct"]),
               "item": labels.get(r["item"], r["item"]), "loading": r["loading"]}
        if boot:
            row["ci"] = apa_ci(load.get("ci.lower"), load.get("ci.upper"), 2,
                               pls["algorithm"] == "PLS")
        row.update(reliability=r["reliability"], weight=r["weight"], vif=r["vif"])
        rows.append(row)
        if r["loading"] is not None and r["loading"] < LOADING_MIN:
            low.append(f"{r['item']} ({apa(r['loading'], 2, True)})")
    columns = {"construct": "Construct", "item": "Item", "loading": "Loading"}
    if boot:
        columns["ci"] = "95% CI"
    columns.update(reliability="Indicator reliability", weight="Weight", vif="VIF")
    note = ("Loading: the item's correlation with its construct"
            + (" corrected for measurement error (PLSc)" if pls["algorithm"] == "PLSc" else "")
            + "; indicator reliability: the squared loading; weight: the item's outer weight "
              "(standardized items); VIF: the item's variance inflation factor within its "
              "block. Loadings of .708 or more (the construct explaining over 50% of the item's "
              "variance) are recommended (Hair et al., 2019); VIFs above 5 signal collinear "
              "items. ")
    note += (f"{len(low)} of {len(rows)} loadings fall below .708: {', '.join(low)}."
             if low else "Every loading reaches .708.")
    if boot:
        note += f" CIs: {INTERVAL}s."
    return [{"type": "table", "data": rows, "caption": "Indicator loadings and reliability",
             "columns": columns,
             "number_formats": {"loading": "bounded:3" if pls["algorithm"] == "PLS" else 3,
                                "reliability": "bounded", "weight": 3,
                                "vif": 2},
             "note": note}]


def _reliability_block(results: dict, pls: dict) -> list[dict]:
    names = _names(results)
    rows, low_ave, multi = [], [], []
    for r in pls["assessment"]["reliability"]:
        single = int(r["items"]) == 1
        rows.append({"construct": names.get(r["construct"], r["construct"]),
                     "items": r["items"],
                     "alpha": None if single else r["alpha"],
                     "rho_a": None if single else r["rho_a"],
                     "rho_c": None if single else r["rho_c"],
                     "ave": None if single else r["ave"]})
        if not single:
            multi.append(r)
            if r["ave"] is not None and r["ave"] < 0.5:
                low_ave.append(f"{names.get(r['construct'], r['construct'])} "
                               f"({apa(r['ave'], 2, True)})")
    note = ("α = Cronbach's alpha; ρA = Dijkstra-Henseler's rho_A (Dijkstra & Henseler, 2015); "
            "ρC = composite reliability; AVE = average variance extracted. Internal "
            "consistency between .70 and .95 is recommended (.60 to .70 acceptable in "
            "exploratory research), with ρA between α and ρC; AVE of .50 or more indicates "
            "convergent validity (Hair et al., 2019; Fornell & Larcker, 1981).")
    if any(int(r["items"]) == 1 for r in pls["assessment"]["reliability"]):
        note += " A single-item construct is its item: no internal consistency or AVE (—)."
    high = [names.get(r["construct"], r["construct"]) for r in multi
            if r["rho_c"] is not None and r["rho_c"] > 0.95]
    if high:
        note += (f" ρC above .95 for {', '.join(high)}: the items may be redundant (Hair et al., "
                 "2019).")
    blocks: list[dict] = [{"type": "table", "data": rows,
                           "caption": "Internal consistency reliability and convergent validity",
                           "columns": {"construct": "Construct", "items": "Items", "alpha": "α",
                                       "rho_a": "ρA", "rho_c": "ρC", "ave": "AVE"},
                           "number_formats": {"items": "int", "alpha": "bounded",
                                              "rho_a": "bounded", "rho_c": "bounded",
                                              "ave": "bounded"},
                           "note": note}]
    if low_ave:
        blocks.append({"type": "badge", "status": "warn",
                       "text": f"AVE is below .50 for {'; '.join(low_ave)}: convergent validity "
                               "is not supported for "
                               + ("this construct" if len(low_ave) == 1 else "these constructs")
                               + " (Fornell & Larcker, 1981)."})
    return blocks


def _discriminant_block(results: dict, pls: dict) -> list[dict]:
    names = _names(results)
    multi = [c["name"] for c in pls["constructs"] if len(c["items"]) > 1]
    pairs = _rows(pls, "htmt")
    if len(multi) < 2 or not pairs:
        return [{"type": "text", "text": "Discriminant validity needs two constructs with two "
                 "or more items each; the model has "
                 + ("none" if not multi else "one") + ", so it was not assessed."}]
    boot = _boot(pls)
    ht = pls["assessment"]["htmt"]
    matrix = [[ht[c][r] if r != c else None for c in multi] for r in multi]
    upper = [[None] * len(multi) for _ in multi]
    for p in pairs:
        i, j = multi.index(p["lhs"]), multi.index(p["rhs"])
        upper[i][j] = upper[j][i] = p.get("ci.upper")
    level = float(pls["settings"]["level"])
    svg = figures.htmt_heatmap(matrix, [names.get(c, c) for c in multi],
                               ci_upper=upper if boot else None, threshold=HTMT_MAX,
                               ci_level=level if boot else None)
    h2 = {(r["lhs"], r["rhs"]): r for r in _rows(pls, "htmt2")}
    rows = []
    for p in pairs:
        row = {"pair": f"{names.get(p['lhs'], p['lhs'])} – {names.get(p['rhs'], p['rhs'])}",
               "htmt": p["est"]}
        if boot:
            row["ci"] = _ci(p)
        row["htmt2"] = h2.get((p["lhs"], p["rhs"]), {}).get("est")
        if boot:
            h2row = h2.get((p["lhs"], p["rhs"]), {})
            # no interval for an undefined HTMT2 (results.json written before it was NaN)
            row["ci2"] = _ci(h2row) if h2row.get("est") is not None else None
        rows.append(row)
    reach = [p for p in pairs if (p.get("ci.upper") if boot else p["est"]) is not None
             and (p.get("ci.upper") if boot else p["est"]) >= HTMT_MAX]
    columns = {"pair": "Constructs", "htmt": "HTMT"}
    if boot:
        columns["ci"] = "95% CI"
    columns["htmt2"] = "HTMT2"
    if boot:
        columns["ci2"] = "HTMT2 95% CI"
    verdict = (f"{len(reach)} of {len(pairs)} pair(s) reach .85"
               + (" with the upper limit of the interval" if boot else "") + ": "
               + ", ".join(f"{names.get(p['lhs'], p['lhs'])} – {names.get(p['rhs'], p['rhs'])}"
                           for p in reach) + "." if reach else
               f"Every pair stays below .85{' with the upper limit of its interval' if boot else ''}"
               ": the constructs are empirically distinct.")
    fl = pd.DataFrame(pls["assessment"]["fornell_larcker"])
    fl = fl.loc[list(fl.columns), list(fl.columns)]
    fl.index = [f"{k}. {names.get(i, i)}" for k, i in enumerate(fl.index, start=1)]
    fl.columns = [str(k) for k in range(1, len(fl.columns) + 1)]
    vals = fl.to_numpy(dtype=float)
    fl_ok = all(abs(vals[i, j]) < min(vals[i, i], vals[j, j])
                for i in range(len(vals)) for j in range(len(vals)) if i != j)
    return [
        {"type": "figure", "svg": svg,
         "caption": "Heterotrait-monotrait ratios (HTMT)"
                    + (f" with the upper limits of their {INTERVAL}s" if boot else "")
                    + "; cells at or above .85 are outlined."},
        {"type": "table", "data": rows, "caption": "HTMT and HTMT2 per pair",
         "columns": columns, "number_formats": {"htmt": 2, "htmt2": 2},
         "note": "Henseler et al. (2015): HTMT below .85 for conceptually distinct constructs "
                 "(.90 for similar ones), judged by the upper limit of its bootstrap interval "
                 "(Franke & Sarstedt, 2019); HTMT2 after Roemer et al. (2021): geometric "
                 "instead of arithmetic means of the item correlations, consistent for "
                 "congeneric items; only defined when the item correlations are positive "
                 "(— otherwise)."
                 + (f" CIs: {INTERVAL}s. " if boot else " ") + verdict},
        {"type": "table", "data": fl.rename_axis("Construct").reset_index(),
         "caption": "Fornell-Larcker criterion (secondary)",
         "number_formats": {c: "bounded" for c in fl.columns},
         "note": "Columns are numbered as the rows. Diagonal: square root of the AVE; off the "
                 "diagonal: construct correlations. Shown as a secondary criterion: in PLS-SEM it "
                 "misses most discriminant validity problems (Henseler et al., 2015), so HTMT "
                 "decides." + (" It holds for every pair." if fl_ok else
                               " It fails for at least one pair.")},
        *_cross_loadings_block(results, pls),
    ]


def _cross_loadings_block(results: dict, pls: dict) -> list[dict]:
    """Cross-loadings (Hair et al., 2019): each item's correlation with every construct score,
    its own construct's in bold; an item correlating more strongly (in absolute value) with
    another construct than with its own is flagged."""
    names = _names(results)
    cross = pls["assessment"].get("cross_loadings")
    if not cross or len(pls["constructs"]) < 2:
        return []
    order = [c["name"] for c in pls["constructs"]]
    keys = {c: f"c{k}" for k, c in enumerate(order)}
    rows, flagged = [], []
    for c in pls["constructs"]:
        for item in c["items"]:
            vals = {o: cross[o][item] for o in order}
            own = vals[c["name"]]
            higher = [o for o in order if o != c["name"] and vals[o] is not None
                      and own is not None and abs(vals[o]) > abs(own)]
            row: dict = {"item": item, "construct": names.get(c["name"], c["name"])}
            for o in order:
                v = vals[o]
                row[keys[o]] = (None if v is None else
                                Cell(apa(v, 3, True), float(v), "bounded:3",
                                     strong=o == c["name"]))
            row["flag"] = ", ".join(names.get(o, o) for o in higher) if higher else "no"
            rows.append(row)
            if higher:
                flagged.append(f"{item} ({', '.join(names.get(o, o) for o in higher)})")
    columns = {"item": "Item", "construct": "Construct",
               **{keys[o]: names.get(o, o) for o in order},
               "flag": "Higher on another construct"}
    note = ("Each item's correlation with every construct score (Hair et al., 2019); its own "
            "construct's in bold. An item should correlate more strongly with its own "
            "construct than with any other. "
            + ("These are correlations with the composite scores, not the PLSc-corrected "
               "loadings of the loadings table. " if pls["algorithm"] == "PLSc" else "")
            + (f"{len(flagged)} item(s) correlate more strongly with another construct: "
               + "; ".join(flagged) + "." if flagged else
               "Every item correlates most strongly with its own construct."))
    return [{"type": "table", "data": rows, "caption": "Cross-loadings",
             "columns": columns, "number_formats": {keys[o]: "bounded:3" for o in order},
             "note": note}]


def measurement_section(results: dict) -> dict:
    """The measurement model section (Hair et al., 2019, table 2)."""
    pls = results["pls"]
    modes = sorted(set(pls["settings"]["modes"].values()))
    intro = (f"Both models were estimated by {_method_name(pls)}, not by covariance-based SEM: "
             "each construct is a weighted composite of its items"
             + (", corrected for measurement error by consistent PLS" if pls["algorithm"] ==
                "PLSc" else "")
             + f" (mode {' and '.join(modes)}). The assessment follows the reporting order of "
               "Hair et al. (2019): indicator loadings, internal consistency, convergent "
               "validity, discriminant validity.")
    blocks: list[dict] = [{"type": "badges", "items": [
        {"status": "info", "text": f"Method: {_method_name(pls)}",
         "detail": f"{SCHEME_WORDS[pls['settings']['scheme']]}, converged in "
                   f"{pls['iterations']} iterations"}]}]
    blocks += [{"type": "badge", "status": "warn", "text": w} for w in pls["warnings"]]
    subsections = [
        {"id": "pls-loadings", "heading": "Indicator loadings and reliability",
         "blocks": _loadings_block(results, pls)},
        {"id": "pls-reliability", "heading": "Internal consistency and convergent validity",
         "blocks": _reliability_block(results, pls)},
        {"id": "pls-discriminant", "heading": "Discriminant validity",
         "blocks": _discriminant_block(results, pls)},
    ]
    return {"id": "pls-measurement", "heading": "Measurement model (PLS-SEM)", "intro": intro,
            "blocks": blocks, "subsections": subsections}


# ---- structural model -------------------------------------------------------------------------


def _paths_blocks(results: dict, pls: dict) -> list[dict]:
    names = _names(results)
    roles = {c["id"]: c["role"] for c in results["instrument"]["constructs"]}
    boot = _boot(pls)
    paths = _rows(pls, "~")
    used = {p["lhs"] for p in paths} | {p["rhs"] for p in paths}
    constructs = [{"id": c["name"], "name": names.get(c["name"], c["name"]),
                   "role": roles.get(c["name"], "predictor")}
                  for c in pls["constructs"] if c["name"] in used]
    r2 = {r["construct"]: r["r2"] for r in pls["assessment"]["r2"]}
    svg = figures.path_diagram(
        constructs, [{"from": p["rhs"], "to": p["lhs"], "beta": p["est"],
                      "p": p.get("pvalue"),
                      "ci": (p.get("ci.lower"), p.get("ci.upper")) if boot else None}
                     for p in paths], r2, bounded=False, interval=INTERVAL if boot else None)
    f2 = {(r["lhs"], r["rhs"]): r["f2"] for r in pls["assessment"]["paths"]}
    rows = []
    for p in paths:
        row = {"outcome": names.get(p["lhs"], p["lhs"]),
               "predictor": names.get(p["rhs"], p["rhs"]), "est": p["est"]}
        if boot:
            row.update(ci=_ci(p), sig=_excludes_zero(p))
        row["f2"] = f2.get((p["lhs"], p["rhs"]))
        rows.append(row)
    columns = {"outcome": "Outcome", "predictor": "Predictor", "est": "β"}
    if boot:
        columns.update(ci="95% CI", sig="CI excludes 0")
    columns["f2"] = "f²"
    r2_rows = []
    for r in pls["assessment"]["r2"]:
        row = {"construct": names.get(r["construct"], r["construct"]), "r2": r["r2"],
               "r2_adj": r["r2_adj"]}
        if boot:
            row["ci"] = _ci(_find(pls, "r2", r["construct"], r["construct"]))
        r2_rows.append(row)
    r2_cols = {"construct": "Construct", "r2": "R²", "r2_adj": "Adjusted R²"}
    if boot:
        r2_cols["ci"] = "95% CI of R²"
    return [
        {"type": "figure", "svg": svg,
         "caption": "Structural model (PLS-SEM): path coefficients"
                    + (f" (* the {INTERVAL} excludes zero; dashed: it includes zero)" if boot
                       else " (no bootstrap: not tested)")
                    + " and R² of the endogenous constructs."},
        {"type": "table", "data": rows, "caption": "Path coefficients and effect sizes",
         "columns": columns, "number_formats": {"est": 3, "f2": 3},
         "note": ("β: standardized path coefficient; " if True else "")
                 + (f"CI: {INTERVAL}; a path is significant when its CI excludes zero. "
                    if boot else "")
                 + "f² (Cohen, 1988): .02 small, .15 medium, .35 large."},
        {"type": "table", "data": r2_rows, "caption": "Explained variance",
         "columns": r2_cols, "number_formats": {"r2": "bounded", "r2_adj": "bounded"},
         "note": "R² of .75, .50 and .25 read as substantial, moderate and weak in marketing "
                 "research (Hair et al., 2019); adjusted R² corrects for the number of "
                 "predictors."},
    ]


def _moderation_blocks(results: dict, pls: dict) -> list[dict]:
    """The two-stage moderating effect (``pls["interaction"]``): the paths of the model with
    the interaction term, its effect size, and the simple slopes."""
    mod = pls.get("interaction")
    if not mod:
        return []
    names = _names(results)
    boot = int(mod["bootstrap"]["n_boot"]) > 0
    x, m = mod["x"], mod["moderator"]
    xn, mn = names.get(x, x), names.get(m, m)
    term = f"{xn} × {mn}"
    rows = []
    for p in mod["paths"]:
        row = {"outcome": names.get(p["lhs"], p["lhs"]),
               "predictor": term if p["rhs"] == mod["term"] else names.get(p["rhs"], p["rhs"]),
               "est": p["est"]}
        if boot:
            row.update(ci=_ci(p), sig=_excludes_zero(p))
        rows.append(row)
    columns = {"outcome": "Outcome", "predictor": "Predictor", "est": "β"}
    if boot:
        columns.update(ci="95% CI", sig="CI excludes 0")
    size = "; ".join(
        f"{names.get(r['lhs'], r['lhs'])}: R² {apa(r['r2_without'], 3, True)} without and "
        f"{apa(r['r2'], 3, True)} with the term, f² {apa(r['f2'], 3)}"
        for r in mod["interactions"])
    slopes = []
    for r in mod["simple_slopes"]:
        row = {"outcome": names.get(r["lhs"], r["lhs"]),
               "level": {-1.0: f"{mn} 1 SD below its mean", 0.0: f"{mn} at its mean",
                         1.0: f"{mn} 1 SD above its mean"}.get(float(r["level"]),
                                                               f"{mn} at {r['level']:+g} SD"),
               "slope": r["slope"]}
        if boot:
            row.update(ci=_ci(r), sig=_excludes_zero(r))
        slopes.append(row)
    slope_cols = {"outcome": "Outcome", "level": "Moderator", "slope": f"Path of {xn}"}
    if boot:
        slope_cols.update(ci="95% CI", sig="CI excludes 0")
    ci_note = (f" CIs: {INTERVAL}s, as in the other tables; both stages were re-estimated in "
               f"each of the {_n_text(int(mod['bootstrap']['n_boot']))} resamples"
               + ("; bias-corrected and accelerated (BCa) intervals, whose jackknife also "
                  "re-ran both stages, are in results.json." if mod["bootstrap"].get("bca")
                  else ".") if boot else " No bootstrap was run: not tested.")
    return [
        {"type": "text",
         "text": f"Does {mn.lower()} change the effect of {xn.lower()}? The interaction term "
                 f"{term} was added to every path out of {xn} and estimated by the two-stage "
                 "approach (Henseler & Chin, 2010; Fassott et al., 2016): the product of the "
                 f"standardized construct scores of {xn} and {mn} from the model without the "
                 "term, entered as a single-item construct. The other results of this report "
                 "are those of the model without the term."},
        {"type": "table", "data": rows,
         "caption": f"Paths of the model with the interaction term {term}",
         "columns": columns, "number_formats": {"est": 3},
         "note": "β: standardized path coefficient; the paths of "
                 f"{xn} and {mn} are their effects where the other is at its mean. "
                 f"Effect size of the interaction term (Cohen, 1988): {size}." + ci_note},
        {"type": "table", "data": slopes, "caption": f"Simple slopes of {xn}",
         "columns": slope_cols, "number_formats": {"slope": 3},
         "note": f"The path of {xn} where {mn} is one standard deviation below its mean, at "
                 "its mean and one above (Aiken & West, 1991): the path of "
                 f"{xn} plus the interaction effect per unit of the product of the "
                 "standardized scores times the moderator's level." + ci_note},
    ] + _moderation_predict_block(pls, mod, names, term)


def _moderation_predict_block(pls: dict, mod: dict, names: dict[str, str],
                              term: str) -> list[dict]:
    """PLSpredict of the model with the interaction term beside the model without it, per
    outcome of the term ([] when the run has none)."""
    pred = mod.get("predict")
    if not pred:
        return []
    without = {r["construct"]: r for r in (pls.get("predict") or {}).get("constructs", [])}
    rows = []
    for r in pred["constructs"]:
        if r["construct"] not in mod["outcomes"]:
            continue
        w = without.get(r["construct"], {})
        rows.append({"outcome": names.get(r["construct"], r["construct"]),
                     "rmse0": w.get("mean_rmse"), "rmse1": r["mean_rmse"],
                     "q20": w.get("mean_q2_predict"), "q21": r["mean_q2_predict"],
                     "power": POWER_WORDS.get(r["predictive_power"], r["predictive_power"])})
    if not rows:
        return []
    s = pred["settings"]
    return [{"type": "table", "data": rows,
             "caption": f"Out-of-sample prediction with and without the interaction term {term}",
             "columns": {"outcome": "Outcome", "rmse0": "Mean RMSE without the term",
                         "rmse1": "Mean RMSE with the term",
                         "q20": "Mean Q²predict without", "q21": "Mean Q²predict with",
                         "power": "Predictive power with the term"},
             "number_formats": {"rmse0": 3, "rmse1": 3, "q20": 3, "q21": 3},
             "note": f"PLSpredict of both models on the same folds ({s['folds']}-fold "
                     f"cross-validation repeated {s['repeats']} times, seed {s['seed']}); "
                     "means over the outcome's items. In each training set the term was "
                     "formed anew from stage 1 estimated on the training respondents only, "
                     "and the test respondents' term from those training weights, so no test "
                     "respondent entered any estimation. A lower RMSE with the term means the "
                     "moderating effect improves out-of-sample prediction. Predictive power "
                     "against the LM benchmark (Shmueli et al., 2019), whose predictors are the "
                     "exogenous constructs' items and the term."}]


def _vif_block(results: dict, pls: dict) -> list[dict]:
    names = _names(results)
    rows = [{"outcome": names.get(r["lhs"], r["lhs"]),
             "predictor": names.get(r["rhs"], r["rhs"]), "vif": r["vif"]}
            for r in pls["assessment"]["paths"]]
    high = [r for r in rows if r["vif"] is not None and r["vif"] >= 3]
    note = ("Variance inflation factors of each outcome's predictor constructs. VIFs of 5 or "
            "more indicate critical collinearity; between 3 and 5 it may still bias the paths "
            "(Hair et al., 2019). ")
    note += (f"{len(high)} of {len(rows)} reach 3." if high else "Every VIF is below 3.")
    return [{"type": "table", "data": rows, "caption": "Collinearity of the predictors",
             "columns": {"outcome": "Outcome", "predictor": "Predictor", "vif": "VIF"},
             "number_formats": {"vif": 2}, "note": note}]


def _effects_block(results: dict, pls: dict) -> list[dict]:
    names = _names(results)
    boot = _boot(pls)
    rows = []
    direct = {(r["lhs"], r["rhs"]): r for r in _rows(pls, "~")}
    indirect = {(r["lhs"], r["rhs"]): r for r in _rows(pls, "indirect")}
    for t in _rows(pls, "total"):  # the pairs with an indirect effect (the rest: paths)
        key = (t["lhs"], t["rhs"])
        if key not in indirect:
            continue
        for kind, r in (("direct", direct.get(key)), ("indirect", indirect.get(key)),
                        ("total", t)):
            if r is None:
                continue
            row = {"outcome": names.get(t["lhs"], t["lhs"]),
                   "predictor": names.get(t["rhs"], t["rhs"]), "kind": kind, "est": r["est"]}
            if boot:
                row.update(ci=_ci(r), sig=_excludes_zero(r))
            rows.append(row)
    if not indirect:
        text = ("The model has no mediated paths: each total effect equals its direct path "
                "coefficient.")
        return [{"type": "text", "text": text}]
    columns = {"outcome": "Outcome", "predictor": "Predictor", "kind": "Effect",
               "est": "Estimate"}
    if boot:
        columns.update(ci="95% CI", sig="CI excludes 0")
    note = ("Every pair of constructs linked through a mediator; the other paths' total effect "
            "is their direct path. Indirect: the sum of the products of the paths along every "
            "chain from the predictor to the outcome; total: direct plus indirect (Hair et al., "
            "2019)."
            + (f" CIs: {INTERVAL}s." if boot else ""))
    return [{"type": "table", "data": rows, "caption": "Direct, indirect and total effects",
             "columns": columns, "number_formats": {"est": 3}, "note": note},
            *_specific_block(results, pls)]


def _specific_block(results: dict, pls: dict) -> list[dict]:
    """Each specific indirect effect (one chain of two or more paths) with its interval: the
    ``:=`` rows of the estimates; from the assessment's ``via`` rows when a saved results
    file predates them (point estimates only)."""
    names = _names(results)
    boot = _boot(pls)
    rows = []
    chains = _rows(pls, ":=")
    if chains:
        for r in chains:
            row = {"chain": " → ".join(names.get(x, x) for x in r["lhs"].split(" -> ")),
                   "est": r["est"]}
            if boot:
                row.update(ci=_ci(r), sig=_excludes_zero(r))
            rows.append(row)
    else:
        boot = False
        rows = [{"chain": " → ".join(names.get(x, x) for x in r["via"].split(" -> ")),
                 "est": r["indirect"]} for r in pls["assessment"]["effects"] if r.get("via")]
    if not rows:
        return []
    columns = {"chain": "Chain (predictor → mediators → outcome)", "est": "Estimate"}
    if boot:
        columns.update(ci="95% CI", sig="CI excludes 0")
    note = ("A specific indirect effect is the product of the path coefficients along one "
            "chain; the specific indirect effects of a predictor on an outcome sum to its "
            "indirect effect above."
            + (f" CIs: {INTERVAL}s from the same resamples as the paths; "
               "bias-corrected and accelerated (BCa) intervals are in results.json."
               if boot else ""))
    return [{"type": "table", "data": rows, "caption": "Specific indirect effects",
             "columns": columns, "number_formats": {"est": 3}, "note": note}]


def _fit_block(pls: dict) -> list[dict]:
    fit = pls["assessment"]["fit"]
    rows = [{"measure": "SRMR", "estimated": fit["estimated"]["srmr"],
             "saturated": fit["saturated"]["srmr"], "note": "< .08"},
            {"measure": "d_ULS", "estimated": fit["estimated"]["d_uls"],
             "saturated": fit["saturated"]["d_uls"], "note": DASH}]
    return [{"type": "table", "data": rows, "caption": "Model fit (PLS-SEM)",
             "columns": {"measure": "Measure", "estimated": "Estimated model",
                         "saturated": "Saturated model", "note": "Criterion"},
             "number_formats": {"estimated": 3, "saturated": 3},
             "note": "SRMR: standardized root mean square residual of the item correlations "
                     "the model implies (Henseler et al., 2014); d_ULS: their squared Euclidean "
                     "distance (Dijkstra & Henseler, 2015). The saturated model correlates "
                     "every pair of constructs freely. Fit criteria for PLS-SEM are still "
                     "debated and are reported with caution (Hair et al., 2019)."}]


def _quadrant(x: float, y: float, imp: list[float], perf: list[float]) -> str:
    """The IPMA quadrant of a point among ``imp``/``perf`` (split at their means, as
    analysis.pls.ipma does), so that a results.json written before the reversed reading of
    negative drivers shows the quadrants its figure is drawn with."""
    hi_imp, hi_perf = x > sum(imp) / len(imp), y > sum(perf) / len(perf)
    return (f"{'high' if hi_imp else 'low'} importance, {'high' if hi_perf else 'low'} "
            "performance")


def _ipma_blocks(results: dict, pls: dict) -> list[dict]:
    """The importance-performance map of each final outcome (Ringle & Sarstedt, 2016)."""
    names = _names(results)
    blocks: list[dict] = []
    for m in pls.get("ipma") or []:
        out = names.get(m["target"], m["target"])
        rows = m["constructs"]
        better = m.get("higher_is_better", True)
        imp, perf, labels, flipped = oriented_points(rows, names, better)
        svg = figures.importance_performance(
            imp, perf, labels, title=f"Importance-performance map: {out}",
            xlabel=f"Importance (total effect on {out.lower()}, 0-100 metric)")
        blocks += [
            {"type": "figure", "svg": svg,
             "caption": f"Importance-performance map of the PLS model for {out.lower()} "
                        f"(Ringle & Sarstedt, 2016): importance = unstandardized total effect on "
                        f"{out.lower()} with every construct rescaled to 0-100 (points gained on "
                        "it per point gained on the driver), performance = mean rescaled "
                        f"construct score (0-100; {out.lower()}: "
                        f"{apa(m['target_performance'], 1)}); the dashed lines mark the means."
                        + reversed_sentence(rows, names, out.lower(), better)},
            {"type": "table", "data": [
                {"construct": label, "importance": x, "performance": y,
                 "priority": _quadrant(x, y, imp, perf)}
                for label, x, y in zip(labels, imp, perf, strict=True)],
             "caption": f"Importance and performance of the drivers of {out.lower()}",
             "columns": {"construct": "Construct", "importance": "Importance",
                         "performance": "Performance (0-100)", "priority": "Quadrant"},
             "number_formats": {"importance": 3, "performance": 1},
             "note": "Quadrants split at the mean importance and mean performance of the "
                     "constructs shown; high importance with low performance is where "
                     "improvement pays most (Ringle & Sarstedt, 2016)."
                     + (" Reversed: a driver with a negative total effect, shown as its "
                        "reverse (importance the size of its effect, performance 100 minus its "
                        "score), as in the figure." if flipped else "")}]
    return blocks


def structural_section(results: dict, drivers: list[dict]) -> dict:
    """The structural model section (Hair et al., 2019, table 3), ending with ``drivers``
    (the dominance blocks on scale scores) and the PLS model's importance-performance maps."""
    pls = results["pls"]
    predicted = predict_blocks(results)
    subsections = [
        {"id": "pls-collinearity", "heading": "Collinearity", "blocks": _vif_block(results, pls)},
        {"id": "pls-paths", "heading": "Path coefficients and explained variance",
         "blocks": _paths_blocks(results, pls)},
        *([{"id": "pls-moderation", "heading": "Moderation (two-stage interaction term)",
            "blocks": _moderation_blocks(results, pls)}] if pls.get("interaction") else []),
        *([{"id": "pls-predict", "heading": "Predictive power (PLSpredict)",
             "blocks": predicted}] if predicted else []),
        {"id": "pls-effects", "heading": "Indirect and total effects",
         "blocks": _effects_block(results, pls)},
        {"id": "pls-fit", "heading": "Model fit", "blocks": _fit_block(pls)},
    ]
    if pls.get("groups"):
        subsections.append({"id": "pls-groups", "heading": groups_heading(results),
                            "blocks": groups_blocks(results)})
    ipma = _ipma_blocks(results, pls)
    if drivers or ipma:
        subsections.append({"id": "pls-drivers", "heading": "Drivers and priorities",
                            "blocks": drivers + ipma})
    return {"id": "structural", "heading": "Structural model (PLS-SEM)",
            "intro": "In Hair et al.'s (2019) order: collinearity, path coefficients"
                     + (" with their bootstrap intervals" if _boot(pls) else "")
                     + ", explained variance and effect sizes, "
                     + ("the moderating effect, " if pls.get("interaction") else "")
                     + ("out-of-sample predictive power (PLSpredict), "
                        if pls.get("predict") else "")
                     + "indirect and total effects, model fit"
                     + (", then the two groups compared (MICOM and the path differences)."
                        if pls.get("groups") else "."),
            "blocks": [], "subsections": subsections}


# ---- key numbers, findings, missing data, methods ---------------------------------------------


def pls_missing_text(results: dict) -> str | None:
    """What was done with missing answers in a PLS run (None: nobody had one)."""
    sp = results["pls"]["sample"]
    touched = int(sp.get("n_incomplete") or 0)
    if not touched:
        return None
    chosen = results["pls"]["settings"].get("missing_chosen", True)
    if sp["missing"] == "mean":
        replaced = sp.get("replaced") or {}
        return (f"{touched:,} respondents left at least one item of the model unanswered; each "
                f"missing answer ({sum(replaced.values()):,} in all) was replaced by the mean "
                "of its item (mean replacement, as chosen; seminr's and SmartPLS's default), so "
                f"the PLS model rests on all {int(sp['n']):,} respondents. By item: "
                + ", ".join(f"{k} {v}" for k, v in replaced.items()) + ".")
    how = ("no missing-data handling was chosen, so the default, listwise deletion, left them "
           "out" if not chosen else "they were left out (listwise deletion, as chosen)")
    return (f"{touched:,} respondents left at least one item of the model unanswered; {how}: "
            f"the PLS model rests on {int(sp['n']):,} respondents. Mean replacement "
            "(--missing mean) would keep them.")


def _power_of_ten(x: float) -> str:
    """1e-07 -> "10⁻⁷" (another number as written: "2.5e-06")."""
    exp = math.log10(x)
    if abs(exp - round(exp)) > 1e-9:
        return f"{x:g}"
    sup = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
    return "10" + str(int(round(exp))).translate(sup)


def _ipma_sentence(results: dict) -> str:
    maps = results["pls"].get("ipma") or []
    if not maps:
        return ""
    names = _names(results)
    from .methods import IPMA_REVERSED, _and, ipma_lower_text

    which = _and([names.get(m["target"], m["target"]).lower() for m in maps])
    return (f"The importance-performance map{'s' if len(maps) > 1 else ''} of " + which
            + " follow" + ("" if len(maps) > 1 else "s") + " Ringle and Sarstedt (2016): items "
            "rescaled to 0-100 by their scale's end points, construct scores from the "
            "rescaled, unstandardized outer weights, importance the unstandardized total "
            "effect in that metric; " + IPMA_REVERSED.replace(" (Ringle & Sarstedt, 2016)", "")
            + "." + ipma_lower_text(results, [m["target"] for m in maps
                                              if m.get("higher_is_better") is False]))


def _moderation_sentence(results: dict) -> str:
    mod = results["pls"].get("interaction")
    if not mod:
        return ""
    names = _names(results)
    xn, mn = names.get(mod["x"], mod["x"]), names.get(mod["moderator"], mod["moderator"])
    n = int(mod["bootstrap"]["n_boot"])
    return (f"The moderating effect of {mn.lower()} on the paths of {xn.lower()} was estimated "
            "by the two-stage approach (Henseler & Chin, 2010; Fassott et al., 2016), as "
            "seminr's default: the model was first estimated without the interaction term, "
            f"whose score, the product of the standardized scores of {xn.lower()} and "
            f"{mn.lower()}, then entered the model as a single-item construct predicting every "
            f"outcome of {xn.lower()}"
            + (f"; both stages were repeated in each of the {_n_text(n)} bootstrap resamples "
               "(same seed; percentile intervals shown"
               + (", BCa intervals in results.json" if mod["bootstrap"].get("bca") else "")
               + ")" if n else "")
            + "; its effect size is f² from the R² with and without the term (Cohen, 1988), "
              "and the simple slopes give the path of " + xn.lower() + " at one standard "
              "deviation below and above the moderator's mean (Aiken & West, 1991)."
            + (" PLSpredict was repeated for the model with the term on the same folds, the "
               "term formed anew in each training set from stage 1 estimated on the training "
               "respondents only." if mod.get("predict") else ""))


def _methods_text(results: dict, title: str) -> str:
    from .methods import _drivers, _screening

    pls = results["pls"]
    s = pls["settings"]
    inst = results["instrument"]
    sw = results["software"]
    sc = results["screening"]
    kept = results.get("settings", {}).get("exclude_flagged", True) is not False
    n = sc["n_kept"] if kept else sc["n_read"]
    modes = s["modes"]
    mode_b = [k for k, v in modes.items() if v == "B"]
    consistent = pls["algorithm"] == "PLSc"
    est = ("The measurement and structural models were estimated by partial least squares path "
           "modelling (PLS-SEM; Wold, 1982; Lohmöller, 1989)"
           + (", with consistent PLS (PLSc; Dijkstra & Henseler, 2015) correcting the loadings "
              "and construct correlations of the reflectively measured constructs for "
              "measurement error by their rho_A" if consistent else "")
           + ", not by covariance-based SEM. Each construct was estimated as a "
           + ("mode A composite (correlation weights)" if not mode_b else
              f"mode A composite, except {', '.join(mode_b)} (mode B, regression weights)")
           + f" of its standardized items, with the {SCHEME_WORDS[s['scheme']]} for the inner "
             "weights; the iterations stopped when the sum of the absolute changes of the outer "
             f"weights fell below {_power_of_ten(s['tol'])} (at most {s['max_iter']} "
             "iterations, as "
             f"seminr), here after {pls['iterations']}. engagekit estimates PLS with its own "
             "code, which reproduces seminr's and R plspm's published estimates in its tests; "
             "neither was run for this report.")
    miss = pls_missing_text(results)
    if s["n_boot"]:
        inference = (f"Inference used {_n_text(int(s['n_boot']))} bootstrap resamples (seed "
                     f"{s['seed']}): the 95% confidence intervals shown are percentile intervals "
                     "(Aguirre-Urreta & Rönkkö, 2018), and bias-corrected and accelerated (BCa; "
                     "Efron, 1987) intervals are saved in results.json; an effect is called "
                     "significant when its interval excludes zero.")
        failed = int(pls["bootstrap"].get("n_failed") or 0)
        if failed:
            inference += f" {_n_text(failed)} resamples could not be estimated and were left out."
    else:
        inference = "No bootstrap was run, so no estimate has a confidence interval."
    assess = ("The results are reported in the order Hair et al. (2019) recommend: indicator "
              "loadings (.708 or more), internal consistency (Cronbach's alpha, rho_A and the "
              "composite reliability rho_C), convergent validity (AVE of .50 or more; Fornell & "
              "Larcker, 1981), discriminant validity by the heterotrait-monotrait ratio (HTMT; "
              "Henseler et al., 2015; its bootstrap interval, Franke & Sarstedt, 2019) and "
              "HTMT2 (Roemer et al., 2021), with the Fornell-Larcker criterion as a secondary "
              "check, then the predictors' collinearity (VIF), the path coefficients, R² and "
              "adjusted R², f² (Cohen, 1988), indirect, specific indirect and total effects, and the SRMR "
              "(Henseler et al., 2014) and d_ULS of the estimated and saturated models.")
    parts = [f"Responses to {title} (instrument {inst['id']} {inst['version']}) were analysed.",
             _screening(results),
             f"{_n_text(n)} respondents were analysed; reverse-keyed items were scored from "
             "their declared scales." + (f" Missing answers: {miss}" if miss else ""),
             est, inference, assess, _moderation_sentence(results), predict_sentence(results),
             groups_sentence(results),
             _drivers(results),
             _ipma_sentence(results),
             *_study_design_sentences(results),
             f"Software: engagekit {sw.get('engagekit')}, Python {sw.get('python')}, numpy "
             f"{sw.get('numpy')}, pandas {sw.get('pandas')}, scipy {sw.get('scipy')}, "
             f"statsmodels {sw.get('statsmodels')}."]
    return " ".join(p for p in parts if p)


def _study_design_sentences(results: dict) -> list[str]:
    """The methods sentences of the analyses a PLS run shares with a covariance-based one:
    waves, invariance across waves, cross-lagged panel models and latent profiles (each empty
    when it did not run), as :func:`reports.methods.methods_text` has them."""
    from .crosslag_section import crosslag_methods
    from .longinv_section import longinv_methods
    from .profiles_section import profiles_methods
    from .waves_section import waves_methods

    return [waves_methods(results), longinv_methods(results), crosslag_methods(results),
            profiles_methods(results)]


def key_cards(results: dict, value: str, note: str) -> list[dict]:
    """The key-number cards of the model: respondents analysed (``value`` and ``note`` as the
    covariance-based report words them, unless the PLS model rests on fewer), method, fit."""
    pls = results["pls"]
    sp = pls["sample"]
    n_kept = screened_counts(results)[0]  # everyone read with --keep-flagged
    if int(sp["n"]) != n_kept:
        value = f"{int(sp['n']):,}"
        note = (f"of {n_kept:,} kept; the rest left items unanswered "
                "(listwise)")
    elif sp.get("missing") == "mean" and sp.get("n_incomplete"):
        # the covariance-based wording says 'kept by FIML'; PLS replaced the answers by means
        note = (f"of {results['screening']['n_read']:,} read; {int(sp['n_incomplete']):,} with "
                "missing answers replaced by item means")
    s = pls["settings"]
    fit = pls["assessment"]["fit"]["estimated"]
    return [{"label": "Respondents analysed", "value": value, "note": note},
            {"label": "Method", "value": "PLSc" if pls["algorithm"] == "PLSc" else "PLS-SEM",
             "note": f"{s['scheme']} weighting; "
                     + (f"{int(s['n_boot']):,} bootstrap resamples" if s["n_boot"]
                        else "no bootstrap")},
            {"label": "Model fit (PLS-SEM)", "value": f"SRMR {apa(fit['srmr'], 3, True)}",
             "note": f"d_ULS {apa(fit['d_uls'], 3)}"}]


def findings_section(results: dict, sentences: str) -> dict:
    """"Findings in brief": which method produced the report, then each outcome's strongest
    driver (``sentences``, from :func:`reports.report.ranking_cards`)."""
    pls = results["pls"]
    lead = (f"This report's measurement and structural models were estimated by "
            f"{_method_name(pls)} (partial least squares), not by covariance-based SEM.")
    text = sentences or ("No structural paths." if not _rows(pls, "~") else
                         "No outcome has two or more exogenous predictors to rank.")
    return {"id": "findings", "heading": "Findings in brief",
            "blocks": [{"type": "text", "text": f"{lead} {text}"}]}


def methods_section(results: dict, title: str) -> dict:
    """"Methods and references": the methods paragraph of a PLS run (the references are
    filled in by :func:`reports.report.report_context`)."""
    return {"id": "methods", "heading": "Methods and references", "blocks": [
        {"type": "text", "text": _methods_text(results, title)}, {"type": "list", "items": []}]}


# ---- terminal -----------------------------------------------------------------------------------


def pls_summary_lines(results: dict) -> list[str]:
    """What ``run --method pls`` prints after the analysis (as the CB-SEM fits are printed)."""
    pls = results["pls"]
    s, sp = pls["settings"], pls["sample"]
    fit = pls["assessment"]["fit"]["estimated"]
    lines = [screening_line(results)]
    miss = pls_missing_text(results)
    if miss:
        lines.append(f"missing answers: {miss}")
    lines.append(f"{pls['algorithm']} ({s['scheme']} weighting, N = {int(sp['n']):,}, converged in "
                 f"{pls['iterations']} iterations; {int(s['n_boot']):,} bootstrap resamples, "
                 f"seed {s['seed']}): SRMR {fit['srmr']:.3f}, d_ULS {fit['d_uls']:.3f}")
    mod = pls.get("interaction")
    if mod:
        for r in mod["interactions"]:
            ci = (f" [{r['ci.lower']:.3f}, {r['ci.upper']:.3f}]"
                  if r.get("ci.lower") is not None else "")
            if r.get("bca.lower") is not None:
                ci += f" BCa [{r['bca.lower']:.3f}, {r['bca.upper']:.3f}]"
            lines.append(f"interaction (two-stage): {r['lhs']} ~ {r['rhs']} {r['est']:.3f}{ci}, "
                         f"f² {r['f2']:.4f}")
    for w in pls["warnings"]:
        lines.append(f"warning: {w}")
    from .longinv_section import invariance_lines

    return lines + invariance_lines(results)  # run --waves --invariance only


def pls_headline_lines(results: dict) -> list[str]:
    """The headline numbers of a PLS run (:func:`reports.cli.headline_lines`)."""
    pls = results["pls"]
    sc = results["screening"]
    names = _names(results)
    n_analysed = sc["n_kept"] if results["settings"].get("exclude_flagged", True) else \
        sc["n_read"]
    lines = [f"  N analysed: {n_analysed:,} of {sc['n_read']:,} respondents read "
             f"({screening_clause(results)})"
             + (f"; the PLS model rests on N = {int(pls['sample']['n']):,}"
                if int(pls["sample"]["n"]) != n_analysed else "")]
    rel = pls["assessment"]["reliability"]
    multi = [r for r in rel if int(r["items"]) > 1]
    if multi:
        lines.append(f"  method: {_method_name(pls)}; rho_C {apa(min(r['rho_c'] for r in multi), 2, True)}"
                     f" to {apa(max(r['rho_c'] for r in multi), 2, True)}, AVE "
                     f"{apa(min(r['ave'] for r in multi), 2, True)} to "
                     f"{apa(max(r['ave'] for r in multi), 2, True)}; SRMR "
                     f"{apa(pls['assessment']['fit']['estimated']['srmr'], 3, True)}")
    r2 = {r["construct"]: r["r2"] for r in pls["assessment"]["r2"]}
    for rank in pls["ranking"]:
        out, pred = rank["outcome"], rank["largest"]
        t = _find(pls, "total", out, pred)
        text = (f"  {names.get(out, out)} (R² {apa(r2.get(out), 2, True)}): largest total "
                f"effect of an exogenous construct {names.get(pred, pred)}, β = {apa(rank['std_total'], 2)}")
        if t.get("ci.lower") is not None:
            text += f" (95% percentile CI {apa(t['ci.lower'], 2)} to {apa(t['ci.upper'], 2)})"
        if "credible" in rank:
            text += (f"; lead over {names.get(rank['runner_up'], rank['runner_up'])} "
                     + ("credible" if rank["credible"] else "not credible"))
        lines.append(text)
    from .profiles_section import profiles_headline

    return lines + profiles_headline(results)
