"""The assessment of a PLS path model in the order Hair et al. (2019, *European Business
Review* 31(1), 2-24, figure 2 and tables 2-3) report it.

Measurement model (reflective constructs): loadings and indicator reliability, internal
consistency (alpha, rho_A, rho_C), convergent validity (AVE), discriminant validity (HTMT,
HTMT2, Fornell-Larcker, cross-loadings). Composites: weights, indicator VIFs, loadings.
Structural model: antecedent VIFs, paths, R² and adjusted R², f², total and (specific)
indirect effects; model fit: SRMR and d_ULS of the estimated and the saturated model.

>>> import pandas as pd
>>> R = pd.DataFrame([[1, .5, .3, .3], [.5, 1, .3, .3], [.3, .3, 1, .6], [.3, .3, .6, 1]],
...                  index=["a1", "a2", "b1", "b2"], columns=["a1", "a2", "b1", "b2"])
>>> from analysis.pls import estimate_pls_moments
>>> a = assess_pls(estimate_pls_moments(R, "A =~ a1 + a2; B =~ b1 + b2; B ~ A", n=100))
>>> a.reliability.round(3).to_dict("records")[0]
{'construct': 'A', 'items': 2, 'alpha': 0.667, 'rho_c': 0.857, 'rho_a': 0.667, 'ave': 0.75}
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from instruments.plain import to_plain

from .fit import model_fit
from .reliability import indicator_reliability, reliability_table
from .result import PLSResult
from .structural import antecedent_vif, effects, f_squared, r2_table
from .validity import fornell_larcker, htmt, item_vif

__all__ = ["PLSAssessment", "assess_pls"]


@dataclass
class PLSAssessment:
    """Every statistic of :func:`assess_pls` as tables (pandas) and dicts.

    Attributes
    ----------
    indicators : per item: construct, item, loading, weight, reliability (loading²), vif.
    reliability : per construct: items, alpha, rho_c, rho_a, ave.
    htmt, htmt2 : construct x construct matrices (NaN on the diagonal).
    fornell_larcker : sqrt(AVE) on the diagonal, construct correlations off it.
    cross_loadings : item x construct correlations with the construct scores.
    paths : per path: lhs, rhs, est, vif, f2 (cSEM: same construct scores), f2_refit
        (seminr: the model re-estimated without the path).
    r2 : per endogenous construct: r2, r2_adj, predictors.
    effects : direct, indirect, total and specific indirect effects.
    fit : ``{"estimated": {srmr, d_uls}, "saturated": {srmr, d_uls}}``.
    """

    indicators: pd.DataFrame
    reliability: pd.DataFrame
    htmt: pd.DataFrame
    htmt2: pd.DataFrame
    fornell_larcker: pd.DataFrame
    cross_loadings: pd.DataFrame
    paths: pd.DataFrame
    r2: pd.DataFrame
    effects: pd.DataFrame
    fit: dict[str, dict[str, float]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (NaN -> None); matrices as ``{column: {row: value}}``."""
        return {
            "indicators": to_plain(self.indicators), "reliability": to_plain(self.reliability),
            "htmt": to_plain(self.htmt, frames="columns"),
            "htmt2": to_plain(self.htmt2, frames="columns"),
            "fornell_larcker": to_plain(self.fornell_larcker, frames="columns"),
            "cross_loadings": to_plain(self.cross_loadings, frames="columns"),
            "paths": to_plain(self.paths), "r2": to_plain(self.r2),
            "effects": to_plain(self.effects), "fit": to_plain(self.fit),
        }

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), allow_nan=False, **kwargs)


def assess_pls(result: PLSResult) -> PLSAssessment:
    """Assess a PLS path model (module docstring; Hair et al., 2019).

    Parameters
    ----------
    result : PLSResult
        An estimation from :func:`~analysis.pls.estimate_pls` or
        :func:`~analysis.pls.estimate_pls_moments`.

    Returns
    -------
    PLSAssessment
        Measurement and structural model statistics and model fit.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.pls import estimate_pls_moments
    >>> R = pd.DataFrame([[1, .5, .3, .3], [.5, 1, .3, .3], [.3, .3, 1, .6], [.3, .3, .6, 1]],
    ...                  index=["a1", "a2", "b1", "b2"], columns=["a1", "a2", "b1", "b2"])
    >>> a = assess_pls(estimate_pls_moments(R, "A =~ a1 + a2; B =~ b1 + b2; B ~ A", n=100))
    >>> round(float(a.r2["r2"].iloc[0]), 3), round(float(a.htmt.loc["A", "B"]), 3)  # .3 / (.5 * .6) ** .5
    (0.15, 0.548)
    """
    ind = indicator_reliability(result)
    ind.insert(3, "weight", [float(result.weights.loc[i, c])
                             for c, i in zip(ind["construct"], ind["item"], strict=True)])
    ind["vif"] = item_vif(result)["vif"].to_numpy()
    table = result.estimates
    paths = table[table["op"] == "~"][["lhs", "rhs", "est"]].reset_index(drop=True)
    paths = paths.merge(antecedent_vif(result), on=["lhs", "rhs"]).merge(
        f_squared(result), on=["lhs", "rhs"])
    paths["f2_refit"] = f_squared(result, refit=True)["f2"].to_numpy()
    return PLSAssessment(
        indicators=ind, reliability=reliability_table(result), htmt=htmt(result),
        htmt2=htmt(result, htmt2=True), fornell_larcker=fornell_larcker(result),
        cross_loadings=result.cross_loadings.copy(), paths=paths, r2=r2_table(result),
        effects=effects(result),
        fit={"estimated": model_fit(result), "saturated": model_fit(result, saturated=True)})
