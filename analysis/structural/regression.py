"""Observed-score models: OLS on scale scores and ordinal logistic regression (statsmodels).

The latent-variable SEM is the primary estimate of what each commitment does; these are the
familiar observed-score alternatives reviewers ask for alongside it:

* :func:`ols_table` — OLS with heteroskedasticity-consistent HC3 standard errors (MacKinnon &
  White 1985; Long & Ervin 2000 recommend HC3 for small samples), standardized betas
  (b * sd(x) / sd(y)) and variance inflation factors VIF_j = 1 / (1 - R²_j) (Kutner et al. 2005).
* :func:`ordinal_logit` — proportional-odds (ordered) logistic regression for single ordinal
  outcomes such as likelihood-to-recommend (McCullagh 1980), via ``statsmodels.OrderedModel``,
  with odds ratios and their Wald confidence intervals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.stats.outliers_influence import variance_inflation_factor

from analysis.arguments import check_level, renamed
from instruments.errors import EngagekitInputError
from instruments.plain import to_plain


class RegressionInputError(EngagekitInputError):
    """Data that cannot support the regression (named column, too few cases, ...)."""

    code = "regression_input"


@dataclass
class RegressionResult:
    """A tidy coefficient table plus model-level statistics."""

    model: str
    outcome: str
    n: int
    table: pd.DataFrame
    stats: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return to_plain({"model": self.model, "outcome": self.outcome, "n": self.n,
                         "table": self.table, "stats": self.stats, "notes": self.notes})


def _complete(data: pd.DataFrame, outcome: str, predictors: list[str]) -> tuple[pd.DataFrame, int]:
    cols = [outcome, *predictors]
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise RegressionInputError(f"column(s) {missing} not in the data; available: "
                                   f"{list(data.columns)}")
    sub = data[cols].apply(pd.to_numeric, errors="coerce")
    dropped = int(sub.isna().any(axis=1).sum())
    sub = sub.dropna()
    if len(sub) <= len(predictors) + 1:
        raise RegressionInputError(f"regression of '{outcome}': {len(sub)} complete cases for "
                                   f"{len(predictors)} predictors; need more respondents")
    const = [c for c in cols if not sub[c].std(ddof=1) > 0]
    if const:
        raise RegressionInputError(f"regression of '{outcome}': {const} do not vary (constant)")
    return sub, dropped


@renamed(alpha=("level", lambda alpha: 1 - alpha))
def ols_table(data: pd.DataFrame, outcome: str, predictors: list[str],
              level: float = 0.95) -> RegressionResult:
    """OLS of ``outcome`` on ``predictors`` with HC3 SEs, standardized betas and VIFs.

    HC3 standard errors (MacKinnon & White 1985; Long & Ervin 2000), standardized betas
    ``b * sd(x) / sd(y)`` and variance inflation factors ``1 / (1 - R²_j)`` (Kutner et al. 2005).

    Parameters
    ----------
    data : DataFrame
        One row per respondent with the outcome and predictor columns (e.g. scale scores from
        :func:`~analysis.responses.scoring.score_responses`). Rows with a missing value in any
        model column are left out (listwise) and counted in ``stats['n_dropped']``.
    outcome : str
        The outcome column.
    predictors : list of str
        The predictor columns.
    level : float, default 0.95
        Confidence level of the coefficient intervals (``alpha`` = 1 - level is the
        deprecated way to set it).

    Returns
    -------
    RegressionResult
        ``table``: one row per term (``(intercept)`` first) in lavaan's column names:
        ``est`` (b), ``se`` (HC3), ``z``, ``pvalue``, ``ci.lower``, ``ci.upper``, ``std.all``
        (the standardized beta), then ``vif``; ``stats``: ``r2``, ``r2_adj``,
        the HC3 ``f_hc3`` test and its ``f_pvalue``, ``n_dropped``; ``n`` cases used.

    Raises
    ------
    RegressionInputError
        A column is missing or constant, the predictors are collinear or there are too few
        complete cases.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"x": rng.normal(size=500)})
    >>> df["y"] = 1 + 0.5 * df.x + rng.normal(size=500)  # true slope 0.5
    >>> fit = ols_table(df, "y", ["x"])
    >>> table = fit.table.set_index("term")
    >>> [round(float(table.loc["x", c]), 2) for c in ("est", "ci.lower", "ci.upper")], fit.n
    ([0.5, 0.4, 0.6], 500)
    >>> bool(np.isclose(table.loc["x", "std.all"], df.x.corr(df.y)))  # one predictor: beta = r
    True
    """
    level = check_level(level, error=RegressionInputError)
    sub, dropped = _complete(data, outcome, predictors)
    x = sm.add_constant(sub[predictors].astype(float))
    fit = sm.OLS(sub[outcome].astype(float), x).fit(cov_type="HC3")
    ci = fit.conf_int(round(1 - level, 12))  # 0.05, not 0.050000000000000044
    sd_y = sub[outcome].std(ddof=1)
    rank = np.linalg.matrix_rank(x.to_numpy())
    if rank < x.shape[1]:
        raise RegressionInputError(f"regression of '{outcome}': predictors are perfectly "
                                   "collinear; drop one of the duplicated predictors")
    vifs = {p: variance_inflation_factor(x.to_numpy(), i + 1) for i, p in enumerate(predictors)}
    rows = []
    for term in ["const", *predictors]:
        is_const = term == "const"
        rows.append({
            "term": "(intercept)" if is_const else term,
            "est": fit.params[term], "se": fit.bse[term], "z": fit.tvalues[term],
            "pvalue": fit.pvalues[term], "ci.lower": ci.loc[term, 0],
            "ci.upper": ci.loc[term, 1],
            "std.all": np.nan if is_const else fit.params[term] * sub[term].std(ddof=1) / sd_y,
            "vif": np.nan if is_const else vifs[term],
        })
    stats = {"r2": float(fit.rsquared), "r2_adj": float(fit.rsquared_adj),
             "f_hc3": float(np.asarray(fit.fvalue).squeeze()),
             "f_pvalue": float(fit.f_pvalue), "n_dropped": dropped}
    return RegressionResult("OLS (HC3 standard errors)", outcome, int(fit.nobs),
                            pd.DataFrame(rows), stats)


@renamed(alpha=("level", lambda alpha: 1 - alpha))
def ordinal_logit(data: pd.DataFrame, outcome: str, predictors: list[str],
                  level: float = 0.95) -> RegressionResult:
    """Proportional-odds logistic regression of an ordinal ``outcome`` (e.g. 0-10 LTR).

    The proportional-odds model (McCullagh 1980), fitted with ``statsmodels.OrderedModel``:
    ``logit P(y <= j) = tau_j - x'b`` with one cut-point ``tau_j`` between adjacent observed
    categories, so a positive slope means higher categories are more likely.

    Parameters
    ----------
    data : DataFrame
        One row per respondent with the outcome and predictor columns; rows with a missing
        value in any model column are left out (listwise), counted in ``stats['n_dropped']``.
    outcome : str
        The ordinal outcome column (at least 3 observed categories).
    predictors : list of str
        The predictor columns.
    level : float, default 0.95
        Confidence level of the odds ratios' Wald intervals (``alpha`` = 1 - level is the
        deprecated way to set it).

    Returns
    -------
    RegressionResult
        ``table``: one row per predictor with the slope ``est`` (log-odds), ``se``, ``z``,
        ``pvalue``, ``odds_ratio``, ``odds_ratio.ci.lower``, ``odds_ratio.ci.upper`` (the
        cut-points are not reported); ``stats``: ``llf``, ``aic``, ``bic``, ``pseudo_r2_mcfadden``,
        ``n_dropped``, ``n_categories``; ``notes`` (e.g. non-convergence).

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=400)
    >>> ltr = np.clip(np.round(7 + 1.5 * x + rng.logistic(size=400)), 0, 10)
    >>> fit = ordinal_logit(pd.DataFrame({"x": x, "ltr": ltr}), "ltr", ["x"])
    >>> fit.stats["n_categories"], bool(fit.table.loc[0, "odds_ratio"] > 1)
    (11, True)
    """
    level = check_level(level, error=RegressionInputError)
    sub, dropped = _complete(data, outcome, predictors)
    cats = np.sort(sub[outcome].unique())
    if len(cats) < 3:
        raise RegressionInputError(f"ordinal regression of '{outcome}' needs at least 3 observed "
                                   f"categories, found {list(cats)}")
    y = pd.Series(pd.Categorical(sub[outcome], categories=cats, ordered=True), index=sub.index)
    mod = OrderedModel(y, sub[predictors].astype(float), distr="logit")
    fit = mod.fit(method="bfgs", disp=False, maxiter=2000)
    ci = fit.conf_int(round(1 - level, 12))  # 0.05, not 0.050000000000000044
    rows = []
    for term in predictors:
        rows.append({"term": term, "est": fit.params[term], "se": fit.bse[term],
                     "z": fit.tvalues[term], "pvalue": fit.pvalues[term],
                     "odds_ratio": float(np.exp(fit.params[term])),
                     "odds_ratio.ci.lower": float(np.exp(ci.loc[term, 0])),
                     "odds_ratio.ci.upper": float(np.exp(ci.loc[term, 1]))})
    notes = []
    if not fit.mle_retvals.get("converged", True):
        notes.append("the ordinal model did not converge; treat its estimates with caution")
    stats = {"llf": float(fit.llf), "aic": float(fit.aic), "bic": float(fit.bic),
             "pseudo_r2_mcfadden": float(fit.prsquared), "n_dropped": dropped,
             "n_categories": int(len(cats))}
    return RegressionResult("ordinal logit (proportional odds)", outcome, int(fit.nobs),
                            pd.DataFrame(rows), stats, notes)
