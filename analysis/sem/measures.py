"""Fit measures, computed exactly as lavaan 0.6 ``fitMeasures()`` does.

* chi-square ``N * (F_model - F_saturated)`` on ``df = moments - npar``
  (Joreskog, 1969); ``pvalue`` upper tail of chi2(df).
* CFI (Bentler, 1990): ``1 - max(X2 - df, 0) / max(X2 - df, X2_b - df_b, 0)``.
* TLI (Tucker & Lewis, 1973): ``(X2_b/df_b - X2/df) / (X2_b/df_b - 1)``.
* RMSEA (Steiger, 1990; Browne & Cudeck, 1993): ``sqrt(max(X2/df - 1, 0) / N) * sqrt(G)``
  with N (not N-1) and G groups; 90% CI by inverting the non-central chi-square
  distribution; ``rmsea.pvalue`` = P(RMSEA <= .05) test of close fit
  (non-centrality ``N * df * .05^2 / G``).
* SRMR (Bentler, 1995; lavaan's ``srmr_bentler``): root mean square of the
  covariance residuals (S - Sigma) / sqrt(s_ii s_jj) over the lower triangle incl.
  the diagonal (and mean residuals (m - mu) / sqrt(s_ii) with a mean structure),
  weighted by group size.
* logL, unrestricted logL, AIC = -2 logL + 2 npar (Akaike, 1974),
  BIC = -2 logL + npar log N (Schwarz, 1978), sample-size adjusted BIC with
  N* = (N + 2) / 24 (Sclove, 1987).
* scaled versions (MLM/MLR): chisq.scaled = chisq / c; CFI/TLI/RMSEA "scaled" use the
  scaled statistics (lavaan's ``.scaled``), "robust" versions follow Brosseau-Liard &
  Savalei (2012, 2014) as in lavaan.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, stats

__all__ = ["cfi", "reported", "rmsea", "rmsea_ci", "rmsea_pvalue", "srmr_bentler",
           "summary_line", "tli"]


def cfi(x2: float, df: float, x2_b: float, df_b: float) -> float:
    """Comparative fit index (Bentler, 1990), lavaan's formula."""
    t1 = max(x2 - df, 0.0)
    t2 = max(x2 - df, x2_b - df_b, 0.0)
    if t1 == 0 and t2 == 0:
        return 1.0
    return 1.0 - t1 / t2


def tli(x2: float, df: float, x2_b: float, df_b: float) -> float:
    """Tucker-Lewis index / NNFI (Tucker & Lewis, 1973)."""
    if df <= 0:
        return 1.0
    t1 = x2_b / df_b - x2 / df
    t2 = x2_b / df_b - 1.0
    return float(t1 / t2) if t2 != 0 else float("nan")


def rmsea(x2: float, df: float, n: float, g: int = 1, c_hat: float = 1.0) -> float:
    """Root mean square error of approximation (Steiger, 1990), N divisor, times sqrt(G)."""
    if df <= 0:
        return 0.0
    return float(np.sqrt(max(x2 / n / df - c_hat / n, 0.0)) * np.sqrt(g))


def rmsea_ci(x2: float, df: float, n: float, g: int = 1, level: float = 0.90,
             c_hat: float = 1.0) -> tuple[float, float]:
    """Confidence interval for RMSEA by inverting the non-central chi-square cdf
    (Browne & Cudeck, 1993; lavaan ``lav_fit_rmsea_ci``)."""
    if not (np.isfinite(x2) and np.isfinite(df)) or df < 1:
        return 0.0, 0.0
    upper_p = 1 - (1 - level) / 2
    lower_p = (1 - level) / 2

    def cdf(lam: float) -> float:
        return stats.chi2.cdf(x2, df) if lam <= 0 else stats.ncx2.cdf(x2, df, lam)

    if cdf(0.0) - upper_p < 0:
        lo = 0.0
    else:
        lam = optimize.brentq(lambda lam: cdf(lam) - upper_p, 0.0, x2, xtol=1e-12)
        lo = np.sqrt(c_hat * lam / (n * df)) * np.sqrt(g)
    n_rmsea = max(n, x2 * 4)
    if cdf(n_rmsea) - lower_p > 0 or cdf(0.0) - lower_p < 0:
        hi = 0.0
    else:
        lam = optimize.brentq(lambda lam: cdf(lam) - lower_p, 0.0, n_rmsea, xtol=1e-12)
        hi = np.sqrt(c_hat * lam / (n * df)) * np.sqrt(g)
    return float(lo), float(hi)


def rmsea_pvalue(x2: float, df: float, n: float, g: int = 1, h0: float = 0.05,
                 c_hat: float = 1.0) -> float:
    """P-value of the test of close fit H0: RMSEA <= h0 (Browne & Cudeck, 1993)."""
    if df <= 0:
        return float("nan")
    ncp = n * df / c_hat * h0**2 / g
    return float(stats.ncx2.sf(x2, df, ncp))


def srmr_bentler(S: np.ndarray, Sigma: np.ndarray, mean: np.ndarray | None = None,
                 mu: np.ndarray | None = None) -> float:
    """SRMR of one group, residuals scaled by the *sample* standard deviations."""
    sd = np.sqrt(np.diag(S))
    R = (S - Sigma) / np.outer(sd, sd)
    idx = np.tril_indices(S.shape[0])
    vals = list(R[idx])
    if mean is not None and mu is not None:
        vals += list((mean - mu) / sd)
    vals = np.asarray(vals)
    return float(np.sqrt(np.mean(vals**2)))


def reported(fm: dict, key: str) -> tuple[float | None, str]:
    """The version of fit measure ``key`` to report, and which it is: lavaan's ``.robust``
    version where the fit has one (MLM/MLR: Brosseau-Liard & Savalei; WLSMV: Savalei 2021),
    else the ``.scaled`` one (the scaled test and indices computed from it), else the plain
    one (ML, DWLS): ``(value, "robust" | "scaled" | "")``."""
    for kind in ("robust", "scaled"):
        v = fm.get(f"{key}.{kind}")
        if v is not None and np.isfinite(v):
            return float(v), kind
    v = fm.get(key)
    return (None if v is None else float(v)), ""


def summary_line(fm: dict) -> str:
    """One line of the fit: ``chisq .., df .., CFI .., TLI .., RMSEA .. [..], SRMR ..``, each
    the version :func:`reported` picks, named when it is a scaled or robust one (the unscaled
    chi-square follows in parentheses then)."""

    def name(key: str, label: str) -> str:
        kind = reported(fm, key)[1]
        return f"{kind} {label}" if kind else label

    def num(key: str) -> str:
        v = reported(fm, key)[0]
        return "NA" if v is None else f"{v:.3f}"

    chi, kind = reported(fm, "chisq")
    text = (f"{name('chisq', 'chisq')} {num('chisq')}"
            + (f" (unscaled {fm['chisq']:.3f})" if kind else "")
            + f", df {fm['df']:.0f}, {name('cfi', 'CFI')} {num('cfi')}, "
            f"{name('tli', 'TLI')} {num('tli')}, {name('rmsea', 'RMSEA')} {num('rmsea')} "
            f"[{num('rmsea.ci.lower')}, {num('rmsea.ci.upper')}], SRMR {fm['srmr']:.3f}")
    return text
