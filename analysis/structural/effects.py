"""What each predictor does to each outcome: direct, indirect and total effects of a SEM.

For a recursive structural model with path matrix B (B[i, j] = effect of j on i), the total
effects are T = (I - B)⁻¹ - I, the direct effects B, and the indirect effects T - B (Bollen 1987;
Sobel 1987). Standardized effects multiply by sd(predictor) / sd(outcome) from the model-implied
variances (lavaan's ``std.all``).

Uncertainty, three ways:

* delta-method standard errors (Sobel 1982) from the ML covariance matrix of the estimates, with
  the Jacobian of the effects taken numerically (central differences);
* nonparametric bootstrap (Bollen & Stine 1990; Preacher & Hayes 2008): resample respondents,
  refit from the resample's moments starting at the full-sample solution, and recompute every
  effect; percentile and BCa intervals (Efron 1987; acceleration from a grouped jackknife),
  seeded, in parallel (locally or on Dask) with identical results per seed. The refits run in
  batches of 20 (BFGS warm-started from the full-sample information, :mod:`analysis.sem.batch`);
  a replicate the batch does not bring to convergence continues in a second batched pass, and
  one that still does not converge is left out and counted (``bootstrap["n_failed"]``). A
  replicate whose solution lavaan's post-fit check rejects (a negative variance, a latent or
  residual covariance matrix that is not positive definite) is counted
  (``bootstrap["n_inadmissible"]``) and left out of the intervals (lavaan 0.6.14 counts and
  warns but keeps them in its bootstrap SEs; ``keep_inadmissible=True`` does the same). When
  more than ``max_failed_share`` (10%) of the replicates failed or were inadmissible, the model
  is called unstable (``bootstrap["unstable"]``, a warning) and no predictor is ranked;
* which predictor has the largest total effect on each outcome, and whether its lead over the
  runner-up is credible: the bootstrap CI of the difference in absolute standardized total
  effects excludes zero.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis import sem
from analysis.arguments import (
    check_level,
    check_n_boot,
    check_n_jobs,
    check_scheduler,
    check_seed,
)
from analysis.blas import one_thread_api
from analysis.samples import missing_method, sample_record, sem_variables
from analysis.sem import batch, fiml_refit
from analysis.sem.compare import chisq_difference, measurement_model
from analysis.sem.crosscheck import check_engine, run_crosscheck
from analysis.sem.em import PatternIndex, replicate_moments
from analysis.structural.resampling import (
    bca_ci,
    bootstrap_indices,
    jackknife_acceleration,
    jackknife_deleted,
    percentile_ci,
    run_replicates,
)
from instruments.errors import EngagekitInputError
from instruments.plain import to_plain

KINDS = ("direct", "indirect", "total")


class EffectsInputError(EngagekitInputError):
    """A model or data that the effects decomposition cannot handle (named in the message)."""

    code = "effects_input"


@dataclass(frozen=True)
class _Layout:
    """Where the structural variables sit in the RAM matrices, and which pairs are reported."""

    index: tuple[int, ...]  # positions of the structural variables in the A matrix
    names: tuple[str, ...]
    pairs: tuple[tuple[int, int], ...]  # (predictor, outcome) positions within `names`


def _structural_layout(result: sem.SEMResult) -> _Layout:
    pt = result.state.pt
    all_names = list(pt.ov_names) + list(pt.lv_names)
    reg = result.estimates[(result.estimates["op"] == "~")]
    if reg.empty:
        raise EffectsInputError("the model has no regressions ('~'): there are no effects to "
                                "decompose; add structural paths")
    names = list(dict.fromkeys([*reg["rhs"], *reg["lhs"]]))
    pos = {v: k for k, v in enumerate(names)}
    adj = np.zeros((len(names), len(names)), dtype=bool)
    for lhs, rhs in zip(reg["lhs"], reg["rhs"], strict=True):
        adj[pos[lhs], pos[rhs]] = True
    # reachability: (I - adj)^-1 pattern via repeated boolean products
    reach = adj.copy()
    for _ in range(len(names)):
        nxt = reach | ((reach.astype(int) @ adj.astype(int)) > 0)
        if (nxt == reach).all():
            break
        reach = nxt
    if np.any(np.diag(reach)):
        from instruments.checks import find_cycles

        preds: dict[str, list[str]] = {}
        for lhs, rhs in zip(reg["lhs"], reg["rhs"], strict=True):
            preds.setdefault(lhs, []).append(rhs)
        loops = "; ".join(" -> ".join([*lp, lp[0]]) for lp in find_cycles(preds)) or \
            ", ".join(v for k, v in enumerate(names) if reach[k, k])
        raise EffectsInputError(f"the structural model has a feedback loop: {loops} (each "
                                "predicts the next); effects decomposition needs a recursive "
                                "(loop-free) model: remove one of these paths")
    pairs = tuple((j, i) for j in range(len(names)) for i in range(len(names)) if reach[i, j])
    return _Layout(tuple(all_names.index(v) for v in names), tuple(names), pairs)


@contextlib.contextmanager
def _all_nan_quiet():
    """Silence numpy's warnings about all-NaN columns (an effect no bootstrap resample could
    estimate): the NaN intervals they give are reported, and the failures counted, elsewhere."""
    import warnings

    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _effect_vector(engine: Any, theta: np.ndarray, layout: _Layout) -> np.ndarray:
    """[direct, indirect, total, std direct, std indirect, std total] for every pair."""
    A, _, _ = engine.matrices(theta, 0)
    V, _ = engine.total(theta, 0)
    ix = list(layout.index)
    B = A[np.ix_(ix, ix)]
    k = len(ix)
    T = np.linalg.inv(np.eye(k) - B) - np.eye(k)
    with np.errstate(invalid="ignore"):  # a negative variance (Heywood case): NaN std effects
        sd = np.sqrt(np.diag(V)[ix])
    j = np.array([p[0] for p in layout.pairs])
    i = np.array([p[1] for p in layout.pairs])
    direct, total = B[i, j], T[i, j]
    indirect = total - direct
    scale = sd[j] / sd[i]
    return np.concatenate([direct, indirect, total, direct * scale, indirect * scale,
                           total * scale])


#: Replicates per chunk handed to a worker (refitted in blocks of 20 there). Fixed, not derived
#: from the number of workers, so that every replicate is fitted in the same batch whatever the
#: back end (the batched fit's iterates do not depend on the other members of the batch either;
#: tests/test_effects.py checks both).
_CHUNK = 100


#: BFGS iterations of the first batched pass (most replicates converge in 15-30) and of the
#: second pass for those that stopped short at an admissible point
_FIRST_PASS, _SECOND_PASS = 60, 500


def _moments(Xb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ML covariance matrix (divisor N) and mean of the rows of ``Xb``.

    Centred cross-products by one matrix product: np.cov is 3-5x slower here (N = 10,000).
    """
    mean = Xb.mean(axis=0)
    Xc = Xb - mean
    return Xc.T @ Xc / len(Xb), mean


def _batch_replicates(rngs: list[np.random.Generator], index: range, state: Any, X: np.ndarray,
                      layout: _Layout, start: np.ndarray, hinv: np.ndarray | None, n_boot: int,
                      groups: list[np.ndarray]) -> np.ndarray:
    """One chunk of replicates: index < n_boot are bootstrap resamples (rows drawn with the
    replicate's own generator), index >= n_boot the delete-a-group jackknife samples for BCa
    (group ``index - n_boot`` left out). All are refitted together (:mod:`analysis.sem.batch`);
    columns: the effect vector, then 1.0 where the replicate had to be refitted on its own."""
    n = len(X)
    moments = []
    for rng, r in zip(rngs, index, strict=True):
        if r < n_boot:
            Xb = X[bootstrap_indices(rng, n)]
        else:
            keep = np.ones(n, dtype=bool)
            keep[groups[r - n_boot]] = False
            Xb = X[keep]
        moments.append((*_moments(Xb), len(Xb)))
    return _refit_effects_batch(state, moments, layout, start, hinv)


def _refit_effects_batch(state: Any, moments: list[tuple[np.ndarray, np.ndarray, int]],
                         layout: _Layout, start: np.ndarray,
                         hinv: np.ndarray | None) -> np.ndarray:
    """Refit to each (cov, mean, n) and recompute the effects.

    Returns one row per replicate: the effect vector (NaN where the refit did not converge),
    then 1.0 where a second pass was needed, then the code of why the solution is not admissible
    by lavaan's post-fit check (:func:`analysis.sem.batch.inadmissibility`: 0 admissible, else
    a negative variance, or a non-positive-definite latent or residual covariance matrix).

    Batched BFGS warm-started at the full-sample estimates and information; replicates the
    first pass does not bring to convergence continue, still batched, from where they stopped
    (fresh inverse Hessian, more iterations); those that still fail stay NaN and are counted.
    Nothing falls back to one-by-one refits: a near-singular model (two predictors correlated
    .99) fails many replicates, and refitting each on its own took minutes. Models outside the
    batch's scope (a mean structure) are refitted one by one by the sem core, as before."""
    width = 6 * len(layout.pairs)
    out = np.full((len(moments), width + 2), np.nan)
    out[:, width:] = 0.0
    p = len(state.pt.ov_names)
    if batch.supports(state):
        covs = np.array([m[0] for m in moments])
        res = batch.refit_batch(state, covs, start=start, inverse_hessian=hinv,
                                max_iter=_FIRST_PASS)
        theta, ok = res.theta, res.converged.copy()
        # continue the ones that stopped at an admissible point; one that has run into an
        # inadmissible region (typically along a ridge towards a singular latent covariance
        # matrix, where the likelihood keeps rising) is counted as not converged
        again = np.flatnonzero(~ok & np.isfinite(res.theta).all(axis=1))
        again = np.array([b for b in again if batch.admissible(state.engine, theta[b], p)],
                         dtype=int)
        if again.size:
            out[again, width] = 1.0
            res2 = batch.refit_batch(state, covs[again], start=res.theta[again],
                                     inverse_hessian=hinv, max_iter=_SECOND_PASS)
            theta = theta.copy()
            theta[again] = res2.theta
            ok[again] = res2.converged
        for b in np.flatnonzero(ok):
            out[b, :width] = _effect_vector(state.engine, theta[b], layout)
            out[b, width + 1] = batch.inadmissibility(state.engine, theta[b], p)
        return out
    for b, (cov, mean, n) in enumerate(moments):
        # a replicate that does not converge is left as a NaN row, counted and reported
        with contextlib.suppress(Exception):
            opt = sem.fit_from_moments(state, cov, n, mean=mean if state.pt.meanstructure
                                       else None, start=start)
            if opt.converged:
                out[b, :width] = _effect_vector(state.engine, opt.theta, layout)
                out[b, width + 1] = batch.inadmissibility(state.engine, opt.theta, p)
    return out


def _fiml_replicates(rngs: list[np.random.Generator], index: range, state: Any,
                     patterns: PatternIndex, layout: _Layout, start: np.ndarray,
                     hinv: np.ndarray, n_boot: int, groups: list[np.ndarray]) -> np.ndarray:
    """:func:`_batch_replicates` for incomplete data under FIML: each replicate is the rows
    with its multiplicities (bootstrap draw, or 0 for the jackknife group left out), refitted
    by full-information ML over its missing-data patterns (:mod:`analysis.sem.fiml_refit`),
    warm-started at the full-sample estimates. Columns as :func:`_refit_effects_batch`."""
    n = len(patterns.pattern)
    width = 6 * len(layout.pairs)
    p = len(state.pt.ov_names)
    out = np.full((len(index), width + 2), np.nan)
    out[:, width:] = 0.0
    for b, (rng, r) in enumerate(zip(rngs, index, strict=True)):
        if r < n_boot:
            w = np.bincount(bootstrap_indices(rng, n), minlength=n).astype(float)
        else:
            w = np.ones(n)
            w[groups[r - n_boot]] = 0.0
        with contextlib.suppress(Exception):  # a failed replicate stays a NaN row, counted
            opt = fiml_refit.refit_fiml(state, replicate_moments(patterns, w), start, hinv)
            if opt.converged:
                out[b, :width] = _effect_vector(state.engine, opt.theta, layout)
                out[b, width + 1] = batch.inadmissibility(state.engine, opt.theta, p)
    return out


def _reasons(codes: np.ndarray, state: Any) -> dict[str, int]:
    """``{reason: replicates}`` from :func:`analysis.sem.batch.inadmissibility` codes, most
    frequent first."""
    names = list(state.pt.ov_names) + list(state.pt.lv_names)
    out: dict[str, int] = {}
    for c in codes.astype(int):
        if c > 0:
            v = names[c - 1]
            key = (f"negative residual variance of {v}" if c <= len(state.pt.ov_names)
                   else f"negative variance of {v}")
        else:
            key = {-1: "residual covariance matrix not positive definite",
                   -2: "latent covariance matrix not positive definite"}[int(c)]
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def _delta_se(result: sem.SEMResult, layout: _Layout) -> np.ndarray:
    """Delta-method SEs of the effect vector: sqrt(diag(J V J')), J by central differences."""
    theta = np.asarray(result.theta, dtype=float)
    engine = result.state.engine
    # (D)WLS fits also hold the thresholds' (co)variances, after the model's parameters
    vcov = result.vcov.to_numpy(dtype=float)[:theta.size, :theta.size]
    base = _effect_vector(engine, theta, layout)
    J = np.zeros((base.size, theta.size))
    for p in range(theta.size):
        h = 1e-6 * max(1.0, abs(theta[p]))
        up, dn = theta.copy(), theta.copy()
        up[p] += h
        dn[p] -= h
        J[:, p] = (_effect_vector(engine, up, layout) - _effect_vector(engine, dn, layout)) / (2 * h)
    with np.errstate(invalid="ignore"):
        return np.sqrt(np.clip(np.einsum("ij,jk,ik->i", J, vcov, J), 0, None))


@dataclass
class EffectsResult:
    """Effects decomposition with delta-method and bootstrap uncertainty (plain data)."""

    model: str
    n: int
    fit_measures: dict[str, float]
    paths: pd.DataFrame
    r2: pd.DataFrame
    effects: pd.DataFrame
    ranking: pd.DataFrame
    bootstrap: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    #: the measurement model of the structural model's variables (every regression among the
    #: structural variables replaced by a free covariance): ``model``, ``fit_measures``
    measurement: dict[str, Any] | None = None
    #: the chi-square difference test of the structural model against it, as lavaan's
    #: ``anova()``: ``chisq.diff``, ``df.diff``, ``pvalue``, ``method``, ``saturated``
    comparison: dict[str, Any] | None = None
    # the model refitted by a second implementation (crosscheck="semopy"), as plain data
    crosscheck: dict[str, Any] | None = None
    #: the analysed sample (:func:`analysis.samples.sample_record`): N, missing-data handling
    sample: dict[str, Any] = field(default_factory=dict)

    def effect(self, predictor: str, outcome: str, kind: str = "total") -> pd.Series:
        t = self.effects
        row = t[(t.predictor == predictor) & (t.outcome == outcome) & (t.kind == kind)]
        if row.empty:
            raise KeyError(f"no {kind} effect of {predictor} on {outcome}")
        return row.iloc[0]

    def to_dict(self) -> dict[str, Any]:
        return to_plain({"model": self.model, "n": self.n, "fit_measures": self.fit_measures,
                         "paths": self.paths, "r2": self.r2, "effects": self.effects,
                         "ranking": self.ranking, "bootstrap": self.bootstrap,
                         "warnings": self.warnings, "measurement": self.measurement,
                         "comparison": self.comparison, "sample": self.sample,
                         **({} if self.crosscheck is None else {"crosscheck": self.crosscheck})})


@one_thread_api
def estimate_effects(
    data: pd.DataFrame,
    model: str,
    predictors: list[str] | None = None,
    n_boot: int = 1000,
    seed: int = 20150401,
    level: float = 0.95,
    estimator: str = "ML",
    bca: bool = True,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
    jackknife_groups_max: int = 200,
    ordered: list[str] | None = None,
    max_failed_share: float = 0.10,
    keep_inadmissible: bool = False,
    crosscheck: str | None = None,
    missing: str = "listwise",
) -> EffectsResult:
    """Fit ``model`` (lavaan syntax) and decompose the effects of every structural variable.

    Direct ``B``, total ``(I - B)⁻¹ - I`` and indirect effects (Bollen 1987), with delta-method
    and bootstrap percentile/BCa intervals (Efron 1987), and which predictor leads on each
    outcome (module docstring). Missing answers are handled as ``missing`` says.

    Parameters
    ----------
    data : DataFrame
        Reverse-keyed item responses, one column per indicator of ``model``.
    model : str
        The structural model in lavaan syntax, e.g. ``Instrument.to_lavaan()``.
    predictors : list of str or None
        The variables to rank by total effect on each outcome (default: the exogenous
        variables of the structural model, e.g. the five commitments).
    n_boot : int, default 1000
        Bootstrap resamples; 0 skips the bootstrap (delta-method only).
    seed : int, default 20150401
        Seed of the bootstrap: same data and seed, same results, whatever the workers.
    level : float, default 0.95
        Confidence level of every interval, in (0, 1).
    estimator : str, default "ML"
        ``"ML"``, ``"MLM"``, ``"MLR"`` or, with ``ordered`` items, ``"WLSMV"`` (DWLS on
        polychoric correlations; the delta-method SEs are then the robust ones). Under WLSMV
        no bootstrap is run: refitting polychoric correlations per resample is not
        implemented, so the intervals are delta-method ones from the robust standard errors
        (said in ``warnings`` and ``bootstrap["skipped"]``).
    bca : bool, default True
        Also compute BCa intervals (acceleration from a grouped jackknife).
    n_jobs : int or None
        Local worker processes for the bootstrap (default: all cores; 1: this process).
    scheduler : str or None
        ``"dask"`` or a Dask scheduler address such as ``"tcp://host:8786"``.
    progress : bool or None
        Show a progress bar (default: when the run takes more than a moment).
    jackknife_groups_max : int, default 200
        Most jackknife groups for the BCa acceleration (larger samples are grouped).
    ordered : list of str or None
        The ordinal items, for ``estimator="WLSMV"``.
    max_failed_share : float, default 0.10
        Above this share of failed or inadmissible replicates the model is called unstable
        (``bootstrap["unstable"]``, a warning) and no predictor is ranked.
    keep_inadmissible : bool, default False
        Keep replicates with inadmissible solutions in the intervals, as lavaan 0.6.14 does
        (they are counted either way).
    crosscheck : {"semopy"} or None
        Refit the model with semopy, an independent implementation, and record the largest
        differences in estimates and fit measures in ``result.crosscheck``
        (:mod:`analysis.sem.crosscheck`; a WLSMV fit is reported as not compared).
    missing : str, default "listwise"
        ``"listwise"``: fit and resample the cases with every model variable answered (their
        number left out is in ``warnings``); ``"fiml"``: fit every case with at least one
        answer by full-information ML (ML or MLR; observed-information SEs, as lavaan's
        ``missing = "fiml"``), and refit every bootstrap resample by FIML too. Without
        missing answers both are the same fit.

    Returns
    -------
    EffectsResult
        ``effects`` (one row per predictor, outcome and ``kind`` in direct/indirect/total:
        ``est, se, z, pvalue, ci.lower, ci.upper, std.all``, and from the bootstrap
        ``boot.se``, ``pct.lower``/``pct.upper``, ``bca.lower``/``bca.upper``,
        ``std.pct.lower``/``std.pct.upper``), ``paths`` and ``r2``
        (lavaan's columns), ``ranking``, ``fit_measures``, ``bootstrap`` (settings, failed
        and inadmissible replicates), the ``measurement`` model and its ``comparison`` with
        the structural model, the analysed ``sample`` (N, missing-data handling, respondents
        with missing answers), ``warnings`` and, when asked for, ``crosscheck``;
        :meth:`~EffectsResult.effect` picks one row.

    Raises
    ------
    EffectsInputError
        ``level`` outside (0, 1), or a multigroup model.

    Examples
    --------
    >>> from analysis import reverse_keyed, simulate
    >>> from instruments import load_instrument
    >>> inst = load_instrument("five_commitments")
    >>> items = reverse_keyed(simulate(inst, n=400, seed=1).data.items, inst)
    >>> model = ("affective =~ aff_01 + aff_02 + aff_03 + aff_04r; "
    ...          "satisfaction =~ sat_01 + sat_02 + sat_03; "
    ...          "repurchase =~ rep_01 + rep_02 + rep_03r; "
    ...          "satisfaction ~ affective; repurchase ~ satisfaction + affective")
    >>> effects = estimate_effects(items, model, n_boot=200, seed=1, n_jobs=1, progress=False)
    >>> row = effects.effect("affective", "repurchase", "indirect")
    >>> bool(row["est"] > 0 and row["bca.lower"] > 0)  # via satisfaction
    True
    >>> direct, indirect, total = (effects.effect("affective", "repurchase", kind)["est"]
    ...                            for kind in ("direct", "indirect", "total"))
    >>> bool(abs(direct + indirect - total) < 1e-12)
    True
    """
    level = check_level(level, error=EffectsInputError)
    n_boot = check_n_boot(n_boot, error=EffectsInputError)
    seed = check_seed(seed, error=EffectsInputError)
    n_jobs = check_n_jobs(n_jobs, error=EffectsInputError)
    scheduler = check_scheduler(scheduler, error=EffectsInputError)
    check_engine(crosscheck)
    missing = missing_method(missing)
    variables = [v for v in sem_variables(model) if v in data.columns]
    raw = data[variables].apply(pd.to_numeric, errors="coerce")
    answered = raw.notna().any(axis=1)
    n_incomplete = int((raw.isna().any(axis=1) & answered).sum())
    # FIML only changes anything when answers are missing; on complete data the listwise fit
    # is the same model without the (saturated) mean structure
    fiml = missing == "fiml" and n_incomplete > 0
    fit_options: dict[str, Any] = {"estimator": estimator}
    if ordered:
        fit_options["ordered"] = list(ordered)
    if fiml:
        fit_options["missing"] = "ml"
    result = sem.fit(model, data, **fit_options)
    ordinal = str(result.options.get("estimator", estimator)).upper() in ("WLSMV", "DWLS")
    measurement, comparison = _against_measurement_model(model, data, result, **fit_options)
    state = result.state
    if state.pt.ngroups != 1:
        raise EffectsInputError("effects decomposition runs on one group; use the multigroup "
                                "comparison for groups")
    layout = _structural_layout(result)
    names = layout.names
    raw = raw[list(state.pt.ov_names)]
    X = (raw[answered] if fiml else raw.dropna()).to_numpy(float)
    warnings = list(result.warnings)
    n_dropped = len(data) - len(X)
    if n_dropped and not fiml:
        warnings.append(f"{n_dropped} case(s) with missing values on model variables were left "
                        "out (listwise)")
    sample = sample_record("structural model and bootstrap", len(X),
                           missing if n_incomplete else "complete",
                           n_incomplete=n_incomplete, n_excluded=n_dropped)
    theta = np.asarray(result.theta, dtype=float)
    est = _effect_vector(state.engine, theta, layout)
    se = _delta_se(result, layout)
    npairs = len(layout.pairs)
    z_crit = stats.norm.ppf(0.5 + level / 2)

    boot_info: dict[str, Any] = {"n_boot": int(n_boot), "seed": int(seed), "level": level}
    boot = None
    unstable = False
    if n_boot > 0 and ordinal:
        boot_info.update(n_boot=0, skipped="refitting the polychoric correlations in every "
                         f"resample is not implemented for {estimator.upper()}")
        warnings.append(f"no bootstrap under {estimator.upper()} (refitting the polychoric "
                        "correlations per resample is not implemented): the effects' intervals "
                        "are delta-method ones from the robust standard errors")
        n_boot = 0
    if n_boot > 0:
        # the BCa jackknife samples ride along as extra replicates n_boot .. n_boot+G-1 of
        # the same parallel run (their generators are spawned but unused)
        groups = jackknife_deleted(len(X), jackknife_groups_max, seed) if bca else []
        if fiml:
            if not fiml_refit.supports(state):
                raise EffectsInputError(
                    "the FIML bootstrap does not handle observed exogenous covariates (fixed.x);"
                    " use missing='listwise' or n_boot=0 (delta-method) for this model")
            fn = partial(_fiml_replicates, state=state,
                         patterns=PatternIndex.from_data(X, list(state.pt.ov_names)),
                         layout=layout, start=theta, hinv=batch.start_inverse_hessian(state),
                         n_boot=n_boot, groups=groups)
        else:
            hinv = batch.start_inverse_hessian(state) if batch.supports(state) else None
            fn = partial(_batch_replicates, state=state, X=X, layout=layout, start=theta,
                         hinv=hinv, n_boot=n_boot, groups=groups)
        run = run_replicates(fn, n_boot + len(groups), seed, n_jobs=n_jobs, scheduler=scheduler,
                             chunk_size=_CHUNK, progress=progress, desc="bootstrap",
                             batched=True, counted=n_boot)
        width = est.size
        vals = run.values
        failed = np.isnan(vals[:, :width]).all(axis=1)
        inadmissible = ~failed & (vals[:, width + 1] != 0.0)
        drop = failed | (inadmissible & (not keep_inadmissible))
        boot = np.where(drop[:n_boot, None], np.nan, vals[:n_boot, :width])
        jack = np.where(drop[n_boot:, None], np.nan, vals[n_boot:, :width])
        n_failed = int(failed[:n_boot].sum())
        n_inadmissible = int(inadmissible[:n_boot].sum())
        n_bad = n_failed + n_inadmissible
        unstable = n_bad > max_failed_share * n_boot
        why = _reasons(vals[:n_boot, width + 1][inadmissible[:n_boot]], state)
        boot_info.update(n_failed=n_failed, n_inadmissible=n_inadmissible,
                         inadmissible_reasons=why,
                         inadmissible_kept=bool(keep_inadmissible),
                         n_used=int(n_boot - drop[:n_boot].sum()),
                         max_failed_share=float(max_failed_share), unstable=bool(unstable),
                         backend=run.backend, workers=run.workers,
                         n_second_pass=int(vals[:n_boot, width].sum()))
        if n_failed:
            warnings.append(f"{n_failed} of {n_boot} bootstrap replicates did not converge "
                            "and were left out of the intervals")
        if n_inadmissible:
            warnings.append(f"{n_inadmissible} of {n_boot} bootstrap replicates gave an "
                            "inadmissible solution (lavaan's post-fit check: "
                            + "; ".join(f"{k} in {v}" for k, v in why.items()) + ") and were "
                            + ("kept, as lavaan 0.6.14 keeps them" if keep_inadmissible else
                               "left out of the intervals"))
        if unstable:
            warnings.append(f"the model is unstable: {n_bad} of {n_boot} bootstrap replicates "
                            f"({n_bad / n_boot:.0%}) failed or were inadmissible, more than "
                            f"{max_failed_share:.0%}; its effects' intervals are not "
                            "trustworthy and no predictor is ranked")
        with _all_nan_quiet():  # effects no resample could estimate get NaN intervals
            p_lo, p_hi = percentile_ci(boot, level)
            b_lo = b_hi = np.full(est.shape, np.nan)
            if bca:
                b_lo, b_hi = bca_ci(boot, est, jackknife_acceleration(jack), level)
                boot_info["jackknife_groups"] = len(groups)
                boot_info["jackknife_failed"] = int(np.isnan(jack).all(axis=1).sum())
            boot_se = np.nanstd(boot, axis=0, ddof=1)

    rows = []
    for block, kind in enumerate(KINDS):
        for q, (j, i) in enumerate(layout.pairs):
            u = block * npairs + q
            s = (3 + block) * npairs + q
            if kind == "direct" and not _has_direct(result, names[i], names[j]):
                continue
            if kind == "indirect" and _only_direct(layout, j, i):
                continue
            row = {"predictor": names[j], "outcome": names[i], "kind": kind,
                   "est": est[u], "se": se[u], "z": est[u] / se[u] if se[u] > 0 else np.nan,
                   "ci.lower": est[u] - z_crit * se[u], "ci.upper": est[u] + z_crit * se[u],
                   "std.all": est[s]}
            row["pvalue"] = 2 * stats.norm.sf(abs(row["z"])) if np.isfinite(row["z"]) else np.nan
            if boot is not None:
                row.update({"boot.se": boot_se[u], "pct.lower": p_lo[u], "pct.upper": p_hi[u],
                            "bca.lower": b_lo[u], "bca.upper": b_hi[u],
                            "std.pct.lower": p_lo[s], "std.pct.upper": p_hi[s]})
            rows.append(row)
    effects = pd.DataFrame(rows)
    # an unstable model is not ranked: which predictor leads is not known (an empty table
    # with the ranking's columns, and the reason in warnings and bootstrap["unstable"])
    with _all_nan_quiet():
        ranking = _rank(effects, layout, predictors, boot, npairs, level)
    if unstable:
        ranking = ranking.iloc[0:0]
    paths = result.estimates[result.estimates["op"] == "~"][
        ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all"]
    ].reset_index(drop=True)
    r2 = result.r2[result.r2["variable"].isin([n for n in names if n in set(paths["lhs"])])]
    if measurement is None:
        warnings.append(f"the measurement model could not be fitted ({comparison}); the "
                        "structural model's fit is not compared with it")
        comparison = None
    check = run_crosscheck(crosscheck, data, model, result, label="structural model")
    return EffectsResult(model, len(X), dict(result.fit_measures), paths,
                         r2.reset_index(drop=True), effects, ranking, boot_info, warnings,
                         measurement, comparison, crosscheck=check, sample=sample)


def _against_measurement_model(model: str, data: pd.DataFrame, result: sem.SEMResult,
                               **fit_options: Any) -> tuple[dict | None, Any]:
    """Fit the measurement model of ``model`` (:func:`analysis.sem.compare.measurement_model`)
    with the structural fit's own options and test the structure against it (lavaan's
    ``anova(structural, measurement)``). Returns ``(measurement, comparison)``, or
    ``(None, reason)`` when the measurement model cannot be fitted."""
    syntax = measurement_model(model)
    try:
        meas = sem.fit(syntax, data, **fit_options)
    except Exception as exc:  # noqa: BLE001 - reported; the structural results stand
        return None, str(exc)
    comp = chisq_difference(result, meas)
    comp["saturated"] = bool(comp["df.diff"] == 0)
    return ({"model": syntax, "fit_measures": dict(meas.fit_measures),
             "converged": bool(meas.converged), "warnings": list(meas.warnings)}, comp)


def _has_direct(result: sem.SEMResult, outcome: str, predictor: str) -> bool:
    e = result.estimates
    return bool(((e.op == "~") & (e.lhs == outcome) & (e.rhs == predictor)).any())


def _only_direct(layout: _Layout, j: int, i: int) -> bool:
    """True when every route from j to i is the single direct path (no indirect effect)."""
    k = len(layout.names)
    reach = {(a, b) for a, b in layout.pairs}
    return not any((j, m) in reach and (m, i) in reach for m in range(k))


def _rank(effects: pd.DataFrame, layout: _Layout, predictors: list[str] | None,
          boot: np.ndarray | None, npairs: int, level: float) -> pd.DataFrame:
    """Per outcome: the predictor with the largest |standardized total effect| and its lead."""
    names = layout.names
    outcomes_of = {names[i] for _, i in layout.pairs}
    sources = {names[j] for j, _ in layout.pairs}
    exogenous = [v for v in names if v in sources and v not in outcomes_of]
    preds = predictors or exogenous
    unknown = [p for p in preds if p not in names]
    if unknown:
        raise EffectsInputError(f"predictor(s) {unknown} are not in the structural model")
    pair_pos = {(names[j], names[i]): q for q, (j, i) in enumerate(layout.pairs)}
    rows = []
    for outcome in [v for v in names if v in outcomes_of]:
        cand = [(p, pair_pos[(p, outcome)]) for p in preds if (p, outcome) in pair_pos]
        if len(cand) < 2:
            continue
        tot = effects[(effects.kind == "total") & (effects.outcome == outcome)].set_index(
            "predictor")
        cand.sort(key=lambda c: -abs(tot.loc[c[0], "std.all"]))
        (top, q1), (second, q2) = cand[0], cand[1]
        row = {"outcome": outcome, "largest": top, "std_total": tot.loc[top, "std.all"],
               "runner_up": second, "runner_up_std_total": tot.loc[second, "std.all"],
               "difference": abs(tot.loc[top, "std.all"]) - abs(tot.loc[second, "std.all"])}
        if boot is not None:
            s1, s2 = 5 * npairs + q1, 5 * npairs + q2
            diff = np.abs(boot[:, s1]) - np.abs(boot[:, s2])
            lo, hi = percentile_ci(diff[:, None], level)
            row.update({"diff.lower": float(lo[0]), "diff.upper": float(hi[0]),
                        "credible": bool(lo[0] > 0)})
        rows.append(row)
    return pd.DataFrame(rows)
