"""Polychoric correlations for ordinal items (two-step maximum likelihood, Olsson 1979).

Each ordinal item is taken to be a coarsened standard-normal latent response: category c is
observed when the latent value lies between thresholds tau_{c-1} and tau_c. The polychoric
correlation of two items is the correlation of their latent responses under bivariate
normality. Two-step estimation (Olsson 1979, "Maximum likelihood estimation of the
polychoric correlation coefficient", Psychometrika 44, 443-460):

1. thresholds from each item's cumulative marginal proportions, tau_c = Phi^-1(P(X <= c));
2. rho maximises the multinomial log-likelihood sum_ij n_ij log pi_ij(rho) of the bivariate
   table given those thresholds, where pi_ij is a bivariate-normal rectangle probability.

This is what ``lavaan::lavCor(ordered = ...)`` and ``psych::polychoric`` (with its default
``global = TRUE`` thresholds) compute. Bivariate normal probabilities use Genz's (2004)
algorithm ("Numerical computation of rectangular bivariate and trivariate normal and t
probabilities", Statistics and Computing 14, 251-260), building on Drezner & Wesolowsky (1990).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from analysis.psychometrics.items import PsychometricInputError, check_items, jsonable

__all__ = [
    "bivariate_normal_cdf",
    "ordinal_thresholds",
    "PolychoricPair",
    "PolychoricResult",
    "polychoric",
    "polychoric_matrix",
    "smooth_correlation",
]

_GL = {n: np.polynomial.legendre.leggauss(n) for n in (6, 12, 20)}
_BIG = 38.0  # Phi(-38) underflows to 0 in double precision


def _phi(x: np.ndarray | float) -> np.ndarray:
    return special.ndtr(x)


def _gl_half(n: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = _GL[n]
    pos = x > 0
    # Genz's rule on [0, 2]: nodes 1 - x_i and 1 + x_i with the positive half of the weights.
    xs, ws = x[pos], w[pos]
    return np.concatenate([1 - xs, 1 + xs]), np.concatenate([ws, ws])


def _bvn_upper(h: np.ndarray, k: np.ndarray, r: float) -> np.ndarray:
    """P(X > h, Y > k) for standard bivariate normal with correlation r; h, k finite arrays."""
    h = np.asarray(h, dtype=float)
    k = np.asarray(k, dtype=float)
    h, k = np.broadcast_arrays(h, k)
    if r == 0.0:
        return _phi(-h) * _phi(-k)
    tp = 2.0 * np.pi
    ar = abs(r)
    x, w = _gl_half(6 if ar < 0.3 else 12 if ar < 0.75 else 20)
    hk = h * k
    if ar < 0.925:
        hs = (h * h + k * k) / 2.0
        asr = np.arcsin(r) / 2.0
        sn = np.sin(asr * x)  # (m,)
        expo = (sn * hk[..., None] - hs[..., None]) / (1.0 - sn**2)
        bvn = np.exp(expo) @ w
        return np.clip(bvn * asr / tp + _phi(-h) * _phi(-k), 0.0, 1.0)
    if r < 0:
        k = -k
        hk = -hk
    bvn = np.zeros_like(h)
    if ar < 1.0:
        as_ = 1.0 - r * r
        a = np.sqrt(as_)
        bs = (h - k) ** 2
        c = (4.0 - hk) / 8.0
        d = (12.0 - hk) / 80.0
        asr = -(bs / as_ + hk) / 2.0
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            term = a * np.exp(asr) * (1 - c * (bs - as_) * (1 - d * bs) / 3 + c * d * as_**2)
            bvn = np.where(asr > -100, term, 0.0)
            b = np.sqrt(bs)
            sp = np.sqrt(tp) * _phi(-b / a)
            term2 = np.exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs) / 3)
            bvn = bvn - np.where(hk > -100, term2, 0.0)
            a2 = a / 2.0
            xs = (a2 * x) ** 2  # (m,)
            asr2 = -(bs[..., None] / xs + hk[..., None]) / 2.0
            sp2 = 1 + c[..., None] * xs * (1 + 5 * d[..., None] * xs)
            rs = np.sqrt(1 - xs)
            ep = np.exp(-(hk[..., None] / 2) * xs / (1 + rs) ** 2) / rs
            contrib = np.where(asr2 > -100, np.exp(asr2) * (sp2 - ep), 0.0)
            bvn = (a2 * (contrib @ w) - bvn) / tp
    if r > 0:
        bvn = bvn + _phi(-np.maximum(h, k))
    else:
        lower = np.where(h < 0, _phi(k) - _phi(h), _phi(-h) - _phi(-k))
        bvn = np.where(h >= k, -bvn, lower - bvn)
    return np.clip(bvn, 0.0, 1.0)


def bivariate_normal_cdf(h: Any, k: Any, rho: float) -> np.ndarray:
    """P(X <= h, Y <= k) for a standard bivariate normal with correlation ``rho``.

    ``h`` and ``k`` broadcast against each other and may contain +-inf. Accuracy is about
    1e-15 absolute (Genz 2004).
    """
    if not -1.0 <= rho <= 1.0:
        raise PsychometricInputError(f"rho must lie in [-1, 1], got {rho}")
    h = np.asarray(h, dtype=float)
    k = np.asarray(k, dtype=float)
    h, k = np.broadcast_arrays(h, k)
    hc = np.clip(h, -_BIG, _BIG)
    kc = np.clip(k, -_BIG, _BIG)
    if abs(rho) == 1.0:
        upper = _phi(np.minimum(hc, kc))
        out = upper if rho > 0 else np.maximum(_phi(hc) - _phi(-kc), 0.0)
    else:
        out = _bvn_upper(-hc, -kc, float(rho))
    out = np.where(np.isposinf(h), _phi(kc), out)
    out = np.where(np.isposinf(k), _phi(hc), out)
    out = np.where(np.isneginf(h) | np.isneginf(k), 0.0, out)
    return np.asarray(out, dtype=float)


def ordinal_thresholds(values: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Categories of an ordinal variable and its thresholds Phi^-1(cumulative proportion).

    Returns ``(categories, thresholds)`` with ``len(thresholds) == len(categories) - 1``;
    missing values (NaN) are ignored.
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    cats, counts = np.unique(v, return_counts=True)
    cum = np.cumsum(counts)[:-1] / v.size
    return cats, special.ndtri(cum)


def _cell_probs(rho: float, tx: np.ndarray, ty: np.ndarray) -> np.ndarray:
    ex = np.concatenate([[-np.inf], tx, [np.inf]])
    ey = np.concatenate([[-np.inf], ty, [np.inf]])
    grid = bivariate_normal_cdf(ex[:, None], ey[None, :], rho)
    grid[0, :] = 0.0
    grid[:, 0] = 0.0
    grid[-1, 1:] = _phi(ey[1:])
    grid[1:, -1] = _phi(ex[1:])
    grid[-1, -1] = 1.0
    p = grid[1:, 1:] - grid[:-1, 1:] - grid[1:, :-1] + grid[:-1, :-1]
    return np.maximum(p, 1e-300)


@dataclass
class PolychoricPair:
    """Two-step polychoric correlation of two ordinal items (Olsson 1979)."""

    rho: float
    thresholds_x: list[float]
    thresholds_y: list[float]
    n: int
    loglik: float
    table: list[list[int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "rho": self.rho,
                "thresholds_x": self.thresholds_x,
                "thresholds_y": self.thresholds_y,
                "n": self.n,
                "loglik": self.loglik,
                "table": self.table,
            }
        )


def _pair(
    x: np.ndarray,
    y: np.ndarray,
    cats_x: np.ndarray,
    tx: np.ndarray,
    cats_y: np.ndarray,
    ty: np.ndarray,
) -> tuple[float, float, np.ndarray, int]:
    both = ~(np.isnan(x) | np.isnan(y))
    xi = np.searchsorted(cats_x, x[both])
    yi = np.searchsorted(cats_y, y[both])
    table = np.zeros((cats_x.size, cats_y.size))
    np.add.at(table, (xi, yi), 1.0)
    n = int(both.sum())
    if n < 2:
        return float("nan"), float("nan"), table, n

    def negll(r: float) -> float:
        return -float(np.sum(table * np.log(_cell_probs(r, tx, ty))))

    res = optimize.minimize_scalar(
        negll, bounds=(-0.999999, 0.999999), method="bounded", options={"xatol": 1e-10}
    )
    return float(res.x), -float(res.fun), table, n


def polychoric(
    x: Sequence[float] | pd.Series | np.ndarray,
    y: Sequence[float] | pd.Series | np.ndarray,
    *,
    max_categories: int = 15,
) -> PolychoricPair:
    """Polychoric correlation of two ordinal variables by two-step ML (Olsson 1979).

    Rows where either value is missing are dropped for the bivariate table; each variable's
    thresholds use all its non-missing values (as ``psych::polychoric`` and ``lavCor`` do).
    """
    frame = pd.DataFrame({"x": np.asarray(x, dtype=float), "y": np.asarray(y, dtype=float)})
    checked = check_items(frame, ["x", "y"])
    xv, yv = checked["x"].to_numpy(), checked["y"].to_numpy()
    cx, tx = ordinal_thresholds(xv)
    cy, ty = ordinal_thresholds(yv)
    for name, cats in (("x", cx), ("y", cy)):
        if cats.size > max_categories:
            raise PsychometricInputError(
                f"{name} has {cats.size} distinct values (> max_categories={max_categories}); "
                "polychoric correlations are for ordinal items",
                item=name,
            )
    rho, ll, table, n = _pair(xv, yv, cx, tx, cy, ty)
    if not np.isfinite(rho):
        raise PsychometricInputError("x and y have fewer than 2 respondents in common")
    return PolychoricPair(
        rho=rho,
        thresholds_x=tx.tolist(),
        thresholds_y=ty.tolist(),
        n=n,
        loglik=ll,
        table=table.astype(int).tolist(),
    )


def smooth_correlation(corr: np.ndarray, eig_tol: float = 1e-12) -> np.ndarray:
    """Smooth a non-positive-definite correlation matrix (Wothke 1993, as ``psych::cor.smooth``).

    Eigenvalues below ``eig_tol`` are set to ``100 * eig_tol``, all eigenvalues are rescaled
    to sum to the number of variables, and the rebuilt matrix is rescaled to unit diagonal.
    """
    r = np.asarray(corr, dtype=float)
    vals, vecs = np.linalg.eigh(r)
    if vals.min() >= eig_tol:
        return r.copy()
    vals = np.where(vals < eig_tol, 100 * eig_tol, vals)
    vals = vals * r.shape[0] / vals.sum()
    rebuilt = (vecs * vals) @ vecs.T
    d = np.sqrt(np.diag(rebuilt))
    out = rebuilt / np.outer(d, d)
    np.fill_diagonal(out, 1.0)
    return out


@dataclass
class PolychoricResult:
    """Polychoric correlation matrix with each item's thresholds."""

    corr: pd.DataFrame
    thresholds: dict[str, list[float]]
    n_pairwise: pd.DataFrame
    min_eigenvalue: float
    smoothed: bool

    @property
    def n_obs(self) -> int:
        return int(np.max(self.n_pairwise.to_numpy()))

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "corr": {c: self.corr[c].to_dict() for c in self.corr.columns},
                "thresholds": self.thresholds,
                "n_pairwise": {
                    c: self.n_pairwise[c].astype(int).to_dict() for c in self.n_pairwise
                },
                "min_eigenvalue": self.min_eigenvalue,
                "smoothed": self.smoothed,
            }
        )


def polychoric_matrix(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    smooth: bool = False,
    max_categories: int = 15,
) -> PolychoricResult:
    """Matrix of two-step polychoric correlations (Olsson 1979) with thresholds.

    Pairs use pairwise-complete rows; thresholds use each item's non-missing responses. The
    matrix is not forced to be positive definite; its smallest eigenvalue is reported, and with
    ``smooth=True`` a non-positive-definite matrix is smoothed (:func:`smooth_correlation`).
    """
    x = check_items(data, items, min_items=2)
    names = list(x.columns)
    cats, taus = {}, {}
    for it in names:
        c, t = ordinal_thresholds(x[it].to_numpy())
        if c.size > max_categories:
            raise PsychometricInputError(
                f"item {it!r} has {c.size} distinct values (> max_categories="
                f"{max_categories}); polychoric correlations are for ordinal items",
                item=it,
            )
        cats[it], taus[it] = c, t
    p = len(names)
    r = np.eye(p)
    npair = np.zeros((p, p), dtype=int)
    arr = {it: x[it].to_numpy() for it in names}
    for i in range(p):
        npair[i, i] = int(np.sum(~np.isnan(arr[names[i]])))
        for j in range(i):
            a, b = names[i], names[j]
            rho, _, _, n = _pair(arr[a], arr[b], cats[a], taus[a], cats[b], taus[b])
            if not np.isfinite(rho):
                raise PsychometricInputError(
                    f"items {a!r} and {b!r} have fewer than 2 respondents in common", item=a
                )
            r[i, j] = r[j, i] = rho
            npair[i, j] = npair[j, i] = n
    min_eig = float(np.linalg.eigvalsh(r).min())
    smoothed = False
    if smooth and min_eig < 1e-12:
        r = smooth_correlation(r)
        smoothed = True
    return PolychoricResult(
        corr=pd.DataFrame(r, index=names, columns=names),
        thresholds={it: taus[it].tolist() for it in names},
        n_pairwise=pd.DataFrame(npair, index=names, columns=names),
        min_eigenvalue=min_eig,
        smoothed=smoothed,
    )
