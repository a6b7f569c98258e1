"""Monte Carlo power and sample size for the structural paths of an instrument's model.

The method is the Monte Carlo study of Muthén & Muthén (2002): draw many samples of size N
from a population whose parameters are known, fit the analysis model to each, and count how
often each parameter is significant. Here the population is the instrument's own
``population:`` model (see :mod:`analysis.responses.simulate`) and the analysis model is
``instrument.to_lavaan()`` (or ``model=``), fitted as the analysis would fit real responses:

1. simulate N respondents (:func:`analysis.responses.simulate.simulate`, seeded per replicate);
2. reverse-key the ``keyed: minus`` items from their declared scale (``min + max - x``;
   :func:`analysis.responses.scoring.reverse_keyed`);
3. fit the model (:func:`analysis.sem.fit`; ``estimator="WLSMV"``/``"DWLS"`` treat the ordinal
   items as ``ordered``).

Per N and per structural path (``~``) the result gives

* ``power``: the share of *converged* replicates whose Wald test gives ``p < alpha`` **and**
  whose estimate has the sign of the true path (Muthén & Muthén 2002, p. 605, count
  significance only; requiring the right sign avoids counting a significant estimate of the
  wrong sign as power). For a path whose true value is 0 the sign condition is dropped: the
  column is then the rejection rate, i.e. the empirical type I error rate, which should be
  close to ``alpha``;
* ``power_mc_se``: its Monte Carlo standard error ``sqrt(p (1 - p) / converged)``;
* ``convergence_rate``: converged replicates / ``reps`` (a replicate that raises, e.g. on a
  degenerate sample, counts as not converged);
* ``mean_std``, ``sd_std``, ``bias``, ``rmse``: the mean and SD of the standardized estimate
  (lavaan's ``std.all``) and its bias and RMSE against the true standardized path. The true
  values are those of the latent responses (y*, see :mod:`analysis.responses.simulate`): ML on Likert
  codes estimates the structural paths between latent variables nearly without bias (the
  attenuation of discretisation is absorbed by the loadings), WLSMV recovers them.

``sample_size`` gives per path the smallest N in ``ns`` whose power reaches ``target``
(default .80) and an estimate ``n_estimate`` between or beyond the ``ns``. The estimate uses
the large-sample power of a one-sided-in-effect Wald test, ``power(N) ~ Phi(delta sqrt(N) -
z_{1-alpha/2})`` with a noncentrality growing in proportion to N (Satorra & Saris 1985), under
which ``Phi^-1(power)`` is linear in ``sqrt(N)``:

* ``"interpolated"``: the target lies between two ``ns``; linear interpolation of
  ``Phi^-1(power)`` in ``sqrt(N)`` between the two neighbouring ``ns`` that bracket it;
* ``"extrapolated"``: every N in ``ns`` is below (or already above) the target; ``delta`` is
  fitted by least squares through the fixed intercept ``-z_{1-alpha/2}`` to the ``ns`` whose
  power is strictly between 0 and 1, and the curve solved for the target; the result is kept
  consistent with the observations (never above the smallest N that reached the target, never
  below the largest N that did not). Treat it as a guide and rerun with other ``ns``;
* no estimate when the true path is 0, when every power is 0 or 1 (e.g. power 1 at every N:
  the smallest N in ``ns`` already suffices, see ``n_min``) or the fitted ``delta`` is not
  positive.

For interpolation, powers of exactly 0 or 1 are clipped to ``0.5 / reps`` and
``1 - 0.5 / reps`` before the probit transform.

Replicates run through :func:`analysis.structural.resampling.run_replicates`: each N has its own seed
derived from ``seed`` and N (``SeedSequence(seed, spawn_key=(N,))``), each replicate its own
child of that, so results are identical for any number of local processes or Dask workers,
and adding an N to ``ns`` leaves the figures of the others unchanged.

With ``estimator="ML"`` on complete data the replicates use a fast path that is numerically
the sem core's own ML fit (checked against :func:`analysis.sem.fit` in
``tests/test_power.py``): the model is compiled once, each sample is fitted from its
covariance matrix with a warm start (:func:`analysis.sem.fit_from_moments`) and the standard
errors come from the expected information, as lavaan's and :func:`analysis.sem.fit`'s do;
fit measures and the baseline model, which power does not need, are skipped.

References: Muthén, L. K., & Muthén, B. O. (2002). How to use a Monte Carlo study to decide on
sample size and determine power. Structural Equation Modeling, 9(4), 599-620.
Satorra, A., & Saris, W. E. (1985). Power of the likelihood ratio test in covariance structure
analysis. Psychometrika, 50(1), 83-90.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis import sem
from analysis.arguments import check_n_jobs, check_scheduler, check_seed
from analysis.blas import one_thread_api
from analysis.responses.scoring import reverse_keyed
from analysis.responses.simulate import SimulationSettings, simulate, true_parameters
from analysis.sem.syntax import parse_model
from analysis.structural.resampling import run_replicates
from instruments.errors import EngagekitInputError
from instruments.plain import to_plain
from instruments.schema import ORDINAL_KINDS, Instrument, Population

ESTIMATORS = ("ML", "MLM", "MLR", "WLSMV", "DWLS")
ORDINAL_ESTIMATORS = ("WLSMV", "DWLS")
#: Per path, the replicate vector holds these statistics (after a leading convergence flag).
_STATS = ("est", "se", "pvalue", "std")


class PowerInputError(EngagekitInputError):
    """Settings a power analysis cannot run with (named in the message)."""

    code = "power_input"


# ---- one replicate ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """What every replicate of one power analysis needs (picklable)."""

    instrument: Instrument
    population: Population | None
    model: str
    estimator: str
    ordered: tuple[str, ...]
    paths: tuple[tuple[str, str], ...]  # (outcome, predictor)
    simulation: tuple[tuple[str, Any], ...]
    state: Any = None  # FitState of a pilot ML fit (fast path), else None
    where: tuple[tuple[int, int, int], ...] = ()  # per path: (pid, outcome idx, predictor idx)


def _derived_seed(seed: int, n: int) -> int:
    """A 63-bit seed for the replicates of sample size ``n`` (independent across n)."""
    a, b = np.random.SeedSequence(seed, spawn_key=(n,)).generate_state(2, np.uint32)
    return int((int(a) << 31) ^ int(b))


def _sample(job: _Job, n: int, seed: int) -> pd.DataFrame:
    sim = simulate(job.instrument, SimulationSettings(n=n, seed=seed, **dict(job.simulation)),
                   population=job.population)
    return reverse_keyed(sim.data.items, job.instrument)


def _fit_full(job: _Job, data: pd.DataFrame) -> np.ndarray:
    """[converged, (est, se, pvalue, std.all) per path] from :func:`analysis.sem.fit`."""
    if job.estimator in ORDINAL_ESTIMATORS:
        res = sem.fit(job.model, data, estimator=job.estimator, ordered=list(job.ordered))
    else:
        res = sem.fit(job.model, data, estimator=job.estimator)
    e = res.estimates
    reg = e[e.op == "~"].set_index(["lhs", "rhs"])
    out = [1.0 if res.converged else 0.0]
    for o, p in job.paths:
        row = reg.loc[(o, p)]
        out += [row["est"], row["se"], row["pvalue"], row["std.all"]]
    return np.asarray(out, dtype=float)


def _fit_ml_fast(job: _Job, data: pd.DataFrame) -> np.ndarray:
    """The same numbers as :func:`_fit_full` for ML on complete data, without fit measures.

    Estimates: :func:`analysis.sem.fit_from_moments` on the compiled pilot model with a warm
    start; SEs: ``sqrt(diag(I^-1) / N)`` with ``I`` the expected information per case (as
    :func:`analysis.sem.fit` for ML); std.all: ``b sd(predictor) / sd(outcome)`` from the
    model-implied covariance matrix of all variables.
    """
    from analysis.sem.stats import moments_from_cov

    st = job.state
    X = data[list(st.pt.ov_names)].to_numpy(dtype=float)
    X = X[~np.isnan(X).any(axis=1)]
    n = len(X)
    if n <= st.pt.npar:
        raise PowerInputError(f"{n} complete cases for {st.pt.npar} free parameters")
    S = np.cov(X, rowvar=False, bias=True)
    opt = sem.fit_from_moments(st, S, n)
    width = 1 + len(_STATS) * len(job.paths)
    if not opt.converged:
        out = np.full(width, np.nan)
        out[0] = 0.0
        return out
    theta = opt.theta
    moments = [moments_from_cov(S, n, None, names=st.pt.ov_names, check=False)]
    info = st.engine.information(theta, moments)
    vcov = np.linalg.inv(info) / n
    V, _ = st.engine.total(theta, 0)
    sd = np.sqrt(np.diag(V))
    out = [1.0]
    for pid, io, ip in job.where:
        b = theta[pid]
        se = math.sqrt(vcov[pid, pid]) if vcov[pid, pid] > 0 else math.nan
        z = b / se if se > 0 else math.nan
        out += [b, se, 2 * stats.norm.sf(abs(z)), b * sd[ip] / sd[io]]
    return np.asarray(out, dtype=float)


def _replicate(rng: np.random.Generator, job: _Job, n: int) -> np.ndarray:
    """One Monte Carlo replicate: simulate, reverse-key, fit; the path statistics.

    Runs inside :func:`~analysis.structural.resampling.run_replicates`'s one-BLAS-thread block.
    """
    data = _sample(job, n, int(rng.integers(0, 2**63 - 1)))
    return _fit_ml_fast(job, data) if job.state is not None else _fit_full(job, data)


# ---- the result ---------------------------------------------------------------------------------


@dataclass
class PowerResult:
    """Monte Carlo power per sample size and structural path (plain data; see the module).

    ``table``: one row per N and path with ``n, outcome, predictor, true, power,
    power_mc_se, converged, convergence_rate, mean_std, sd_std, bias, rmse, mean_se``.
    ``sample_size``: one row per path with ``outcome, predictor, true, n_min`` (smallest N in
    ``ns`` with power >= ``target``, None if none), ``n_estimate`` and ``n_estimate_method``
    (``"interpolated"``, ``"extrapolated"`` or None).
    """

    instrument: str
    model: str
    estimator: str
    alpha: float
    target: float
    reps: int
    seed: int
    ns: list[int]
    table: pd.DataFrame
    sample_size: pd.DataFrame
    simulation: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def power(self, outcome: str, predictor: str, n: int) -> float:
        t = self.table
        row = t[(t.outcome == outcome) & (t.predictor == predictor) & (t.n == n)]
        if row.empty:
            raise KeyError(f"no path {outcome} ~ {predictor} at N = {n}")
        return float(row.power.iloc[0])

    def to_dict(self) -> dict[str, Any]:
        return {"instrument": self.instrument, "model": self.model,
                "estimator": self.estimator, "alpha": self.alpha, "target": self.target,
                "reps": self.reps, "seed": self.seed, "ns": list(self.ns),
                "simulation": dict(self.simulation),
                "table": to_plain(self.table), "sample_size": to_plain(self.sample_size),
                "warnings": list(self.warnings)}

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    def summary(self) -> str:
        """A tidy text table: power per path (rows) and N (columns), then the N for target."""
        t = self.table
        paths = list(dict.fromkeys(zip(t.outcome, t.predictor, strict=True)))
        label = {p: f"{p[0]} ~ {p[1]}" for p in paths}
        w = max(len(v) for v in label.values())
        head = f"{'path':<{w}}  {'true':>6}  " + "  ".join(f"{'N=' + str(n):>7}" for n in
                                                            self.ns)
        head += f"  {'N(' + format(self.target, '.0%') + ')':>9}  {'estimate':>9}"
        lines = [f"Monte Carlo power: {self.instrument}, {self.estimator}, alpha = "
                 f"{self.alpha:g}, {self.reps} replicates per N, seed {self.seed}", "", head,
                 "-" * len(head)]
        ss = self.sample_size.set_index(["outcome", "predictor"])
        for p in paths:
            rows = t[(t.outcome == p[0]) & (t.predictor == p[1])].set_index("n")
            cells = [f"{rows.loc[n, 'power']:>7.3f}" if np.isfinite(rows.loc[n, "power"])
                     else f"{'-':>7}" for n in self.ns]
            s = ss.loc[p]
            n_min = "-" if s["n_min"] is None or pd.isna(s["n_min"]) else str(int(s["n_min"]))
            est = s["n_estimate"]
            est_s = "-" if est is None or pd.isna(est) else (
                f"{int(est)}" + ("*" if s["n_estimate_method"] == "extrapolated" else ""))
            lines.append(f"{label[p]:<{w}}  {rows['true'].iloc[0]:>6.3f}  " + "  ".join(cells)
                         + f"  {n_min:>9}  {est_s:>9}")
        conv = t.groupby("n").convergence_rate.first()
        lines.append("-" * len(head))
        lines.append(f"{'converged':<{w}}  {'':>6}  " + "  ".join(
            f"{conv.loc[n]:>7.3f}" for n in self.ns))
        lines.append("")
        lines.append("power: share of converged replicates with p < alpha and the true sign "
                     "(rejection rate for a true 0); estimate: N for the target power from "
                     "probit(power) linear in sqrt(N) (* extrapolated beyond the Ns run)")
        lines += [f"warning: {w_}" for w_ in self.warnings]
        return "\n".join(lines)


# ---- sample size --------------------------------------------------------------------------------


def sample_size_estimate(ns: Sequence[int], power: Sequence[float], target: float = 0.80,
                         alpha: float = 0.05, reps: int | None = None,
                         ) -> tuple[float | None, str | None]:
    """N reaching ``target`` power from powers at ``ns`` (see the module docstring).

    Returns ``(n, "interpolated" | "extrapolated")`` or ``(None, None)``. ``reps`` sets the
    clipping of powers of 0 and 1 (``0.5 / reps``); default ``1e-4``.
    """
    pts = sorted((int(n), float(p)) for n, p in zip(ns, power, strict=True) if np.isfinite(p))
    if not pts:
        return None, None
    eps = 0.5 / reps if reps else 1e-4
    u = np.sqrt([n for n, _ in pts])
    q = stats.norm.ppf(np.clip([p for _, p in pts], eps, 1 - eps))
    q_t = stats.norm.ppf(target)
    above = [k for k, (_, p) in enumerate(pts) if p >= target]
    if above and above[0] > 0:
        hi = above[0]
        lo = hi - 1
        if q[hi] <= q[lo]:
            return float(pts[hi][0]), "interpolated"
        u_t = u[lo] + (q_t - q[lo]) * (u[hi] - u[lo]) / (q[hi] - q[lo])
        return float(u_t**2), "interpolated"
    z = stats.norm.ppf(1 - alpha / 2)
    inner = np.array([0 < p < 1 for _, p in pts])  # powers of 0 or 1 only bound the curve
    if not inner.any():
        return None, None
    ui, qi = u[inner], q[inner]
    delta = float(np.sum(ui * (qi + z)) / np.sum(ui * ui))
    if delta <= 0:
        return None, None
    n_est = ((q_t + z) / delta) ** 2
    # consistent with what was observed: at most the smallest N that reached the target,
    # at least the largest N that did not
    n_est = min(n_est, pts[0][0]) if above else max(n_est, pts[-1][0])
    return float(n_est), "extrapolated"


# ---- the analysis -------------------------------------------------------------------------------


def _load(instrument: Instrument | str) -> Instrument:
    if isinstance(instrument, Instrument):
        return instrument
    from instruments.loader import load_instrument

    return load_instrument(instrument)


def _check(ns, reps, alpha, target, estimator) -> list[int]:
    try:
        ns = [int(n) for n in ns]
    except (TypeError, ValueError):
        raise PowerInputError(f"ns must be whole numbers of respondents (got {ns!r})") from None
    if not ns or any(n < 2 for n in ns):
        raise PowerInputError(f"ns must be one or more sample sizes >= 2 (got {ns})")
    if len(set(ns)) != len(ns):
        raise PowerInputError(f"ns has repeated sample sizes: {ns}")
    if not isinstance(reps, int | np.integer) or reps < 1:
        raise PowerInputError(f"reps must be a whole number >= 1 (got {reps!r})")
    if not 0 < alpha < 1:
        raise PowerInputError(f"alpha must lie between 0 and 1 (got {alpha})")
    if not 0 < target < 1:
        raise PowerInputError(f"target power must lie between 0 and 1 (got {target})")
    if estimator.upper() not in ESTIMATORS:
        raise PowerInputError(f"estimator must be one of {', '.join(ESTIMATORS)} "
                              f"(got {estimator!r})")
    return sorted(ns)


def _fast_state(job: _Job, seed: int, n: int) -> tuple[Any, tuple]:
    """Compile the model on a seeded pilot sample; locate each path's parameter."""
    pilot = _sample(job, n, _derived_seed(seed, 0))
    res = sem.fit(job.model, pilot)
    st = res.state
    names = list(st.pt.ov_names) + list(st.pt.lv_names)
    where = []
    for o, p in job.paths:
        hit = [i for i in range(len(st.pt)) if st.pt.op[i] == "~" and st.pt.lhs[i] == o
               and st.pt.rhs[i] == p]
        if len(hit) != 1 or st.pt.pid[hit[0]] < 0:
            return None, ()
        where.append((int(st.pt.pid[hit[0]]), names.index(o), names.index(p)))
    return st, tuple(where)


@one_thread_api
def power_analysis(
    instrument: Instrument | str,
    ns: Sequence[int] = (200, 400, 800),
    reps: int = 500,
    seed: int = 20150401,
    alpha: float = 0.05,
    estimator: str = "ML",
    n_jobs: int | None = None,
    scheduler: str | None = None,
    target: float = 0.80,
    model: str | None = None,
    population: Population | None = None,
    simulation: Mapping[str, Any] | None = None,
    progress: bool | None = None,
) -> PowerResult:
    """Monte Carlo power of every structural path of ``instrument``'s model at each N in ``ns``.

    The Monte Carlo study of Muthén & Muthén (2002) on the instrument's population model; the
    module docstring defines every column and the sample-size estimate. Same ``seed``, same
    result, whatever the workers.

    Parameters
    ----------
    instrument : Instrument or str
        An instrument with a ``population`` section (or pass ``population=``), or a bundled
        name or YAML path.
    ns : sequence of int, default (200, 400, 800)
        The sample sizes to simulate.
    reps : int, default 500
        Replicates per sample size.
    seed : int, default 20150401
        Seed of the replicates.
    alpha : float, default 0.05
        Significance level of the Wald tests.
    estimator : str, default "ML"
        ``"ML"``, ``"MLM"``, ``"MLR"``, or ``"WLSMV"``/``"DWLS"`` with the ordinal items
        ``ordered``.
    n_jobs : int or None
        Local worker processes (default: all cores; 1 runs in this process).
    scheduler : str or None
        ``"dask"`` for a local Dask cluster or a scheduler address such as
        ``"tcp://host:8786"``, as :func:`analysis.structural.resampling.run_replicates`.
    target : float, default 0.80
        The power the sample-size table aims for.
    model : str or None
        lavaan syntax to fit instead of ``instrument.to_lavaan()``.
    population : Population or None
        A population model to use instead of the instrument's own.
    simulation : mapping or None
        Further :class:`~analysis.responses.simulate.SimulationSettings` fields, e.g.
        ``{"missing": 0.05}`` (incomplete cases are then dropped listwise).
    progress : bool or None
        Show a progress bar (default: when the run takes more than a moment).

    Returns
    -------
    PowerResult
        ``table`` (per N and path: ``power``, its Monte Carlo SE, convergence, bias and RMSE
        of the standardized estimate), ``sample_size`` (per path: ``n_min`` and
        ``n_estimate`` for ``target``), the settings and ``warnings``.

    Examples
    --------
    >>> model = ("affective =~ aff_01 + aff_02 + aff_03 + aff_04r; "
    ...          "satisfaction =~ sat_01 + sat_02 + sat_03; satisfaction ~ affective")
    >>> result = power_analysis("five_commitments", ns=(40, 120), reps=20, seed=1, model=model,
    ...                         n_jobs=1, progress=False)
    >>> result.table[["n", "predictor", "true", "power"]]
         n  predictor  true  power
    0   40  affective   0.4   0.85
    1  120  affective   0.4   1.00
    >>> int(result.sample_size.loc[0, "n_min"])
    40
    """
    seed = check_seed(seed, error=PowerInputError)
    n_jobs = check_n_jobs(n_jobs, error=PowerInputError)
    scheduler = check_scheduler(scheduler, error=PowerInputError)
    inst = _load(instrument)
    ns = _check(ns, reps, alpha, target, estimator)
    est_name = estimator.upper()
    sim_opts = dict(simulation or {})
    bad = [k for k in sim_opts if k not in SimulationSettings.__dataclass_fields__ or
           k in ("n", "seed")]
    if bad:
        raise PowerInputError(f"simulation settings {bad} are unknown or set by the power "
                              "analysis itself (n, seed)")
    truth = true_parameters(inst, population)
    syntax = model or inst.to_lavaan()
    reg = [f for f in parse_model(syntax) if f.op == "~"]
    paths = tuple(dict.fromkeys((f.lhs, f.rhs) for f in reg))
    if not paths:
        raise PowerInputError("the model has no structural paths ('~') to compute power for")
    ordered: tuple[str, ...] = ()
    if est_name in ORDINAL_ESTIMATORS:
        meas = {f.rhs for f in parse_model(syntax) if f.op == "=~"}
        ordered = tuple(i.id for i in inst.items() if i.id in meas and
                        inst.item_scale(i).kind in ORDINAL_KINDS)
        if not ordered:
            raise PowerInputError(f"{est_name} needs ordinal (likert, 0-10) items in the model")
    job = _Job(inst, population, syntax, est_name, ordered, paths,
               tuple(sorted(sim_opts.items())))
    warnings: list[str] = []
    if est_name == "ML" and not sim_opts.get("missing"):
        state, where = _fast_state(job, seed, max(ns))
        if state is not None:
            job = replace(job, state=state, where=where)
    rows = []
    for n in ns:
        run = run_replicates(partial(_replicate, job=job, n=n), reps, _derived_seed(seed, n),
                             n_jobs=n_jobs, scheduler=scheduler, progress=progress,
                             desc=f"power N={n}")
        v = run.values
        if v.shape[1] == 0:  # every replicate failed
            v = np.full((reps, 1 + len(_STATS) * len(paths)), np.nan)
        conv = v[:, 0] == 1
        if run.n_failed:
            warnings.append(f"N = {n}: {run.n_failed} of {reps} replicates failed (counted as "
                            "not converged)")
        for k, (o, p) in enumerate(paths):
            est, se, pv, std = (v[:, 1 + len(_STATS) * k + j] for j in range(len(_STATS)))
            ok = conv & np.isfinite(est) & np.isfinite(pv)
            true = truth.path(o, p)
            sig = pv[ok] < alpha
            if true != 0:
                sig &= np.sign(est[ok]) == np.sign(true)
            m = int(ok.sum())
            pw = float(sig.mean()) if m else math.nan
            s = std[ok]
            rows.append({
                "n": n, "outcome": o, "predictor": p, "true": true, "power": pw,
                "power_mc_se": math.sqrt(pw * (1 - pw) / m) if m else math.nan,
                "converged": m, "convergence_rate": m / reps,
                "mean_std": float(s.mean()) if m else math.nan,
                "sd_std": float(s.std(ddof=1)) if m > 1 else math.nan,
                "bias": float(s.mean() - true) if m else math.nan,
                "rmse": float(np.sqrt(np.mean((s - true) ** 2))) if m else math.nan,
                "mean_se": float(se[ok].mean()) if m else math.nan,
            })
    table = pd.DataFrame(rows)
    ss = []
    for o, p in paths:
        t = table[(table.outcome == o) & (table.predictor == p)]
        true = float(t["true"].iloc[0])
        reached = t[t.power >= target]
        n_min = int(reached.n.min()) if len(reached) else None
        n_est, how = (None, None) if true == 0 else sample_size_estimate(
            t.n.tolist(), t.power.tolist(), target, alpha, reps)
        ss.append({"outcome": o, "predictor": p, "true": true, "n_min": n_min,
                   "n_estimate": None if n_est is None else int(math.ceil(n_est)),
                   "n_estimate_method": how})
    sample = pd.DataFrame(ss, columns=["outcome", "predictor", "true", "n_min", "n_estimate",
                                       "n_estimate_method"]).astype(object)
    low = table[table.convergence_rate < 0.95].n.unique().tolist()
    if low:
        warnings.append(f"convergence below 95% at N = {', '.join(map(str, low))}: power is "
                        "computed over converged replicates only")
    return PowerResult(inst.id, syntax, est_name, alpha, target, int(reps), int(seed), ns,
                       table, sample, dict(sim_opts), warnings)


__all__ = ["PowerInputError", "PowerResult", "power_analysis", "sample_size_estimate"]
