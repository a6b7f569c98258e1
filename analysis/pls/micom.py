"""MICOM: measurement invariance of composites across two groups (Henseler, Ringle &
Sarstedt, 2016, *International Marketing Review* 33(3), 405-431), computed as cSEM's
``testMICOM``.

Before comparing a PLS model's paths between groups, the composites must mean the same in
both. Three steps:

1. **Configural invariance**: the same indicators, data treatment and algorithm settings in
   both groups. Here one model and one set of settings serve both groups by construction, so
   the step is a checklist (:attr:`PLSMicom.step1`): identical specification, identical data
   treatment, identical settings, every item varying within each group, and the model
   estimable in each group. A failed item or estimation is an error naming the group.
2. **Compositional invariance**: with ``w_1``, ``w_2`` each group's (standardized) outer
   weights and ``Z`` the pooled data, standardized on the pooled sample, the correlation
   ``c = cor(Z w_1, Z w_2)`` of the composite scores built with either group's weights. Its
   permutation distribution (respondents reassigned at random to groups of the observed sizes,
   :mod:`analysis.pls.permutation`, both groups re-estimated) gives the p-value
   ``share(c* <= c)`` (cSEM's) and the ``alpha`` quantile of ``c*``; invariance holds when
   ``c`` is at or above that quantile (the test is one-sided: only a low ``c`` speaks against
   it). A permutation whose estimation fails is left out and counted.
3. **Equal composite means and variances**: the composite scores of the pooled estimation
   (standardized on the pooled sample) are compared between the groups: the difference of
   the means (group 1 - group 2) and of the log variances, ``log var_1 - log var_2`` (cSEM;
   Henseler et al.'s variance ratio on the log scale). Each gets the permutation interval
   (the ``alpha/2`` and ``1 - alpha/2`` quantiles of its permutation distribution, with the
   same permutations) and the two-sided p-value ``share(|d*| >= |d|)``; equality holds when
   the observed difference lies inside the interval.

A construct has *partial* measurement invariance after steps 1-2 (its paths may be compared
between groups, e.g. with :func:`~analysis.pls.mga.mga_pls`) and *full* invariance when step 3
also holds for mean and variance (then the groups may be pooled).
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.arguments import check_n_boot, check_n_jobs, check_seed
from instruments.plain import to_plain

from .batch import _outer_weights
from .errors import PLSInputError
from .estimate import _check_settings, _model, _solve
from .mga import permutation_pvalue
from .permutation import (
    Progress,
    check_assignments,
    group_data,
    group_estimate,
    run_permutations,
    split_rows,
)
from .syntax import PLSModel

__all__ = ["PLSMicom", "composite_correlation", "micom_pls"]


def composite_correlation(Z: np.ndarray, W1: np.ndarray, W2: np.ndarray) -> np.ndarray:
    """``c`` per construct: the correlation of ``Z @ W1[:, j]`` and ``Z @ W2[:, j]``
    (``W`` may be stacked, K x p x J; ``Z`` centred).

    >>> Z = np.array([[1., 0], [-1, 1], [0, -1]])
    >>> composite_correlation(Z, np.array([[1.], [0]]), np.array([[1.], [1]])).round(4).tolist()
    [0.5]
    """
    H1, H2 = Z @ W1, Z @ W2
    num = (H1 * H2).sum(axis=-2)
    den = np.sqrt((H1 ** 2).sum(axis=-2) * (H2 ** 2).sum(axis=-2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den


def _weights_many(raw: np.ndarray, rows: np.ndarray, model: PLSModel,
                  settings: dict[str, Any]) -> np.ndarray:
    """Standardized outer weights (K x p x J) of the data sets ``raw[rows[k]]``; NaN where an
    estimation fails. Batched (:mod:`analysis.pls.batch`) when nothing is missing."""
    K, p, J = rows.shape[0], raw.shape[1], len(model.constructs)
    if not np.isnan(raw).any():
        try:
            X = raw[rows]
            Xc = X - X.mean(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                S = np.transpose(Xc, (0, 2, 1)) @ Xc / (X.shape[1] - 1)
                sd = np.sqrt(np.einsum("kii->ki", S))
                ok = np.all(sd > 0, axis=1)
                out = np.full((K, p, J), np.nan)
                if ok.any():
                    S, sd = S[ok], sd[ok]
                    R = S / (sd[:, :, None] * sd[:, None, :])
                    W_fit, conv = _outer_weights(R if settings["standardize"] else S, model,
                                                 settings["scheme"], settings["max_iter"],
                                                 settings["tol"])
                    W = W_fit if settings["standardize"] else W_fit * sd[:, :, None]
                    W[~conv] = np.nan
                    out[ok] = W
            return out
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            pass
    out = np.full((K, p, J), np.nan)
    for k in range(K):
        with contextlib.suppress(PLSInputError, np.linalg.LinAlgError, ValueError,
                                 FloatingPointError):
            out[k] = group_estimate(raw[rows[k]], model, settings)["W"]
    return out


def _step3(scores: np.ndarray, g1: np.ndarray, g2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean difference and log-variance difference of the scores (n x J) between the row sets
    ``g1`` and ``g2`` (K x n_g each)."""
    a, b = scores[g1], scores[g2]
    mean = a.mean(axis=1) - b.mean(axis=1)
    logvar = np.log(a.var(axis=1, ddof=1)) - np.log(b.var(axis=1, ddof=1))
    return mean, logvar


def _perm_micom(gens: list[np.random.Generator], rows: range, *, raw: np.ndarray, n1: int,
                Z: np.ndarray, scores: np.ndarray, model: PLSModel, settings: dict[str, Any],
                assignments: np.ndarray | None) -> np.ndarray:
    """Per permutation: c (J), mean difference (J), log-variance difference (J)."""
    g1, g2 = split_rows(gens, rows, raw.shape[0], n1, assignments)
    W1 = _weights_many(raw, g1, model, settings)
    W2 = _weights_many(raw, g2, model, settings)
    c = composite_correlation(Z, W1, W2)
    mean, logvar = _step3(scores, g1, g2)
    return np.hstack([c, mean, logvar])


@dataclass
class PLSMicom:
    """The three MICOM steps for two groups (module docstring).

    Attributes
    ----------
    groups : the two group labels, group 1 first.
    step1 : configural invariance checklist: ``check``, ``passed``, ``detail``.
    step2 : per construct ``construct, c, c.quantile`` (the ``alpha`` quantile of the
        permutation distribution), ``pvalue``, ``invariant``.
    step3 : per construct and statistic (``"mean"``: difference of the means; ``"logvar"``:
        difference of the log variances) ``diff, ci.lower, ci.upper, pvalue, equal``.
    summary : per construct ``construct, invariance`` (``"full"``, ``"partial"``, ``"none"``).
    permutations : permutations x (c, mean difference, log-variance difference) per construct.
    settings : n_perm, seed, alpha, n_failed, sample, backend, workers and the PLS settings.
    """

    groups: tuple[Any, Any]
    step1: list[dict[str, Any]]
    step2: pd.DataFrame
    step3: pd.DataFrame
    summary: pd.DataFrame
    permutations: np.ndarray = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (permutations omitted)."""
        return {"method": "pls-micom", "groups": to_plain(list(self.groups)),
                "settings": to_plain(self.settings), "step1": to_plain(self.step1),
                "step2": to_plain(self.step2), "step3": to_plain(self.step3),
                "summary": to_plain(self.summary)}


def _configural(model: PLSModel, raw: np.ndarray, first: np.ndarray, names: tuple[Any, Any],
                settings: dict[str, Any], sample: dict[str, Any]) -> list[dict[str, Any]]:
    checks = [
        {"check": "identical indicators and model", "passed": True,
         "detail": f"one specification for both groups: {len(model.constructs)} constructs, "
                   f"{len(model.items)} indicators, {len(model.paths)} paths"},
        {"check": "identical data treatment", "passed": True,
         "detail": f"missing answers: {sample['missing']} on the pooled data; indicators "
                   "standardized within each group"},
        {"check": "identical algorithm settings", "passed": True,
         "detail": ", ".join(f"{k}={settings[k]}" for k in ("scheme", "consistent",
                                                             "max_iter", "tol"))},
    ]
    constant = []
    for name, mask in zip(names, (first, ~first), strict=True):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sd = np.nanstd(raw[mask], axis=0)
        constant += [f"{model.items[k]} in {name!r}" for k in np.flatnonzero(~(sd > 0))]
    if constant:
        raise PLSInputError("MICOM step 1 (configural invariance) fails: item(s) "
                            + ", ".join(constant) + " have one answer only within the group; "
                            "remove them from the model", code="item_constant")
    checks.append({"check": "every indicator varies within each group", "passed": True,
                   "detail": f"{len(model.items)} indicators in groups {names[0]!r} and "
                             f"{names[1]!r}"})
    return checks


def micom_pls(data: Any, model: str | PLSModel, group: Any, *,
              groups: Sequence[Any] | None = None, n_perm: int = 1000, seed: int | None = None,
              assignments: Any = None, alpha: float = 0.05, scheme: str = "path",
              consistent: bool = False, missing: str | None = None, missing_value: Any = None,
              standardize: bool = True, max_iter: int = 300, tol: float = 1e-7,
              n_jobs: int | None = None, progress: bool | None = None,
              callback: Progress | None = None) -> PLSMicom:
    """Test the measurement invariance of a PLS model's composites between two groups
    (MICOM; module docstring).

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to values
        Respondents in rows, items (and the group column) in columns.
    model : str or PLSModel
        The model (:func:`~analysis.pls.estimate_pls`).
    group : str or array-like
        The column holding each respondent's group, or one label per row.
    groups : pair of labels or None
        The two groups compared, group 1 first (None: the two present, sorted).
    n_perm : int
        Random permutations (1,000 by default; ignored with ``assignments``).
    seed : int or None
        Seed of the permutations; required unless ``assignments`` is given.
    assignments : array-like or None
        Explicit reassignments (permutations x respondents analysed, True for group 1).
    alpha : float
        Significance level: step 2 uses the ``alpha`` quantile, step 3 the ``alpha/2`` and
        ``1 - alpha/2`` quantiles.
    scheme, consistent, missing, missing_value, standardize, max_iter, tol
        As for :func:`~analysis.pls.estimate_pls` (PLSc does not change the weights).
    n_jobs : int or None
        Worker processes (None: all cores; 1: this process); same numbers either way.
    progress : bool or None
        Show a progress bar (None: for 20 permutations or more).
    callback : callable or None
        Called as ``callback(done, total)`` after each chunk of permutations.

    Returns
    -------
    PLSMicom

    Raises
    ------
    PLSInputError
        Bad groups or settings, an item constant within a group, or a group in which the
        model cannot be estimated.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(4)
    >>> f = rng.normal(size=(100, 1))
    >>> d = pd.DataFrame(np.hstack([f + rng.normal(size=(100, 2)),
    ...                             0.5 * f + rng.normal(size=(100, 2))]), columns=list("abcd"))
    >>> d["g"] = np.repeat([1, 2], 50)
    >>> out = micom_pls(d, "A =~ a + b; C =~ c + d; C ~ A", "g", n_perm=40, seed=1, n_jobs=1,
    ...                 progress=False)
    >>> list(out.step2.columns)
    ['construct', 'c', 'c.quantile', 'pvalue', 'invariant']
    """
    spec = _model(model)
    _check_settings(scheme, max_iter, tol)
    n_jobs = check_n_jobs(n_jobs, error=PLSInputError)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not 0 < alpha < 0.5:
        raise PLSInputError(f"alpha must be in (0, 0.5); got {alpha!r}", code="invalid_argument")
    alpha = float(alpha)
    settings = {"scheme": scheme, "consistent": bool(consistent), "standardize": bool(standardize),
                "max_iter": int(max_iter), "tol": float(tol), "missing": missing}
    gd = group_data(data, spec.items, group, groups, missing=missing, missing_value=missing_value)
    raw, n, names = gd.raw, gd.raw.shape[0], gd.split.names
    if assignments is not None:
        plan = check_assignments(assignments, n, gd.n1)
        n_perm = plan.shape[0]
        seed_used = check_seed(seed, optional=True, error=PLSInputError)
    else:
        plan = None
        n_perm = check_n_boot(n_perm, "n_perm", minimum=1, error=PLSInputError)
        seed_used = check_seed(seed, error=PLSInputError)
    step1 = _configural(spec, raw, gd.first, names, settings, gd.sample)
    est = [group_estimate(raw[m], spec, settings, name)
           for name, m in zip(names, (gd.first, ~gd.first), strict=True)]
    step1.append({"check": "the model is estimable in each group", "passed": True,
                  "detail": f"converged in {est[0]['iterations']} and {est[1]['iterations']} "
                            "iterations"})
    X = gd.X
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    S = np.cov(X, rowvar=False)
    pooled = _solve(spec, S, scheme=scheme, consistent=consistent, standardize=standardize,
                    max_iter=max_iter, tol=tol, n=n)
    scores = Z @ pooled["W"]
    c = composite_correlation(Z, est[0]["W"], est[1]["W"])
    g1 = np.flatnonzero(gd.first)[None, :]
    g2 = np.flatnonzero(~gd.first)[None, :]
    mean, logvar = (v[0] for v in _step3(scores, g1, g2))
    fn = functools.partial(_perm_micom, raw=raw, n1=gd.n1, Z=Z, scores=scores, model=spec,
                           settings=settings, assignments=plan)
    values, backend, workers = run_permutations(
        fn, n_perm, seed_used if seed_used is not None else 0, n_jobs=n_jobs, progress=progress,
        callback=callback, desc="MICOM permutations")
    J = len(spec.constructs)
    failed = np.isnan(values[:, :J]).any(axis=1)
    good = values[~failed]
    if good.shape[0] < 1:
        raise PLSInputError("no permutation of the groups could be estimated; check the model "
                            "and the groups' data", code="model_not_estimable")
    cq = np.quantile(good[:, :J], alpha, axis=0)
    step2 = pd.DataFrame({"construct": spec.names, "c": c, "c.quantile": cq,
                          "pvalue": (good[:, :J] <= c + 1e-12).mean(axis=0),
                          "invariant": c >= cq})
    rows = []
    for j, name in enumerate(spec.names):
        for k, (stat, obs) in enumerate((("mean", mean[j]), ("logvar", logvar[j]))):
            ref = good[:, J * (k + 1) + j]
            lo, hi = np.quantile(ref, [alpha / 2, 1 - alpha / 2])
            rows.append({"construct": name, "statistic": stat, "diff": float(obs),
                         "ci.lower": float(lo), "ci.upper": float(hi),
                         "pvalue": float(permutation_pvalue(np.array([obs]), ref[:, None])[0]),
                         "equal": bool(lo <= obs <= hi)})
    step3 = pd.DataFrame(rows)
    summary = []
    for j, name in enumerate(spec.names):
        eq = step3.loc[step3["construct"] == name, "equal"].all()
        summary.append({"construct": name, "invariance": "full" if step2["invariant"][j] and eq
                        else "partial" if step2["invariant"][j] else "none"})
    single = [c.name for c in spec.constructs if c.single_item]
    info = {"groups": list(names), "n_perm": int(n_perm), "seed": seed_used,
            "assignments": plan is not None, "alpha": alpha, "n_failed": int(failed.sum()),
            "sample": gd.sample, "backend": backend, "workers": workers, **settings,
            "single_item": single}
    return PLSMicom(groups=names, step1=step1, step2=step2, step3=step3,
                    summary=pd.DataFrame(summary), permutations=values, settings=info)
