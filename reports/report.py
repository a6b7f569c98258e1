"""Turn a saved ``results.json`` (from :func:`analysis.study.run_study`) into the HTML report.

:func:`report_context` builds the page as plain data (sections of text, tables and inline-SVG
figures) and :func:`render_report` renders it with the templates in ``reports/templates``.
Nothing is refitted: every number shown is read from the results, and rendering the same
results twice gives the same bytes (the only timestamp is the one recorded in the results).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from analysis.results_schema import upgrade_results
from analysis.samples import describe_missing, sample_phrase

from . import figures
from .crosslag_section import crosslag_section
from .format import (
    DASH,
    FIT_CUTOFFS,
    apa,
    apa_ci,
    apa_p,
    fit_badges,
    fit_value,
    is_missing,
    screened_counts,
    uses_robust,
)
from .headings import localise_headings
from .ipma import oriented_points, reversed_sentence
from .longinv_section import group_partial_blocks, longinv_section, partial_search_offer
from .methods import (
    ave_text,
    cited_references,
    fit_kind,
    fit_phrase,
    low_ave,
    methods_text,
)
from .profiles_section import profiles_section
from .render import prepare, render_html
from .tables import Cell
from .waves_section import waves_section

SEGMENT_KEYS = ("no_loyalty", "spurious", "latent", "premium")
RULE_NAMES = {"attention": "failed attention check", "speeder": "speeder (completion time)",
              "longstring": "long string of identical answers",
              "irv": "low intra-individual response variability",
              "mahalanobis": "multivariate outlier (Mahalanobis D², p < .001)",
              "even_odd": "inconsistent even-odd halves", "duplicate": "duplicate response"}

def _title(inst: dict) -> str:
    """The instrument title with piping placeholders (``{brand}``) filled by their declared
    defaults; results saved before defaults were recorded fall back to "the <placeholder>"."""
    values = inst.get("placeholders") or {}
    title = re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}",
                   lambda m: values.get(m.group(1), f"the {m.group(1)}"), inst["title"])
    brand = inst.get("brand")  # run --brand, for an instrument whose title has no {brand}
    if brand and "{brand}" not in inst["title"]:
        title = f"{brand}: {title}"
    return title


def _df(records: Any) -> pd.DataFrame:
    return pd.DataFrame(records or [])


def _names(results: dict) -> dict[str, str]:
    return {c["id"]: c["name"] for c in results["instrument"]["constructs"]}


def _item_label(item: dict) -> str:
    """"aff_01 emotional bond"; the id alone for an item without a label of its own (results
    record the id as its label then, which must not read "aff_1 aff_1")."""
    label = str(item.get("label") or "").strip()
    return item["id"] if not label or label == item["id"] else f"{item['id']} {label}"


def _item_labels(results: dict) -> dict[str, str]:
    return {i["id"]: _item_label(i) for c in results["instrument"]["constructs"]
            for i in c["items"]}


def _rule_words(rules: list[str]) -> str:
    """Screening rules in words ("low intra-individual response variability"), never their
    ids."""
    return ", ".join(RULE_NAMES.get(r, r.replace("_", " ")) for r in rules)


def _ave_warning(results: dict) -> str:
    """"AVE is below .50 for Economic commitment (.47): ..." or "" when every AVE reaches .50."""
    low = low_ave(results)
    if not low:
        return ""
    which = "; ".join(f"{n} ({ave_text(a)})" for n, a in low)
    return (f"AVE is below .50 for {which}: the construct's items share less variance with it "
            "than with measurement error, so convergent validity is not supported by the "
            "criterion of Fornell and Larcker (1981).")


def _signed(x: float, decimals: int) -> str:
    """A signed score (NPS): "+12", "−3" with a true minus sign, "0" unsigned."""
    text = apa(x, decimals)
    return text if text.startswith("\u2212") or float(text.replace(",", "")) == 0 else "+" + text


def _fixed(rows: pd.DataFrame) -> pd.Series:
    """True for the rows of fixed parameters: lavaan reports them with SE 0 and no p value."""
    se = pd.to_numeric(rows["se"], errors="coerce")
    p = pd.to_numeric(rows.get("pvalue", pd.Series(None, index=rows.index)), errors="coerce")
    return (se == 0) & p.isna()


def _beta(x: float) -> str:
    """A standardized effect: two decimals with a leading zero (a regression weight can exceed 1,
    so APA keeps the zero; only statistics bounded by 1 drop it)."""
    return apa(x, 2)


def _sample(results: dict, key: str) -> dict | None:
    """The N and missing-data handling of one analysis (results saved before they were
    recorded have none)."""
    return (results.get("samples") or {}).get(key)


def _n_note(results: dict, *keys: str) -> str:
    """" N = 302 (listwise: ...)." for the first of ``keys`` recorded, when some respondent in
    it had a missing answer; "" otherwise (then every analysis rests on the kept N)."""
    for key in keys:
        rec = _sample(results, key)
        if rec is not None:
            return "" if rec["missing"] == "complete" else f" {sample_phrase(rec)}."
    return ""


def _missing_text(results: dict) -> str | None:
    """What was done with missing answers, and to how many respondents (None: none missing)."""
    samples = results.get("samples")
    if not samples:
        return None
    if "pls" in results:  # a PLS-SEM run: mean replacement or listwise
        from .pls_section import pls_missing_text

        return pls_missing_text(results)
    return describe_missing(samples, (results.get("missing_data") or {}).get("chosen", True))


def _analysed(results: dict) -> tuple[str, str]:
    """The key numbers' respondent count: the kept N when every model used it, else the N of
    the CFA and of the structural model, with a note on why they differ."""
    sc = results["screening"]
    n_kept = screened_counts(results)[0]  # everyone read with --keep-flagged
    kept = f"{n_kept:,}"
    cfa, sem = _sample(results, "cfa"), _sample(results, "structural")
    ns = sorted({int(r["n"]) for r in (cfa, sem) if r is not None})
    if not ns or ns == [n_kept]:
        touched = (results.get("missing_data") or {}).get("n_incomplete") or 0
        return kept, (f"of {sc['n_read']:,} read"
                      + (f"; {touched:,} with missing answers kept by FIML" if touched else ""))
    value = f"{ns[0]:,}" if len(ns) == 1 else f"{ns[0]:,}–{ns[-1]:,}"
    return value, (f"of {n_kept:,} kept ({sc['n_read']:,} read); the rest left items "
                   "unanswered (listwise)")


# ---- sections ---------------------------------------------------------------------------------


def _fit_card(label: str, fm: dict) -> dict:
    kind = fit_kind(fm, "cfi")
    return {"label": label + (f" ({kind})" if kind else ""),
            "value": f"CFI {apa(fit_value(fm, 'cfi'), 3, True)}",
            "note": f"RMSEA {apa(fit_value(fm, 'rmsea'), 3, True)}, "
                    f"SRMR {apa(fm['srmr'], 3, True)}"}


def _summary(results: dict) -> tuple[dict, str]:
    names = _names(results)
    fm = results["validation"]["cfa"]["fit_measures"]
    value, note = _analysed(results)
    cards = [{"label": "Respondents analysed", "value": value, "note": note},
             _fit_card("Measurement model fit", fm)]
    sfm = results.get("effects", {}).get("fit_measures")
    if sfm:
        cards.append(_fit_card("Structural model fit", sfm))
    driver_cards, sentences = ranking_cards(results["effects"]["ranking"], names)
    return ({"heading": "Key numbers", "cards": cards + driver_cards + score_cards(results)},
            " ".join(sentences))


def ranking_cards(ranking: list[dict], names: dict[str, str]) -> tuple[list[dict], list[str]]:
    """The key-number cards and findings sentences of each outcome's strongest exogenous driver
    (the effects' ranking, covariance-based or PLS: it compares the exogenous constructs only,
    so a mediator with a larger total effect is not contradicted)."""
    cards, sentences = [], []
    for r in ranking:
        top, out = names.get(r["largest"], r["largest"]), names.get(r["outcome"], r["outcome"])
        second = names.get(r["runner_up"], r["runner_up"])
        # the ranking compares the exogenous constructs only: a mediator (e.g. satisfaction)
        # may have a larger total effect, so neither card nor sentence says 'largest' plainly
        cards.append({"label": f"Strongest exogenous driver of {out.lower()}",
                      "value": f"β = {_beta(r['std_total'])}", "note": f"{top} (total effect)"})
        sign = "raises" if r["std_total"] > 0 else "lowers"
        lead = ""
        if r.get("diff.lower") is not None:
            # a bound that rounds to .00 gets a third decimal, so [.003, .43] does not read as
            # touching zero when the verdict rests on it excluding zero
            near_zero = min(abs(r["diff.lower"]), abs(r["diff.upper"])) < .005
            ci = apa_ci(r["diff.lower"], r["diff.upper"], 3 if near_zero else 2)
            lead = (f" Its lead over {second.lower()} (β = {_beta(r['runner_up_std_total'])}) is "
                    + ("credible" if r["credible"] else "not credible")
                    + f": the bootstrap 95% CI of the difference in absolute effects is {ci}.")
        which = ("Of the exogenous constructs (those no other construct predicts)"
                 if not sentences else "Of the exogenous constructs")
        sentences.append(f"{which}, {top.lower()} has the largest total effect on {out.lower()}: "
                         "one standard "
                         f"deviation more {top.lower()} {sign} {out.lower()} by "
                         f"{apa(abs(r['std_total']), 2)} SD (β = {_beta(r['std_total'])})."
                         + lead)
    return cards, sentences


def score_cards(results: dict) -> list[dict]:
    """The key-number cards of the NPS and the 0-100 indices."""
    cards = []
    for nps in results["scores"]["nps"].values():
        cards.append({"label": "Net Promoter Score", "value": _signed(nps["nps"], 0),
                      "note": f"95% CI {_signed(nps['ci_low'], 0)} to "
                              f"{_signed(nps['ci_high'], 0)}"})
    for idx in results["scores"]["indices"].values():
        cards.append({"label": f"{idx['id'].upper()} index (0-100)", "value": f"{idx['mean']:.1f}",
                      "note": f"95% CI {idx['ci_low']:.1f} to {idx['ci_high']:.1f}"})
    return cards


def _sample_section(results: dict) -> dict:
    sc = results["screening"]
    off = sc.get("not_applied") or {}
    rows = [{"step": "Responses read", "n": results["data"]["n_read"], "note": ""}]
    for rule, n in sc["n_flagged"].items():
        excl = rule in sc["settings"]["exclude_rules"]
        name = f"{RULE_NAMES.get(rule, rule)}" + ("" if excl else " (not an exclusion rule)")
        alpha = sc["settings"].get("mahalanobis_alpha")
        if rule == "mahalanobis" and alpha is not None and alpha != 0.001:  # chosen with run
            name = name.replace("p < .001", f"p < {apa(alpha, 3, True)}")
        if rule in off:  # not judged: no count, the reason instead
            rows.append({"step": f"Not applied: {name}", "n": None, "note": off[rule]})
        else:
            rows.append({"step": f"Flagged: {name}", "n": n, "note": ""})
    n_kept, n_excluded = screened_counts(results)
    rows += [{"step": "Flagged by any rule", "n": sc["n_flagged_any"], "note": ""},
             {"step": "Excluded" if n_excluded == sc["n_excluded"] else
              "Excluded (none: flagged respondents kept with --keep-flagged)",
              "n": n_excluded, "note": ""}]
    missing_text = _missing_text(results)
    if missing_text is None:
        rows.append({"step": "Analysed", "n": n_kept, "note": ""})
    else:  # who each model rests on, and why that is not everyone kept
        touched = max(int(r.get("n_incomplete") or 0) for r in results["samples"].values())
        rows += [{"step": "Kept after screening", "n": n_kept, "note": ""},
                 {"step": "With at least one model item unanswered", "n": touched, "note": ""}]
        for key, what in (("cfa", "CFA, reliability and validity"),
                          ("structural", "Structural model and bootstrap"),
                          ("pls", "PLS path model and bootstrap")):
            rec = _sample(results, key)
            if rec is not None:
                how = {"fiml": " (FIML: every answer)", "listwise": " (complete answers)",
                       "mean": " (missing answers replaced by item means)"}.get(
                    rec["missing"], "")
                rows.append({"step": f"Analysed: {what}{how}", "n": rec["n"], "note": ""})
    applied = [r for r in sc["settings"]["exclude_rules"] if r not in off]
    note = ("Respondents are flagged, never silently dropped; exclusion rules applied: "
            + (_rule_words(applied) if applied else "none") + ".")
    skipped = [r for r in sc["settings"]["exclude_rules"] if r in off]
    if skipped:
        note += " Not applied: " + "; ".join(f"{_rule_words([r])}: {off[r]}"
                                             for r in skipped) + "."
    if missing_text is not None:
        note += " Missing answers: " + missing_text
    columns = {"step": "Step", "n": "n"}
    if off:
        columns["note"] = "Reason"
    blocks: list[dict] = [{"type": "table", "data": rows, "caption": "Sample and data quality",
                           "columns": columns, "number_formats": {"n": "int"}, "note": note}]
    log = results["data"]["cleaning_log"]
    blocks.append({"type": "text", "text": f"Reading the responses changed {len(log)} value(s) "
                   "(out-of-scale or non-numeric values set to missing); each change is listed "
                   "in the cleaning log written next to this report."})
    miss = [{"item": k, "missing": v} for k, v in results["data"]["missing_by_item"].items()
            if v > 0]
    if miss:
        blocks.append({"type": "table", "data": miss, "caption": "Missing answers by item",
                       "columns": {"item": "Item", "missing": "Missing"}})
    else:
        blocks.append({"type": "text", "text": "No item has missing answers among the "
                       "respondents analysed."})
    return {"id": "sample", "heading": "Sample and data quality", "blocks": blocks}


def _distributions_section(results: dict) -> dict:
    inst = results["instrument"]
    dist = _df(results["validation"]["distributions"])
    labels = _item_labels(results)
    scales = {s["id"]: s for s in inst["scales"]}
    blocks = []
    for c in inst["constructs"]:
        items = [i for i in c["items"] if i["id"] in set(dist.get("item", []))
                 and i["role"] == "measure"]
        if not items:
            continue
        scale = scales[items[0]["scale"]]
        if scale["kind"] != "likert" or scale["max"] - scale["min"] > 10:
            continue
        values = list(range(int(scale["min"]), int(scale["max"]) + 1))
        data = {}
        for i in items:
            d = dist[(dist["item"] == i["id"]) & (~dist["missing"].astype(bool))]
            counts = {int(v): float(n) for v, n in zip(d["value"], d["count"], strict=True)}
            data[labels[i["id"]]] = counts
        names = [scale["anchors"].get(str(v), str(v)) for v in values]
        svg = figures.likert_diverging({c["name"]: data}, names,
                                       f"{c['name']}: response distribution",
                                       scale_values=values)
        blocks.append({"type": "figure", "svg": svg,
                       "caption": f"{c['name']}: responses per item (reverse-keyed items shown "
                                  "after reversal)."})
    return {"id": "distributions", "heading": "Item distributions", "blocks": blocks}


def _reliability_section(results: dict) -> dict:
    names = _names(results)
    rel = _df(results["validation"]["reliability"])
    conv = _df(results["validation"]["validity"]["convergent"]).set_index("construct")
    rows = []
    for r in rel.to_dict(orient="records"):
        rows.append({"construct": names.get(r["construct"], r["construct"]),
                     "items": r["n_items"], "alpha": r["alpha"],
                     "ci": apa_ci(r["feldt_low"], r["feldt_high"], 2, True),
                     "omega": r["omega"], "cr": r["cr"],
                     "ave": conv.loc[r["construct"], "ave"]})
        if r.get("omega_latent") is not None:
            rows[-1]["omega_latent"] = r["omega_latent"]
        if "ordinal_alpha" in r:
            rows[-1].update(ord_alpha=r["ordinal_alpha"], ord_omega=r["ordinal_omega"])
    ordinal = any(r.get("ord_alpha") is not None for r in rows)
    latent = any("omega_latent" in r for r in rows)
    columns = {"construct": "Construct", "items": "Items", "alpha": "α",
               "ci": "95% CI (Feldt)", "omega": "ω (sum score)" if latent else "ω"}
    if latent:
        columns["omega_latent"] = "ω (latent responses)"
    columns.update(cr="CR", ave="AVE")
    if latent:
        note = ("α = Cronbach's alpha; ω (sum score) = omega of the observed sum score of the "
                "ordinal items, from the WLSMV fit (Green & Yang, 2009; semTools' default); "
                "ω (latent responses) = omega of the latent item responses (semTools' "
                "ord.scale = FALSE); CR = composite reliability on the latent-response scale; "
                "AVE = average variance extracted (Fornell & Larcker, 1981).")
    else:
        note = ("α = Cronbach's alpha; ω = McDonald's omega from the CFA (observed total "
                "variance, as semTools); CR = composite reliability; AVE = average variance "
                "extracted (Fornell & Larcker, 1981).")
    if ordinal:
        columns.update(ord_alpha="Ordinal α", ord_omega="Ordinal ω")
        note += (" Ordinal α and ω are computed from the polychoric correlations of the "
                 "Likert items (Zumbo et al., 2007; Gadermann et al., 2012), for constructs "
                 "with at least three items.")
    note += " Values of .70 (α, ω, CR) and .50 (AVE) are the usual minimums."
    if ave_warning := _ave_warning(results):
        note += " " + ave_warning
    note += _n_note(results, "alpha")
    ordinal_n = _sample(results, "ordinal")
    if ordinal and ordinal_n is not None and ordinal_n["missing"] == "listwise (no FIML)":
        note += f" Ordinal α and ω: {sample_phrase(ordinal_n)}."
    it = _df(results["validation"]["item_total"])
    it["construct"] = it["construct"].map(lambda c: names.get(c, c))
    return {"id": "reliability", "heading": "Reliability", "blocks": [
        {"type": "table", "data": rows, "caption": "Reliability per construct",
         "columns": columns,
         "number_formats": {c: "int" if c == "items" else "bounded" for c in columns
                            if c not in ("construct", "ci")},
         "note": note},
        {"type": "table", "data": it[["construct", "item", "r_rest", "alpha_if_deleted"]],
         "caption": "Item-rest correlations",
         "columns": {"construct": "Construct", "item": "Item", "r_rest": "Item-rest r",
                     "alpha_if_deleted": "α if item deleted"},
         "number_formats": {"r_rest": "bounded", "alpha_if_deleted": "bounded"}},
    ]}


_KIND_WORDS = {"robust": "robust", "scaled": "scaled"}


def _fit_rows(fm: dict, eff: dict, cutoffs: dict) -> tuple[list[dict], dict, str]:
    """The fit table: the measurement model (the validation CFA) and, when the effects were
    estimated, the structural model beside it, with the chi-square difference between them.
    Under MLM/MLR/WLSMV every value is the robust or scaled one, the row label says which."""
    sfm = eff.get("fit_measures")
    fits = [fm] + ([sfm] if sfm else [])

    def cell(f: dict, key: str) -> Cell | str:
        """The value as shown, with the number behind it (for Excel); RMSEA with its CI is
        text."""
        v = fit_value(f, key)
        if key == "rmsea":
            return (f"{apa(v, 3, True)} " + apa_ci(fit_value(f, "rmsea.ci.lower"),
                                                  fit_value(f, "rmsea.ci.upper"), 3, True))
        if key == "ntotal":
            v = f.get("ntotal")
            return DASH if v is None else Cell(f"{int(v):,}", int(v), "int")
        if is_missing(v):
            return apa(v)  # the em dash
        if key == "chisq":
            return Cell(apa(v, 2), float(v), 2)
        if key == "df":
            n = 0 if float(v).is_integer() else 2
            return Cell(apa(v, n), float(v), n)
        if key == "pvalue":
            return Cell(apa_p(v), float(v), "p")
        return Cell(apa(v, 3, True), float(v), "bounded:3")

    def label(key: str, name: str, after: str = "") -> str:
        kind = fit_kind(fm, key) or (fit_kind(sfm, key) if sfm else "")
        return name + (f" ({_KIND_WORDS[kind]})" if kind else "") + after

    specs = [("ntotal", "N", ""), ("chisq", label("chisq", "χ²"), ""),
             ("df", "df", ""), ("pvalue", label("pvalue", "p"), ""),
             ("cfi", label("cfi", "CFI"), f"≥ {apa(cutoffs['cfi'][0], 2, True)}"),
             ("tli", label("tli", "TLI"), f"≥ {apa(cutoffs['tli'][0], 2, True)}"),
             ("rmsea", label("rmsea", "RMSEA", " [90% CI]"),
              f"≤ {apa(cutoffs['rmsea'][0], 2, True)}"),
             ("srmr", "SRMR", f"≤ {apa(cutoffs['srmr'][0], 2, True)}")]
    rows = []
    for key, name, crit in specs:
        row = {"measure": name, "cfa": cell(fm, key), "note": crit}
        if sfm:
            row["sem"] = cell(sfm, key)
        rows.append(row)
    columns = {"measure": "Measure", "cfa": "Measurement model"}
    if sfm:
        columns["sem"] = "Structural model"
    columns["note"] = "Criterion"
    note = ""
    if any(fit_kind(f, "cfi") or fit_kind(f, "chisq") for f in fits):
        note += ("Robust (MLM/MLR, WLSMV) or scaled versions of the test and indices, as "
                 "labelled. ")
    comp = eff.get("comparison")
    meas = (eff.get("measurement") or {}).get("fit_measures")
    if comp and sfm:
        if comp.get("saturated"):
            note += ("The structural model leaves the constructs' covariances unconstrained "
                     "(it is saturated), so it fits exactly as its measurement model does. ")
        else:
            test = {"satorra.bentler.2001": "scaled difference test (Satorra & Bentler, 2001)",
                    "satorra.2000": "scaled and shifted difference test (Satorra, 2000)"}.get(
                comp.get("method"), "difference test")
            rows.append({"measure": "Δχ² (structural − measurement)",
                         "cfa": "", "sem": f"{apa(comp['chisq.diff'], 2)}, df = "
                         f"{apa(comp['df.diff'], 0)}, {apa_p(comp['pvalue'], prefix=True)}",
                         "note": "p ≥ .05"})
            note += f"Δχ²: the χ² {test} of the structural model against "
            same = meas is not None and abs(float(meas["chisq"]) - float(fm["chisq"])) < 1e-6 \
                and float(meas["df"]) == float(fm["df"])
            if same:
                note += "the measurement model. "
            else:
                note += ("the measurement model of its own constructs (χ²("
                         f"{apa(fit_value(meas, 'df'), 0)}) = {apa(fit_value(meas, 'chisq'), 2)}"
                         "; the CFA in the first column covers every multi-item construct). "
                         if meas else "its measurement model. ")
    return rows, columns, note.strip()


def _factor_section(results: dict) -> dict:
    names = _names(results)
    cfa = results["validation"]["cfa"]
    fm = cfa["fit_measures"]
    cutoffs = {**FIT_CUTOFFS, **{k: tuple(v) for k, v in (
        results.get("settings", {}).get("validation", {}).get("fit_cutoffs") or {}).items()}}
    robust = uses_robust(fm)
    eff = results.get("effects") or {}
    fit_rows, fit_columns, fit_note = _fit_rows(fm, eff, cutoffs)
    default_cuts = cutoffs == FIT_CUTOFFS
    load = _df(cfa["loadings"])
    load["construct"] = load["lhs"].map(lambda c: names.get(c, c))
    # a fixed parameter (the marker loading) has no standard error: an em dash, not 0.000
    load["se"] = load["se"].where(~_fixed(load), None)
    blocks: list[dict] = [
        {"type": "badges", "items": fit_badges(fm, robust=robust, cutoffs=cutoffs)},
        {"type": "table", "data": fit_rows,
         "caption": "Fit of the measurement and structural models" if eff.get("fit_measures")
         else "Fit of the confirmatory factor analysis",
         "columns": fit_columns,
         "note": f"Estimator {cfa['estimator']}."
                 + _n_note(results, "cfa").replace(" N = ", " Measurement model: N = ", 1)
                 + _n_note(results, "structural").replace(" N = ", " Structural model: N = ",
                                                          1)
                 + " " + fit_note
                 + (" Criteria from Hu and Bentler (1999)." if default_cuts else
                    " Criteria as chosen for this study (Hu and Bentler, 1999, recommend "
                    "CFI/TLI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08).")},
        {"type": "table", "data": load[["construct", "rhs", "est", "se", "std.all"]],
         "caption": "Loadings", "columns": {"construct": "Construct", "rhs": "Item",
                                            "est": "Estimate", "se": "SE",
                                            "std.all": "Standardized"},
         "number_formats": {"est": 3, "se": 3, "std.all": "bounded:3"}},
    ]
    mi = _df(cfa["modification_indices"])
    if not mi.empty:
        mi["parameter"] = mi["lhs"] + " " + mi["op"] + " " + mi["rhs"]
        blocks.append({"type": "table", "data": mi[["parameter", "mi", "epc", "sepc.all"]],
                       "caption": "Largest modification indices",
                       "columns": {"parameter": "Parameter", "mi": "MI", "epc": "EPC",
                                   "sepc.all": "Standardized EPC"},
                       "note": "Freeing a parameter is justified by theory, not by its MI."})
    for w in cfa["warnings"]:
        blocks.append({"type": "badge", "status": "warn", "text": w})
    return {"id": "factor-structure", "heading": "Factor structure", "blocks": blocks}


def _validity_section(results: dict) -> dict:
    names = _names(results)
    v = results["validation"]["validity"]
    conv = _df(v["convergent"])
    conv["construct"] = conv["construct"].map(lambda c: names.get(c, c))
    convergent = {"type": "table", "data": conv[["construct", "ave", "composite_reliability"]],
                  "caption": "Convergent validity",
                  "columns": {"construct": "Construct", "ave": "AVE",
                              "composite_reliability": "CR"},
                  "number_formats": {"ave": "bounded", "composite_reliability": "bounded"}}
    ave_warning = _ave_warning(results)
    conv_note = ("AVE = average variance extracted; .50 is the minimum for convergent validity "
                 "(Fornell & Larcker, 1981)." if ave_warning else "")
    if n_note := _n_note(results, "reliability"):
        conv_note = (conv_note + n_note).strip()
    if conv_note:
        convergent["note"] = conv_note
    if ave_warning:  # a warning beside the table, not only a number in it
        convergent = [convergent, {"type": "badge", "status": "warn", "text": ave_warning}]
    else:
        convergent = [convergent]
    if v.get("fornell_larcker") is None or v.get("htmt") is None:  # one construct
        why = "; ".join(f"{k.replace('_', '-').capitalize()}: not run ({r})"
                        for k, r in (v.get("skipped") or {}).items())
        return {"id": "validity", "heading": "Convergent and discriminant validity",
                "blocks": [*convergent, {"type": "text", "text": why + "."}]}
    fl = v["fornell_larcker"]["table"]
    fl_df = pd.DataFrame(fl)
    # APA's correlation-matrix layout: numbered rows, columns headed by the numbers only, so
    # the table fits the page however long the construct names are
    fl_df = fl_df.loc[list(fl_df.columns), list(fl_df.columns)]
    fl_df.index = [f"{k}. {names.get(i, i)}" for k, i in enumerate(fl_df.index, start=1)]
    fl_df.columns = [str(k) for k in range(1, len(fl_df.columns) + 1)]
    ht = v["htmt"]
    order = list(ht["matrix"].keys())
    matrix = [[ht["matrix"][c][r] for c in order] for r in order]
    upper = [[None] * len(order) for _ in order]
    for p in ht["pairs"]:
        i, j = order.index(p["construct_a"]), order.index(p["construct_b"])
        upper[i][j] = upper[j][i] = p.get("ci.upper")
    svg = figures.htmt_heatmap(matrix, [names.get(c, c) for c in order], ci_upper=upper,
                               threshold=.85, ci_level=ht["ci_level"])
    pairs = _df(ht["pairs"])
    pairs2 = {(p["construct_a"], p["construct_b"]): p["htmt"] for p in v["htmt2"]["pairs"]}
    pairs["htmt2"] = [pairs2.get((a, b)) for a, b in zip(pairs.construct_a, pairs.construct_b,
                                                          strict=True)]
    pairs["pair"] = [f"{names.get(a, a)} – {names.get(b, b)}"
                     for a, b in zip(pairs.construct_a, pairs.construct_b, strict=True)]
    pairs["ci"] = [apa_ci(lo, hi, 2) for lo, hi in zip(pairs["ci.lower"],
                                                              pairs["ci.upper"], strict=True)]
    return {"id": "validity", "heading": "Convergent and discriminant validity", "blocks": [
        *convergent,
        {"type": "table", "data": fl_df.rename_axis("Construct").reset_index(),
         "caption": "Fornell-Larcker criterion",
         "number_formats": {c: "bounded" for c in fl_df.columns},
         "note": "Columns are numbered as the rows. "
                 "Diagonal: square root of the AVE; off the diagonal: latent correlations. The "
                 "criterion holds when each diagonal value exceeds the correlations in its row "
                 "and column." + (" It holds for every pair." if v["fornell_larcker"]["passed"]
                                  else " It fails for at least one pair.")},
        {"type": "figure", "svg": svg,
         "caption": "Heterotrait-monotrait ratios with the upper bounds of their bootstrap "
                    f"{int(ht['ci_level'] * 100)}% CIs; cells at or above 0.85 are outlined."},
        {"type": "table", "data": pairs[["pair", "htmt", "ci", "htmt2"]],
         "caption": "HTMT and HTMT2 per pair",
         "columns": {"pair": "Constructs", "htmt": "HTMT", "ci": f"{int(ht['ci_level']*100)}% CI",
                     "htmt2": "HTMT2"},
         "number_formats": {"htmt": 2, "htmt2": 2},
         "note": f"{ht['n_boot']} bootstrap resamples (seed {ht['seed']}). Henseler et al. "
                 "(2015): HTMT below 0.85 (conceptually distinct) or 0.90 (similar constructs); "
                 "HTMT2 after Roemer et al. (2021)." + (
                     " Where an estimate lies below its interval, the HTMT is near zero: it "
                     "averages absolute correlations, so its bootstrap distribution sits above "
                     "the estimate; the criterion uses the upper bound."
                     if any(e < lo for e, lo in zip(pairs.htmt, pairs["ci.lower"], strict=True)
                            if e is not None and lo is not None) else "")
                 + _n_note(results, "htmt")},
    ]}


def _method_section(results: dict) -> dict:
    mb = results["validation"]["method_bias"]
    h = mb["harman"]
    blocks: list[dict] = [{"type": "text", "text":
                           f"Harman's single-factor test: the first unrotated component explains "
                           f"{h['variance_share'] * 100:.1f}% of the item variance "
                           f"({'above' if h['flagged'] else 'below'} the 50% warning level)."
                           + _n_note(results, "method_bias")}]
    vif = _df(mb["full_collinearity_vif"])
    if not vif.empty:
        vif["construct"] = vif["construct"].map(lambda c: _names(results).get(c, c))
        blocks.append({"type": "table", "data": vif[["construct", "vif"]],
                       "caption": "Full-collinearity VIFs",
                       "columns": {"construct": "Construct", "vif": "VIF"},
                       "note": "Kock (2015): values above 3.3 suggest common method variance."})
    u = mb.get("ulmc")
    if u and u.get("fitted"):
        verdict = {True: "adds a significant common factor",
                   False: "does not add a significant common factor",
                   None: "gives no clear verdict"}[u["method_effect"]]
        text = (f"Unmeasured latent method construct: a method factor on all items {verdict} "
                f"(Δχ² = {apa(u['chisq_diff'], 2)}, df = {int(u['df_diff'])}, "
                f"{apa_p(u['pvalue_diff'], prefix=True)}); mean trait variance "
                f"{apa(u['mean_trait_variance'], 2, True)} vs method variance "
                f"{apa(u['mean_method_variance'], 2, True)}.")
        if u.get("note"):
            text += f" Note: {u['note']}."
        blocks.append({"type": "text", "text": text})
    return {"id": "method-bias", "heading": "Common-method checks", "blocks": blocks}


def _invariance_kind(results: dict) -> str:
    """Which versions of the statistics the invariance table holds under a robust estimator."""
    est = str(results.get("settings", {}).get("estimator", "ML")).upper()
    if est in ("WLSMV",):
        return (" Estimator WLSMV: CFI and RMSEA are the scaled versions and Δχ² the scaled "
                "and shifted difference test (Satorra, 2000).")
    if est in ("MLM", "MLR"):
        return (f" Estimator {est}: CFI and RMSEA are the robust versions and Δχ² the scaled "
                "difference test (Satorra & Bentler, 2001).")
    return ""


def _invariance_section(results: dict) -> dict | None:
    inv = results["validation"].get("invariance")
    if not inv:
        return None
    t = _df(inv["table"])
    scaled = "chisq.scaled" in t and pd.to_numeric(t["chisq.scaled"], errors="coerce").notna().all()
    if scaled:  # the scaled statistic, as everywhere else under a robust estimator
        t["chisq"] = t["chisq.scaled"]
    cols = {"model": "Model", "chisq": "χ² (scaled)" if scaled else "χ²", "df": "df",
            "cfi": "CFI", "rmsea": "RMSEA",
            "srmr": "SRMR", "chisq.diff": "Δχ²", "df.diff": "Δdf", "pvalue.diff": "p",
            "cfi.diff": "ΔCFI", "rmsea.diff": "ΔRMSEA", "decision": "Decision"}
    cols = {k: v for k, v in cols.items() if k in t.columns}
    return {"id": "invariance", "heading": f"Measurement invariance across {inv['group']}",
            "blocks": [{"type": "table", "data": t[list(cols)], "caption":
                        "Invariance sequence", "columns": cols,
                        "number_formats": {"chisq": 2, "df": "int", "cfi": "bounded:3",
                                           "rmsea": "bounded:3", "srmr": "bounded:3",
                                           "chisq.diff": 2, "df.diff": "int", "pvalue.diff": "p",
                                           "cfi.diff": "bounded:3", "rmsea.diff": "bounded:3"},
                        "note": "A level holds when ΔCFI ≥ −.01 (Cheung & Rensvold, 2002) and "
                                "ΔRMSEA ≤ .015 (Chen, 2007)." + _invariance_kind(results)}]
            # validate --invariance-partial: the partial-invariance search
            + (group_partial_blocks(inv["partial"], inv["group"]) if inv.get("partial")
               else partial_search_offer(inv))}


_SHORT = {"bca.lower": "BCa", "pct.lower": "percentile", "ci.lower": "delta method"}


def _interval(eff: dict) -> tuple[str, str, str]:
    """The effects' interval the report shows (and judges significance by): BCa when the
    bootstrap computed it, else the percentile interval, else the delta-method (Wald) one."""
    rows = eff["effects"]
    for lo, hi, words in (("bca.lower", "bca.upper", "95% bootstrap BCa CI"),
                          ("pct.lower", "pct.upper", "95% bootstrap percentile CI")):
        if rows and any(r.get(lo) is not None for r in rows):
            return lo, hi, words
    return "ci.lower", "ci.upper", "95% delta-method CI"


def _structural_section(results: dict) -> dict:
    names = _names(results)
    eff = results["effects"]
    roles = {c["id"]: c["role"] for c in results["instrument"]["constructs"]}
    used = {p["lhs"] for p in eff["paths"]} | {p["rhs"] for p in eff["paths"]}
    constructs = [{"id": c, "name": names.get(c, c), "role": roles.get(c, "predictor")}
                  for c in names if c in used]
    lo_col, hi_col, interval = _interval(eff)
    all_e = _df(eff["effects"])
    direct = {(r["predictor"], r["outcome"]): (r.get(lo_col), r.get(hi_col))
              for r in all_e[all_e.kind == "direct"].to_dict(orient="records")}
    # the diagram marks a path by the interval the effects table shows for its direct effect
    paths = [{"from": p["rhs"], "to": p["lhs"], "beta": p["std.all"], "p": p["pvalue"],
              "ci": direct.get((p["rhs"], p["lhs"]))} for p in eff["paths"]]
    r2 = {r["variable"]: r["r2"] for r in eff["r2"]}
    svg = figures.path_diagram(constructs, paths, r2, bounded=False, interval=interval)
    ranked = [r["outcome"] for r in eff["ranking"]]
    e = all_e[all_e.outcome.isin(ranked)].copy() if ranked else all_e.copy()
    e["predictor"] = e["predictor"].map(lambda c: names.get(c, c))
    e["outcome"] = e["outcome"].map(lambda c: names.get(c, c))
    e["ci"] = [apa_ci(a, b, 2) for a, b in zip(e[lo_col], e[hi_col], strict=True)]
    e["sig"] = ["yes" if (a > 0 or b < 0) else "no" if not (pd.isna(a) or pd.isna(b)) else None
                for a, b in zip(e[lo_col], e[hi_col], strict=True)]
    boot = eff["bootstrap"]
    how = {"bca.lower": f"bias-corrected and accelerated (BCa) bootstrap intervals from "
                        f"{boot.get('n_boot', 0):,} resamples (seed {boot.get('seed')})",
           "pct.lower": f"percentile bootstrap intervals from {boot.get('n_boot', 0):,} "
                        f"resamples (seed {boot.get('seed')})",
           "ci.lower": "delta-method (Wald) intervals"
                       + (" from robust standard errors"
                          if str(results["settings"].get("estimator", "ML")).upper() != "ML"
                          else "")
                       + (f"; no bootstrap: {boot['skipped']}" if boot.get("skipped")
                          else "")}[lo_col]
    blocks: list[dict] = []
    if eff.get("fit_measures"):
        cutoffs = {**FIT_CUTOFFS, **{k: tuple(v) for k, v in (
            results.get("settings", {}).get("validation", {}).get("fit_cutoffs") or {}).items()}}
        blocks += [{"type": "text", "text": "Fit of the structural model: "
                    + fit_phrase(eff["fit_measures"]) + " (beside the measurement model's in "
                    "the fit table above)."},
                   {"type": "badges", "items": fit_badges(eff["fit_measures"],
                                                          cutoffs=cutoffs)}]
    blocks += [
        {"type": "figure", "svg": svg, "caption": "Structural model: standardized paths "
         f"(* the {interval} of the effect excludes zero; dashed: it includes zero) and R² of "
         "the endogenous constructs."},
        {"type": "table", "data": e[["outcome", "predictor", "kind", "est", "ci", "sig",
                                      "std.all", "pvalue"]],
         "caption": "Direct, indirect and total effects",
         "columns": {"outcome": "Outcome", "predictor": "Predictor", "kind": "Effect",
                     "est": "Estimate", "ci": f"95% CI ({_SHORT[lo_col]})",
                     "sig": "CI excludes 0", "std.all": "β", "pvalue": "p (delta method)"},
         "number_formats": {"est": 3, "std.all": 2, "pvalue": "p"},
         "note": f"CIs are {how}; an effect is significant when its CI excludes zero, as the "
                 "path diagram marks it. The p values come from delta-method standard errors "
                 "and are shown for comparison only." + _n_note(results, "structural")},
    ]
    blocks += driver_blocks(results, {p["rhs"] for p in eff["paths"]})
    blocks += _groups_blocks(results, names)
    return {"id": "structural", "heading": "What drives satisfaction and loyalty",
            "blocks": blocks}


def driver_blocks(results: dict, drives: set[str]) -> list[dict]:
    """The driver analyses on scale scores (dominance) and the importance-performance map of
    the final outcome(s): those that drive no other construct (``drives``: the constructs
    with a path out of them)."""
    names = _names(results)
    blocks: list[dict] = []
    for eq in results["observed"]["equations"]:
        dom = eq["dominance"]
        t = _df(dom["table"])
        svg = figures.driver_bars(list(t["weight"]), [names.get(x, x) for x in t["predictor"]],
                                  f"Drivers of {names.get(eq['outcome'], eq['outcome']).lower()}"
                                  " (general dominance)", r2=dom["r2"])
        blocks.append({"type": "figure", "svg": svg, "caption": "Dominance analysis on scale "
                       f"scores: each driver's share of R² = {apa(dom['r2'], 2, True)} for "
                       f"{names.get(eq['outcome'], eq['outcome']).lower()} (Azen & Budescu, "
                       "2003)."})
    # the map is for the final outcome(s): those the model explains but that drive nothing
    # further (a mediator's map would leave out what the model is for)
    ipmas = results["observed"]["ipma"]
    finals = [ip for ip in ipmas if ip["outcome"] not in drives]
    for ip in finals or ipmas[-1:]:
        rows = ip["table"]
        out = names.get(ip["outcome"], ip["outcome"])
        better = ip.get("higher_is_better", True)
        imp, perf, labels, _ = oriented_points(rows, names, better)
        svg = figures.importance_performance(imp, perf, labels,
                                             title=f"Importance-performance map: {out}",
                                             xlabel=f"Importance (total effect on {out.lower()})")
        final = ("an outcome" if not finals else "the final outcome" if len(finals) == 1
                 else "a final outcome")
        blocks.append({"type": "figure", "svg": svg, "caption": "Importance-performance map "
                       f"for {out.lower()} ({final}): importance = standardized total effect "
                       f"on {out.lower()} (direct and through the mediators), performance = "
                       "mean score on 0-100; the dashed lines mark the means."
                       + reversed_sentence(rows, names, out.lower(), better)})
    return blocks


def _loadings_held(g: dict) -> str:
    """How the path comparison identified the groups' factors: every loading equal, or all but
    those the partial-invariance search released."""
    free = g.get("free_loadings") or []
    if not free:
        return "Loadings held equal across groups."
    return (f"Loadings held equal across groups except {', '.join(free)} (released by the "
            "partial-invariance search).")


def _groups_blocks(results: dict, names: dict[str, str]) -> list[dict]:
    blocks: list[dict] = []
    g = results.get("groups")
    if g:
        gt = _df(g["paths"])
        gt["path"] = [f"{names.get(a, a)} → {names.get(b, b)}" for a, b in zip(gt.rhs, gt.lhs,
                                                                               strict=True)]
        cols = {"path": "Path"}
        sizes = g.get("n") or {}
        for lab in g["groups"]:
            cols[f"std[{lab}]"] = f"β {lab}"
        cols.update({"chisq.diff": "Δχ²", "pvalue": "p"})
        n_text = ("Group sizes: " + "; ".join(f"{lab}, n = {sizes[lab]:,}" for lab in g["groups"])
                  + ". ") if all(lab in sizes for lab in g["groups"]) else ""
        fmts = {k: 2 for k in cols if k.startswith("std[")}
        fmts.update({"chisq.diff": 2, "pvalue": "p"})
        blocks.append({"type": "table", "data": gt[list(cols)], "caption":
                       f"Paths compared across {g['group']}", "columns": cols,
                       "number_formats": fmts,
                       "note": f"{n_text}{_loadings_held(g)} Omnibus test of "
                               f"equal paths: Δχ² = {apa(g['omnibus']['chisq.diff'], 2)}, df = "
                               f"{int(g['omnibus']['df.diff'])}, "
                               f"{apa_p(g['omnibus']['pvalue'], prefix=True)}."})
    return blocks


def _segments_section(results: dict) -> dict | None:
    sc = results["scores"]
    blocks: list[dict] = []
    for seg in sc["segments"].values():
        svg = figures.segments_matrix({k: seg["counts"].get(k, 0) for k in SEGMENT_KEYS})
        blocks.append({"type": "figure", "svg": svg, "caption": f"Loyalty segments: "
                       f"{seg['attitude']} (relative attitude) by {seg['patronage']} (repeat "
                       f"patronage), {seg['cut']} split at {seg['attitude_cut']:g} and "
                       f"{seg['patronage_cut']:g}; n = {seg['n']:,}."})
    for nps in sc["nps"].values():
        blocks.append({"type": "text", "text": f"Net Promoter Score ({nps['item']}): "
                       f"{_signed(nps['nps'], 1)} (95% CI {_signed(nps['ci_low'], 1)} to "
                       f"{_signed(nps['ci_high'], 1)}"
                       f"); promoters {nps['pct_promoters']:.1f}%, passives "
                       f"{nps['pct_passives']:.1f}%, detractors {nps['pct_detractors']:.1f}% "
                       f"(n = {nps['n']:,})."})
    if not blocks:
        return None
    return {"id": "segments", "heading": "Loyalty segments and NPS", "blocks": blocks}


def _methods_section(results: dict) -> dict:
    return {"id": "methods", "heading": "Methods and references", "blocks": [
        {"type": "text", "text": methods_text(results, _title(results["instrument"]))},
        {"type": "list", "items": []}]}  # the references: filled by report_context


def _texts(node: Any) -> list[str]:
    """Every string of a section tree except figures' SVG (for the citation scan)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [t for k, v in node.items() if k != "svg" for t in _texts(v)]
    if isinstance(node, (list, tuple)):
        return [t for v in node for t in _texts(v)]
    if isinstance(node, pd.DataFrame):
        return []
    return []


def _no_ranking(results: dict) -> str:
    """Why the findings name no strongest driver."""
    eff = results.get("effects") or {}
    boot = eff.get("bootstrap") or {}
    if boot.get("unstable"):
        bad = int(boot.get("n_failed") or 0) + int(boot.get("n_inadmissible") or 0)
        why = boot.get("inadmissible_reasons") or {}
        detail = "; ".join(f"{k} in {v:,}" for k, v in why.items())
        hint = []
        if any("latent covariance" in k for k in why) or boot.get("n_failed"):
            hint.append("nearly collinear constructs (combine them or drop one)")
        if any("residual variance" in k for k in why):
            hint.append("an item whose residual variance is near zero (a Heywood case, "
                        "common in two-item constructs: add items)")
        return (f"The structural model is unstable: {bad:,} of {int(boot['n_boot']):,} bootstrap "
                f"resamples ({int(boot.get('n_failed') or 0):,} not converged, "
                f"{int(boot.get('n_inadmissible') or 0):,} inadmissible"
                + (f": {detail}" if detail else "") + ") exceed the "
                f"{boot.get('max_failed_share', .1):.0%} allowed. Its effects' intervals are not "
                "trustworthy, so no driver is ranked"
                + (f"; look for {' or '.join(hint)}" if hint else "") + ".")
    if not eff.get("paths"):
        return "No structural paths."
    return "No outcome has two or more predictors to rank."


def report_context(results: dict) -> dict[str, Any]:
    """The report page as data for :func:`reports.render.render_html`."""
    results = upgrade_results(results)  # a results.json saved before columns were renamed
    inst = results["instrument"]
    analysed = _analysed(results)[0]
    if "pls" in results:  # PLS-SEM (run --method pls): its own model sections
        from . import pls_section as pls

        value, note = _analysed(results)
        cards, found = ranking_cards(results["pls"]["ranking"], _names(results))
        summary = {"heading": "Key numbers", "cards": pls.key_cards(results, value, note)
                   + cards + score_cards(results)}
        # the header says what the key card says: the N the PLS model rests on (listwise
        # deletion may leave fewer than the respondents kept by screening)
        analysed = summary["cards"][0]["value"]
        sentences = " ".join(found)
        drives = {r["rhs"] for r in results["pls"]["estimates"] if r["op"] == "~"}
        sections = [pls.findings_section(results, sentences),
                    waves_section(results, RULE_NAMES),  # a tracking study only (run --waves)
                    crosslag_section(results),  # run --waves --cross-lagged A,B only
                    _sample_section(results),
                    _distributions_section(results), pls.measurement_section(results),
                    longinv_section(results),  # run --waves --invariance only
                    pls.structural_section(results, driver_blocks(results, drives)),
                    _segments_section(results), profiles_section(results),
                    pls.methods_section(results, _title(results["instrument"]))]
    else:
        summary, sentences = _summary(results)
        sections = [{"id": "findings", "heading": "Findings in brief",
                     "blocks": [{"type": "text", "text": sentences or _no_ranking(results)}]},
                    waves_section(results, RULE_NAMES),  # a tracking study only (run --waves)
                    crosslag_section(results),  # run --waves --cross-lagged A,B only
                    _sample_section(results), _distributions_section(results),
                    _reliability_section(results), _factor_section(results),
                    _validity_section(results), _method_section(results),
                    _invariance_section(results),
                    longinv_section(results),  # run --waves --invariance only
                    _structural_section(results),
                    _segments_section(results), profiles_section(results),
                    _methods_section(results)]
    sections = [s for s in sections if s is not None]
    refs = cited_references([sentences, *_texts(sections)],
                            [c["text"] for c in inst["citations"]])
    sections[-1]["blocks"][-1]["items"] = refs
    context = {
        "title": f"{_title(inst)}: findings",
        "lang": inst.get("language", "en"),
        "subtitle": f"engagekit report for instrument {inst['id']} {inst['version']}",
        "meta": [{"label": "Respondents analysed", "value": analysed},
                 {"label": "Results created", "value": results["created"]},
                 {"label": "Source", "value": results["data"]["source"]["file"]}],
        "summary": summary,
        "sections": sections,
        "footer": "Generated by engagekit from results.json; every number is read from the "
                  "saved results."}
    # headings in the instrument's language where engagekit has them (English: unchanged)
    return localise_headings(context, inst.get("language", "en"))


def report_document(results: dict) -> dict[str, Any]:
    """The report as :func:`render_report` renders it: :func:`report_context` numbered, each
    table with its :class:`reports.tables.Table` model (block key ``"model"``), each figure with
    its label ("Figure 3"). The manuscript writers (:mod:`reports.manuscript`) read the tables
    and figures from it, so they are those of the HTML report."""
    return prepare(report_context(results))


def render_report(results: dict) -> str:
    """The self-contained HTML report of ``results``.

    Nothing is refitted: every number is read from ``results``, and the same results give the
    same bytes. The page has no external resources (figures are inline SVG), so it opens
    offline.

    Parameters
    ----------
    results : dict
        The results of :func:`analysis.study.run_study`, or a saved ``results.json`` loaded
        with :func:`json.load`.

    Returns
    -------
    str
        The HTML document.

    Examples
    --------
    >>> from analysis import StudySettings, ValidationSettings, run_study, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> quick = StudySettings(n_boot=0, seed=1, n_jobs=1, progress=False,
    ...                       validation=ValidationSettings(htmt_n_boot=50, parallel_iter=10,
    ...                                                     method_factor=False))
    >>> results = run_study(simulate(inst, n=300, seed=1).data, inst, quick,
    ...                     created="2026-12-01T00:00:00+00:00")
    >>> html = render_report(results)
    >>> html.startswith("<!DOCTYPE html>"), html == render_report(results)
    (True, True)
    """
    return render_html(report_context(results))


__all__ = ["render_report", "report_context", "report_document"]
