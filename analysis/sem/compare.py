"""Nested-model comparison: a structural model against its measurement model.

* :func:`measurement_model` turns a structural model into its measurement model: the same
  measurement part, with every regression among the structural variables replaced by a free
  covariance (for latent variables lavaan's ``cfa()`` frees them by default; observed
  structural variables get their variances and covariances written out). The structural model
  is nested in it, with as many fewer degrees of freedom as the structure adds constraints
  (Anderson & Gerbing, 1988, the two-step approach).
* :func:`chisq_difference` is lavaan's ``anova()`` / ``lavTestLRT()`` of two nested fits:
  the plain difference of the chi-square statistics under ML (and DWLS); under MLM and MLR
  the scaled difference test of Satorra and Bentler (2001), lavaan's default
  ``"satorra.bentler.2001"``; under WLSMV the scaled-and-shifted test of Satorra (2000),
  lavaan's ``"satorra.2000"``.
"""

from __future__ import annotations

import math
from typing import Any

from scipy import stats

from .result import SEMResult
from .syntax import format_formula, parse_model

__all__ = ["chisq_difference", "measurement_model"]


def measurement_model(model: str) -> str:
    """The measurement model of ``model`` (see the module docstring) as lavaan syntax.

    >>> print(measurement_model("f =~ a + b + c; g =~ d + e + h; g ~ f"))
    f =~ a
    f =~ b
    f =~ c
    g =~ d
    g =~ e
    g =~ h
    """
    formulas = parse_model(model)
    latent = {f.lhs for f in formulas if f.op == "=~"}
    regs = [f for f in formulas if f.op == "~"]
    structural = list(dict.fromkeys(v for f in regs for v in (f.rhs, f.lhs)))
    # labels that only regressions carry are gone: constraints and definitions using them go too
    kept = [f for f in formulas if f.op not in ("~", ":=", "==")]
    lines = [format_formula(f) for f in kept]
    observed = [v for v in structural if v not in latent]
    if observed:  # observed structural variables: their variances and all covariances
        have = {(f.lhs, f.rhs) for f in kept if f.op == "~~"}
        for i, a in enumerate(structural):
            for b in structural[i:]:
                if (a in observed or b in observed) and (a, b) not in have \
                        and (b, a) not in have:
                    lines.append(f"{a} ~~ {b}")
    return "\n".join(lines)


def chisq_difference(restricted: SEMResult, free: SEMResult) -> dict[str, Any]:
    """The chi-square difference test of ``restricted`` (nested) against ``free``, as lavaan's
    ``anova(restricted, free)``: ``{"chisq.diff", "df.diff", "pvalue", "method"}``.

    ``df.diff = 0``: the models are equivalent (same fit); the statistic is then the plain
    difference (0 up to rounding) and the p value missing.
    """
    fm1, fm0 = restricted.fit_measures, free.fit_measures
    d_df = fm1["df"] - fm0["df"]
    d_chi = fm1["chisq"] - fm0["chisq"]
    est = str(restricted.options.get("estimator", "ML")).upper()
    method = "standard"
    if d_df > 0 and est == "WLSMV":
        from .ordinal_groups import lrt_satorra2000

        d_chi, d_df, p = lrt_satorra2000(free, restricted)
        return {"chisq.diff": d_chi, "df.diff": d_df, "pvalue": p, "method": "satorra.2000"}
    if d_df > 0 and "chisq.scaling.factor" in fm1 and "chisq.scaling.factor" in fm0:
        c1, c0 = fm1["chisq.scaling.factor"], fm0["chisq.scaling.factor"]
        cd = (fm1["df"] * c1 - fm0["df"] * c0) / d_df
        d_chi = d_chi / cd if cd > 0 else math.nan
        method = "satorra.bentler.2001"
    p = float(stats.chi2.sf(d_chi, d_df)) if d_df > 0 and math.isfinite(d_chi) else math.nan
    return {"chisq.diff": float(d_chi), "df.diff": float(d_df), "pvalue": p, "method": method}
