"""Bootstrap inference for PLS path models: standard errors, percentile and BCa intervals.

Each resample draws ``n`` respondents with replacement and re-estimates the whole model with
the same settings (mean replacement, if chosen, is redone on the resample). Resample r takes
its randomness from child r of ``numpy.random.SeedSequence(seed)``
(:mod:`analysis.structural.resampling`), so a seed gives the same numbers whatever
``n_jobs`` or ``scheduler``. An explicit index matrix (``indices``, resamples x n, 0-based
rows) replaces the random draws, so that results can be compared with another program's
resamples exactly (seminr, cSEM and SmartPLS draw their own).

Statistics: outer weights, loadings, paths, R², total and indirect effects of every construct
on every construct it reaches, each specific indirect effect (the product of the paths along
one chain of two or more paths; a row ``lhs`` = the chain ``"A -> M -> Y"``, op ``":="``,
``rhs`` = ``"(M~A)*(Y~M)"``, as lavaan writes a defined parameter; the specific effects of a
pair sum to its indirect effect in every resample), HTMT and HTMT2 of every pair of
multi-item constructs.

Intervals (Efron & Tibshirani, 1993, ch. 13-14): the percentile interval (quantiles of the
resamples, R's type 7 as seminr) and the BCa interval (bias correction from the share of
resamples below the estimate, acceleration from the leave-one-out jackknife, grouped into
1,000 delete-a-group blocks above n = 1,000). ``se`` is the standard deviation of the
resamples (n - 1), ``z = est / se`` and ``pvalue`` its two-sided normal p-value. A resample
whose estimation fails (no convergence, a constant item) is left out and counted. A statistic
undefined in one resample (HTMT2 when a correlation it needs is not positive) is left out of
that statistic's interval; one undefined in the full sample gets no interval (NaN bounds).
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.arguments import check_level, check_n_boot, check_n_jobs, check_scheduler, check_seed
from instruments.plain import to_plain

from .algorithm import blocks
from .batch import _chains, _htmt_pairs, _reach, batch_statistics, chain_label, chain_products
from .data import indicator_data
from .errors import PLSInputError
from .estimate import _check_settings, _model, _result, _solve
from .result import PLSResult
from .structural import total_effects
from .syntax import PLSModel
from .validity import htmt_blocks

__all__ = ["PLSBootstrap", "bootstrap_pls"]

Label = tuple[str, str, str]


def _labels(model: PLSModel) -> list[Label]:
    """The statistics' (lhs, op, rhs), in the order of :func:`_statistics`."""
    out: list[Label] = []
    for c in model.constructs:
        out += [(c.name, "<~", i) for i in c.items]
    for c in model.constructs:
        out += [(c.name, "=~", i) for i in c.items]
    for outcome in model.endogenous:
        out += [(outcome, "~", p) for p in model.predictors(outcome)]
    out += [(o, "r2", o) for o in model.endogenous]
    for cause, outcome, _ in _reach(model):
        out.append((outcome, "total", cause))
    for cause, outcome, longer in _reach(model):
        if longer:
            out.append((outcome, "indirect", cause))
    out += [chain_label(chain) for chain in _chains(model)]
    pairs = _htmt_pairs(model)
    out += [(a, "htmt", b) for a, b in pairs] + [(a, "htmt2", b) for a, b in pairs]
    return out


def _statistics(model: PLSModel, est: dict[str, Any], standardize: bool) -> np.ndarray:
    names = model.names
    W = est["W"] if standardize else est["W_fit"]
    out: list[float] = []
    k0 = 0
    for j, c in enumerate(model.constructs):
        out += list(W[k0:k0 + len(c.items), j])
        k0 += len(c.items)
    k0 = 0
    for j, c in enumerate(model.constructs):
        out += list(est["loadings"][k0:k0 + len(c.items), j])
        k0 += len(c.items)
    P = est["paths"]
    for outcome in model.endogenous:
        out += [P[names.index(p), names.index(outcome)] for p in model.predictors(outcome)]
    out += [est["r2"][o] for o in model.endogenous]
    T = total_effects(P)
    reach = _reach(model)
    out += [T[names.index(a), names.index(b)] for a, b, _ in reach]
    out += [T[names.index(a), names.index(b)] - P[names.index(a), names.index(b)]
            for a, b, longer in reach if longer]
    out += [float(v) for v in chain_products(P, model)]
    R = est["R"]
    pairs = _htmt_pairs(model)
    idx = [list(b) for b in blocks(model)]
    pos = [(names.index(a), names.index(b)) for a, b in pairs]
    for h2 in (False, True):
        H = htmt_blocks(R, idx, htmt2=h2)
        out += [H[i, j] for i, j in pos]
    return np.asarray(out, dtype=float)


def _estimate_rows(raw: np.ndarray, model: PLSModel, settings: dict[str, Any]) -> np.ndarray:
    """The statistics re-estimated on the respondents ``raw`` (NaN row if it fails)."""
    X = raw
    if np.isnan(X).any():
        X = X.copy()
        means = np.nanmean(X, axis=0)
        rows, cols = np.nonzero(np.isnan(X))
        X[rows, cols] = means[cols]
    with np.errstate(invalid="ignore", divide="ignore"):
        S = np.cov(X, rowvar=False)
    if not np.all(np.isfinite(S)) or np.any(np.diag(S) <= 0):
        raise PLSInputError("an item is constant in this resample")
    est = _solve(model, S, scheme=settings["scheme"], consistent=settings["consistent"],
                 standardize=settings["standardize"], max_iter=settings["max_iter"],
                 tol=settings["tol"], n=X.shape[0])
    return _statistics(model, est, settings["standardize"])


def _replicates(gens: list[np.random.Generator], rows: range, *, raw: np.ndarray,
                model: PLSModel, settings: dict[str, Any], width: int,
                indices: np.ndarray | None) -> np.ndarray:
    """One chunk of resamples (picklable for worker processes and Dask)."""
    n = raw.shape[0]
    draws = np.array([indices[r] if indices is not None else rng.integers(0, n, size=n)
                      for rng, r in zip(gens, rows, strict=True)])
    return _many(raw, draws, model, settings, width)


def _many(raw: np.ndarray, rows: np.ndarray, model: PLSModel, settings: dict[str, Any],
          width: int) -> np.ndarray:
    """Statistics of the data sets ``raw[rows[k]]``: all at once (:mod:`analysis.pls.batch`)
    when nothing is missing, else (or if the stack fails) one by one."""
    if not np.isnan(raw).any():
        try:
            with np.errstate(invalid="ignore", divide="ignore"):
                return batch_statistics(raw[rows], model, settings, width)
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            pass
    return np.array([_jackknife_row(raw[r], model, settings, width) for r in rows])


@dataclass
class PLSBootstrap:
    """A bootstrapped PLS path model.

    Attributes
    ----------
    result : the full-sample estimation (:class:`~analysis.pls.result.PLSResult`).
    table : one row per statistic: ``lhs, op, rhs, est, boot.mean, se, z, pvalue, ci.lower,
        ci.upper`` (percentile) and ``bca.lower, bca.upper``; ops ``<~`` weight, ``=~``
        loading, ``~`` path, ``r2``, ``total`` and ``indirect`` effect (lhs the outcome),
        ``:=`` specific indirect effect (lhs the chain, rhs the product of its paths),
        ``htmt`` and ``htmt2``.
    replicates : the resample statistics (resamples x statistics, NaN rows failed).
    settings : n_boot, seed (None with ``indices``), level, n_failed, backend, workers.
    """

    result: PLSResult
    table: pd.DataFrame
    replicates: np.ndarray = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The table and settings as JSON-ready data (replicates omitted)."""
        return {"bootstrap": to_plain(self.settings), "estimates": to_plain(self.table)}


def _check_indices(indices: Any, n: int) -> np.ndarray:
    try:
        arr = np.asarray(indices)
    except Exception as exc:  # noqa: BLE001 - any unreadable input is the user's to fix
        raise PLSInputError(f"indices cannot be read as a matrix: {exc}",
                            code="invalid_argument") from exc
    if arr.ndim != 2 or arr.shape[1] != n or arr.shape[0] < 1:
        raise PLSInputError(
            f"indices must be a matrix with one row per resample and {n} columns (the "
            f"respondents analysed); got shape {arr.shape}", code="invalid_argument")
    if not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise PLSInputError("indices must be whole numbers (0-based row positions)",
                                code="invalid_argument")
        arr = arr.astype(np.int64)
    if arr.min() < 0 or arr.max() >= n:
        raise PLSInputError(
            f"indices must be 0-based row positions in [0, {n - 1}]; got values from "
            f"{arr.min()} to {arr.max()} (subtract 1 from R's 1-based rows)",
            code="invalid_argument")
    return arr


def bootstrap_pls(data: Any, model: str | PLSModel, *, n_boot: int = 5000,
                  seed: int | None = None, indices: Any = None, level: float = 0.95,
                  bca: bool = True, scheme: str = "path", consistent: bool = False,
                  missing: str | None = None, missing_value: Any = None,
                  standardize: bool = True, max_iter: int = 300, tol: float = 1e-7,
                  n_jobs: int | None = None, scheduler: str | None = None,
                  progress: bool | None = None) -> PLSBootstrap:
    """Estimate a PLS path model and bootstrap it (module docstring).

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to values
        Respondents in rows, items in columns.
    model : str or PLSModel
        The model (:func:`~analysis.pls.estimate_pls`).
    n_boot : int
        Resamples (5,000 as SmartPLS); ignored when ``indices`` is given.
    seed : int or None
        Seed of the resampling; required unless ``indices`` is given.
    indices : array-like or None
        Resample rows (resamples x n, 0-based positions among the respondents analysed).
    level : float
        Confidence level of the intervals.
    bca : bool
        Also compute BCa intervals (costs one jackknife re-estimation per respondent).
    scheme, consistent, missing, missing_value, standardize, max_iter, tol
        As for :func:`~analysis.pls.estimate_pls`.
    n_jobs : int or None
        Local worker processes (None: all cores; 1: in this process).
    scheduler : str or None
        ``"dask"`` or a Dask scheduler address; same numbers as a local run.
    progress : bool or None
        Show a progress bar (None: when there are 20 resamples or more).

    Returns
    -------
    PLSBootstrap
        The full-sample result and the table of bootstrap statistics.

    Raises
    ------
    PLSInputError
        Bad settings or indices, or the full-sample estimation fails.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> f = rng.normal(size=(100, 1))
    >>> d = pd.DataFrame(np.hstack([f + rng.normal(size=(100, 2)),
    ...                             0.5 * f + rng.normal(size=(100, 2))]), columns=list("abcd"))
    >>> b = bootstrap_pls(d, "A =~ a + b; C =~ c + d; C ~ A", n_boot=50, seed=1, bca=False,
    ...                   progress=False, n_jobs=1)
    >>> row = b.table.query("op == '~'").iloc[0]
    >>> bool(row["ci.lower"] < row["est"] < row["ci.upper"])
    True
    """
    from scipy import stats

    from analysis.structural.resampling import percentile_ci, run_replicates

    spec = _model(model)
    _check_settings(scheme, max_iter, tol)
    level = check_level(level, error=PLSInputError)
    n_jobs = check_n_jobs(n_jobs, error=PLSInputError)
    scheduler = check_scheduler(scheduler, error=PLSInputError)
    d = indicator_data(data, spec.items, missing=missing, missing_value=missing_value)
    raw = d.raw if d.raw is not None else d.X
    n = raw.shape[0]
    if indices is not None:
        idx = _check_indices(indices, n)
        n_boot, seed_used = idx.shape[0], None
    else:
        idx = None
        n_boot = check_n_boot(n_boot, minimum=1, error=PLSInputError)
        seed_used = check_seed(seed, error=PLSInputError)
    settings = {"scheme": scheme, "consistent": bool(consistent), "standardize": bool(standardize),
                "max_iter": int(max_iter), "tol": float(tol), "missing": missing}
    S = np.cov(d.X, rowvar=False)
    est = _solve(spec, S, scheme=scheme, consistent=consistent, standardize=standardize,
                 max_iter=max_iter, tol=tol, n=d.n)
    mean = d.X.mean(axis=0)
    scores = pd.DataFrame(((d.X - mean) / est["sd"]) @ est["W"], index=d.index,
                          columns=spec.names)
    result = _result(spec, est, settings, d.record(), mean, scores)
    labels = _labels(spec)
    estimate = _statistics(spec, est, standardize)
    fn = functools.partial(_replicates, raw=raw, model=spec, settings=settings,
                           width=len(labels), indices=idx)
    run = run_replicates(fn, n_boot, seed_used if seed_used is not None else 0, n_jobs=n_jobs,
                         scheduler=scheduler, chunk_size=100, progress=progress,
                         desc="PLS bootstrap", batched=True)
    values = run.values
    ok = ~np.isnan(values).all(axis=1)
    n_failed = int((~ok).sum())
    good = values[ok]
    if good.shape[0] < 2:
        raise PLSInputError(f"only {good.shape[0]} of {n_boot} bootstrap resamples could be "
                            "estimated; check the model and data", code="model_not_estimable")
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (HTMT2 < 0)
        se = np.nanstd(good, axis=0, ddof=1)
        z = estimate / se
        lo, hi = percentile_ci(good, level)
        boot_mean = np.nanmean(good, axis=0)
    table = pd.DataFrame(labels, columns=["lhs", "op", "rhs"])
    table["est"] = estimate
    table["boot.mean"] = boot_mean
    table["se"] = se
    table["z"] = z
    table["pvalue"] = 2 * stats.norm.sf(np.abs(z))
    table["ci.lower"], table["ci.upper"] = lo, hi
    if bca:
        groups = jackknife_sets(n)[1]
        if len({g.size for g in groups}) == 1:
            jack = _many(raw, np.array(groups), spec, settings, len(labels))
        else:
            jack = np.array([_jackknife_row(raw[g], spec, settings, len(labels))
                             for g in groups])
        table["bca.lower"], table["bca.upper"] = bca_intervals(good, estimate, jack, level)
    # a statistic undefined in the full sample (HTMT2 with a negative item correlation) has no
    # interval: the resamples where it happens to be defined are a selection, not its
    # sampling distribution
    undefined = np.isnan(estimate)
    for col in ("ci.lower", "ci.upper", "bca.lower", "bca.upper"):
        if col in table:
            table.loc[undefined, col] = np.nan
    info = {"n_boot": int(n_boot), "seed": seed_used, "indices": idx is not None,
            "level": level, "bca": bool(bca), "n_failed": n_failed, "backend": run.backend,
            "workers": run.workers}
    if n_failed:
        result.warnings.append(f"bootstrap: {n_failed} of {n_boot} resamples could not be "
                               "estimated and were left out")
    return PLSBootstrap(result=result, table=table, replicates=values, settings=info)


#: The BCa jackknife leaves one respondent out at a time up to this many respondents; above,
#: it deletes one of this many random groups at a time (seeded, so a run repeats exactly).
JACKKNIFE_MAX = 1000


def jackknife_sets(n: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The jackknife samples of the BCa acceleration for ``n`` respondents: the rows each
    leaves out and the rows it keeps (0-based), leave-one-out up to :data:`JACKKNIFE_MAX`
    respondents, else :data:`JACKKNIFE_MAX` delete-a-group blocks.

    >>> left, kept = jackknife_sets(4)
    >>> sorted(int(g[0]) for g in left), [len(k) for k in kept]
    ([0, 1, 2, 3], [3, 3, 3, 3])
    """
    from analysis.structural.resampling import jackknife_deleted, jackknife_groups

    return (jackknife_deleted(n, max_groups=JACKKNIFE_MAX),
            jackknife_groups(n, max_groups=JACKKNIFE_MAX))


def bca_intervals(replicates: np.ndarray, estimate: np.ndarray, jackknife: np.ndarray,
                  level: float) -> tuple[np.ndarray, np.ndarray]:
    """BCa intervals (Efron, 1987) per column: the bias correction ``z0 = Phi^-1(share of
    resamples below the estimate, ties counted half)``, the acceleration ``a = sum d^3 /
    (6 (sum d^2)^1.5)`` with ``d`` the jackknife values' deviations from their mean, and the
    interval the resamples' quantiles at ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))`` for ``z`` at
    ``(1 -+ level) / 2`` (:func:`analysis.structural.resampling.bca_ci`). ``replicates``: the
    successful resamples (rows) of each statistic (columns); ``jackknife``: its jackknife
    values (NaN rows failed, left out); all-NaN columns give NaN bounds.

    >>> reps = np.linspace(-2, 2, 401)[:, None]
    >>> lo, hi = bca_intervals(reps, np.array([0.0]), np.array([[-1.0], [0.0], [1.0]]), 0.9)
    >>> round(float(lo[0]), 10), round(float(hi[0]), 10)  # z0 = 0, a = 0: the percentiles
    (-1.8, 1.8)
    """
    from analysis.structural.resampling import bca_ci, jackknife_acceleration

    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns (HTMT2 < 0)
        return bca_ci(replicates, estimate, jackknife_acceleration(jackknife), level)


def _jackknife_row(raw: np.ndarray, model: PLSModel, settings: dict[str, Any],
                   width: int) -> np.ndarray:
    """:func:`_estimate_rows`, or a NaN row when the estimation fails."""
    try:
        return _estimate_rows(raw, model, settings)
    except (PLSInputError, np.linalg.LinAlgError, ValueError, FloatingPointError):
        return np.full(width, np.nan)
