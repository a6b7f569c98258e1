"""Dimensionality: factorability checks, parallel analysis and exploratory factor analysis.

* :func:`kmo` - Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item
  (Kaiser 1970, "A second generation little jiffy", Psychometrika 35, 401-415; Kaiser 1974,
  "An index of factorial simplicity", Psychometrika 39, 31-36).
* :func:`bartlett_sphericity` - Bartlett's (1950) test that the correlation matrix is an
  identity matrix ("Tests of significance in factor analysis", British Journal of Statistical
  Psychology 3, 77-85).
* :func:`parallel_analysis` - Horn's (1965) parallel analysis ("A rationale and test for the
  number of factors in factor analysis", Psychometrika 30, 179-185), for principal components
  and for common factors the way ``psych::fa.parallel`` does it.
* :func:`efa` - exploratory factor analysis by minimum residual (minres / unweighted least
  squares; Harman & Jones 1966) or maximum likelihood (Joreskog 1967; Lawley & Maxwell 1971)
  extraction with varimax (Kaiser 1958), oblimin/quartimin (Carroll 1953; Jennrich & Sampson
  1966), geomin (Yates 1987) or promax (Hendrickson & White 1964) rotation. Oblimin and geomin
  use the gradient projection algorithm of Jennrich (2002) / Bernaards & Jennrich (2005).
  Conventions (signs, factor order, starting values, convergence rules) follow
  ``psych::fa`` with GPArotation so that loadings agree with it.

Correlations are Pearson correlations of pairwise-complete data unless a correlation matrix
is passed (a square DataFrame whose index equals its columns, with unit diagonal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from analysis.psychometrics.items import PsychometricInputError, check_items, jsonable

__all__ = [
    "correlation_input",
    "KMOResult",
    "kmo",
    "BartlettResult",
    "bartlett_sphericity",
    "EFAResult",
    "efa",
    "rotate_loadings",
    "ParallelAnalysisResult",
    "parallel_analysis",
]

Extraction = Literal["minres", "ml"]
Rotation = Literal["none", "varimax", "oblimin", "quartimin", "geomin", "promax"]
_EPS = np.finfo(float).eps


# --------------------------------------------------------------------------- input


def _is_corr_frame(data: pd.DataFrame) -> bool:
    if data.shape[0] != data.shape[1] or list(data.index) != list(data.columns):
        return False
    arr = data.to_numpy(dtype=float)
    return bool(
        np.allclose(np.diag(arr), 1.0) and np.allclose(arr, arr.T) and np.all(np.abs(arr) <= 1)
    )


def correlation_input(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    n_obs: int | None = None,
    min_items: int = 2,
) -> tuple[pd.DataFrame, int | None]:
    """Return ``(correlation matrix, n)`` from raw data or from a correlation matrix.

    Raw data: Pearson correlations of pairwise-complete observations; ``n`` is the number of
    respondents with at least one answered item unless ``n_obs`` is given. A correlation
    matrix (square DataFrame with index == columns and unit diagonal) is used as is, with
    ``n = n_obs``.
    """
    if isinstance(data, pd.DataFrame) and _is_corr_frame(data):
        names = list(data.columns) if items is None else list(items)
        unknown = [it for it in names if it not in data.columns]
        if unknown:
            raise PsychometricInputError(f"item(s) {unknown} not in the correlation matrix")
        if len(names) < min_items:
            raise PsychometricInputError(f"need at least {min_items} items, got {len(names)}")
        r = data.loc[names, names].astype(float)
        return r, n_obs
    x = check_items(data, items, min_items=min_items)
    r = x.corr(min_periods=2)
    if r.isna().any().any():
        i, j = np.argwhere(r.isna().to_numpy())[0]
        raise PsychometricInputError(
            f"items {r.index[i]!r} and {r.columns[j]!r} have fewer than 2 respondents in "
            "common; their correlation is undefined",
            item=str(r.index[i]),
        )
    n = int(x.notna().any(axis=1).sum()) if n_obs is None else int(n_obs)
    return r, n


def _inverse(r: np.ndarray, names: Sequence[str]) -> np.ndarray:
    vals = np.linalg.eigvalsh(r)
    if vals.min() <= 1e-10 * max(vals.max(), 1.0):
        raise PsychometricInputError(
            "the correlation matrix is singular: some items are linear combinations of others "
            f"(items: {list(names)})"
        )
    return np.linalg.inv(r)


def _smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations 1 - 1/diag(R^-1) (pseudo-inverse if R is singular)."""
    try:
        inv = np.linalg.inv(r)
        if not np.all(np.isfinite(inv)) or np.any(np.diag(inv) <= 0):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        inv = np.linalg.pinv(r)
    smc = 1.0 - 1.0 / np.diag(inv)
    return np.clip(smc, 0.0, 1.0)


# --------------------------------------------------------------------------- KMO, Bartlett


@dataclass
class KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy (Kaiser 1970, 1974)."""

    overall: float
    per_item: pd.Series

    def to_dict(self) -> dict[str, Any]:
        return jsonable({"overall": self.overall, "per_item": self.per_item.to_dict()})


def kmo(data: pd.DataFrame, items: Sequence[str] | None = None) -> KMOResult:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item (MSA_i).

    KMO = sum r_ij^2 / (sum r_ij^2 + sum q_ij^2) over i != j, where q_ij are the partial
    correlations (anti-image correlations) from the inverse correlation matrix; MSA_i restricts
    the sums to row i (Kaiser 1970; Kaiser & Rice 1974). Kaiser's (1974) labels: >= .90
    marvelous, .80s meritorious, .70s middling, .60s mediocre, .50s miserable, < .50
    unacceptable.
    """
    rf, _ = correlation_input(data, items)
    r = rf.to_numpy()
    inv = _inverse(r, rf.columns)
    d = np.sqrt(np.diag(inv))
    q = -inv / np.outer(d, d)  # partial correlations (sign irrelevant: squared below)
    np.fill_diagonal(q, 0.0)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    r2, q2 = r0**2, q**2
    overall = float(r2.sum() / (r2.sum() + q2.sum()))
    per = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return KMOResult(overall=overall, per_item=pd.Series(per, index=rf.columns, name="msa"))


@dataclass
class BartlettResult:
    """Bartlett's (1950) test of sphericity."""

    chi2: float
    df: int
    p_value: float
    n_obs: int

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {"chi2": self.chi2, "df": self.df, "p_value": self.p_value, "n_obs": self.n_obs}
        )


def bartlett_sphericity(
    data: pd.DataFrame, items: Sequence[str] | None = None, *, n_obs: int | None = None
) -> BartlettResult:
    """Bartlett's (1950) test that the population correlation matrix is the identity.

    chi2 = -(n - 1 - (2p + 5)/6) ln|R| with p(p - 1)/2 degrees of freedom. ``n`` is the number
    of respondents (rows with at least one answered item) unless ``n_obs`` is given; it must be
    given when ``data`` is a correlation matrix.
    """
    rf, n = correlation_input(data, items, n_obs=n_obs)
    if n is None:
        raise PsychometricInputError("n_obs is required when data is a correlation matrix")
    r = rf.to_numpy()
    p = r.shape[0]
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise PsychometricInputError(
            "the correlation matrix is singular or not positive definite "
            f"(items: {list(rf.columns)})"
        )
    chi2 = float(-logdet * (n - 1 - (2 * p + 5) / 6))
    df = p * (p - 1) // 2
    return BartlettResult(chi2=chi2, df=df, p_value=float(stats.chi2.sf(chi2, df)), n_obs=int(n))


# --------------------------------------------------------------------------- extraction


def _top_eig(m: np.ndarray, nf: int) -> tuple[np.ndarray, np.ndarray]:
    vals, vecs = np.linalg.eigh(m)
    order = np.argsort(vals)[::-1]
    return vals[order], vecs[:, order]


def _uls_loadings(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    vals, vecs = _top_eig(s - np.diag(psi), nf)
    return vecs[:, :nf] * np.sqrt(np.maximum(vals[:nf], 0.0))


def _uls_fit(psi: np.ndarray, s: np.ndarray, nf: int) -> tuple[float, np.ndarray]:
    lam = _uls_loadings(psi, s, nf)
    resid = s - np.diag(psi) - lam @ lam.T
    return 0.5 * float(np.sum(resid**2)), -np.diag(resid).copy()


def _ml_loadings(psi: np.ndarray, s: np.ndarray, nf: int) -> np.ndarray:
    sc = 1.0 / np.sqrt(psi)
    vals, vecs = _top_eig(s * np.outer(sc, sc), nf)
    lam = vecs[:, :nf] * np.sqrt(np.maximum(vals[:nf] - 1.0, 0.0))
    return lam * np.sqrt(psi)[:, None]


def _ml_fit(psi: np.ndarray, s: np.ndarray, nf: int) -> tuple[float, np.ndarray]:
    sc = 1.0 / np.sqrt(psi)
    vals, vecs = _top_eig(s * np.outer(sc, sc), nf)
    e = vals[nf:]
    f = -float(np.sum(np.log(e) - e) - nf + s.shape[0])
    lam = vecs[:, :nf] * np.sqrt(np.maximum(vals[:nf] - 1.0, 0.0))
    lam = lam * np.sqrt(psi)[:, None]
    g = np.diag(lam @ lam.T + np.diag(psi) - s) / psi**2
    return f, g


def _extract(r: np.ndarray, nf: int, method: Extraction) -> tuple[np.ndarray, bool]:
    start = np.diag(r) - _smc(r)
    upper = max(1.0, float(_smc(r).max()))
    if method == "minres":
        fun, out = _uls_fit, _uls_loadings
    elif method == "ml":
        fun, out = _ml_fit, _ml_loadings
    else:
        raise PsychometricInputError(f"method must be 'minres' or 'ml', got {method!r}")
    res = optimize.minimize(
        fun,
        np.clip(start, 0.005, upper),
        args=(r, nf),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.005, upper)] * r.shape[0],
        options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000},
    )
    return out(res.x, r, nf), bool(res.success)


# --------------------------------------------------------------------------- rotation


def _varimax(
    a: np.ndarray, normalize: bool = True, eps: float = 1e-5
) -> tuple[np.ndarray, np.ndarray]:
    """Kaiser's (1958) varimax by the SVD iteration with relative criterion ``eps``."""
    p, k = a.shape
    if normalize:
        sc = np.sqrt(np.sum(a**2, axis=1))
        x = a / sc[:, None]
    else:
        x = a
    t = np.eye(k)
    d = 0.0
    for _ in range(1000):
        z = x @ t
        b = x.T @ (z**3 - z @ np.diag(np.sum(z**2, axis=0)) / p)
        u, sv, vt = np.linalg.svd(b)
        t = u @ vt
        d_past, d = d, float(np.sum(sv))
        if d < d_past * (1 + eps):
            break
    z = x @ t
    if normalize:
        z = z * sc[:, None]
    return z, t


def _vgq_oblimin(lam: np.ndarray, gamma: float = 0.0) -> tuple[float, np.ndarray]:
    p, k = lam.shape
    l2 = lam**2
    n = np.ones((k, k)) - np.eye(k)
    x = l2 @ n
    if gamma != 0:
        x = x - gamma * np.ones((p, p)) @ x / p
    return float(np.sum(l2 * x) / 4.0), lam * x


def _vgq_geomin(lam: np.ndarray, delta: float = 0.01) -> tuple[float, np.ndarray]:
    k = lam.shape[1]
    l2 = lam**2 + delta
    pro = np.exp(np.sum(np.log(l2), axis=1) / k)
    return float(np.sum(pro)), (2.0 / k) * (lam / l2) * pro[:, None]


def _gpa_oblique(
    a: np.ndarray,
    vgq: Callable[[np.ndarray], tuple[float, np.ndarray]],
    eps: float = 1e-5,
    maxit: int = 1000,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Oblique gradient projection rotation (Jennrich 2002; Bernaards & Jennrich 2005).

    Minimises ``vgq`` over L = A (T')^-1 with unit-length columns of T, starting at T = I.
    Returns (L, Phi = T'T, converged).
    """
    k = a.shape[1]
    t = np.eye(k)
    al = 1.0
    lam = a @ np.linalg.inv(t).T
    f, gq = vgq(lam)
    g = -(lam.T @ gq @ np.linalg.inv(t)).T
    converged = False
    for _ in range(maxit + 1):
        gp = g - t @ np.diag(np.sum(t * g, axis=0))
        s = float(np.sqrt(np.sum(gp**2)))
        if s < eps:
            converged = True
            break
        al *= 2.0
        for _ in range(11):
            x = t - al * gp
            tt = x / np.sqrt(np.sum(x**2, axis=0))
            lam = a @ np.linalg.inv(tt).T
            ft, gqt = vgq(lam)
            if f - ft > 0.5 * s**2 * al:
                break
            al /= 2.0
        t = tt
        f = ft
        g = -(lam.T @ gqt @ np.linalg.inv(tt)).T
    lam = a @ np.linalg.inv(t).T
    return lam, t.T @ t, converged


def _promax(a: np.ndarray, m: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Promax (Hendrickson & White 1964) on Kaiser-normalised loadings, as ``psych::fa``."""
    h = np.sqrt(np.sum(a**2, axis=1))
    x = a / h[:, None]
    xv, tv = _varimax(x, normalize=True)
    q = xv * np.abs(xv) ** (m - 1)
    u = np.linalg.lstsq(xv, q, rcond=None)[0]
    d = np.diag(np.linalg.inv(u.T @ u))
    u = u * np.sqrt(d)[None, :]
    z = xv @ u
    total = tv @ u
    ui = np.linalg.inv(total)
    phi = ui @ ui.T
    return z * h[:, None], phi


def rotate_loadings(
    loadings: np.ndarray | pd.DataFrame,
    rotation: Rotation = "oblimin",
    *,
    gamma: float = 0.0,
    delta: float = 0.01,
    power: int = 4,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray | None, bool]:
    """Rotate a loading matrix; returns ``(rotated loadings, factor correlations or None, ok)``.

    ``oblimin`` (gamma = 0 is quartimin), ``geomin`` (oblique, Yates 1987, ``delta``) use the
    oblique GPA algorithm started from the identity with GPArotation's convergence rule
    (gradient norm < ``eps``); ``varimax`` is Kaiser-normalised (as ``stats::varimax``);
    ``promax`` raises Kaiser-normalised varimax loadings to ``power`` (as ``psych::fa``).
    Factor correlations are ``None`` for orthogonal rotations.
    """
    a = np.asarray(loadings, dtype=float)
    if a.ndim != 2:
        raise PsychometricInputError("loadings must be a 2-d items x factors matrix")
    if a.shape[1] < 2 or rotation == "none":
        return a.copy(), None, True
    if rotation == "varimax":
        lam, _ = _varimax(a, normalize=True, eps=eps)
        return lam, None, True
    if rotation in ("oblimin", "quartimin"):
        g = gamma if rotation == "oblimin" else 0.0
        lam, phi, ok = _gpa_oblique(a, lambda m: _vgq_oblimin(m, g), eps=eps)
        return lam, phi, ok
    if rotation == "geomin":
        lam, phi, ok = _gpa_oblique(a, lambda m: _vgq_geomin(m, delta), eps=eps)
        return lam, phi, ok
    if rotation == "promax":
        lam, phi = _promax(a, m=power)
        return lam, phi, True
    raise PsychometricInputError(
        f"unknown rotation {rotation!r}; use none, varimax, oblimin, quartimin, geomin or promax"
    )


# --------------------------------------------------------------------------- EFA


@dataclass
class EFAResult:
    """Exploratory factor analysis solution."""

    loadings: pd.DataFrame
    structure: pd.DataFrame
    factor_corr: pd.DataFrame | None
    communalities: pd.Series
    uniquenesses: pd.Series
    variance: pd.DataFrame
    eigenvalues: pd.DataFrame
    rms_residual: float
    method: str
    rotation: str
    n_factors: int
    n_obs: int | None
    converged: bool
    heywood: list[str]

    def to_dict(self) -> dict[str, Any]:
        def frame(df: pd.DataFrame | None) -> dict[str, Any] | None:
            if df is None:
                return None
            return {str(c): df[c].to_dict() for c in df.columns}

        return jsonable(
            {
                "loadings": frame(self.loadings),
                "structure": frame(self.structure),
                "factor_corr": frame(self.factor_corr),
                "communalities": self.communalities.to_dict(),
                "uniquenesses": self.uniquenesses.to_dict(),
                "variance": frame(self.variance),
                "eigenvalues": frame(self.eigenvalues),
                "rms_residual": self.rms_residual,
                "method": self.method,
                "rotation": self.rotation,
                "n_factors": self.n_factors,
                "n_obs": self.n_obs,
                "converged": self.converged,
                "heywood": self.heywood,
            }
        )


def efa(
    data: pd.DataFrame,
    n_factors: int,
    *,
    items: Sequence[str] | None = None,
    method: Extraction = "minres",
    rotation: Rotation = "oblimin",
    n_obs: int | None = None,
    gamma: float = 0.0,
    delta: float = 0.01,
) -> EFAResult:
    """Exploratory factor analysis of the item correlation matrix.

    Extraction: ``"minres"`` (unweighted least squares on the uniquenesses, Harman & Jones
    1966) or ``"ml"`` (Joreskog 1967), both started at 1 - SMC and optimised with uniquenesses
    bounded to [0.005, 1] like ``psych::fa``. Rotation: see :func:`rotate_loadings`.
    After rotation each factor is signed so that its loadings sum to a positive value, and
    factors are ordered by the variance they account for (for oblique solutions the diagonal of
    Phi L'L), as in ``psych::fa``.

    Returns loadings (pattern matrix), structure matrix (L Phi), factor correlations (oblique
    rotations), communalities (row sums of squared unrotated loadings), uniquenesses
    (1 - communality), variance accounted for, the eigenvalues of R and of the reduced matrix
    (R with communalities on the diagonal), the root mean square off-diagonal residual
    (psych's ``rms``) and ``heywood``: items whose communality reached the bound
    (uniqueness 0.005, i.e. a Heywood case; the solution should not be trusted).
    """
    rf, n = correlation_input(data, items, n_obs=n_obs, min_items=3)
    r = rf.to_numpy()
    p = r.shape[0]
    if not isinstance(n_factors, int | np.integer) or not 1 <= n_factors < p:
        raise PsychometricInputError(
            f"n_factors must be an integer in [1, {p - 1}], got {n_factors}"
        )
    nf = int(n_factors)
    lam0, converged = _extract(r, nf, method)
    signs = np.sign(lam0.sum(axis=0))
    signs[signs == 0] = 1.0
    lam0 = lam0 * signs
    communal = np.sum(lam0**2, axis=1)
    lam, phi, ok = rotate_loadings(lam0, rotation, gamma=gamma, delta=delta)
    converged = converged and ok
    signs = np.sign(lam.sum(axis=0))
    signs[signs == 0] = 1.0
    lam = lam * signs
    if phi is not None:
        phi = phi * np.outer(signs, signs)
    if nf > 1:
        ev = np.diag(lam.T @ lam) if phi is None else np.diag(phi @ lam.T @ lam)
        order = np.argsort(-ev, kind="stable")
        lam = lam[:, order]
        if phi is not None:
            phi = phi[np.ix_(order, order)]
    names = [f"F{j + 1}" for j in range(nf)]
    idx = rf.columns
    structure = lam if phi is None else lam @ phi
    vx = np.sum(lam**2, axis=0) if phi is None else np.diag(phi @ lam.T @ lam)
    vtotal = float(np.sum(np.diag(r)))
    variance = pd.DataFrame(
        {
            "ss_loadings": vx,
            "proportion_var": vx / vtotal,
            "cumulative_var": np.cumsum(vx) / vtotal,
            "proportion_explained": vx / vx.sum(),
        },
        index=names,
    )
    reduced = r.copy()
    np.fill_diagonal(reduced, communal)
    model = lam0 @ lam0.T
    resid = r - model
    off = ~np.eye(p, dtype=bool)
    eig = pd.DataFrame(
        {
            "correlation": np.sort(np.linalg.eigvalsh(r))[::-1],
            "reduced": np.sort(np.linalg.eigvalsh(reduced))[::-1],
        },
        index=pd.RangeIndex(1, p + 1, name="number"),
    )
    return EFAResult(
        loadings=pd.DataFrame(lam, index=idx, columns=names),
        structure=pd.DataFrame(structure, index=idx, columns=names),
        factor_corr=None if phi is None else pd.DataFrame(phi, index=names, columns=names),
        communalities=pd.Series(communal, index=idx, name="communality"),
        uniquenesses=pd.Series(np.diag(r) - communal, index=idx, name="uniqueness"),
        variance=variance,
        eigenvalues=eig,
        rms_residual=float(np.sqrt(np.mean(resid[off] ** 2))),
        method=method,
        rotation=rotation,
        n_factors=nf,
        n_obs=n,
        converged=converged,
        heywood=[str(i) for i, h in zip(idx, communal, strict=True) if h >= 0.995 - 1e-8],
    )


# --------------------------------------------------------------------------- parallel analysis


def _fa_values(r: np.ndarray, method: Extraction) -> np.ndarray:
    lam, _ = _extract(r, 1, method)
    reduced = r.copy()
    np.fill_diagonal(reduced, np.sum(lam**2, axis=1))
    return np.sort(np.linalg.eigvalsh(reduced))[::-1]


@dataclass
class ParallelAnalysisResult:
    """Horn's (1965) parallel analysis."""

    table: pd.DataFrame
    n_components: int
    n_factors: int
    n_iter: int
    quantile: float | None
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "table": self.table.reset_index().to_dict(orient="records"),
                "n_components": self.n_components,
                "n_factors": self.n_factors,
                "n_iter": self.n_iter,
                "quantile": self.quantile,
                "seed": self.seed,
            }
        )


def _count_leading(observed: np.ndarray, reference: np.ndarray) -> int:
    above = observed > reference
    return int(np.argmin(above)) if not above.all() else int(above.size)


def parallel_analysis(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    seed: int,
    n_iter: int = 100,
    quantile: float | None = 0.95,
    method: Extraction = "minres",
    resample: bool = False,
    n_obs: int | None = None,
) -> ParallelAnalysisResult:
    """Horn's (1965) parallel analysis for components and common factors.

    The observed eigenvalues are compared with eigenvalues from ``n_iter`` random data sets of
    the same size: independent standard-normal data (Horn 1965), or with ``resample=True``
    each item's observed values resampled independently (which keeps the marginal
    distributions but breaks the correlations). Components use the eigenvalues of the
    correlation matrix; factors use the eigenvalues of the reduced matrix with the communalities
    of a one-factor ``method`` solution on the diagonal, as ``psych::fa.parallel`` does.
    The suggested number is the count of leading observed eigenvalues that exceed the
    ``quantile`` (default .95, Glorfeld 1995) of the random eigenvalues, or their mean when
    ``quantile`` is None (Horn's original rule).

    ``data`` may also be a correlation matrix (e.g. the EM correlations of incomplete data)
    with ``n_obs`` respondents, for normal reference data (``resample=False``) only.
    """
    given_corr = isinstance(data, pd.DataFrame) and _is_corr_frame(data)
    if given_corr and (resample or n_obs is None):
        raise PsychometricInputError("parallel analysis needs raw data, or a correlation "
                                     "matrix with n_obs and normal reference data "
                                     "(resample=False)")
    if n_iter < 1:
        raise PsychometricInputError("n_iter must be at least 1")
    if quantile is not None and not 0 < quantile < 1:
        raise PsychometricInputError("quantile must lie in (0, 1) or be None")
    rf, n = correlation_input(data, items, min_items=3, n_obs=n_obs)
    x = None if given_corr else check_items(data, list(rf.columns))
    r = rf.to_numpy()
    p = r.shape[0]
    obs_pc = np.sort(np.linalg.eigvalsh(r))[::-1]
    obs_fa = _fa_values(r, method)
    rng = np.random.default_rng(seed)
    sim_pc = np.empty((n_iter, p))
    sim_fa = np.empty((n_iter, p))
    cols = [] if x is None else [x[c].dropna().to_numpy() for c in x.columns]
    for b in range(n_iter):
        if resample:
            sim = np.column_stack([rng.choice(c, size=n, replace=True) for c in cols])
            if np.any(np.ptp(sim, axis=0) == 0):
                sim[0] = sim[0] + 1e-9  # degenerate resample: keep correlations defined
        else:
            sim = rng.standard_normal((n, p))
        rs = np.corrcoef(sim, rowvar=False)
        sim_pc[b] = np.sort(np.linalg.eigvalsh(rs))[::-1]
        sim_fa[b] = _fa_values(rs, method)

    def ref(values: np.ndarray) -> np.ndarray:
        return values.mean(axis=0) if quantile is None else np.quantile(values, quantile, axis=0)

    table = pd.DataFrame(
        {
            "observed_pc": obs_pc,
            "random_pc_mean": sim_pc.mean(axis=0),
            "random_pc_quantile": ref(sim_pc),
            "observed_fa": obs_fa,
            "random_fa_mean": sim_fa.mean(axis=0),
            "random_fa_quantile": ref(sim_fa),
        },
        index=pd.RangeIndex(1, p + 1, name="number"),
    )
    return ParallelAnalysisResult(
        table=table,
        n_components=_count_leading(obs_pc, ref(sim_pc)),
        n_factors=_count_leading(obs_fa, ref(sim_fa)),
        n_iter=int(n_iter),
        quantile=quantile,
        seed=int(seed),
    )
