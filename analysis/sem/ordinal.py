"""Ordinal indicators: DWLS on polychoric correlations (lavaan ``estimator = "WLSMV"``).

Steps, as lavaan 0.6 for ordered items without covariates:

1. thresholds from the cumulative marginal proportions, ``tau = Phi^-1(P(X <= c))``;
2. polychoric correlations by two-step ML with thresholds fixed (Olsson, 1979);
3. their asymptotic covariance matrix ``Gamma`` from case-wise scores (Muthen, 1984;
   lavaan ``muthen1984``): ``Gamma = N B^-1 (S'S) B^-T`` with ``S`` the scores of the
   univariate (thresholds) and bivariate (correlations) likelihoods and ``B`` the
   block-triangular outer-product Hessian approximation, times N / (N - 1) as lavaan
   does for categorical data (option ``gamma.n.minus.one``);
4. diagonally weighted least squares ``F = (s - sigma)' W (s - sigma)``,
   ``W = diag(Gamma)^-1`` (Muthen, du Toit & Spisic, 1997), with the "delta"
   parameterization: the latent-response covariance matrix has unit diagonal, residual
   variances of the items are ``1 - common variance`` (derived, not free);
5. robust standard errors ``(D'WD)^-1 D'W Gamma W D (D'WD)^-1 / N`` and the mean- and
   variance-adjusted (scaled-and-shifted) test ``a T + b`` with ``a = sqrt(df / tr(UG)^2)``,
   ``b = df - a tr(UG)``, ``U = W - W D (D'WD)^-1 D'W`` (Asparouhov & Muthen, 2010).

``T = N F``; RMSEA uses N - 1 (lavaan's ``lav_utils_get_ntotal`` for non-ML estimators);
SRMR is computed on the correlation residuals (no thresholds).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from analysis.psychometrics.polychoric import bivariate_normal_cdf

from . import measures
from .defined import DefinedParameters
from .errors import SEMInputError
from .model import compile_model, row_values, start_values
from .partable import build_partable
from .result import SEMResult
from .solution import FitState, _admissibility, _standardize
from .stats import moments_from_cov
from .syntax import parse_model

__all__ = ["OrdinalStats", "fit_ordinal", "ordinal_statistics"]


def _phi(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), np.exp(-0.5 * np.where(np.isfinite(x), x, 0.0) ** 2)
                    / math.sqrt(2 * math.pi), 0.0)


def _phi2(h: np.ndarray, k: np.ndarray, r: float) -> np.ndarray:
    """Bivariate standard normal density (0 at infinite arguments)."""
    fin = np.isfinite(h) & np.isfinite(k)
    hh = np.where(fin, h, 0.0)
    kk = np.where(fin, k, 0.0)
    s = 1 - r * r
    d = np.exp(-(hh * hh - 2 * r * hh * kk + kk * kk) / (2 * s)) / (2 * math.pi * math.sqrt(s))
    return np.where(fin, d, 0.0)


class OrdinalStats:
    """Thresholds, polychoric correlations and their asymptotic covariance (Gamma)."""

    def __init__(self, codes: np.ndarray, names: list[str]):
        self.codes = codes  # (N, p) integers 0..K_j-1
        self.names = names
        N, p = codes.shape
        self.n = N
        self.ncat = [int(codes[:, j].max()) + 1 for j in range(p)]
        self.tau: list[np.ndarray] = []
        for j in range(p):
            counts = np.bincount(codes[:, j], minlength=self.ncat[j])
            self.tau.append(special.ndtri(np.cumsum(counts)[:-1] / N))
        self.pairs = [(i, j) for j in range(p - 1) for i in range(j + 1, p)]  # lavaan order
        self.rho = np.array([self._polychoric(i, j) for i, j in self.pairs])
        self.R = np.eye(p)
        for (i, j), r in zip(self.pairs, self.rho, strict=True):
            self.R[i, j] = self.R[j, i] = r
        self.th_index = np.cumsum([0] + [len(t) for t in self.tau])
        self.gamma = self._gamma()

    # ------------------------------------------------------------------ pieces
    def _ext(self, j: int) -> np.ndarray:
        return np.concatenate([[-np.inf], self.tau[j], [np.inf]])

    def _cells(self, i: int, j: int, r: float) -> np.ndarray:
        ti, tj = self._ext(i), self._ext(j)
        F = bivariate_normal_cdf(ti[:, None], tj[None, :], r)
        return F[1:, 1:] - F[:-1, 1:] - F[1:, :-1] + F[:-1, :-1]

    def _table(self, i: int, j: int) -> np.ndarray:
        t = np.zeros((self.ncat[i], self.ncat[j]))
        np.add.at(t, (self.codes[:, i], self.codes[:, j]), 1.0)
        return t

    def _polychoric(self, i: int, j: int) -> float:
        tab = self._table(i, j)

        def negll(r: float) -> float:
            P = np.maximum(self._cells(i, j, r), 1e-300)
            return -float(np.sum(tab * np.log(P)))

        res = optimize.minimize_scalar(negll, bounds=(-0.9999, 0.9999), method="bounded",
                                       options={"xatol": 1e-12})
        return float(res.x)

    def _bivariate_scores(self, i: int, j: int, r: float):
        """Case-wise scores of the bivariate log-likelihood w.r.t. rho and thresholds."""
        ti, tj = self._ext(i), self._ext(j)
        P = np.maximum(self._cells(i, j, r), 1e-300)
        D = _phi2(ti[:, None], tj[None, :], r)
        dP_rho = D[1:, 1:] - D[:-1, 1:] - D[1:, :-1] + D[:-1, :-1]
        s = math.sqrt(1 - r * r)
        with np.errstate(invalid="ignore"):
            Gi = _phi(ti)[:, None] * special.ndtr((tj[None, :] - r * np.where(
                np.isfinite(ti), ti, 0.0)[:, None]) / s)
            Gj = _phi(tj)[None, :] * special.ndtr((ti[:, None] - r * np.where(
                np.isfinite(tj), tj, 0.0)[None, :]) / s)
        Gi = np.nan_to_num(Gi)
        Gj = np.nan_to_num(Gj)
        a, b = self.codes[:, i], self.codes[:, j]
        Pc = P[a, b]
        sc_rho = dP_rho[a, b] / Pc
        Ki, Kj = self.ncat[i], self.ncat[j]
        sc_ti = np.zeros((self.n, Ki - 1))
        sc_tj = np.zeros((self.n, Kj - 1))
        for t in range(1, Ki):  # extended index t <-> threshold t-1
            up = (a + 1 == t)  # threshold is the upper bound of the case's category
            lo = (a == t)
            val = np.zeros(self.n)
            val[up] = Gi[t, b[up] + 1] - Gi[t, b[up]]
            val[lo] = -(Gi[t, b[lo] + 1] - Gi[t, b[lo]])
            sc_ti[:, t - 1] = val / Pc
        for t in range(1, Kj):
            up = (b + 1 == t)
            lo = (b == t)
            val = np.zeros(self.n)
            val[up] = Gj[a[up] + 1, t] - Gj[a[up], t]
            val[lo] = -(Gj[a[lo] + 1, t] - Gj[a[lo], t])
            sc_tj[:, t - 1] = val / Pc
        return sc_rho, sc_ti, sc_tj

    def _univariate_scores(self, j: int) -> np.ndarray:
        t = self._ext(j)
        c = self.codes[:, j]
        P = special.ndtr(t[c + 1]) - special.ndtr(t[c])
        out = np.zeros((self.n, self.ncat[j] - 1))
        for k in range(1, self.ncat[j]):
            out[:, k - 1] = (np.where(c + 1 == k, _phi(t[k]), 0.0)
                             - np.where(c == k, _phi(t[k]), 0.0)) / P
        return out

    def _gamma(self) -> np.ndarray:
        p = len(self.names)
        nth = int(self.th_index[-1])
        pstar = len(self.pairs)
        SC_TH = np.hstack([self._univariate_scores(j) for j in range(p)])
        SC_COR = np.zeros((self.n, pstar))
        A21 = np.zeros((pstar, nth))
        for k, (i, j) in enumerate(self.pairs):
            sr, sti, stj = self._bivariate_scores(i, j, self.rho[k])
            SC_COR[:, k] = sr
            A21[k, self.th_index[i]:self.th_index[i + 1]] = sr @ sti
            A21[k, self.th_index[j]:self.th_index[j + 1]] = sr @ stj
        SC = np.hstack([SC_TH, SC_COR])
        INNER = SC.T @ SC
        A11 = np.zeros((nth, nth))
        for j in range(p):
            sl = slice(self.th_index[j], self.th_index[j + 1])
            A11[sl, sl] = INNER[sl, sl]
        A11inv = np.linalg.inv(A11)
        A22inv = np.diag(1.0 / np.sum(SC_COR**2, axis=0))
        Binv = np.zeros((nth + pstar, nth + pstar))
        Binv[:nth, :nth] = A11inv
        Binv[nth:, :nth] = -A22inv @ A21 @ A11inv
        Binv[nth:, nth:] = A22inv
        return self.n * (Binv @ INNER @ Binv.T)

    @property
    def thresholds(self) -> np.ndarray:
        return np.concatenate(self.tau)


def ordinal_statistics(data: pd.DataFrame, items: list[str]) -> OrdinalStats:
    """Thresholds, polychoric matrix and Gamma for ordered items (listwise complete)."""
    X = data[items]
    X = X[~X.isna().any(axis=1)]
    codes = np.zeros(X.shape, dtype=int)
    for j, v in enumerate(items):
        col = X[v].to_numpy()
        cats = np.unique(col)
        if cats.size < 2:
            raise SEMInputError(f"ordinal item with a single category (zero variance): {v}")
        codes[:, j] = np.searchsorted(cats, col)
    return OrdinalStats(codes, list(items))


def _scaled_shifted(U: np.ndarray, G: np.ndarray, T: float, df: float):
    UG = U @ G
    tr1 = float(np.trace(UG))
    tr2 = float(np.sum(UG * UG.T))
    a = math.sqrt(df / tr2)
    b = df - a * tr1
    return a * T + b, 1.0 / a, b


def model_rows(pt, engine, theta: np.ndarray, vcov: np.ndarray
               ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, object]:
    """The parameter-table rows of the model's own parameters (``lhs op rhs group label est
    se std.lv std.all``), the SE of every free parameter (thresholds and scale factors
    included, by position in ``vcov``), the row estimates and R² (lavaan's ``std.all`` on the
    latent-response scale)."""
    est = row_values(pt, theta)
    se_free = np.sqrt(np.clip(np.diag(vcov), 0, None))
    pid = np.array(pt.pid)
    se = np.where(pid >= 0, se_free[np.maximum(pid, 0)], 0.0)
    std_lv, std_all, r2 = _standardize(pt, engine, theta, est)
    rows = pd.DataFrame({
        "lhs": pt.lhs, "op": pt.op, "rhs": pt.rhs, "group": pt.group, "label": pt.label,
        "est": est, "se": se, "std.lv": std_lv, "std.all": std_all,
    })
    return rows, se_free, est, r2


def add_inference(rows: pd.DataFrame, level: float) -> pd.DataFrame:
    """``z``, ``pvalue`` and the Wald ``ci.lower``/``ci.upper`` after ``se``, as
    ``parameterEstimates``; z and p are missing for fixed parameters (SE 0)."""
    zq = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(rows["se"] > 0, rows["est"] / rows["se"], np.nan)
    rows = rows.copy()
    rows.insert(rows.columns.get_loc("se") + 1, "z", z)
    rows.insert(rows.columns.get_loc("z") + 1, "pvalue", 2 * stats.norm.sf(np.abs(z)))
    rows.insert(rows.columns.get_loc("pvalue") + 1, "ci.lower", rows["est"] - zq * rows["se"])
    rows.insert(rows.columns.get_loc("ci.lower") + 1, "ci.upper", rows["est"] + zq * rows["se"])
    return rows


def wls_fit_measures(*, npar: float, fmin: float, chisq: float, df: int, baseline: float,
                     baseline_df: int, ntotal: int, groups: int = 1,
                     scaled: tuple[float, float, float] | None = None,
                     baseline_scaled: tuple[float, float, float] | None = None,
                     extra: dict[str, float] | None = None) -> dict[str, float]:
    """lavaan's fit measures of a (D)WLS fit on polychoric correlations: the test, the
    baseline (independence) test, CFI/TLI (Bentler 1990; Tucker & Lewis 1973) and RMSEA with
    its 90% CI and p(close fit) with N - #groups (Steiger 1990), and with ``scaled``
    ``(T, scaling factor, shift)`` from :func:`_scaled_shifted` (WLSMV, Asparouhov & Muthen
    2010) their ``.scaled`` versions. ``extra`` entries follow the p value (per-group tests).
    """
    fm: dict[str, float] = {"npar": float(npar), "fmin": fmin, "chisq": chisq, "df": float(df),
                            "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan}
    fm.update(extra or {})
    if scaled is not None:
        ts, c, shift = scaled
        fm.update({"chisq.scaled": ts, "df.scaled": float(df),
                   "pvalue.scaled": float(stats.chi2.sf(ts, df)), "chisq.scaling.factor": c,
                   "chisq.shift.parameters": shift})
    fm.update({"baseline.chisq": baseline, "baseline.df": float(baseline_df),
               "baseline.pvalue": float(stats.chi2.sf(baseline, baseline_df))})
    if scaled is not None and baseline_scaled is not None:
        tbs, cb, bb = baseline_scaled
        fm.update({"baseline.chisq.scaled": tbs, "baseline.df.scaled": float(baseline_df),
                   "baseline.chisq.scaling.factor": cb, "baseline.chisq.shift.parameters": bb})
    fm["cfi"] = measures.cfi(chisq, df, baseline, baseline_df)
    fm["tli"] = measures.tli(chisq, df, baseline, baseline_df)
    if scaled is not None and baseline_scaled is not None:
        fm["cfi.scaled"] = measures.cfi(scaled[0], df, baseline_scaled[0], baseline_df)
        fm["tli.scaled"] = measures.tli(scaled[0], df, baseline_scaled[0], baseline_df)
    fm["ntotal"] = float(ntotal)
    n_r = ntotal - groups
    fm["rmsea"] = measures.rmsea(chisq, df, n_r, groups)
    fm["rmsea.ci.lower"], fm["rmsea.ci.upper"] = measures.rmsea_ci(chisq, df, n_r, groups)
    fm["rmsea.pvalue"] = measures.rmsea_pvalue(chisq, df, n_r, groups)
    if scaled is not None:
        fm["rmsea.scaled"] = measures.rmsea(scaled[0], df, n_r, groups)
        fm["rmsea.ci.lower.scaled"], fm["rmsea.ci.upper.scaled"] = measures.rmsea_ci(
            scaled[0], df, n_r, groups)
        fm["rmsea.pvalue.scaled"] = measures.rmsea_pvalue(scaled[0], df, n_r, groups)
    return fm


def catml_robust(R: np.ndarray, Sigma: np.ndarray, D: np.ndarray, w: np.ndarray,
                 Einv: np.ndarray, gamma: np.ndarray, n: int, df: float, nth: int,
                 ii: np.ndarray, jj: np.ndarray) -> dict[str, float]:
    """lavaan 0.6.14's robust CFI, TLI and RMSEA of a WLSMV fit of ordinal items (Savalei,
    2021; lavaan ``lav_fit_catml_dwls``): the normal-theory ML discrepancy of the polychoric
    matrix ``R`` from the implied correlation matrix ``Sigma`` at the DWLS estimates,
    ``X3 = N [log|Sigma| + tr(R Sigma^-1) - log|R| - p]`` (catML, no refit), with the scaling
    factor ``c3 = tr(U' V U Gamma) / df``, ``U = I - Delta E^-1 Delta' W`` over the
    correlations, ``V`` the ML weight of a correlation structure at ``Sigma``
    (``V[ij,kl] = s^ik s^jl + s^il s^jk``) and ``Gamma`` the polychorics' asymptotic covariance
    without the N/(N - 1) factor; the baseline's ``X3 = -N log|R|`` on ``p*`` df with
    ``c3 = tr(Gamma) / p*``. CFI and TLI follow Brosseau-Liard and Savalei (2014) with these
    statistics, RMSEA uses N - 1 and its CI the scaled ``X3 / c3``. Empty when ``R`` is not
    positive definite (lavaan returns NA there).

    ``D``, ``w``, ``Einv``: the full Delta (thresholds then correlations), diagonal weights and
    inverted information of the DWLS fit; ``gamma`` without the N/(N - 1) factor.
    """
    if np.min(np.linalg.eigvalsh(R)) < np.sqrt(np.finfo(float).eps):
        return {}
    p = R.shape[0]
    pstar = len(ii)
    Si = np.linalg.inv(Sigma)
    x3 = n * (np.linalg.slogdet(Sigma)[1] + float(np.trace(R @ Si)) - np.linalg.slogdet(R)[1]
              - p)
    V = Si[np.ix_(ii, ii)] * Si[np.ix_(jj, jj)] + Si[np.ix_(ii, jj)] * Si[np.ix_(jj, ii)]
    Dc, Wc, Gc = D[nth:], w[nth:], gamma[nth:, nth:]
    U = np.eye(pstar) - Dc @ Einv @ (Dc.T * Wc)
    c3 = float(np.trace(U.T @ V @ U @ Gc)) / df
    x3_null = -n * float(np.linalg.slogdet(R)[1])
    c3_null = float(np.trace(Gc)) / pstar
    t1 = x3 - c3 * df
    t2 = x3_null - c3_null * pstar
    out = {"cfi.robust": 1.0 - max(t1, 0.0) / max(t1, t2, 0.0) if max(t1, t2, 0.0) > 0
           else 1.0,
           "tli.robust": 1.0 - t1 * pstar / (t2 * df) if t2 != 0 else 1.0}
    n_r = n - 1  # lavaan: N - #groups with (D)WLS
    out["rmsea.robust"] = measures.rmsea(x3, df, n_r, 1, c_hat=c3)
    lo, hi = measures.rmsea_ci(x3 / c3, df, n_r, 1, c_hat=c3)
    out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = lo, hi
    return {k: float(v) for k, v in out.items()}


def fit_ordinal(model: str, data: pd.DataFrame, ordered: list[str], estimator: str = "WLSMV",
                std_lv: bool = False, level: float = 0.95) -> SEMResult:
    """Fit a model whose observed variables are all ordinal (see module docstring).

    ``estimator="WLSMV"``: robust SEs and scaled-shifted test (lavaan default for ordered
    data); ``"DWLS"``: the same estimates with conventional SEs and test.
    """
    est_name = estimator.upper()
    if est_name not in ("WLSMV", "DWLS"):
        raise SEMInputError(f"ordinal items need estimator 'WLSMV' or 'DWLS', not {estimator!r}")
    pt = build_partable(parse_model(model), meanstructure=False, std_lv=std_lv)
    absent = [v for v in pt.ov_names if v not in data.columns]
    if absent:
        raise SEMInputError(f"variable(s) in the model but not in the data: {', '.join(absent)}")
    cont = [v for v in pt.ov_names if v not in ordered]
    if cont:
        raise SEMInputError("mixing continuous and ordinal observed variables is not supported "
                            f"yet; not declared ordered: {', '.join(cont)}")
    bad = [v for v in pt.ov_names if v in pt.eqs_x]
    if bad:
        raise SEMInputError(f"ordinal variables used as predictors are not supported: {bad}")
    indicators: dict[str, list[str]] = {}
    for i in range(len(pt)):
        if pt.op[i] == "=~":
            indicators.setdefault(pt.lhs[i], []).append(pt.rhs[i])
    single = {f: its[0] for f, its in indicators.items() if len(its) == 1}
    if single:
        pairs = ", ".join(f"'{f}' (item {y})" for f, y in single.items())
        raise SEMInputError(
            f"single-indicator factor(s) {pairs}: with ordinal items the factor's variance is "
            "not identified (lavaan cannot invert the information matrix either); write the "
            "item in place of the factor (e.g. 'y ~ x' instead of 'f =~ y' and 'f ~ x'), or "
            "use an ML estimator")
    ost = ordinal_statistics(data, pt.ov_names)
    N, p = ost.n, len(pt.ov_names)
    if p >= N:
        raise SEMInputError(f"only {N} complete cases for {p} ordinal items")
    # residual variances of the items are derived (delta parameterization)
    resid_rows = [i for i in range(len(pt)) if pt.op[i] == "~~" and pt.lhs[i] == pt.rhs[i]
                  and pt.lhs[i] in pt.ov_names]
    for i in resid_rows:
        pt.free[i], pt.ustart[i] = False, 0.0
    pt.assign_pids()
    engine, layout = compile_model(pt)
    k = pt.npar
    ii = np.array([a for a, _ in ost.pairs])
    jj = np.array([b for _, b in ost.pairs])
    r_obs = ost.rho
    nth = len(ost.thresholds)
    pstar = len(ost.pairs)
    # lavaan 0.6 rescales Gamma by N / (N - 1) for categorical data (gamma.n.minus.one);
    # this affects the weights, T and the SEs (not the estimates)
    G = ost.gamma * N / (N - 1)
    w = 1.0 / np.diag(G)
    w_rho = w[nth:]
    mom = [moments_from_cov(ost.R, N, names=pt.ov_names, check=False)]
    theta = start_values(pt, mom)

    def resid(th: np.ndarray) -> np.ndarray:
        return r_obs - engine.implied(th)[0][0][ii, jj]

    def jac(th: np.ndarray) -> np.ndarray:
        dSig, _ = engine.derivatives(th, 0)
        return dSig[:, ii, jj].T

    e = resid(theta)
    f = float(e @ (w_rho * e))
    converged = False
    it = 0
    while it < 500:
        it += 1
        J = jac(theta)
        JW = J.T * w_rho
        g = -2 * JW @ e
        if np.max(np.abs(g)) < 1e-10:
            converged = True
            break
        step = np.linalg.lstsq(JW @ J, JW @ e, rcond=None)[0]
        t = 1.0
        while t > 1e-10:
            cand = theta + t * step
            ec = resid(cand)
            fc = float(ec @ (w_rho * ec))
            if fc <= f - 1e-4 * t * (-(g @ step)) or fc <= f:
                break
            t *= 0.5
        if abs(f - fc) <= 1e-15 * max(1.0, f) and np.max(np.abs(g)) < 1e-7:
            theta, e, f = cand, ec, fc
            converged = True
            break
        theta, e, f = cand, ec, fc
    warn: list[str] = []
    if not converged:
        warn.append("the DWLS iterations did not converge; estimates are not trustworthy")
    # ---- full Delta over (thresholds, correlations) x (theta, thresholds)
    J = jac(theta)
    D = np.zeros((nth + pstar, k + nth))
    D[:nth, k:] = np.eye(nth)
    D[nth:, :k] = J
    Wd = w
    E = (D.T * Wd) @ D
    Einv = np.linalg.inv(E)
    if est_name == "WLSMV":
        WD = D * Wd[:, None]
        vcov = Einv @ (WD.T @ G @ WD) @ Einv / N
    else:
        vcov = Einv / N
    T = N * f
    df = pstar - k
    if df < 0:
        raise SEMInputError(f"the model has {k} free parameters but only {pstar} polychoric "
                            "correlations: it is not identified (df < 0)")
    U = np.diag(Wd) - (D * Wd[:, None]) @ Einv @ (D * Wd[:, None]).T
    Tb = N * float(r_obs @ (w_rho * r_obs))
    Db = np.zeros((nth + pstar, nth))
    Db[:nth, :] = np.eye(nth)
    Eb = (Db.T * Wd) @ Db
    Ub = np.diag(Wd) - (Db * Wd[:, None]) @ np.linalg.inv(Eb) @ (Db * Wd[:, None]).T
    scaled = baseline_scaled = None
    if est_name == "WLSMV" and df > 0:
        scaled = _scaled_shifted(U, G, T, df)
        baseline_scaled = _scaled_shifted(Ub, G, Tb, pstar)
    # lavaan uses N - #groups for RMSEA with (D)WLS
    fm = wls_fit_measures(npar=k + nth, fmin=f / 2, chisq=T, df=df, baseline=Tb,
                          baseline_df=pstar, ntotal=N, scaled=scaled,
                          baseline_scaled=baseline_scaled)
    # ---- derived residual variances; re-compile so that the implied matrix has unit diagonal
    Sig_c = engine.implied(theta)[0][0]
    for i in resid_rows:
        v = pt.ov_names.index(pt.lhs[i])
        pt.ustart[i] = 1.0 - Sig_c[v, v]
    engine2, layout = compile_model(pt)
    Sig = engine2.implied(theta)[0][0]
    res_cor = ost.R - Sig
    fm["srmr"] = float(np.sqrt(np.sum(np.tril(res_cor) ** 2) / (p * (p + 1) / 2)))
    if est_name == "WLSMV" and df > 0:
        fm.update(catml_robust(ost.R, Sig, D, Wd, Einv, G * (N - 1) / N, N, df, nth, ii, jj))
    rows, se_theta, est, r2 = model_rows(pt, engine2, theta, vcov)
    th_rows = []
    tau = ost.thresholds
    for j, v in enumerate(pt.ov_names):
        for t in range(len(ost.tau[j])):
            q = int(ost.th_index[j]) + t
            th_rows.append({"lhs": v, "op": "|", "rhs": f"t{t + 1}", "group": 1, "label": "",
                            "est": tau[q], "se": float(se_theta[k + q]), "std.lv": tau[q],
                            "std.all": tau[q]})
    rows = add_inference(pd.concat([rows, pd.DataFrame(th_rows)], ignore_index=True), level)
    warn += _admissibility(pt, engine2, theta, est, ["1"])
    vn = [f"p{q + 1}" for q in range(k + nth)]
    state = FitState(pt=pt, engine=engine2, layout=layout, data=mom, theta=theta,
                     estimator=est_name, defined=DefinedParameters([], {}),
                     wls={"r": r_obs, "w": w_rho, "ii": ii, "jj": jj, "n": N},
                     # the one-group case of what the multi-group difference test reads
                     wls_groups={"D": D, "w": [Wd], "gamma": [G], "fg": [1.0], "E": E,
                                 "T": T, "df": df, "N": N})
    return SEMResult(
        model=model, options=dict(estimator=est_name, ordered=list(ordered), missing="listwise",
                                  std_lv=std_lv, parameterization="delta"),
        converged=converged, iterations=it, warnings=warn, fit_measures=fm, estimates=rows,
        r2=pd.DataFrame(r2, columns=["group", "variable", "r2"]),
        implied={"1": {"cov": pd.DataFrame(Sig, index=pt.ov_names, columns=pt.ov_names),
                       "mean": None}},
        vcov=pd.DataFrame(vcov, index=vn, columns=vn), group_labels=["1"], nobs=[N],
        theta=theta, _state=state,
    )
