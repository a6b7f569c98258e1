"""Measurement invariance across groups: configural, metric, scalar, strict.

Each level adds equality constraints to the previous one (Meredith, 1993;
Vandenberg & Lance, 2000): metric = equal loadings, scalar = + equal intercepts
(latent means free in groups 2..G), strict = + equal residual variances.  Nested
models are compared by

* the likelihood-ratio test (chi-square difference; with MLM/MLR the scaled
  difference test of Satorra & Bentler, 2001, lavaan's ``lavTestLRT`` default);
* the change in CFI, invariance rejected when ``delta CFI <= -0.01``
  (Cheung & Rensvold, 2002);
* the change in RMSEA, invariance rejected when ``delta RMSEA >= 0.015`` (Chen, 2007).

The thresholds are settings (:class:`InvarianceSettings`).  A step is reported as
"supported" when neither fit-change rule rejects it (the chi-square test is shown but,
being sensitive to N, is not used for the decision unless ``use_chisq=True``); ``holds``
is True only while every step up to and including this one is supported.  With MLM/MLR
the CFI, TLI and RMSEA columns are lavaan's robust versions (Brosseau-Liard & Savalei).

Ordinal items (``ordered=[...]``, WLSMV/DWLS): the levels are those of Wu & Estabrook
(2016) as lavaan's ``group.equal`` builds them - ``configural``, ``thresholds``
(equal thresholds; scale factors and latent means free in groups 2..G) and
``thresholds.loadings`` (+ equal loadings), default sequence configural ->
thresholds.loadings (equal residual variances are not part of the standard ordinal
sequence).  The difference test is lavaan's ``lavTestLRT`` for WLSMV (Satorra, 2000,
scaled and shifted); the CFI, TLI and RMSEA columns are the scaled versions.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from instruments.plain import to_plain

from .api import fit
from .errors import SEMInputError
from .ordinal_groups import lrt_satorra2000
from .result import SEMResult

__all__ = ["LEVELS", "ORDINAL_LEVELS", "InvarianceResult", "InvarianceSettings", "invariance"]

LEVELS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "metric": ("loadings",),
    "scalar": ("loadings", "intercepts"),
    "strict": ("loadings", "intercepts", "residuals"),
}

ORDINAL_LEVELS: dict[str, tuple[str, ...]] = {
    "configural": (),
    "thresholds": ("thresholds",),
    "thresholds.loadings": ("thresholds", "loadings"),
}


@dataclass(frozen=True)
class InvarianceSettings:
    """Decision thresholds (defaults from Cheung & Rensvold 2002 and Chen 2007)."""

    delta_cfi: float = -0.01
    delta_rmsea: float = 0.015
    alpha: float = 0.05
    use_chisq: bool = False


@dataclass
class InvarianceResult:
    """Sequence table plus the fitted models (keyed by level)."""

    table: pd.DataFrame
    fits: dict[str, SEMResult]
    settings: InvarianceSettings = field(default_factory=InvarianceSettings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": to_plain(self.table),
            "settings": asdict(self.settings),
            "fits": {k: v.to_dict() for k, v in self.fits.items()},
        }


def _lrt(f0: SEMResult, f1: SEMResult) -> tuple[float, float, float]:
    """Chi-square difference of nested fits f1 (more restricted) vs f0."""
    fm0, fm1 = f0.fit_measures, f1.fit_measures
    d_df = fm1["df"] - fm0["df"]
    d_chi = fm1["chisq"] - fm0["chisq"]
    if "chisq.scaling.factor" in fm1 and "chisq.scaling.factor" in fm0:
        c0, c1 = fm0["chisq.scaling.factor"], fm1["chisq.scaling.factor"]
        cd = (fm1["df"] * c1 - fm0["df"] * c0) / d_df
        d_chi = d_chi / cd if cd > 0 else float("nan")
    p = float(stats.chi2.sf(d_chi, d_df)) if d_df > 0 else float("nan")
    return float(d_chi), float(d_df), p


def invariance(
    model: str,
    data: pd.DataFrame,
    group: str,
    levels: tuple[str, ...] | list[str] | None = None,
    settings: InvarianceSettings | None = None,
    **fit_kwargs: Any,
) -> InvarianceResult:
    """Fit the invariance sequence and tabulate fit, differences and decisions.

    Extra keyword arguments go to :func:`analysis.sem.fit` (e.g. ``estimator="MLR"``,
    ``missing="ml"``, ``ordered=[...]``).  ``levels`` defaults to configural, metric,
    scalar, strict (continuous items) or configural, thresholds.loadings (``ordered``).
    """
    settings = settings or InvarianceSettings()
    ordinal = bool(fit_kwargs.get("ordered"))
    table = ORDINAL_LEVELS if ordinal else LEVELS
    if levels is None:
        levels = (("configural", "thresholds.loadings") if ordinal
                  else ("configural", "metric", "scalar", "strict"))
    bad = [lv for lv in levels if lv not in table]
    if bad:
        kind = "ordinal" if ordinal else "continuous"
        raise SEMInputError(f"unknown invariance level(s) {bad} for {kind} items; choose from "
                            f"{list(table)}", code="invalid_argument")
    fits: dict[str, SEMResult] = {}
    rows = []
    prev: SEMResult | None = None
    for lv in levels:
        res = fit(model, data, group=group, group_equal=table[lv], **fit_kwargs)
        fits[lv] = res
        fm = res.fit_measures
        kind = ".scaled" if ordinal and "chisq.scaled" in fm else ".robust"
        row = {
            "model": lv,
            "npar": fm["npar"], "chisq": fm["chisq"], "df": fm["df"], "pvalue": fm["pvalue"],
            "chisq.scaled": fm.get("chisq.scaled", np.nan),
            "cfi": fm.get("cfi" + kind, fm["cfi"]),
            "tli": fm.get("tli" + kind, fm["tli"]),
            "rmsea": fm.get("rmsea" + kind, fm["rmsea"]),
            "srmr": fm["srmr"], "aic": fm.get("aic", np.nan), "bic": fm.get("bic", np.nan),
            "chisq.diff": np.nan, "df.diff": np.nan, "pvalue.diff": np.nan,
            "cfi.diff": np.nan, "rmsea.diff": np.nan,
            "cfi.ok": None, "rmsea.ok": None, "chisq.ok": None, "decision": "baseline",
            "converged": res.converged,
            "admissible": not any("not admissible" in w or "not positive definite" in w
                                  for w in res.warnings),
        }
        if prev is not None:
            d_chi, d_df, p = lrt_satorra2000(prev, res) if ordinal else _lrt(prev, res)
            pr = rows[-1]
            row["chisq.diff"], row["df.diff"], row["pvalue.diff"] = d_chi, d_df, p
            row["cfi.diff"] = row["cfi"] - pr["cfi"]
            row["rmsea.diff"] = row["rmsea"] - pr["rmsea"]
            row["cfi.ok"] = bool(row["cfi.diff"] > settings.delta_cfi)
            row["rmsea.ok"] = bool(row["rmsea.diff"] < settings.delta_rmsea)
            row["chisq.ok"] = bool(not p < settings.alpha)
            ok = row["cfi.ok"] and row["rmsea.ok"] and (row["chisq.ok"] or not settings.use_chisq)
            row["decision"] = "supported" if ok else "not supported"
            row["holds"] = bool(ok and pr["holds"])
        else:
            row["holds"] = True
        rows.append(row)
        prev = res
    return InvarianceResult(table=pd.DataFrame(rows), fits=fits, settings=settings)
