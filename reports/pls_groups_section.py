"""The group-comparison subsection of a PLS-SEM report (``run --method pls --group COL``) and
its methods sentence.

Read from ``results["pls"]["groups"]`` (:mod:`analysis.pls.groups`); nothing is refitted.
First each construct's measurement invariance by MICOM (Henseler, Ringle & Sarstedt, 2016):
step 2 (compositional invariance: the correlation ``c`` of the composite scores built with
either group's weights, against the 5% quantile of its permutation distribution) and step 3
(equal composite means and log variances, against their 95% permutation intervals), then the
verdict: full, partial (steps 1-2; paths may be compared) or none. Then every structural path
in both groups with the difference, the permutation p-value (Chin & Dibbern, 2010) and
Henseler's PLS-MGA p (Henseler, Ringle & Sinkovics, 2009), two-sided.
"""

from __future__ import annotations

from .format import apa, apa_ci, apa_p

__all__ = ["groups_blocks", "groups_heading", "groups_sentence"]

INVARIANCE_WORDS = {"full": "full", "partial": "partial (paths comparable)",
                    "none": "none (not comparable)"}


def _names(results: dict) -> dict[str, str]:
    return {c["id"]: c["name"] for c in results["instrument"]["constructs"]}


def groups_heading(results: dict) -> str:
    """The subsection's heading: the column and the two groups compared."""
    g = results["pls"]["groups"]
    return f"Group comparison: {g['column']} ({g['groups'][0]} vs {g['groups'][1]})"


def groups_blocks(results: dict) -> list[dict]:
    """The blocks of the group-comparison subsection; [] without ``--group``."""
    g = results["pls"].get("groups")
    if not g:
        return []
    names = _names(results)
    g1, g2 = g["groups"]
    n1, n2 = g["n_groups"]
    step2 = {r["construct"]: r for r in g["micom"]["step2"]}
    step3 = {(r["construct"], r["statistic"]): r for r in g["micom"]["step3"]}
    inv_rows = []
    for r in g["invariance"]:
        c = r["construct"]
        s2, mean, var = step2[c], step3[(c, "mean")], step3[(c, "logvar")]
        inv_rows.append({
            "construct": names.get(c, c), "c": s2["c"], "cq": s2["c.quantile"],
            "mean": f"{apa(mean['diff'], 3)} {apa_ci(mean['ci.lower'], mean['ci.upper'], 3)}",
            "logvar": f"{apa(var['diff'], 3)} {apa_ci(var['ci.lower'], var['ci.upper'], 3)}",
            "invariance": INVARIANCE_WORDS.get(r["invariance"], r["invariance"])})
    mga = g["n_boot"] > 0
    path_rows = []
    for r in g["paths"]:
        row = {"outcome": names.get(r["lhs"], r["lhs"]),
               "predictor": names.get(r["rhs"], r["rhs"]), "b1": r["est.group1"],
               "b2": r["est.group2"], "diff": r["diff"], "p": apa_p(r["pvalue"])}
        if mga:
            row["p_mga"] = apa_p(r["pvalue.mga.2sided"])
        row["comparable"] = "yes" if r["comparable"] else "no"
        path_rows.append(row)
    cols = {"outcome": "Outcome", "predictor": "Predictor", "b1": f"β {g1}", "b2": f"β {g2}",
            "diff": "Difference", "p": "Permutation p"}
    if mga:
        cols["p_mga"] = "PLS-MGA p"
    cols["comparable"] = "Invariance allows comparison"
    differ = [r for r in g["paths"] if r["pvalue"] < g["alpha"] and r["comparable"]]
    # the p-values rest on the permutations (and resamples) that could be estimated
    ms = g.get("mga_settings") or {}
    n_perm_failed = int(ms.get("n_failed") or 0)
    n_perm_ok = int(g["n_perm"]) - n_perm_failed
    boot_failed = ", ".join(f"{int(ms[f'n_boot_failed.group{k}']):,} of {g['n_boot']:,} in "
                            f"{name}" for k, name in ((1, g1), (2, g2))
                            if ms.get(f"n_boot_failed.group{k}"))
    other = (f" ({g['n_other_groups']:,} respondents of other groups left out)"
             if g.get("n_other_groups") else "")
    none_group = (f"; {g['n_no_group']:,} respondents without a group left out"
                  if g.get("n_no_group") else "")
    intro = (f"{g1} (n = {n1:,}) compared with {g2} (n = {n2:,}){other}{none_group}; "
             f"{g['n_perm']:,} permutations (seed {g['seed']}). Paths are compared only "
             "between constructs with at least partial measurement invariance (MICOM; "
             "Henseler et al., 2016). "
             + (f"{len(differ)} of the {sum(bool(r['comparable']) for r in g['paths'])} "
                "comparable paths differ between the groups "
                f"(permutation p < {apa(g['alpha'], 2, True)})." if differ else
                f"No comparable path differs between the groups (permutation p < "
                f"{apa(g['alpha'], 2, True)} for none)."))
    return [
        {"type": "text", "text": intro},
        {"type": "table", "data": inv_rows,
         "caption": f"Measurement invariance of the composites (MICOM), {g1} vs {g2}",
         "columns": {"construct": "Construct", "c": "c (step 2)", "cq": "5% quantile of c",
                     "mean": "Mean difference [95% permutation interval]",
                     "logvar": "Log-variance difference [95% permutation interval]",
                     "invariance": "Invariance"},
         "number_formats": {"c": 4, "cq": 4},
         "note": "MICOM (Henseler et al., 2016). Step 1 (configural invariance) holds by "
                 "design: one model, one data treatment and one set of settings for both "
                 "groups. Step 2: compositional invariance holds when c, the correlation of the "
                 "composite scores built with either group's weights, is not below the 5% "
                 "quantile of its permutation distribution. Step 3: the differences of the "
                 "composite means and log variances (group 1 - group 2) lie inside their 95% "
                 "permutation intervals. Full invariance: steps 1-3 hold (the groups may be "
                 "pooled); partial: steps 1-2 (the paths may be compared); none: the "
                 "construct's paths are not compared."},
        {"type": "table", "data": path_rows,
         "caption": f"Path coefficients compared between {g1} and {g2}",
         "columns": cols, "number_formats": {"b1": 3, "b2": 3, "diff": 3},
         "note": f"Difference: {g1} minus {g2}. Permutation p: two-sided, the share of "
                 f"{n_perm_ok:,} random reassignments of the respondents to the two groups "
                 "with an absolute difference at least as large (Chin & Dibbern, 2010)"
                 + (f"; {n_perm_failed:,} of the {g['n_perm']:,} reassignments could not be "
                    "estimated and were left out" if n_perm_failed else "") + "."
                 + (f" PLS-MGA p: Henseler's test from {g['n_boot']:,} bootstrap resamples of "
                    "each group (Henseler et al., 2009), two-sided"
                    + (f"; resamples that could not be estimated were left out ({boot_failed})"
                       if boot_failed else "") + "." if mga else "")},
    ]


def groups_sentence(results: dict) -> str:
    """The methods sentence on the group comparison ("" without it)."""
    g = results["pls"].get("groups")
    if not g:
        return ""
    g1, g2 = g["groups"]
    return (f"The groups {g1} and {g2} of {g['column']} were compared after testing the "
            "measurement invariance of the composites with MICOM (Henseler et al., 2016; "
            "steps 1-3: configural invariance, compositional invariance, equal composite "
            f"means and variances) by {g['n_perm']:,} permutations (seed {g['seed']}); the "
            "path coefficients of constructs with at least partial invariance were compared "
            "by the permutation test (Chin & Dibbern, 2010)"
            + (f" and Henseler's PLS-MGA ({g['n_boot']:,} bootstrap resamples per group; "
               "Henseler, Ringle & Sinkovics, 2009)" if g["n_boot"] else "") + ".")
