"""Driver (relative-importance) analysis: which predictors account for how much of R².

* :func:`dominance_analysis` — general dominance weights (Budescu 1993; Azen & Budescu 2003):
  each predictor's incremental R² averaged first within, then across, subset sizes. They are
  non-negative and sum exactly to the full-model R².
* :func:`relative_weights` — Johnson's (2000) relative weights: the predictors are replaced by
  their closest orthogonal counterparts, and each predictor's share of R² is recovered from the
  squared loadings on those. They too sum to R² and closely track general dominance weights.
* :func:`importance_performance` — the importance-performance map table (Martilla & James 1977;
  Ringle & Sarstedt 2016 for the SEM version): importance is a predictor's total effect on the
  target, performance its mean score rescaled to 0-100 over the *declared* response scale.

All three work from the correlation matrix of complete cases, so they are exact and fast:
dominance needs R² for all 2^p subsets, which is cheap for the handful of drivers of a loyalty
model (p <= 15 is allowed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from instruments.errors import EngagekitInputError
from instruments.plain import to_plain

MAX_DOMINANCE_PREDICTORS = 15


class DriverInputError(EngagekitInputError):
    """Data that cannot support a driver analysis (named predictor, constant column, ...)."""

    code = "drivers_input"


def _complete_correlations(data: pd.DataFrame, outcome: str, predictors: list[str]):
    missing = [c for c in [outcome, *predictors] if c not in data.columns]
    if missing:
        raise DriverInputError(f"driver analysis: column(s) {missing} not in the data; "
                               f"available: {list(data.columns)}")
    if len(predictors) < 2:
        raise DriverInputError("driver analysis needs at least two predictors")
    if outcome in predictors:
        raise DriverInputError(f"'{outcome}' is both the outcome and a predictor")
    sub = data[[outcome, *predictors]].apply(pd.to_numeric, errors="coerce").dropna()
    if len(sub) < len(predictors) + 2:
        raise DriverInputError(f"driver analysis of '{outcome}': only {len(sub)} complete cases "
                               f"for {len(predictors)} predictors")
    sd = sub.std(ddof=1)
    const = [c for c in sub.columns if not sd[c] > 0]
    if const:
        raise DriverInputError(f"driver analysis: {const} do not vary (constant); drop them")
    corr = np.corrcoef(sub.to_numpy(dtype=float), rowvar=False)
    rxx, rxy = corr[1:, 1:], corr[1:, 0]
    if np.linalg.matrix_rank(rxx) < len(predictors):
        raise DriverInputError(f"driver analysis: the predictors {predictors} are perfectly "
                               "collinear; drop one of the duplicated predictors")
    return sub, rxx, rxy


def _r2(rxx: np.ndarray, rxy: np.ndarray, idx: tuple[int, ...]) -> float:
    """R² of the regression of y on the predictors ``idx`` (from correlations)."""
    if not idx:
        return 0.0
    ix = list(idx)
    r = rxy[ix]
    return float(r @ np.linalg.solve(rxx[np.ix_(ix, ix)], r))


@dataclass
class DriverResult:
    """A relative-importance table: one row per predictor, weights summing to ``r2``."""

    method: str
    outcome: str
    r2: float
    n: int
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return to_plain({"method": self.method, "outcome": self.outcome, "r2": self.r2,
                         "n": self.n, "table": self.table, "notes": self.notes})


def _table(predictors: list[str], weights: np.ndarray, r2: float, col: str) -> pd.DataFrame:
    t = pd.DataFrame({"predictor": predictors, col: weights})
    t["share"] = t[col] / r2 if r2 > 0 else np.nan
    t["rank"] = t[col].rank(ascending=False, method="min").astype(int)
    return t.sort_values("rank", kind="stable").reset_index(drop=True)


def dominance_analysis(data: pd.DataFrame, outcome: str, predictors: list[str]) -> DriverResult:
    """General dominance weights of ``predictors`` for ``outcome`` (Azen & Budescu, 2003).

    For predictor *i* and subset size *k*, the conditional contribution C_k(i) is the mean gain
    in R² from adding *i* to each subset of *k* other predictors; the general dominance weight is
    the mean of C_0(i) ... C_{p-1}(i). The weights sum to the R² of the full model.

    Parameters
    ----------
    data : DataFrame
        One row per respondent with the outcome and predictor columns; complete cases are
        used.
    outcome : str
        The outcome column.
    predictors : list of str
        Two to 15 predictor columns (the analysis fits all 2^p subsets).

    Returns
    -------
    DriverResult
        ``table`` (``predictor``, ``weight``, ``share`` of R², ``rank``; largest first), the
        full-model ``r2`` and ``n`` complete cases.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> df["y"] = 0.6 * df.a + 0.3 * df.b + rng.normal(size=300)
    >>> result = dominance_analysis(df, "y", ["a", "b", "c"])
    >>> result.table.predictor.tolist()
    ['a', 'b', 'c']
    >>> bool(np.isclose(result.table.weight.sum(), result.r2))
    True
    """
    p = len(predictors)
    if p > MAX_DOMINANCE_PREDICTORS:
        raise DriverInputError(f"dominance analysis of {p} predictors needs 2^{p} regressions; "
                               f"use relative_weights() for more than {MAX_DOMINANCE_PREDICTORS}")
    sub, rxx, rxy = _complete_correlations(data, outcome, predictors)
    r2 = {s: _r2(rxx, rxy, s) for k in range(p + 1) for s in combinations(range(p), k)}
    weights = np.zeros(p)
    for i in range(p):
        others = [j for j in range(p) if j != i]
        cond = []
        for k in range(p):
            gains = [r2[tuple(sorted((*s, i)))] - r2[s] for s in combinations(others, k)]
            cond.append(np.mean(gains))
        weights[i] = np.mean(cond)
    full = r2[tuple(range(p))]
    return DriverResult("general dominance", outcome, full, len(sub),
                        _table(predictors, weights, full, "weight"))


def relative_weights(data: pd.DataFrame, outcome: str, predictors: list[str]) -> DriverResult:
    """Johnson's (2000) relative weights of ``predictors`` for ``outcome``.

    With R_xx = Q diag(λ) Q', the symmetric square root Λ = Q diag(√λ) Q' holds the correlations
    between the predictors and their best-fitting orthogonal counterparts Z. Regressing y on Z
    gives β = Λ⁻¹ r_xy, and predictor j's weight is Σ_k Λ_jk² β_k². The weights sum to R².

    Parameters
    ----------
    data : DataFrame
        One row per respondent with the outcome and predictor columns; complete cases are
        used.
    outcome : str
        The outcome column.
    predictors : list of str
        Two or more predictor columns.

    Returns
    -------
    DriverResult
        ``table`` (``predictor``, ``weight``, ``share`` of R², ``rank``; largest first), the
        full-model ``r2`` and ``n`` complete cases.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    >>> df["y"] = 0.6 * df.a + 0.3 * df.b + rng.normal(size=300)
    >>> weights = relative_weights(df, "y", ["a", "b", "c"]).table.set_index("predictor")
    >>> dominance = dominance_analysis(df, "y", ["a", "b", "c"]).table.set_index("predictor")
    >>> bool(np.allclose(weights.weight, dominance.weight, atol=0.01))  # they track each other
    True
    """
    sub, rxx, rxy = _complete_correlations(data, outcome, predictors)
    evals, evecs = np.linalg.eigh(rxx)
    lam = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta = np.linalg.solve(lam, rxy)
    weights = (lam**2) @ (beta**2)
    r2 = float(weights.sum())
    return DriverResult("relative weights", outcome, r2, len(sub),
                        _table(predictors, weights, r2, "weight"))


def oriented_drivers(importance: Any, performance: Any, higher_is_better: bool = True
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The importance-performance map's reading of drivers with a negative effect.

    An importance-performance map assumes every driver is coded so that more is better
    (Ringle & Sarstedt, 2016): then high importance with low performance is where improving
    pays. A driver whose total effect is negative (e.g. forced commitment: more of it lowers
    loyalty) is read as its reverse, "less forced commitment": its importance is the size of
    its effect, ``-importance``, and its performance on 0-100 is ``100 - performance``. Read
    raw, such a driver sits below every positive one on importance however strong its harm,
    and a low score (little forced commitment, the good state) would look like poor
    performance.

    The map also assumes more of the *target* is better. For a target a company wants less of
    (``higher_is_better=False``: switching intention) the importance is the effect on lowering
    it, ``-importance``, before the drivers are oriented: affective commitment, which lowers
    switching, is then an important driver read as it is, not reversed.

    Parameters
    ----------
    importance : array-like of float
        Total effects on the target (any metric).
    performance : array-like of float
        Performance on 0-100.
    higher_is_better : bool
        Whether more of the target is better (the instrument's ``higher_is_better``).

    Returns
    -------
    tuple of numpy.ndarray
        Oriented importance (>= 0), oriented performance (0-100), and whether each driver was
        reversed (its effect on the target's good direction is negative: lower is better).

    Examples
    --------
    >>> imp, perf, rev = oriented_drivers([0.4, -0.2], [60.0, 30.0])
    >>> imp.tolist(), perf.tolist(), rev.tolist()
    ([0.4, 0.2], [60.0, 70.0], [False, True])
    >>> oriented_drivers([-0.4, 0.2], [60.0, 30.0], higher_is_better=False)[2].tolist()
    [False, True]
    """
    imp = np.asarray(importance, dtype=float) * (1.0 if higher_is_better else -1.0)
    perf = np.asarray(performance, dtype=float)
    rev = imp < 0
    return np.where(rev, -imp, imp), np.where(rev, 100.0 - perf, perf), rev


def importance_performance(
    importance: dict[str, float],
    means: dict[str, float],
    scale_min: dict[str, float],
    scale_max: dict[str, float],
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """Importance-performance table: importance (e.g. total effect) and performance 0-100.

    Performance = 100 * (mean - min) / (max - min) with min and max of the *declared* scale of
    each construct. The quadrant is relative to the mean importance and mean performance
    ("concentrate here" = above-average importance, below-average performance), read with
    the drivers of negative importance reversed (:func:`oriented_drivers`: "lower is better",
    their importance the size of their effect and their performance 100 minus it).

    Parameters
    ----------
    importance : dict of str to float
        ``{construct: importance}``, e.g. total effects on the target outcome.
    means : dict of str to float
        ``{construct: mean score}`` on its declared scale.
    scale_min, scale_max : dict of str to float
        ``{construct: declared scale minimum / maximum}``.
    higher_is_better : bool
        Whether more of the target outcome is better (:func:`oriented_drivers`).

    Returns
    -------
    DataFrame
        ``construct``, ``importance``, ``performance`` (0-100), ``direction`` (``"higher
        is better"``, or ``"lower is better"`` for a negative importance) and ``quadrant``
        (``"concentrate here"``, ``"keep up the good work"``, ``"possible overkill"``,
        ``"low priority"``), by decreasing importance.

    Examples
    --------
    >>> table = importance_performance(
    ...     {"affective": 0.5, "forced": -0.1, "habitual": 0.3},
    ...     {"affective": 3.0, "forced": 5.5, "habitual": 5.0},
    ...     scale_min=dict.fromkeys(["affective", "forced", "habitual"], 1),
    ...     scale_max=dict.fromkeys(["affective", "forced", "habitual"], 7))
    >>> table.round(1).to_dict("records")[0]
    {'construct': 'affective', 'importance': 0.5, 'performance': 33.3, 'direction': 'higher is better', 'quadrant': 'concentrate here'}
    """
    rows = []
    for name, imp in importance.items():
        lo, hi = scale_min[name], scale_max[name]
        if not hi > lo:
            raise DriverInputError(f"importance-performance: scale of '{name}' has max <= min")
        rows.append({"construct": name, "importance": float(imp),
                     "performance": 100.0 * (means[name] - lo) / (hi - lo)})
    t = pd.DataFrame(rows)
    imp, perf, rev = oriented_drivers(t["importance"], t["performance"], higher_is_better)
    imp_mid, perf_mid = imp.mean(), perf.mean()
    quadrant = np.select(
        [(imp >= imp_mid) & (perf < perf_mid),
         (imp >= imp_mid) & (perf >= perf_mid),
         (imp < imp_mid) & (perf >= perf_mid)],
        ["concentrate here", "keep up the good work", "possible overkill"],
        default="low priority",
    )
    t["direction"] = np.where(rev, "lower is better", "higher is better")
    t["quadrant"] = quadrant
    return t.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
