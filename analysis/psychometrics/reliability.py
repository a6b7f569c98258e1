"""Reliability: Cronbach's alpha, McDonald's omega, composite reliability, ordinal alpha/omega.

* :func:`cronbach_alpha` - coefficient alpha (Cronbach 1951, "Coefficient alpha and the
  internal structure of tests", Psychometrika 16, 297-334) with the Feldt confidence interval
  (Feldt, Woodruff & Salih 1987, "Statistical inference for coefficient alpha", Applied
  Psychological Measurement 11, 93-103) and, on request, a seeded percentile bootstrap CI.
* :func:`omega_congeneric` - McDonald's omega total for one congeneric factor from its
  loadings and residual variances (McDonald 1999, *Test theory: A unified treatment*, ch. 6).
* :func:`omega` - omega per factor of a (multi-factor) CFA given as a lavaan-shaped parameter
  table, computed as ``semTools::compRelSEM`` (semTools 0.5-6) does: by default the
  denominator is the *observed* variance of the unit-weighted sum (``obs.var = TRUE``, the
  sample covariance matrix with divisor N, lavaan's ``sampstat``); ``denominator="model"``
  uses the model-implied variance (``obs.var = FALSE``; Raykov 1997; Bentler 2009).
* :func:`composite_reliability` - composite (construct) reliability rho_c from the
  standardized solution (Werts, Linn & Joreskog 1974; Fornell & Larcker 1981).
* :func:`ordinal_reliability` - ordinal alpha and ordinal omega computed from the polychoric
  correlation matrix (Zumbo, Gadermann & Zeisser 2007, "Ordinal versions of coefficients alpha
  and theta for Likert rating scales", Journal of Modern Applied Statistical Methods 6, 21-29;
  Gadermann, Guhn & Zumbo 2012, Practical Assessment, Research & Evaluation 17(3)).

Measurement models enter as a :class:`Measurement` (loadings, factor covariances, residual
covariances), built from a lavaan-style ``estimates`` table (columns ``lhs, op, rhs`` and
``est`` or ``std.all``) with :meth:`Measurement.from_estimates`, or from plain loadings with
:meth:`Measurement.from_loadings`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis.arguments import check_level, check_n_boot, renamed
from analysis.psychometrics.items import (
    Missing,
    PsychometricInputError,
    TooFewItemsError,
    _pairwise_cov,
    check_constructs,
    check_items,
    jsonable,
)

__all__ = [
    "AlphaResult",
    "cronbach_alpha",
    "alpha_table",
    "alpha_from_cov",
    "omega_categorical",
    "feldt_ci",
    "omega_congeneric",
    "Measurement",
    "omega",
    "composite_reliability",
    "OrdinalReliability",
    "ordinal_reliability",
]

Denominator = Literal["observed", "model"]


# --------------------------------------------------------------------------- alpha


def _alpha(c: np.ndarray) -> float:
    k = c.shape[0]
    return float(k / (k - 1) * (1.0 - np.trace(c) / c.sum()))


def _std_alpha(c: np.ndarray) -> float:
    d = np.sqrt(np.diag(c))
    r = c / np.outer(d, d)
    k = r.shape[0]
    return float(k / (k - 1) * (1.0 - k / r.sum()))


def feldt_ci(alpha: float, n_obs: int, n_items: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt, Woodruff & Salih (1987) confidence interval for coefficient alpha.

    (1 - alpha) / (1 - alpha_pop) follows F with n - 1 and (n - 1)(k - 1) degrees of freedom,
    so the bounds are ``1 - (1 - alpha) * F_{1 - a/2}`` and ``1 - (1 - alpha) * F_{a/2}``
    (the interval ``psych::alpha`` reports as ``feldt``).
    """
    level = check_level(level, error=PsychometricInputError)
    if n_obs < 2 or n_items < 2:
        raise PsychometricInputError("the Feldt interval needs at least 2 respondents and 2 items")
    df1, df2 = n_obs - 1, (n_obs - 1) * (n_items - 1)
    a = 1.0 - level
    low = 1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - a / 2.0, df1, df2)
    high = 1.0 - (1.0 - alpha) * stats.f.ppf(a / 2.0, df1, df2)
    return float(low), float(high)


@dataclass
class AlphaResult:
    """Cronbach's alpha of one construct with its confidence intervals."""

    construct: str | None
    alpha: float
    std_alpha: float
    n_items: int
    n_obs: int
    ci_level: float
    feldt_low: float
    feldt_high: float
    bootstrap_low: float | None = None
    bootstrap_high: float | None = None
    n_boot: int = 0
    seed: int | None = None
    missing: str = "pairwise"

    def to_dict(self) -> dict[str, Any]:
        return jsonable(dict(self.__dict__))


@renamed(ci="level")
def cronbach_alpha(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    construct: str | None = None,
    level: float = 0.95,
    missing: Missing = "pairwise",
    n_boot: int = 0,
    seed: int | None = None,
) -> AlphaResult:
    """Cronbach's (1951) coefficient alpha, k/(k-1) (1 - sum var_i / var_total).

    ``alpha`` is computed from the item covariance matrix (pairwise-complete by default, as
    ``psych::alpha``; or listwise), ``std_alpha`` from the correlation matrix. The Feldt et al.
    (1987) interval at ``level`` uses n = respondents with at least one answered item
    (listwise: complete rows). With ``n_boot > 0`` a percentile bootstrap interval over
    respondents is added; it needs an integer ``seed`` so that it can be reproduced. (``ci``
    is the deprecated name of ``level``.)
    Reverse-keyed items must be reversed first (:func:`analysis.psychometrics.items.reverse_items`).
    """
    level = check_level(level, error=PsychometricInputError)
    n_boot = check_n_boot(n_boot, error=PsychometricInputError)
    x = check_items(data, items, construct=construct, min_items=2)
    c, n = _pairwise_cov(x, missing)
    if c.sum() <= 0:
        raise PsychometricInputError(
            f"the total score of {list(x.columns)}{'' if construct is None else f' (construct {construct!r})'} "
            "has zero or negative variance (items cancel out); reverse-key items first",
            construct=construct,
        )
    a = _alpha(c)
    low, high = feldt_ci(a, n, x.shape[1], level)
    result = AlphaResult(
        construct=construct,
        alpha=a,
        std_alpha=_std_alpha(c),
        n_items=int(x.shape[1]),
        n_obs=int(n),
        ci_level=level,
        feldt_low=low,
        feldt_high=high,
        missing=missing,
    )
    if n_boot:
        if seed is None or isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise PsychometricInputError(
                "a bootstrap needs an integer seed (seed=...) so that it can be reproduced"
            )
        if n_boot < 10:
            raise PsychometricInputError("n_boot must be 0 (no bootstrap) or at least 10")
        rng = np.random.default_rng(int(seed))
        rows = x.dropna() if missing == "listwise" else x[x.notna().any(axis=1)]
        arr = rows.to_numpy()
        boots = np.empty(n_boot)
        complete = not np.isnan(arr).any()
        for b in range(n_boot):
            sample = arr[rng.integers(0, arr.shape[0], arr.shape[0])]
            if complete:
                cb = np.cov(sample, rowvar=False, ddof=1)
            else:
                cb = pd.DataFrame(sample).cov(min_periods=2).to_numpy()
            boots[b] = _alpha(cb) if np.all(np.isfinite(cb)) else np.nan
        boots = boots[np.isfinite(boots)]
        q = (1.0 - level) / 2.0
        result.bootstrap_low = float(np.quantile(boots, q))
        result.bootstrap_high = float(np.quantile(boots, 1.0 - q))
        result.n_boot = int(n_boot)
        result.seed = int(seed)
    return result


def alpha_from_cov(
    cov: pd.DataFrame,
    items: Sequence[str],
    n_obs: int,
    *,
    construct: str | None = None,
    level: float = 0.95,
    missing: str = "em",
) -> AlphaResult:
    """Cronbach's alpha of ``items`` from a given covariance matrix, e.g. the EM (saturated
    model) covariance matrix of incomplete data (Enders 2003, "Using an EM covariance matrix
    to estimate coefficient alpha in the presence of missing data", Journal of Modern Applied
    Statistical Methods 2, 76-92), which is what ``semTools::compRelSEM(fit, tau.eq = TRUE)``
    computes on a lavaan FIML fit. The Feldt interval at ``level`` uses ``n_obs``
    respondents. ``missing`` is recorded in the result (``"em"`` by default)."""
    c = cov.loc[list(items), list(items)].to_numpy(dtype=float)
    if len(items) < 2:
        raise TooFewItemsError("alpha needs at least 2 items", construct=construct)
    if c.sum() <= 0:
        raise PsychometricInputError(
            f"the total score of {list(items)} has zero or negative variance; reverse-key "
            "items first", construct=construct)
    a = _alpha(c)
    low, high = feldt_ci(a, n_obs, len(items), level)
    return AlphaResult(construct=construct, alpha=a, std_alpha=_std_alpha(c),
                       n_items=len(items), n_obs=int(n_obs), ci_level=level, feldt_low=low,
                       feldt_high=high, missing=missing)


@renamed(ci="level")
def alpha_table(
    data: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]],
    *,
    level: float = 0.95,
    missing: Missing = "pairwise",
    n_boot: int = 0,
    seed: int | None = None,
    observed_cov: pd.DataFrame | None = None,
    n_obs: int | None = None,
) -> pd.DataFrame:
    """:func:`cronbach_alpha` for every construct, one row per construct; with
    ``observed_cov`` (and ``n_obs``) :func:`alpha_from_cov` instead (no bootstrap)."""
    check_constructs(data, constructs, min_items=2)
    if observed_cov is not None:
        if n_obs is None:
            raise PsychometricInputError("alpha from a covariance matrix needs n_obs")
        return pd.DataFrame([alpha_from_cov(observed_cov, list(items), n_obs, construct=name,
                                            level=level).to_dict()
                             for name, items in constructs.items()])
    rows = [
        cronbach_alpha(
            data, list(items), construct=name, level=level, missing=missing, n_boot=n_boot, seed=seed
        ).to_dict()
        for name, items in constructs.items()
    ]
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- omega


def omega_congeneric(
    loadings: Sequence[float] | np.ndarray,
    residual_variances: Sequence[float] | np.ndarray,
    *,
    factor_variance: float = 1.0,
    residual_covariances: np.ndarray | None = None,
) -> float:
    """McDonald's (1999) omega total of a unit-weighted sum under a one-factor model.

    omega = (sum lambda)^2 psi / [(sum lambda)^2 psi + sum theta_ii + 2 sum_{i<j} theta_ij],
    where psi is the factor variance, theta_ii the residual variances and theta_ij optional
    residual covariances (a full symmetric matrix whose diagonal is ignored).
    """
    lam = np.asarray(loadings, dtype=float).ravel()
    theta = np.asarray(residual_variances, dtype=float).ravel()
    if lam.size < 2:
        raise TooFewItemsError(f"omega needs at least 2 loadings, got {lam.size}")
    if theta.size != lam.size:
        raise PsychometricInputError(
            f"{lam.size} loadings but {theta.size} residual variances were given"
        )
    if not (np.all(np.isfinite(lam)) and np.all(np.isfinite(theta))):
        raise PsychometricInputError("loadings and residual variances must be finite")
    if np.any(theta < 0):
        raise PsychometricInputError(
            f"negative residual variance (Heywood case) at position {int(np.argmin(theta))}"
        )
    if factor_variance <= 0:
        raise PsychometricInputError("factor_variance must be positive")
    common = lam.sum() ** 2 * factor_variance
    error = theta.sum()
    if residual_covariances is not None:
        tc = np.asarray(residual_covariances, dtype=float)
        if tc.shape != (lam.size, lam.size):
            raise PsychometricInputError("residual_covariances must be a k x k matrix")
        error += tc.sum() - np.trace(tc)
    return float(common / (common + error))


@dataclass(frozen=True)
class Measurement:
    """A measurement model: loadings (items x factors), factor and residual covariances."""

    loadings: pd.DataFrame
    factor_cov: pd.DataFrame
    residual_cov: pd.DataFrame

    @property
    def factors(self) -> list[str]:
        return [str(c) for c in self.loadings.columns]

    @property
    def items(self) -> list[str]:
        return [str(i) for i in self.loadings.index]

    def items_of(self, factor: str) -> list[str]:
        """Indicators with a non-zero loading on ``factor``."""
        if factor not in self.loadings.columns:
            raise PsychometricInputError(f"unknown factor {factor!r}", construct=factor)
        col = self.loadings[factor]
        return [str(i) for i in col.index[col != 0]]

    def implied_cov(self) -> pd.DataFrame:
        """Model-implied item covariance matrix Lambda Phi Lambda' + Theta."""
        lam = self.loadings.to_numpy()
        phi = self.factor_cov.loc[self.factors, self.factors].to_numpy()
        theta = self.residual_cov.loc[self.items, self.items].to_numpy()
        return pd.DataFrame(lam @ phi @ lam.T + theta, index=self.items, columns=self.items)

    def standardized(self) -> Measurement:
        """Completely standardized solution (lavaan's ``std.all``)."""
        phi = self.factor_cov.loc[self.factors, self.factors].to_numpy()
        with np.errstate(invalid="ignore"):  # negative variances (Heywood cases): NaN
            sd_item = np.sqrt(np.diag(self.implied_cov().to_numpy()))
            sd_f = np.sqrt(np.diag(phi))
        lam = self.loadings.to_numpy() * sd_f[None, :] / sd_item[:, None]
        theta = self.residual_cov.loc[self.items, self.items].to_numpy()
        return Measurement(
            loadings=pd.DataFrame(lam, index=self.items, columns=self.factors),
            factor_cov=pd.DataFrame(
                phi / np.outer(sd_f, sd_f), index=self.factors, columns=self.factors
            ),
            residual_cov=pd.DataFrame(
                theta / np.outer(sd_item, sd_item), index=self.items, columns=self.items
            ),
        )

    def factor_corr(self) -> pd.DataFrame:
        """Latent (factor) correlation matrix."""
        phi = self.factor_cov.loc[self.factors, self.factors].to_numpy()
        with np.errstate(invalid="ignore"):  # a negative factor variance (Heywood case): NaN
            d = np.sqrt(np.diag(phi))
        return pd.DataFrame(phi / np.outer(d, d), index=self.factors, columns=self.factors)

    def to_dict(self) -> dict[str, Any]:
        def frame(df: pd.DataFrame) -> dict[str, Any]:
            return {str(c): df[c].to_dict() for c in df.columns}

        return jsonable(
            {
                "loadings": frame(self.loadings),
                "factor_cov": frame(self.factor_cov),
                "residual_cov": frame(self.residual_cov),
            }
        )

    @classmethod
    def from_estimates(cls, estimates: pd.DataFrame, column: str = "est") -> Measurement:
        """Build from a lavaan-style parameter table (columns ``lhs, op, rhs`` and ``column``).

        ``=~`` rows give loadings (factor =~ item); ``~~`` rows give factor (co)variances and
        residual (co)variances. Other operators (regressions, intercepts, thresholds, defined
        parameters) are ignored. Only single-group, first-order models are supported: a
        ``group`` column with more than one group, or a factor loading on another factor,
        raises :class:`PsychometricInputError`. Use ``column="std.all"`` to read the
        completely standardized solution.
        """
        needed = {"lhs", "op", "rhs", column}
        if not isinstance(estimates, pd.DataFrame) or not needed <= set(estimates.columns):
            raise PsychometricInputError(
                f"estimates must be a DataFrame with columns {sorted(needed)}"
            )
        estimates = estimates.reset_index(drop=True)
        if "group" in estimates.columns and estimates["group"].nunique() > 1:
            raise PsychometricInputError(
                "multi-group parameter table: pass the rows of one group at a time"
            )
        load = estimates[estimates["op"] == "=~"]
        if load.empty:
            raise PsychometricInputError("the parameter table has no '=~' (loading) rows")
        factors = list(dict.fromkeys(load["lhs"].astype(str)))
        items = list(dict.fromkeys(load["rhs"].astype(str)))
        higher = [i for i in items if i in factors]
        if higher:
            raise PsychometricInputError(
                f"higher-order factors are not supported (factor(s) {higher} load on factors)",
                construct=higher[0],
            )
        lam = pd.DataFrame(0.0, index=items, columns=factors)
        values = pd.to_numeric(estimates[column], errors="coerce")
        if values[estimates["op"].isin(["=~", "~~"])].isna().any():
            raise PsychometricInputError(f"column {column!r} has missing or non-numeric values")
        for lhs, rhs, value in zip(load["lhs"], load["rhs"], values[load.index], strict=True):
            lam.loc[str(rhs), str(lhs)] = float(value)
        vc = estimates[estimates["op"] == "~~"]
        phi = pd.DataFrame(0.0, index=factors, columns=factors)
        theta = pd.DataFrame(0.0, index=items, columns=items)
        seen_factor_var = set()
        for lhs, rhs, value in zip(vc["lhs"], vc["rhs"], values[vc.index], strict=True):
            a, b, value = str(lhs), str(rhs), float(value)
            if a in factors and b in factors:
                phi.loc[a, b] = phi.loc[b, a] = value
                if a == b:
                    seen_factor_var.add(a)
            elif a in items and b in items:
                theta.loc[a, b] = theta.loc[b, a] = value
        missing_var = [f for f in factors if f not in seen_factor_var]
        if missing_var:
            raise PsychometricInputError(
                f"no variance ('~~') row for factor(s) {missing_var}", construct=missing_var[0]
            )
        return cls(loadings=lam, factor_cov=phi, residual_cov=theta)

    @classmethod
    def from_loadings(
        cls,
        loadings: pd.DataFrame | Mapping[str, Mapping[str, float]],
        *,
        residual_variances: Mapping[str, float] | pd.Series | None = None,
        factor_corr: pd.DataFrame | None = None,
    ) -> Measurement:
        """Build from a loading matrix (items x factors) or ``{factor: {item: loading}}``.

        Without ``residual_variances`` the loadings are taken as standardized and residual
        variances are 1 - communality. Factor variances are 1; ``factor_corr`` gives their
        correlations (identity if omitted).
        """
        if isinstance(loadings, Mapping):
            factors = [str(f) for f in loadings]
            items = list(dict.fromkeys(str(i) for f in loadings.values() for i in f))
            lam = pd.DataFrame(0.0, index=items, columns=factors)
            for f, col in loadings.items():
                for it, v in col.items():
                    lam.loc[str(it), str(f)] = float(v)
        else:
            lam = loadings.astype(float).copy()
            lam.index = [str(i) for i in lam.index]
            lam.columns = [str(c) for c in lam.columns]
        if lam.isna().any().any():
            raise PsychometricInputError("loadings contain missing values (use 0 for no loading)")
        factors, items = list(lam.columns), list(lam.index)
        phi = pd.DataFrame(np.eye(len(factors)), index=factors, columns=factors)
        if factor_corr is not None:
            phi = factor_corr.loc[factors, factors].astype(float)
        if residual_variances is None:
            common = np.einsum("ij,jk,ik->i", lam.to_numpy(), phi.to_numpy(), lam.to_numpy())
            if np.any(common > 1 + 1e-12):
                bad = items[int(np.argmax(common))]
                raise PsychometricInputError(
                    f"item {bad!r}: standardized communality exceeds 1", item=bad
                )
            theta = np.diag(1.0 - common)
        else:
            rv = pd.Series(residual_variances, dtype=float)
            missing = [i for i in items if i not in rv.index]
            if missing:
                raise PsychometricInputError(f"no residual variance for item(s) {missing}")
            theta = np.diag(rv.loc[items].to_numpy())
        return cls(
            loadings=lam,
            factor_cov=phi,
            residual_cov=pd.DataFrame(theta, index=items, columns=items),
        )


def _as_measurement(model: Measurement | pd.DataFrame, column: str = "est") -> Measurement:
    if isinstance(model, Measurement):
        return model
    if isinstance(model, pd.DataFrame) and {"lhs", "op", "rhs"} <= set(model.columns):
        return Measurement.from_estimates(model, column=column)
    raise PsychometricInputError(
        "model must be a Measurement or a lavaan-style parameter table (lhs, op, rhs, est)"
    )


def _observed_cov(
    items: list[str],
    data: pd.DataFrame | None,
    observed_cov: pd.DataFrame | None,
    ddof: int,
    missing: Missing,
) -> pd.DataFrame | None:
    if observed_cov is not None:
        unknown = [i for i in items if i not in observed_cov.columns]
        if unknown:
            raise PsychometricInputError(f"item(s) {unknown} not in observed_cov")
        return observed_cov.loc[items, items].astype(float)
    if data is None:
        return None
    x = check_items(data, items)
    if missing == "listwise":
        x = x.dropna()
        cov = np.cov(x.to_numpy(), rowvar=False, ddof=ddof)
    else:
        cov = x.cov(min_periods=2, ddof=ddof).to_numpy()
    return pd.DataFrame(cov, index=items, columns=items)


def _resolve_denominator(denominator: Denominator | None, have_observed: bool) -> Denominator:
    if denominator is None:
        return "observed" if have_observed else "model"
    if denominator not in ("observed", "model"):
        raise PsychometricInputError(
            f"denominator must be 'observed' or 'model', got {denominator!r}"
        )
    if denominator == "observed" and not have_observed:
        raise PsychometricInputError(
            "denominator='observed' needs data or observed_cov (the items' sample covariances)"
        )
    return denominator


def omega(
    model: Measurement | pd.DataFrame,
    *,
    data: pd.DataFrame | None = None,
    observed_cov: pd.DataFrame | None = None,
    denominator: Denominator | None = None,
    column: str = "est",
    ddof: int = 0,
    missing: Missing = "listwise",
) -> pd.DataFrame:
    """Omega (composite reliability of the unit-weighted sum) for every factor of a CFA.

    For factor f with indicators I_f: omega_f = (sum_{i in I_f} lambda_if)^2 phi_ff / V_f,
    as ``semTools::compRelSEM``. ``V_f`` is

    * ``"observed"``: the sample variance of the sum of I_f, i.e. the sum of the observed
      covariance submatrix (semTools' default ``obs.var = TRUE``). The covariances come from
      ``observed_cov`` or from ``data`` with divisor N (``ddof=0``, like lavaan's ``sampstat``
      under ML) after listwise deletion;
    * ``"model"``: the sum of the model-implied covariance submatrix (``obs.var = FALSE``),
      which includes residual covariances and other factors' cross-loadings.

    The default is ``"observed"`` when ``data`` or ``observed_cov`` is given, else ``"model"``;
    the ``denominator`` column of the result says which was used. Single-indicator factors are
    skipped (semTools' ``dropSingle``). Returns ``construct, n_items, omega, denominator``.
    """
    m = _as_measurement(model, column)
    obs = _observed_cov(m.items, data, observed_cov, ddof, missing)
    den = _resolve_denominator(denominator, obs is not None)
    total = obs if den == "observed" else m.implied_cov()
    rows = []
    for f in m.factors:
        ind = m.items_of(f)
        if len(ind) < 2:
            continue
        lam = m.loadings.loc[ind, f].to_numpy()
        common = lam.sum() ** 2 * float(m.factor_cov.loc[f, f])
        v = float(total.loc[ind, ind].to_numpy().sum())
        rows.append({"construct": f, "n_items": len(ind), "omega": common / v, "denominator": den})
    return pd.DataFrame(rows, columns=["construct", "n_items", "omega", "denominator"])


def composite_reliability(
    model: Measurement | pd.DataFrame, *, column: str = "est"
) -> pd.DataFrame:
    """Composite reliability rho_c per factor from the completely standardized solution.

    rho_c = (sum lambda_i)^2 / [(sum lambda_i)^2 + sum theta_i] with standardized loadings
    lambda_i and standardized residual variances theta_i (Werts, Linn & Joreskog 1974; Fornell
    & Larcker 1981, Journal of Marketing Research 18, 39-50). The usual cut-off is .70
    (Nunnally & Bernstein 1994; Hair et al. 2019). Standardization is recomputed from the
    model (``column="est"``), or a ``std.all`` table can be passed with ``column="std.all"``.
    Returns ``construct, n_items, composite_reliability``.
    """
    m = _as_measurement(model, column).standardized()
    rows = []
    for f in m.factors:
        ind = m.items_of(f)
        if len(ind) < 2:
            continue
        lam = m.loadings.loc[ind, f].to_numpy()
        theta = np.diag(m.residual_cov.loc[ind, ind].to_numpy())
        rows.append(
            {
                "construct": f,
                "n_items": len(ind),
                "composite_reliability": float(lam.sum() ** 2 / (lam.sum() ** 2 + theta.sum())),
            }
        )
    return pd.DataFrame(rows, columns=["construct", "n_items", "composite_reliability"])


def omega_categorical(
    model: Measurement | pd.DataFrame,
    thresholds: Mapping[str, Sequence[float]],
    observed_cov: pd.DataFrame,
    *,
    column: str = "est",
) -> pd.DataFrame:
    """Omega of the observed sum score of ordinal items (Green & Yang 2009, "Reliability of
    summed item scores using structural equation modeling: An alternative to coefficient
    alpha", Psychometrika 74, 155-167), from a WLSMV/DWLS CFA on the latent-response scale.

    For factor f with ordinal indicators j (thresholds t_jc on the standard-normal latent
    response scale),

        omega_f = sum_jj' [sum_cc' Phi2(t_jc, t_j'c'; r*_jj') - sum_c Phi(t_jc) sum_c' Phi(t_j'c')]
                  / sum_jj' [sum_cc' Phi2(t_jc, t_j'c'; rho_jj') - sum_c Phi(t_jc) sum_c' Phi(t_j'c')],

    where r*_jj' = (Lambda Phi Lambda')_jj' is the common (true-score) covariance of the latent
    responses (1 on the diagonal is *not* used: the diagonal takes the common variance) and
    rho the latent-response correlation matrix in ``observed_cov`` (the observed polychoric
    correlations, semTools' default ``obs.var = TRUE``): the numerator is the variance of the
    sum of the observed item scores explained by the factor, the denominator its total
    variance. This is ``semTools::compRelSEM`` (0.5-6) with its default ``ord.scale = TRUE``
    (the internal ``omegaCat``) under the delta parameterization (scale factors 1).
    Returns ``construct, n_items, omega``.
    """
    from analysis.psychometrics.polychoric import bivariate_normal_cdf

    m = _as_measurement(model, column)
    rows = []
    for f in m.factors:
        ind = m.items_of(f)
        if len(ind) < 2:
            continue
        missing = [i for i in ind if i not in thresholds]
        if missing:
            raise PsychometricInputError(f"no thresholds for item(s) {missing}", construct=f)
        lam = m.loadings.loc[ind, f].to_numpy()
        true = np.outer(lam, lam) * float(m.factor_cov.loc[f, f])
        rho = observed_cov.loc[ind, ind].to_numpy(dtype=float)
        d = np.sqrt(np.diag(rho))
        rho = rho / np.outer(d, d)
        tau = [np.asarray(thresholds[i], dtype=float) for i in ind]
        marg = [float(stats.norm.cdf(t).sum()) for t in tau]
        num = den = 0.0
        for a in range(len(ind)):
            for b in range(len(ind)):
                h, k = np.meshgrid(tau[a], tau[b], indexing="ij")
                prod = marg[a] * marg[b]
                num += float(bivariate_normal_cdf(h, k, float(np.clip(true[a, b], -1, 1))).sum()
                             - prod)
                den += float(bivariate_normal_cdf(h, k, float(np.clip(rho[a, b], -1, 1))).sum()
                             - prod)
        rows.append({"construct": f, "n_items": len(ind), "omega": num / den})
    return pd.DataFrame(rows, columns=["construct", "n_items", "omega"])


# --------------------------------------------------------------------------- ordinal


@dataclass
class OrdinalReliability:
    """Ordinal alpha and omega from a polychoric correlation matrix."""

    construct: str | None
    ordinal_alpha: float
    ordinal_omega: float
    ordinal_omega_observed: float
    n_items: int
    n_obs: int
    loadings: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return jsonable(dict(self.__dict__))


def ordinal_reliability(
    data: pd.DataFrame,
    items: Sequence[str] | None = None,
    *,
    construct: str | None = None,
) -> OrdinalReliability:
    """Ordinal alpha and ordinal omega (Zumbo et al. 2007; Gadermann et al. 2012).

    Both are computed on the polychoric correlation matrix R of the items
    (:func:`analysis.psychometrics.polychoric.polychoric_matrix`), i.e. they are the reliabilities of the
    sum of the *latent* item responses:

    * ordinal alpha = k/(k-1) (1 - k / sum R) (standardized alpha of R);
    * ordinal omega = (sum lambda)^2 / [(sum lambda)^2 + sum (1 - lambda^2)] with lambda the
      loadings of a one-factor minres solution of R (model-implied denominator);
    * ``ordinal_omega_observed`` = 1 - sum (1 - lambda^2) / sum R, the same omega with the
      total variance taken from R itself (``psych::omega``'s ``omega.tot``; Revelle & Zinbarg
      2009, Psychometrika 74, 145-154).
    """
    from analysis.psychometrics.dimensionality import efa
    from analysis.psychometrics.polychoric import polychoric_matrix

    x = check_items(data, items, construct=construct, min_items=3)
    poly = polychoric_matrix(x)
    r = poly.corr.to_numpy()
    k = r.shape[0]
    alpha = float(k / (k - 1) * (1.0 - k / r.sum()))
    fa = efa(poly.corr, 1, method="minres", rotation="none", n_obs=poly.n_obs)
    lam = fa.loadings.iloc[:, 0].to_numpy()
    common = lam.sum() ** 2
    return OrdinalReliability(
        construct=construct,
        ordinal_alpha=alpha,
        ordinal_omega=float(common / (common + np.sum(1.0 - lam**2))),
        ordinal_omega_observed=float(1.0 - np.sum(1.0 - lam**2) / r.sum()),
        n_items=k,
        n_obs=poly.n_obs,
        loadings={str(i): float(v) for i, v in zip(fa.loadings.index, lam, strict=True)},
    )
