"""The structural model of a PLS path model: collinearity, explained variance, effect sizes
and effects (Hair et al., 2019, table 3; Hair et al., 2022, ch. 6-7).

All quantities come from the construct correlations ``C`` the paths were solved on
(PLSc-corrected under consistent PLS) and the path matrix ``B`` (``B[i, j]``: i -> j):

* antecedent VIFs: ``diag(C[P, P]^-1)`` over the predictors P of each endogenous construct;
* adjusted R²: ``1 - (1 - R²)(n - 1) / (n - k - 1)`` with k predictors;
* f² (Cohen, 1988): ``(R²_included - R²_excluded) / (1 - R²_included)``, R²_excluded from the
  regression on the same construct correlations without that predictor (cSEM's ``assess``),
  or with ``refit=True`` from the model re-estimated without that path (weights change;
  a construct left without paths is dropped), as seminr computes it;
* total effects ``T = (I - B)^-1 - I`` (the sum of all path products from i to j), total
  indirect effects ``T - B``, and each specific indirect effect: the product of the paths
  along one chain of two or more paths (Hair et al., 2022, ch. 7).

>>> import numpy as np
>>> B = np.array([[0, .5, .2], [0, 0, .4], [0, 0, 0]])
>>> total_effects(B)[0, 2].round(4)   # .2 + .5 * .4
np.float64(0.4)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .result import PLSResult

__all__ = ["antecedent_vif", "effects", "f_squared", "r2_table", "specific_indirect",
           "total_effects"]


def _r2(C: np.ndarray, P: list[int], j: int) -> float:
    if not P:
        return 0.0
    beta = np.linalg.solve(C[np.ix_(P, P)], C[P, j])
    return float(C[j, P] @ beta)


def antecedent_vif(result: PLSResult) -> pd.DataFrame:
    """One row per path: ``lhs`` (outcome), ``rhs`` (predictor), ``vif`` (1 for a single
    predictor)."""
    C = result.construct_cor.to_numpy()
    names = result.model.names
    rows = []
    for outcome in result.model.endogenous:
        preds = result.model.predictors(outcome)
        P = [names.index(p) for p in preds]
        inv = np.linalg.inv(C[np.ix_(P, P)])
        rows.extend((outcome, p, float(v)) for p, v in zip(preds, np.diag(inv), strict=True))
    return pd.DataFrame(rows, columns=["lhs", "rhs", "vif"])


def r2_table(result: PLSResult) -> pd.DataFrame:
    """One row per endogenous construct: ``construct, r2, r2_adj, predictors``
    (``r2_adj`` NaN for population moments or too few cases)."""
    n = result.n
    rows = []
    for outcome in result.model.endogenous:
        k = len(result.model.predictors(outcome))
        r2 = result.r2[outcome]
        adj = (1 - (1 - r2) * (n - 1) / (n - k - 1)) if n and n - k - 1 > 0 else float("nan")
        rows.append((outcome, r2, adj, k))
    return pd.DataFrame(rows, columns=["construct", "r2", "r2_adj", "predictors"])


def _refit_r2(result: PLSResult, predictor: str, outcome: str) -> float:
    """R² of ``outcome`` in the model re-estimated without the path predictor -> outcome."""
    from .estimate import estimate_pls_moments
    from .syntax import PLSModel

    model = result.model
    paths = tuple(p for p in model.paths if p != (predictor, outcome))
    if not paths:
        return 0.0
    linked = {a for a, _ in paths} | {b for _, b in paths}
    reduced = PLSModel(constructs=tuple(c for c in model.constructs if c.name in linked),
                       paths=paths, syntax="")
    sd = result.item_sd.to_numpy() if result.item_sd is not None else 1.0
    cov = result.item_cor * np.outer(sd, sd)
    s = result.settings
    refit = estimate_pls_moments(cov, reduced, scheme=s["scheme"], consistent=s["consistent"],
                                 standardize=s["standardize"], max_iter=s["max_iter"],
                                 tol=s["tol"])
    return refit.r2.get(outcome, 0.0)


def f_squared(result: PLSResult, *, refit: bool = False) -> pd.DataFrame:
    """One row per path: ``lhs, rhs, f2`` (module docstring; ``refit=True``: seminr's
    re-estimation without the path)."""
    C = result.construct_cor.to_numpy()
    names = result.model.names
    rows = []
    for outcome in result.model.endogenous:
        j = names.index(outcome)
        preds = result.model.predictors(outcome)
        P = [names.index(p) for p in preds]
        full = result.r2[outcome]
        for p, i in zip(preds, P, strict=True):
            reduced = (_refit_r2(result, p, outcome) if refit
                       else _r2(C, [q for q in P if q != i], j))
            rows.append((outcome, p, (full - reduced) / (1 - full)))
    return pd.DataFrame(rows, columns=["lhs", "rhs", "f2"])


def total_effects(B: np.ndarray) -> np.ndarray:
    """``(I - B)^-1 - I``: total effects of i on j for a recursive path matrix ``B``."""
    eye = np.eye(B.shape[0])
    return np.linalg.inv(eye - B) - eye


def specific_indirect(B: np.ndarray, names: list[str]) -> list[tuple[list[str], float]]:
    """Every chain of two or more paths with its effect (the product of its paths), in a
    stable order (by start, then end, then chain)."""
    J = B.shape[0]
    out: list[tuple[list[str], float]] = []

    def walk(chain: list[int], value: float) -> None:
        last = chain[-1]
        for nxt in np.flatnonzero(B[last]):
            path = [*chain, int(nxt)]
            effect = value * B[last, nxt]
            if len(path) > 2:
                out.append(([names[k] for k in path], float(effect)))
            walk(path, effect)

    for start in range(J):
        walk([start], 1.0)
    order = {n: k for k, n in enumerate(names)}
    out.sort(key=lambda x: (order[x[0][0]], order[x[0][-1]], [order[n] for n in x[0]]))
    return out


def effects(result: PLSResult) -> pd.DataFrame:
    """Direct, total indirect and total effects of every construct on every construct it
    reaches: ``lhs`` (outcome), ``rhs`` (cause), ``direct``, ``indirect``, ``total``; and
    the specific indirect effects as rows with ``via`` (the chain, ``"A -> M -> Y"``)."""
    names = result.model.names
    B = result.paths.to_numpy()
    T = total_effects(B)
    rows = []
    for i, cause in enumerate(names):
        for j, outcome in enumerate(names):
            if T[i, j] != 0 or B[i, j] != 0:
                rows.append({"lhs": outcome, "rhs": cause, "via": "", "direct": float(B[i, j]),
                             "indirect": float(T[i, j] - B[i, j]), "total": float(T[i, j])})
    for chain, value in specific_indirect(B, names):
        rows.append({"lhs": chain[-1], "rhs": chain[0], "via": " -> ".join(chain),
                     "direct": float("nan"), "indirect": value, "total": float("nan")})
    return pd.DataFrame(rows, columns=["lhs", "rhs", "via", "direct", "indirect", "total"])
