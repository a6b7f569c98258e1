"""Estimate a PLS path model from data (:func:`estimate_pls`) or from a covariance matrix
(:func:`estimate_pls_moments`).

After the outer weights converge (:mod:`analysis.pls.algorithm`), everything follows from the
item correlations ``R`` and the standardized weights ``W`` (Lohmöller, 1989; Hair et al.,
2022, *A Primer on PLS-SEM*, 3rd ed., ch. 3):

* construct scores ``Y = Z W`` (``Z`` the standardized items), so ``var(Y_j) = 1``;
* composite correlations ``C = W' R W``; cross-loadings ``R W`` (item-score correlations);
* loadings: each item's correlation with its own construct's score;
* paths: for each endogenous construct, the least-squares coefficients of its predictors,
  ``beta = C[P, P]^-1 C[P, j]``, and ``R² = C[j, P] beta``.

With ``consistent=True`` (PLSc; :mod:`analysis.pls.consistent`) the reflective (``=~``)
constructs' loadings and correlations are corrected with rho_A before the paths are solved.
With ``standardize=False`` the weights are estimated on the items' covariance matrix instead
of their correlations (R plspm's ``scaled = FALSE``); scores are still standardized.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.arguments import check_n_boot

from .algorithm import blocks, outer_weights
from .consistent import consistent_loadings, disattenuate, rho_a
from .data import indicator_data
from .errors import PLSInputError
from .result import PLSResult, parameter_table
from .syntax import PLSModel, parse_pls_model
from .weighting import SCHEMES

__all__ = ["estimate_pls", "estimate_pls_moments"]


def _model(model: str | PLSModel) -> PLSModel:
    return model if isinstance(model, PLSModel) else parse_pls_model(model)


def _check_settings(scheme: str, max_iter: int, tol: float) -> None:
    if scheme not in SCHEMES:
        raise PLSInputError(f"scheme={scheme!r} is not an inner weighting scheme; use 'path' "
                            "(the default), 'factorial' or 'centroid'", code="invalid_argument")
    check_n_boot(max_iter, "max_iter", minimum=1)
    if not (isinstance(tol, int | float) and 0 < tol < 1):
        raise PLSInputError(f"tol must be a number in (0, 1); got {tol!r}",
                            code="invalid_argument")


def _solve(model: PLSModel, S: np.ndarray, *, scheme: str, consistent: bool,
           standardize: bool, max_iter: int, tol: float, n: int | None) -> dict[str, Any]:
    """Every estimate from the item covariance matrix ``S`` (model.items order)."""
    sd = np.sqrt(np.diag(S))
    R = S / np.outer(sd, sd)
    W_fit, iterations = outer_weights(R if standardize else S, model, scheme=scheme,
                                      max_iter=max_iter, tol=tol)
    W = W_fit if standardize else W_fit * sd[:, None]  # standardized-metric weights
    C = W.T @ R @ W
    cross = R @ W
    idx = blocks(model)
    J = len(idx)
    mask = np.zeros_like(W)
    for j, b in enumerate(idx):
        mask[b, j] = 1.0
    loadings = cross * mask
    rho = np.ones(J)
    for j, (c, b) in enumerate(zip(model.constructs, idx, strict=True)):
        if c.mode == "A" and b.size > 1:
            rho[j] = rho_a(W[b, j], R[np.ix_(b, b)])
    warnings: list[str] = []
    if consistent:
        q2 = np.ones(J)
        for j, (c, b) in enumerate(zip(model.constructs, idx, strict=True)):
            if c.kind == "reflective" and b.size > 1:
                q2[j] = rho[j]
                loadings[b, j] = consistent_loadings(W[b, j], rho[j])
                if not 0 < rho[j] <= 1:
                    warnings.append(f"PLSc: rho_A of {c.name!r} is {rho[j]:.3f}, outside (0, 1]; "
                                    "its corrected loadings and correlations are not admissible")
        with np.errstate(invalid="ignore", divide="ignore"):
            cor = disattenuate(C, q2)
        bad = [(model.names[a], model.names[b]) for a in range(J) for b in range(a + 1, J)
               if abs(cor[a, b]) > 1]
        if bad:
            warnings.append("PLSc: corrected construct correlation(s) above 1 in absolute value ("
                            + ", ".join(f"{a}~~{b}" for a, b in bad) + "); the model is not "
                            "admissible for these constructs")
        heavy = [f"{model.items[k]} ({loadings[k].max():.3f})" for k in range(len(model.items))
                 if np.nanmax(np.abs(loadings[k])) > 1]
        if heavy:
            warnings.append("PLSc: loading(s) above 1: " + ", ".join(heavy))
    else:
        cor = C
    names = model.names
    paths = np.zeros((J, J))
    r2: dict[str, float] = {}
    for outcome in model.endogenous:
        j = names.index(outcome)
        P = [names.index(p) for p in model.predictors(outcome)]
        Cpp = cor[np.ix_(P, P)]
        if not np.all(np.isfinite(Cpp)) or np.linalg.cond(Cpp) > 1e12:
            raise PLSInputError(
                f"the predictors of {outcome!r} ({', '.join(names[p] for p in P)}) are perfectly "
                "collinear (or their corrected correlations are not finite); remove one of them",
                code="model_not_estimable")
        beta = np.linalg.solve(Cpp, cor[P, j])
        paths[P, j] = beta
        r2[outcome] = float(cor[j, P] @ beta)
    return {"W": W, "W_fit": W_fit, "C": C, "cor": cor, "cross": cross, "loadings": loadings,
            "rho": rho, "paths": paths, "r2": r2, "R": R, "sd": sd, "iterations": iterations,
            "warnings": warnings}


def _result(model: PLSModel, est: dict[str, Any], settings: dict[str, Any],
            sample: dict[str, Any], mean: np.ndarray | None,
            scores: pd.DataFrame | None) -> PLSResult:
    items, names = model.items, model.names
    frame = lambda m, rows, cols: pd.DataFrame(m, index=rows, columns=cols)  # noqa: E731
    reported_w = est["W"] if settings["standardize"] else est["W_fit"]
    return PLSResult(
        model=model, settings=settings, sample=sample, iterations=est["iterations"],
        estimates=parameter_table(model, reported_w, est["loadings"], est["paths"], est["r2"],
                                  est["cor"]),
        weights=frame(est["W"], items, names), loadings=frame(est["loadings"], items, names),
        cross_loadings=frame(est["cross"], items, names),
        composite_cor=frame(est["C"], names, names), construct_cor=frame(est["cor"], names, names),
        rho_a=dict(zip(names, map(float, est["rho"]), strict=True)),
        paths=frame(est["paths"], names, names), r2=est["r2"],
        item_cor=frame(est["R"], items, items),
        item_mean=None if mean is None else pd.Series(mean, index=items),
        item_sd=pd.Series(est["sd"], index=items), scores=scores, warnings=est["warnings"])


def estimate_pls(data: Any, model: str | PLSModel, *, scheme: str = "path",
                 consistent: bool = False, missing: str | None = None,
                 missing_value: Any = None, standardize: bool = True, max_iter: int = 300,
                 tol: float = 1e-7) -> PLSResult:
    """Estimate a PLS path model (PLS-SEM) from respondents' answers.

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to values
        Respondents in rows, items in columns.
    model : str or PLSModel
        lavaan syntax read as cSEM reads it (:mod:`analysis.pls.syntax`): ``=~`` reflective
        (mode A), ``<~`` composite (mode B), ``~`` paths.
    scheme : {"path", "factorial", "centroid"}
        Inner weighting scheme (:mod:`analysis.pls.weighting`); ``"path"`` as seminr, cSEM
        and SmartPLS.
    consistent : bool
        Consistent PLS (PLSc; Dijkstra & Henseler, 2015) for the reflective constructs.
    missing : {"mean", "listwise"} or None
        Handling of missing answers (:mod:`analysis.pls.data`); required when any answer of
        the model's items is missing.
    missing_value : number, list of numbers or None
        Codes meaning "no answer" (e.g. -99).
    standardize : bool
        Estimate on standardized items (True, as seminr, cSEM and SmartPLS) or on the raw
        covariance matrix (False, R plspm's ``scaled = FALSE``).
    max_iter : int
        Outer-weight iterations allowed (seminr: 300).
    tol : float
        Convergence when the sum of absolute weight changes falls below ``tol`` (seminr: 1e-7).

    Returns
    -------
    PLSResult
        Weights, loadings, paths, R², rho_A, construct scores and the lavaan-shaped table.

    Raises
    ------
    PLSInputError
        Unreadable model, items absent from the data, missing answers without a handling,
        collinear mode B items or predictors.
    PLSNotConvergedError
        The weights did not converge within ``max_iter`` iterations.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=(200, 1)); g = 0.6 * f + 0.8 * rng.normal(size=(200, 1))
    >>> d = pd.DataFrame(np.hstack([f + rng.normal(size=(200, 3)), g + rng.normal(size=(200, 3))]),
    ...                  columns=["x1", "x2", "x3", "y1", "y2", "y3"])
    >>> fit = estimate_pls(d, "X =~ x1 + x2 + x3; Y =~ y1 + y2 + y3; Y ~ X")
    >>> round(fit.path("X", "Y"), 3), round(fit.r2["Y"], 3)
    (0.511, 0.261)
    """
    spec = _model(model)
    _check_settings(scheme, max_iter, tol)
    d = indicator_data(data, spec.items, missing=missing, missing_value=missing_value)
    mean = d.X.mean(axis=0)
    S = np.cov(d.X, rowvar=False)
    settings = {"scheme": scheme, "consistent": bool(consistent), "standardize": bool(standardize),
                "max_iter": int(max_iter), "tol": float(tol), "missing": missing}
    est = _solve(spec, S, scheme=scheme, consistent=consistent, standardize=standardize,
                 max_iter=max_iter, tol=tol, n=d.n)
    Z = (d.X - mean) / est["sd"]
    scores = pd.DataFrame(Z @ est["W"], index=d.index, columns=spec.names)
    return _result(spec, est, settings, d.record(), mean, scores)


def estimate_pls_moments(cov: Any, model: str | PLSModel, *, n: int | None = None,
                         scheme: str = "path", consistent: bool = False,
                         standardize: bool = True, max_iter: int = 300,
                         tol: float = 1e-7) -> PLSResult:
    """Estimate a PLS path model from a covariance (or correlation) matrix of the items.

    PLS needs only second moments, so population matrices give population values (the
    exact-recovery checks of cSEM) and published correlation matrices can be reanalysed.

    Parameters
    ----------
    cov : pandas.DataFrame
        Covariance or correlation matrix with the items as index and columns.
    model : str or PLSModel
        The model (:func:`estimate_pls`).
    n : int or None
        Sample size behind the matrix (recorded; None for a population matrix).
    scheme, consistent, standardize, max_iter, tol
        As for :func:`estimate_pls`.

    Returns
    -------
    PLSResult
        As :func:`estimate_pls`, without construct scores.

    Raises
    ------
    PLSInputError
        Items absent from the matrix, or a matrix that is not a symmetric covariance matrix.

    Examples
    --------
    >>> import pandas as pd
    >>> R = pd.DataFrame([[1, .5, .3], [.5, 1, .3], [.3, .3, 1]], index=list("abc"),
    ...                  columns=list("abc"))
    >>> fit = estimate_pls_moments(R, "A =~ a + b; C =~ c; C ~ A")
    >>> round(fit.path("A", "C"), 4)
    0.3464
    """
    spec = _model(model)
    _check_settings(scheme, max_iter, tol)
    if not isinstance(cov, pd.DataFrame):
        raise PLSInputError("cov must be a pandas DataFrame with the item names as index and "
                            "columns", code="invalid_argument")
    absent = [i for i in spec.items if i not in cov.columns or i not in cov.index]
    if absent:
        raise PLSInputError("item(s) " + ", ".join(map(repr, absent)) + " are not in the "
                            "covariance matrix; fix the model or the matrix labels",
                            code="item_not_in_data")
    S = cov.loc[spec.items, spec.items].to_numpy(dtype=float)
    if not np.allclose(S, S.T) or np.any(np.diag(S) <= 0) or not np.all(np.isfinite(S)):
        raise PLSInputError("the covariance matrix must be finite, symmetric and have positive "
                            "variances", code="model_not_estimable")
    settings = {"scheme": scheme, "consistent": bool(consistent), "standardize": bool(standardize),
                "max_iter": int(max_iter), "tol": float(tol), "missing": None}
    est = _solve(spec, S, scheme=scheme, consistent=consistent, standardize=standardize,
                 max_iter=max_iter, tol=tol, n=n)
    sample = {"n": None if n is None else int(n), "missing": "moments"}
    return _result(spec, est, settings, sample, None, None)
