"""Convergent and discriminant validity.

* :func:`average_variance_extracted` - AVE per construct (Fornell & Larcker 1981, "Evaluating
  structural equation models with unobservable variables and measurement error", Journal of
  Marketing Research 18, 39-50), with semTools' observed-variance variant.
* :func:`convergent_validity` - CR, omega and AVE side by side with the usual cut-offs.
* :func:`fornell_larcker` - the Fornell-Larcker criterion: sqrt(AVE) of each construct must
  exceed its correlations with every other construct.
* :func:`htmt` - heterotrait-monotrait ratio of correlations, arithmetic (Henseler, Ringle &
  Sarstedt 2015, "A new criterion for assessing discriminant validity in variance-based
  structural equation modeling", JAMS 43, 115-135) or geometric HTMT2 (Roemer, Schuberth &
  Henseler 2021, "HTMT2 - an improved criterion for assessing discriminant validity in
  structural equation modeling", Industrial Management & Data Systems 121, 2637-2650), with a
  seeded percentile bootstrap and threshold flags.
* :func:`cross_loadings` - item correlations with every construct score.

CFA-based statistics take a :class:`analysis.psychometrics.reliability.Measurement` or a lavaan-style
parameter table (``lhs, op, rhs, est``), e.g. the ``estimates`` of the SEM core.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.arguments import check_level, check_n_boot, renamed
from analysis.psychometrics.items import (
    Missing,
    PsychometricInputError,
    check_constructs,
    construct_scores,
    jsonable,
)
from analysis.psychometrics.reliability import (
    Denominator,
    Measurement,
    _as_measurement,
    _observed_cov,
    _resolve_denominator,
    composite_reliability,
    omega,
)

AVEDenominator = Literal["observed", "model", "standardized"]
HTMTMissing = Literal["listwise", "pairwise", "fiml"]

__all__ = [
    "HTMT_THRESHOLDS",
    "CR_THRESHOLD",
    "AVE_THRESHOLD",
    "average_variance_extracted",
    "convergent_validity",
    "FornellLarckerResult",
    "fornell_larcker",
    "HTMTResult",
    "htmt",
    "htmt_both",
    "cross_loadings",
]

#: HTMT cut-offs and where they come from. A pair passes a threshold when the HTMT (or, with a
#: bootstrap, the upper limit of its confidence interval) lies below it.
HTMT_THRESHOLDS: dict[float, str] = {
    0.85: "HTMT.85: Kline (2011); Henseler, Ringle & Sarstedt (2015) - conceptually distinct "
    "constructs",
    0.90: "HTMT.90: Gold, Malhotra & Segars (2001); Teo, Srivastava & Jiang (2008); Henseler, "
    "Ringle & Sarstedt (2015) - conceptually similar constructs",
    1.0: "HTMT_inference: Henseler, Ringle & Sarstedt (2015) - the interval must exclude 1",
}

#: Composite reliability cut-off (Nunnally & Bernstein 1994; Hair et al. 2019).
CR_THRESHOLD = 0.70
#: AVE cut-off (Fornell & Larcker 1981).
AVE_THRESHOLD = 0.50


# --------------------------------------------------------------------------- AVE / CR


def average_variance_extracted(
    model: Measurement | pd.DataFrame,
    *,
    data: pd.DataFrame | None = None,
    observed_cov: pd.DataFrame | None = None,
    denominator: AVEDenominator | None = None,
    column: str = "est",
    ddof: int = 0,
    missing: Missing = "listwise",
) -> pd.DataFrame:
    """Average variance extracted per construct (Fornell & Larcker 1981).

    AVE_f = sum_i lambda_if^2 phi_ff / sum_i V_i over the indicators i of f, where V_i is

    * ``"model"``: the model-implied variance of item i, i.e. Fornell & Larcker's
      sum lambda^2 / (sum lambda^2 + sum theta) in the metric of the estimates
      (``semTools::AVE(obs.var = FALSE)``);
    * ``"observed"``: the item's observed variance (``semTools::AVE``'s default
      ``obs.var = TRUE``), from ``observed_cov`` or from ``data`` (divisor N, listwise);
    * ``"standardized"``: the same formula on the completely standardized solution, i.e. the
      mean squared standardized loading (the form used in Hair et al. 2019). With unequal item
      variances this differs from ``"model"``, because the raw-metric formula weights items by
      their variances.

    The default is ``"observed"`` when data or an observed covariance matrix is given, else
    ``"model"`` (semTools' behaviour); the ``denominator`` column says which was used.
    Constructs with a single indicator, or with an indicator that also loads on another
    factor, are skipped as in semTools. Returns ``construct, n_items, ave, sqrt_ave,
    denominator``.
    """
    m = _as_measurement(model, column)
    if denominator == "standardized":
        m = m.standardized()
        den: str = "standardized"
        var = pd.Series(np.diag(m.implied_cov().to_numpy()), index=m.items)
    else:
        obs = _observed_cov(m.items, data, observed_cov, ddof, missing)
        den = _resolve_denominator(denominator, obs is not None)
        cov = obs if den == "observed" else m.implied_cov()
        var = pd.Series(np.diag(cov.to_numpy()), index=m.items)
    nonzero = (m.loadings != 0).sum(axis=1)
    rows = []
    for f in m.factors:
        ind = m.items_of(f)
        if len(ind) < 2 or (nonzero.loc[ind] > 1).any():
            continue
        lam = m.loadings.loc[ind, f].to_numpy()
        ave = float(np.sum(lam**2) * m.factor_cov.loc[f, f] / var.loc[ind].sum())
        rows.append(
            {
                "construct": f,
                "n_items": len(ind),
                "ave": ave,
                "sqrt_ave": float(np.sqrt(ave)) if ave >= 0 else float("nan"),
                "denominator": den,
            }
        )
    return pd.DataFrame(rows, columns=["construct", "n_items", "ave", "sqrt_ave", "denominator"])


def convergent_validity(
    model: Measurement | pd.DataFrame,
    *,
    data: pd.DataFrame | None = None,
    observed_cov: pd.DataFrame | None = None,
    denominator: Denominator | None = None,
    column: str = "est",
) -> pd.DataFrame:
    """Composite reliability, omega and AVE per construct, with cut-off flags.

    Columns: ``construct, n_items, composite_reliability, omega, ave, sqrt_ave,
    denominator, cr_ok`` (CR >= :data:`CR_THRESHOLD`) and ``ave_ok``
    (AVE >= :data:`AVE_THRESHOLD`). See :func:`analysis.psychometrics.reliability.composite_reliability`,
    :func:`analysis.psychometrics.reliability.omega` and :func:`average_variance_extracted`.
    """
    m = _as_measurement(model, column)
    cr = composite_reliability(m)
    om = omega(m, data=data, observed_cov=observed_cov, denominator=denominator)
    av = average_variance_extracted(
        m, data=data, observed_cov=observed_cov, denominator=denominator
    )
    out = cr.merge(om.drop(columns="denominator"), on=["construct", "n_items"], how="left")
    out = out.merge(av, on=["construct", "n_items"], how="left")
    out["cr_ok"] = out["composite_reliability"] >= CR_THRESHOLD
    out["ave_ok"] = out["ave"] >= AVE_THRESHOLD
    return out


# --------------------------------------------------------------------------- Fornell-Larcker


@dataclass
class FornellLarckerResult:
    """Fornell-Larcker table (sqrt(AVE) on the diagonal, latent correlations below it)."""

    table: pd.DataFrame
    pairs: pd.DataFrame

    @property
    def passed(self) -> bool:
        return bool(self.pairs["passed"].all())

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "table": {c: self.table[c].to_dict() for c in self.table.columns},
                "pairs": self.pairs.to_dict(orient="records"),
                "passed": self.passed,
            }
        )


def fornell_larcker(
    model: Measurement | pd.DataFrame,
    *,
    data: pd.DataFrame | None = None,
    observed_cov: pd.DataFrame | None = None,
    denominator: AVEDenominator | None = None,
    column: str = "est",
) -> FornellLarckerResult:
    """Fornell & Larcker's (1981) discriminant-validity criterion.

    For each pair of constructs (a, b), discriminant validity holds when
    sqrt(AVE_a) > |r_ab| and sqrt(AVE_b) > |r_ab|, with r_ab the latent (factor) correlation.
    ``table`` has sqrt(AVE) on the diagonal and latent correlations off it; ``pairs`` lists
    ``construct_a, construct_b, correlation, sqrt_ave_a, sqrt_ave_b, passed``.
    AVE as in :func:`average_variance_extracted`.
    """
    m = _as_measurement(model, column)
    av = average_variance_extracted(
        m, data=data, observed_cov=observed_cov, denominator=denominator
    ).set_index("construct")
    names = list(av.index)
    if len(names) < 2:
        raise PsychometricInputError("the Fornell-Larcker criterion needs at least 2 constructs")
    corr = m.factor_corr().loc[names, names]
    table = corr.copy()
    for f in names:
        table.loc[f, f] = av.loc[f, "sqrt_ave"]
    rows = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            r = float(corr.loc[a, b])
            sa, sb = float(av.loc[a, "sqrt_ave"]), float(av.loc[b, "sqrt_ave"])
            rows.append(
                {
                    "construct_a": a,
                    "construct_b": b,
                    "correlation": r,
                    "sqrt_ave_a": sa,
                    "sqrt_ave_b": sb,
                    "passed": bool(abs(r) < min(sa, sb)),
                }
            )
    return FornellLarckerResult(table=table, pairs=pd.DataFrame(rows))


# --------------------------------------------------------------------------- HTMT


@dataclass
class HTMTResult:
    """HTMT or HTMT2 matrix and per-pair table with bootstrap intervals and threshold flags."""

    matrix: pd.DataFrame
    pairs: pd.DataFrame
    method: str
    thresholds: dict[float, str]
    ci_level: float
    n_boot: int
    n_boot_valid: int
    seed: int | None
    n_obs: int

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "matrix": {c: self.matrix[c].to_dict() for c in self.matrix.columns},
                "pairs": self.pairs.to_dict(orient="records"),
                "method": self.method,
                "thresholds": {str(k): v for k, v in self.thresholds.items()},
                "ci_level": self.ci_level,
                "n_boot": self.n_boot,
                "n_boot_valid": self.n_boot_valid,
                "seed": self.seed,
                "n_obs": self.n_obs,
            }
        )


def _htmt_matrix(
    r: np.ndarray, blocks: list[np.ndarray], geometric: bool
) -> tuple[np.ndarray, np.ndarray]:
    """HTMT (or HTMT2) of every pair of blocks and each block's monotrait mean.

    Block sums come from one product ``G' |R| G`` with ``G`` the item-by-construct indicator
    matrix: a heterotrait mean is ``S_ij / (k_i k_j)``, a monotrait mean the off-diagonal part of
    ``S_ii`` over ``k_i (k_i - 1)``; HTMT2 does the same on ``log |r|`` and exponentiates
    (geometric means). A zero correlation (log = -inf) takes the explicit per-block route.
    """
    a = np.abs(r)
    p, nb = a.shape[0], len(blocks)
    k = np.array([len(b) for b in blocks], dtype=float)
    G = np.zeros((p, nb))
    for i, idx in enumerate(blocks):
        G[idx, i] = 1.0
    if geometric:
        if not (a > 0).all():
            return _htmt_matrix_loop(a, blocks)
        x = np.log(a)
        np.fill_diagonal(x, 0.0)
    else:
        x = a.copy()
        np.fill_diagonal(x, 0.0)
    S = G.T @ x @ G
    mono = np.diag(S) / (k * (k - 1))
    het = S / np.outer(k, k)
    if geometric:
        mono, het = np.exp(mono), np.exp(het)
    denom = np.sqrt(np.outer(mono, mono))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(denom > 0, het / denom, np.nan)
    np.fill_diagonal(out, 1.0)
    return out, mono


def _htmt_matrix_loop(a: np.ndarray, blocks: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """HTMT2 block by block, for correlation matrices with exact zeros."""

    def gmean(vals: np.ndarray) -> float:
        with np.errstate(divide="ignore"):
            return float(np.exp(np.mean(np.log(vals))))

    nb = len(blocks)
    mono = np.array([gmean(a[np.ix_(b, b)][np.triu_indices(len(b), 1)]) for b in blocks])
    out = np.eye(nb)
    for i in range(nb):
        for j in range(i + 1, nb):
            denom = np.sqrt(mono[i] * mono[j])
            het = gmean(a[np.ix_(blocks[i], blocks[j])].ravel())
            out[i, j] = out[j, i] = het / denom if denom > 0 else np.nan
    return out, mono


@renamed(ci="level")
def htmt(
    data: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]],
    *,
    method: Literal["arithmetic", "geometric"] = "arithmetic",
    n_boot: int = 0,
    seed: int | None = None,
    level: float = 0.90,
    thresholds: Mapping[float, str] | None = None,
    missing: HTMTMissing = "listwise",
) -> HTMTResult:
    """Heterotrait-monotrait ratio of correlations for every pair of constructs.

    HTMT_ab = mean |r| between items of a and items of b, divided by the geometric mean of the
    average |r| among the items of a and among the items of b (Henseler et al. 2015).
    ``method="geometric"`` gives HTMT2, which replaces every arithmetic mean by a geometric
    mean and does not assume tau-equivalence (Roemer et al. 2021). Absolute correlations are
    used, as in ``semTools::htmt`` (0.5-6, ``absolute = TRUE``). Correlations are Pearson on
    listwise-complete rows by default (semTools/lavCor's default), pairwise, or, with
    ``missing="fiml"``, the EM (saturated-model ML) correlations of all rows with an answer
    (``semTools::htmt(missing = "ml")``), recomputed by EM in every bootstrap resample.

    With ``n_boot > 0`` rows are resampled with an integer ``seed`` and percentile intervals at
    ``level`` are reported; the default ``level=0.90`` makes the upper limit the one-sided 95%
    bound used for HTMT inference (Franke & Sarstedt 2019, Internet Research 29, 430-447),
    in the pair table's ``ci.lower`` and ``ci.upper`` columns (lavaan's spelling).
    For each threshold t (default :data:`HTMT_THRESHOLDS`: .85, .90, 1) the pair table flags
    ``below_t`` (point estimate < t) and, with a bootstrap, ``ci_upper_below_t``.
    Every construct needs at least two items. :func:`htmt_both` gives HTMT and HTMT2 from the
    same resamples at the cost of one.
    """
    if method not in ("arithmetic", "geometric"):
        raise PsychometricInputError(f"method must be 'arithmetic' or 'geometric', got {method!r}")
    return htmt_both(data, constructs, n_boot=n_boot, seed=seed, level=level, thresholds=thresholds,
                     missing=missing, methods=(method,))[method]


def _em_corr_resampler(arr: np.ndarray):
    """EM correlation matrix of the full data and a function giving it for resampled rows."""
    from analysis.sem.em import PatternIndex, em_stack

    answered = ~np.isnan(arr).all(axis=1)
    arr = arr[answered]
    index = PatternIndex.from_data(arr, [str(i) for i in range(arr.shape[1])])
    st = index.moments(np.ones(len(arr)))
    mu0 = np.nanmean(arr, axis=0)
    sig0 = np.diag(np.nanvar(arr, axis=0))
    mu, sig, _ = em_stack(st, mu0, sig0)

    def corr(cov: np.ndarray) -> np.ndarray:
        d = np.sqrt(np.diag(cov))
        r = cov / np.outer(d, d)
        np.fill_diagonal(r, 1.0)
        return r

    def resample(rows: np.ndarray) -> np.ndarray:
        w = np.bincount(rows, minlength=len(arr)).astype(float)
        _, sb, _ = em_stack(index.moments(w), mu, sig, tol=1e-7)
        return corr(sb)

    return corr(sig), resample, len(arr)


def htmt_both(
    data: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]],
    *,
    n_boot: int = 0,
    seed: int | None = None,
    level: float = 0.90,
    thresholds: Mapping[float, str] | None = None,
    missing: HTMTMissing = "listwise",
    methods: Sequence[str] = ("arithmetic", "geometric"),
) -> dict[str, HTMTResult]:
    """:func:`htmt` for each of ``methods`` from one set of bootstrap resamples."""
    level = check_level(level, error=PsychometricInputError)
    n_boot = check_n_boot(n_boot, error=PsychometricInputError)
    if missing not in ("listwise", "pairwise", "fiml"):
        raise PsychometricInputError(
            f"missing must be 'listwise', 'pairwise' or 'fiml', got {missing!r}")
    blocks = check_constructs(data, constructs, min_items=2)
    names = list(blocks)
    if len(names) < 2:
        raise PsychometricInputError("HTMT needs at least 2 constructs")
    items = [it for x in blocks.values() for it in x.columns]
    if len(set(items)) != len(items):
        dup = sorted({it for it in items if items.count(it) > 1})
        raise PsychometricInputError(f"item(s) {dup} belong to more than one construct")
    x = pd.concat(blocks.values(), axis=1)
    if missing == "listwise":
        x = x.dropna()
        if len(x) < 3:
            raise PsychometricInputError("fewer than 3 complete rows for HTMT")
    idx, start = [], 0
    for name in names:
        k = blocks[name].shape[1]
        idx.append(np.arange(start, start + k))
        start += k

    def corr(frame: pd.DataFrame | np.ndarray) -> np.ndarray:
        if isinstance(frame, np.ndarray):
            return np.corrcoef(frame, rowvar=False)
        return frame.corr(min_periods=2).to_numpy()

    arr = x.to_numpy()
    em_resample = None
    if missing == "fiml" and np.isnan(arr).any():
        r, em_resample, n_obs = _em_corr_resampler(arr)
        arr = arr[~np.isnan(arr).all(axis=1)]
    else:
        r = corr(x)
        n_obs = len(x)
    if np.isnan(r).any():
        raise PsychometricInputError("some item correlations are undefined (too few rows)")
    thr = dict(HTMT_THRESHOLDS if thresholds is None else thresholds)
    iu = np.triu_indices(len(names), 1)
    out: dict[str, HTMTResult] = {}
    points: dict[str, np.ndarray] = {}
    for method in methods:
        point, mono = _htmt_matrix(r, idx, method == "geometric")
        for name, value in zip(names, mono, strict=True):
            if not value > 0:
                raise PsychometricInputError(
                    f"construct {name!r}: its items are uncorrelated (monotrait mean {value:g}), "
                    "so HTMT is undefined",
                    construct=name,
                )
        points[method] = point
    boots = {m: np.full((n_boot, len(iu[0])), np.nan) for m in methods}
    n_valid = {m: 0 for m in methods}
    if n_boot:
        if seed is None or isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise PsychometricInputError(
                "a bootstrap needs an integer seed (seed=...) so that it can be reproduced"
            )
        if n_boot < 10:
            raise PsychometricInputError("n_boot must be 0 (no bootstrap) or at least 10")
        rng = np.random.default_rng(int(seed))
        complete = not np.isnan(arr).any()
        for b in range(n_boot):
            rows = rng.integers(0, arr.shape[0], arr.shape[0])
            with np.errstate(invalid="ignore", divide="ignore"):
                if em_resample is not None:
                    rb = em_resample(rows)
                else:
                    sample = arr[rows]
                    rb = corr(sample) if complete else corr(pd.DataFrame(sample))
            if np.isnan(rb).any():
                continue
            for m in methods:
                hb, _ = _htmt_matrix(rb, idx, m == "geometric")
                boots[m][b] = hb[iu]
    for method in methods:
        point = points[method]
        pairs = [{"construct_a": names[i], "construct_b": names[j], "htmt": float(point[i, j])}
                 for i, j in zip(*iu, strict=True)]
        if n_boot:
            bm = boots[method]
            ok = np.all(np.isfinite(bm), axis=1)
            n_valid[method] = int(ok.sum())
            if n_valid[method] < 10:
                raise PsychometricInputError("fewer than 10 valid bootstrap samples for HTMT")
            q = (1.0 - level) / 2.0
            low = np.quantile(bm[ok], q, axis=0)
            high = np.quantile(bm[ok], 1.0 - q, axis=0)
            for k, row in enumerate(pairs):
                row["ci.lower"] = float(low[k])
                row["ci.upper"] = float(high[k])
        for row in pairs:
            for t in sorted(thr):
                row[f"below_{t:g}"] = bool(row["htmt"] < t)
                if n_boot:
                    row[f"ci_upper_below_{t:g}"] = bool(row["ci.upper"] < t)
        out[method] = HTMTResult(
            matrix=pd.DataFrame(point, index=names, columns=names),
            pairs=pd.DataFrame(pairs),
            method=method,
            thresholds=thr,
            ci_level=level,
            n_boot=int(n_boot),
            n_boot_valid=n_valid[method],
            seed=None if not n_boot else int(seed),
            n_obs=int(n_obs),
        )
    return out


# --------------------------------------------------------------------------- cross-loadings


def cross_loadings(
    data: pd.DataFrame,
    constructs: Mapping[str, Sequence[str]],
    *,
    scores: pd.DataFrame | None = None,
    observed_cov: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Correlation of every item with every construct score (cross-loadings).

    Scores are the unit-weighted means of each construct's answered items
    (:func:`analysis.psychometrics.items.construct_scores`) unless ``scores`` (one column per construct, e.g.
    factor scores) is given. Correlations use pairwise-complete rows. Columns: ``item,
    construct``, one column per construct, then ``own_loading``, ``max_cross_loading`` and
    ``highest_on_own`` (the item correlates more with its own construct than with any other;
    Chin 1998; Hair et al. 2017). With ``observed_cov`` (an item covariance matrix, e.g. the
    EM estimate of incomplete data) the scores are the unit-weighted sums and every
    correlation comes from it.
    """
    blocks = check_constructs(data, constructs, min_items=1)
    names = list(blocks)
    if observed_cov is not None:
        return _cross_loadings_cov(blocks, observed_cov)
    if scores is None:
        scores = construct_scores(data, constructs)
    else:
        unknown = [c for c in names if c not in scores.columns]
        if unknown:
            raise PsychometricInputError(f"scores lacks construct column(s) {unknown}")
        scores = scores[names].astype(float)
    rows = []
    for name, x in blocks.items():
        for it in x.columns:
            row: dict[str, Any] = {"item": it, "construct": name}
            for c in names:
                pair = pd.concat([x[it], scores[c]], axis=1).dropna()
                if len(pair) < 3 or pair.iloc[:, 1].std() == 0:
                    raise PsychometricInputError(
                        f"cannot correlate item {it!r} with the score of {c!r}",
                        item=it,
                        construct=c,
                    )
                row[c] = float(np.corrcoef(pair.iloc[:, 0], pair.iloc[:, 1])[0, 1])
            others = [row[c] for c in names if c != name]
            row["own_loading"] = row[name]
            row["max_cross_loading"] = float(max(others)) if others else float("nan")
            row["highest_on_own"] = bool(all(row[name] > o for o in others))
            rows.append(row)
    return pd.DataFrame(rows)


def _cross_loadings_cov(blocks: Mapping[str, pd.DataFrame], cov: pd.DataFrame) -> pd.DataFrame:
    """Cross-loadings from an item covariance matrix: corr(item, sum of a construct's items)."""
    names = list(blocks)
    items = [it for x in blocks.values() for it in x.columns]
    c = cov.loc[items, items].to_numpy(dtype=float)
    G = np.zeros((len(items), len(names)))
    for j, x in enumerate(blocks.values()):
        G[[items.index(it) for it in x.columns], j] = 1.0
    cs = c @ G
    r = cs / np.sqrt(np.outer(np.diag(c), np.diag(G.T @ c @ G)))
    rows = []
    for name, x in blocks.items():
        for it in x.columns:
            i = items.index(it)
            row: dict[str, Any] = {"item": it, "construct": name}
            row.update({cn: float(r[i, j]) for j, cn in enumerate(names)})
            others = [row[cn] for cn in names if cn != name]
            row["own_loading"] = row[name]
            row["max_cross_loading"] = float(max(others)) if others else float("nan")
            row["highest_on_own"] = bool(all(row[name] > o for o in others))
            rows.append(row)
    return pd.DataFrame(rows)
