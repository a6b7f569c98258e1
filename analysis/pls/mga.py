"""Multigroup analysis of a PLS path model: do two groups' parameters differ?

Two tests, both as cSEM's ``testMGD`` and seminr compute them:

* **Permutation test** (Chin & Dibbern, 2010, in *Handbook of Partial Least Squares*,
  171-193; cSEM ``.approach_mgd = "Chin"``). The model is estimated in each group and the
  difference ``d = theta_1 - theta_2`` of every parameter is taken. Under the null
  hypothesis of one population the group labels are exchangeable, so the respondents are
  reassigned at random to groups of the observed sizes (:mod:`analysis.pls.permutation`),
  the model is re-estimated in both permuted groups, and the permutation distribution of
  ``d*`` is formed. The two-sided p-value is the share of permutations with
  ``|d*| >= |d|`` (cSEM's rule; differences equal to within 1e-10 count as at least as
  extreme, so an enumerated identity split matches itself). Permutations whose estimation
  fails (no convergence, an item constant in a permuted group) are left out and counted.
* **PLS-MGA** (Henseler, Ringle & Sinkovics, 2009, *Advances in International Marketing*
  20, 277-319; Sarstedt, Henseler & Ringle, 2011; seminr ``estimate_pls_mga``), with
  ``n_boot > 0``: each group is bootstrapped on its own; with bootstrap means
  ``mean_1, mean_2`` and resamples ``theta_1j, theta_2i``,

      p = 1 - (1 / (J1 J2)) sum_j sum_i step(2 mean_1 - theta_1j - 2 mean_2 + theta_2i),

  ``step(s) = 1`` for ``s > 0``: the probability that group 1's parameter is not larger than
  group 2's. ``p < alpha/2`` says group 1's is larger, ``p > 1 - alpha/2`` that group 2's
  is (cSEM's two-sided reading); ``pvalue.mga.2sided = 2 min(p, 1 - p)``.

Each group, and each permuted group, is analysed as a sample of its own (standardized within
the group; with mean replacement the means are the group's). The parameters compared are
those of :func:`~analysis.pls.bootstrap_pls` (weights ``<~``, loadings ``=~``, paths ``~``,
``r2``, ``total`` and ``indirect`` effects, optionally ``htmt``/``htmt2``).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.arguments import check_n_boot, check_n_jobs, check_seed
from instruments.plain import to_plain

from .bootstrap import _labels, _many, _replicates, _statistics
from .errors import PLSInputError
from .estimate import _check_settings, _model, _result
from .permutation import (
    Progress,
    check_assignments,
    group_data,
    group_estimate,
    run_permutations,
    split_rows,
)
from .result import PLSResult
from .syntax import PLSModel

__all__ = ["PLSMultigroup", "henseler_mga_p", "mga_pls", "permutation_pvalue"]

#: The statistics compared unless told otherwise (HTMT adds ``"htmt"``, ``"htmt2"``).
DEFAULT_OPS = ("~", "<~", "=~", "r2", "total", "indirect")
_ALL_OPS = (*DEFAULT_OPS, "htmt", "htmt2")


def permutation_pvalue(observed: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Two-sided permutation p-values: per column, the share of the (non-NaN) reference
    values with ``|d*| >= |d|`` (ties within 1e-10 count as at least as extreme).

    >>> permutation_pvalue(np.array([0.5]), np.array([[0.1], [-0.6], [0.5], [0.2]])).tolist()
    [0.5]
    """
    ref = np.asarray(reference, dtype=float)
    obs = np.abs(np.asarray(observed, dtype=float))
    ok = ~np.isnan(ref)
    with np.errstate(invalid="ignore"):
        hits = ((np.abs(ref) >= obs - 1e-10 * np.maximum(1.0, obs)) & ok).sum(axis=0)
        out = hits / ok.sum(axis=0)
    out[np.isnan(obs)] = np.nan
    return out


def henseler_mga_p(boot1: np.ndarray, boot2: np.ndarray) -> np.ndarray:
    """Henseler's PLS-MGA probability per column (module docstring) from the two groups'
    bootstrap resamples (rows; NaN rows left out).

    >>> henseler_mga_p(np.array([[1.0], [2.0]]), np.array([[0.0], [0.5]])).tolist()
    [0.0]
    """
    out = np.full(boot1.shape[1], np.nan)
    for k in range(boot1.shape[1]):
        t1 = boot1[:, k][~np.isnan(boot1[:, k])]
        t2 = boot2[:, k][~np.isnan(boot2[:, k])]
        if t1.size and t2.size:
            a = 2 * t1.mean() - t1
            b = np.sort(2 * t2.mean() - t2)
            above = np.searchsorted(b, a, side="left").sum()  # pairs with a_j > b_i
            out[k] = 1.0 - above / (t1.size * t2.size)
    return out


def _perm_diffs(gens: list[np.random.Generator], rows: range, *, raw: np.ndarray, n1: int,
                model: PLSModel, settings: dict[str, Any], width: int, keep: np.ndarray,
                assignments: np.ndarray | None) -> np.ndarray:
    """Parameter differences (group 1 - group 2) of a chunk of permutations."""
    a, b = split_rows(gens, rows, raw.shape[0], n1, assignments)
    s1 = _many(raw, a, model, settings, width)
    s2 = _many(raw, b, model, settings, width)
    return (s1 - s2)[:, keep]


@dataclass
class PLSMultigroup:
    """A two-group comparison of a PLS path model.

    Attributes
    ----------
    groups : the two group labels, group 1 first.
    results : the model estimated in each group (:class:`~analysis.pls.result.PLSResult`).
    table : one row per parameter: ``lhs, op, rhs``, ``est.group1``, ``est.group2``,
        ``diff`` (group 1 - group 2), ``pvalue`` (permutation, two-sided); with ``n_boot``
        also ``boot.mean.group1``, ``boot.mean.group2``, ``pvalue.mga`` (Henseler's
        probability that group 1's parameter is not larger) and ``pvalue.mga.2sided``.
    permutations : the permutation differences (permutations x table rows, NaN rows failed).
    settings : n_perm, seed, n_failed, n_boot, sample (n per group), backend, workers.
    """

    groups: tuple[Any, Any]
    results: tuple[PLSResult, PLSResult]
    table: pd.DataFrame
    permutations: np.ndarray = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: groups, settings, the table and each group's estimates."""
        return {"method": "pls-mga", "groups": to_plain(list(self.groups)),
                "settings": to_plain(self.settings), "estimates": to_plain(self.table),
                "group_results": [r.to_dict() for r in self.results]}


def mga_pls(data: Any, model: str | PLSModel, group: Any, *, groups: Sequence[Any] | None = None,
            n_perm: int = 1000, seed: int | None = None, assignments: Any = None,
            n_boot: int = 0, boot_indices: Sequence[Any] | None = None, parameters: Sequence[str] = DEFAULT_OPS, scheme: str = "path",
            consistent: bool = False, missing: str | None = None, missing_value: Any = None,
            standardize: bool = True, max_iter: int = 300, tol: float = 1e-7,
            n_jobs: int | None = None, progress: bool | None = None,
            callback: Progress | None = None) -> PLSMultigroup:
    """Compare a PLS path model's parameters between two groups (module docstring).

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
        Random permutations (ignored with ``assignments``).
    seed : int or None
        Seed of the permutations (and bootstraps); required unless ``assignments`` is given.
    assignments : array-like or None
        Explicit reassignments (permutations x respondents analysed, True for group 1).
    n_boot : int
        Bootstrap resamples per group for Henseler's PLS-MGA (0: not computed).
    boot_indices : pair of array-likes or None
        Explicit bootstrap rows for PLS-MGA, one matrix per group (resamples x the group's
        respondents, 0-based positions within the group, in data order), e.g. another
        program's resamples; replaces ``n_boot``.
    parameters : sequence of str
        The kinds of parameter compared (ops of the table).
    scheme, consistent, missing, missing_value, standardize, max_iter, tol
        As for :func:`~analysis.pls.estimate_pls`.
    n_jobs : int or None
        Worker processes (None: all cores; 1: this process); same numbers either way.
    progress : bool or None
        Show a progress bar (None: for 20 permutations or more).
    callback : callable or None
        Called as ``callback(done, total)`` after each chunk of permutations.

    Returns
    -------
    PLSMultigroup

    Raises
    ------
    PLSInputError
        Bad groups or settings, or the model cannot be estimated in a group.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> f = rng.normal(size=(120, 1))
    >>> d = pd.DataFrame(np.hstack([f + rng.normal(size=(120, 2)),
    ...                             0.5 * f + rng.normal(size=(120, 2))]), columns=list("abcd"))
    >>> d["g"] = np.repeat(["x", "y"], 60)
    >>> out = mga_pls(d, "A =~ a + b; C =~ c + d; C ~ A", "g", n_perm=50, seed=1, n_jobs=1,
    ...               parameters=["~"], progress=False)
    >>> row = out.table.iloc[0]
    >>> (row["lhs"], row["rhs"], bool(0 <= row["pvalue"] <= 1))
    ('C', 'A', True)
    """
    spec = _model(model)
    _check_settings(scheme, max_iter, tol)
    n_jobs = check_n_jobs(n_jobs, error=PLSInputError)
    n_boot = check_n_boot(n_boot, "n_boot", minimum=0, error=PLSInputError)
    unknown = [p for p in parameters if p not in _ALL_OPS]
    if unknown or not parameters:
        raise PLSInputError(f"parameters={list(parameters)!r}: choose among "
                            f"{', '.join(_ALL_OPS)}", code="invalid_argument")
    settings = {"scheme": scheme, "consistent": bool(consistent), "standardize": bool(standardize),
                "max_iter": int(max_iter), "tol": float(tol), "missing": missing}
    gd = group_data(data, spec.items, group, groups, missing=missing, missing_value=missing_value)
    raw, n = gd.raw, gd.raw.shape[0]
    if assignments is not None:
        plan = check_assignments(assignments, n, gd.n1)
        n_perm = plan.shape[0]
        seed_used = check_seed(seed, optional=True, error=PLSInputError)
    else:
        plan = None
        n_perm = check_n_boot(n_perm, "n_perm", minimum=1, error=PLSInputError)
        seed_used = check_seed(seed, error=PLSInputError)
    boot_plan = None
    if boot_indices is not None:
        from .bootstrap import _check_indices
        if len(boot_indices) != 2:
            raise PLSInputError("boot_indices must be a pair of matrices, one per group",
                                code="invalid_argument")
        boot_plan = [_check_indices(m, k) for m, k in zip(boot_indices, (gd.n1, gd.n2),
                                                           strict=True)]
        n_boot = int(boot_plan[0].shape[0])
    elif n_boot and seed_used is None:
        raise PLSInputError("PLS-MGA bootstraps (n_boot > 0) need a seed", code="invalid_argument")
    labels = _labels(spec)
    keep = np.array([lab[1] in parameters for lab in labels])
    est, results, stats = [], [], []
    for name, mask in zip(gd.split.names, (gd.first, ~gd.first), strict=True):
        e = group_estimate(raw[mask], spec, settings, name)
        est.append(e)
        sample = {"n": int(mask.sum()), "group": name}
        results.append(_result(spec, e, settings, sample, gd.X[mask].mean(axis=0), None))
        stats.append(_statistics(spec, e, standardize))
    observed = (stats[0] - stats[1])[keep]
    fn = functools.partial(_perm_diffs, raw=raw, n1=gd.n1, model=spec, settings=settings,
                           width=len(labels), keep=keep, assignments=plan)
    values, backend, workers = run_permutations(
        fn, n_perm, seed_used if seed_used is not None else 0, n_jobs=n_jobs, progress=progress,
        callback=callback, desc="PLS permutation MGA")
    failed = np.isnan(values).all(axis=1)
    if (~failed).sum() < 1:
        raise PLSInputError("no permutation of the groups could be estimated; check the model "
                            "and the groups' data", code="model_not_estimable")
    table = pd.DataFrame([lab for lab, k in zip(labels, keep, strict=True) if k],
                         columns=["lhs", "op", "rhs"])
    table["est.group1"] = stats[0][keep]
    table["est.group2"] = stats[1][keep]
    table["diff"] = observed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        table["pvalue"] = permutation_pvalue(observed, values[~failed])
    info: dict[str, Any] = {
        "groups": list(gd.split.names), "n_perm": int(n_perm), "seed": seed_used,
        "assignments": plan is not None, "n_failed": int(failed.sum()), "n_boot": n_boot,
        "boot_indices": boot_plan is not None,
        "sample": gd.sample, "backend": backend, "workers": workers, **settings}
    if n_boot:
        from analysis.structural.resampling import run_replicates
        boots = []
        for g, mask in enumerate((gd.first, ~gd.first)):
            idx = None if boot_plan is None else boot_plan[g]
            gseed = 0 if idx is not None else int(
                np.random.SeedSequence([seed_used, g + 1]).generate_state(1)[0])
            bfn = functools.partial(_replicates, raw=raw[mask], model=spec, settings=settings,
                                    width=len(labels), indices=idx)
            run = run_replicates(bfn, n_boot if idx is None else idx.shape[0], gseed,
                                 n_jobs=n_jobs, chunk_size=100,
                                 progress=progress, desc=f"PLS-MGA bootstrap, group {g + 1}",
                                 batched=True)
            boots.append(run.values[:, keep])
            info[f"n_boot_failed.group{g + 1}"] = int(np.isnan(run.values).all(axis=1).sum())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            table["boot.mean.group1"] = np.nanmean(boots[0], axis=0)
            table["boot.mean.group2"] = np.nanmean(boots[1], axis=0)
        p = henseler_mga_p(*boots)
        table["pvalue.mga"] = p
        table["pvalue.mga.2sided"] = 2 * np.minimum(p, 1 - p)
    return PLSMultigroup(groups=gd.split.names, results=(results[0], results[1]), table=table,
                         permutations=values, settings=info)
