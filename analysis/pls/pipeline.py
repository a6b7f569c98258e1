"""PLS-SEM in the engagekit pipeline: the ``pls`` section of ``results.json``.

:func:`pls_effects` estimates a PLS path model on respondents' answers, bootstraps it and
assesses it (Hair et al., 2019), and returns one plain, JSON-ready dict: what
``engagekit effects --method pls --json`` writes and what ``engagekit run --method pls`` stores
as ``results["pls"]`` for the report (:mod:`reports.pls_section`). An instrument's model maps to
PLS as lavaan's syntax is read by cSEM (:mod:`analysis.pls.syntax`): every ``=~`` construct is
reflective, a mode A composite (or corrected by consistent PLS with ``consistent=True``), every
``<~`` construct a mode B composite.

The section:

* ``algorithm`` (``"PLS"`` or ``"PLSc"``), ``model`` (the syntax), ``constructs`` (name,
  items, mode, kind);
* ``settings``: inner weighting ``scheme``, ``consistent``, ``modes``, the stop criterion
  (``tol`` 1e-7 on the sum of absolute weight changes, ``max_iter`` 300, as seminr),
  ``missing`` (``"mean"`` or ``"listwise"``) and whether it was ``missing_chosen``,
  ``n_boot``, ``seed``, ``level``, ``ci`` (the interval the report shows: ``"percentile"``);
* ``sample``: ``n``, ``n_read``, ``missing`` as applied (``"complete"`` when nothing was
  missing), ``n_incomplete``, ``n_dropped`` (listwise), ``replaced`` (answers replaced by the
  item mean, per item);
* ``iterations`` until convergence, ``warnings``;
* ``estimates``: the lavaan-shaped table (``lhs, op, rhs, est, se, z, pvalue, ci.lower,
  ci.upper`` with ``ci.*`` the percentile interval, ``bca.lower, bca.upper``, ``boot.mean``):
  loadings ``=~``, weights ``<~``, paths ``~``, ``r2``, ``total`` and ``indirect`` effects
  (lhs the outcome), the specific indirect effect of each chain of two or more paths (op
  ``:=``, lhs the chain ``"A -> M -> Y"``, rhs the product ``"(M~A)*(Y~M)"``, as lavaan
  writes a defined parameter; same resamples and intervals as the paths), ``htmt`` and
  ``htmt2``, and the construct correlations ``~~`` (no interval);
* ``assessment``: :meth:`~analysis.pls.assess.PLSAssessment.to_dict` (loadings, indicator
  reliability and VIFs, alpha, rho_A, rho_C, AVE, HTMT, HTMT2, Fornell-Larcker,
  cross-loadings, antecedent VIFs, f², R² and adjusted R², effects, SRMR and d_ULS);
* ``ranking``: per outcome reached by two or more exogenous constructs, the one with the
  largest absolute total effect, the runner-up and the percentile interval of the difference
  in absolute total effects over the resamples (``credible`` when it excludes zero), as the
  covariance-based effects rank them (:mod:`analysis.structural.effects`);
* ``bootstrap``: n_boot, seed, level, n_failed, backend, workers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from instruments.plain import to_plain

from .assess import assess_pls
from .bootstrap import bootstrap_pls
from .errors import PLSInputError
from .estimate import estimate_pls
from .syntax import PLSModel, parse_pls_model

__all__ = ["PLS_MISSING", "SCHEMES", "pls_effects", "pls_ranking"]

#: The missing-data handlings of a PLS run (``--missing`` with ``--method pls``).
PLS_MISSING = ("mean", "listwise")
#: Inner weighting schemes.
SCHEMES = ("path", "factorial", "centroid")


def _ranking(model: PLSModel, table: pd.DataFrame, replicates: np.ndarray | None,
             level: float) -> list[dict[str, Any]]:
    """See :func:`pls_ranking`."""
    from analysis.structural.resampling import percentile_ci

    targets = {b for _, b in model.paths}
    sources = {a for a, _ in model.paths}
    exogenous = [n for n in model.names if n in sources and n not in targets]
    totals = table[table["op"] == "total"].reset_index()
    rows = []
    for outcome in model.endogenous:
        cand = totals[(totals["lhs"] == outcome) & totals["rhs"].isin(exogenous)]
        if len(cand) < 2:
            continue
        order = cand.reindex(cand["est"].abs().sort_values(ascending=False).index)
        top, second = order.iloc[0], order.iloc[1]
        row: dict[str, Any] = {
            "outcome": outcome, "largest": top["rhs"], "std_total": float(top["est"]),
            "runner_up": second["rhs"], "runner_up_std_total": float(second["est"]),
            "difference": float(abs(top["est"]) - abs(second["est"]))}
        if replicates is not None:
            good = replicates[~np.isnan(replicates).all(axis=1)]
            diff = np.abs(good[:, int(top["index"])]) - np.abs(good[:, int(second["index"])])
            lo, hi = percentile_ci(diff[:, None], level)
            row.update({"diff.lower": float(lo[0]), "diff.upper": float(hi[0]),
                        "credible": bool(lo[0] > 0)})
        rows.append(row)
    return rows


def pls_ranking(model: PLSModel, table: pd.DataFrame, replicates: np.ndarray | None = None,
                level: float = 0.95) -> list[dict[str, Any]]:
    """Which exogenous construct has the largest total effect on each outcome.

    Parameters
    ----------
    model : PLSModel
        The parsed model.
    table : pandas.DataFrame
        The bootstrap table of :func:`~analysis.pls.bootstrap_pls` (or any table with
        ``lhs, op, rhs, est`` rows of op ``"total"``), its row positions those of
        ``replicates``' columns.
    replicates : numpy.ndarray or None
        Resample statistics (resamples x rows of ``table``); None: no interval.
    level : float
        Level of the percentile interval of the difference.

    Returns
    -------
    list of dict
        ``outcome, largest, std_total, runner_up, runner_up_std_total, difference`` and,
        with replicates, ``diff.lower, diff.upper, credible``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = parse_pls_model("A =~ a; B =~ b; C =~ c; C ~ A + B")
    >>> t = pd.DataFrame({"lhs": ["C", "C"], "op": ["total"] * 2, "rhs": ["A", "B"],
    ...                   "est": [0.2, -0.5]})
    >>> [(r["largest"], r["runner_up"]) for r in pls_ranking(m, t)]
    [('B', 'A')]
    """
    return _ranking(model, table, replicates, level)


def _check(scheme: str, missing: str | None, n_boot: int) -> None:
    if scheme not in SCHEMES:
        raise PLSInputError(f"scheme {scheme!r} is not an inner weighting scheme; use path "
                            "(the default), factorial or centroid", code="invalid_argument")
    if missing is not None and missing not in PLS_MISSING:
        raise PLSInputError(f"missing {missing!r} is not a PLS missing-data handling; use "
                            "mean (mean replacement) or listwise", code="invalid_argument")
    if isinstance(n_boot, bool) or not isinstance(n_boot, int | np.integer) or n_boot < 0 or \
            0 < n_boot < 20:
        raise PLSInputError(f"n_boot must be 0 (no bootstrap) or at least 20 resamples; got "
                            f"{n_boot!r}", code="invalid_argument")


def _correlation_rows(result: Any) -> pd.DataFrame:
    est = result.estimates
    return est[est["op"] == "~~"].reset_index(drop=True)


def pls_effects(data: Any, model: str | PLSModel, *, scheme: str = "path",
                consistent: bool = False, missing: str | None = None,
                n_boot: int = 5000, seed: int = 20150401, level: float = 0.95,
                n_jobs: int | None = None, scheduler: str | None = None,
                progress: bool | None = None) -> dict[str, Any]:
    """Estimate, bootstrap and assess a PLS path model; the ``pls`` section of the results.

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents in rows, the model's items in columns (reverse-keyed where needed).
    model : str or PLSModel
        lavaan syntax read as cSEM reads it (``=~`` reflective, ``<~`` composite, ``~``).
    scheme : {"path", "factorial", "centroid"}
        Inner weighting scheme.
    consistent : bool
        Consistent PLS (PLSc) for the reflective constructs.
    missing : {"mean", "listwise"} or None
        Handling of missing answers; None (not chosen) applies listwise deletion and records
        that it was not chosen.
    n_boot : int
        Bootstrap resamples (0: none, point estimates only; else at least 20).
    seed : int
        Seed of the resampling.
    level : float
        Confidence level of the intervals.
    n_jobs, scheduler, progress
        As for :func:`~analysis.pls.bootstrap_pls`.

    Returns
    -------
    dict
        The section described in the module docstring (plain data, no NaN).

    Raises
    ------
    PLSInputError
        Bad settings, model or data (the message says which and what to do).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> f = rng.normal(size=(150, 1))
    >>> d = pd.DataFrame(np.hstack([f + rng.normal(size=(150, 2)),
    ...                             0.6 * f + rng.normal(size=(150, 2))]), columns=list("abcd"))
    >>> out = pls_effects(d, "A =~ a + b; C =~ c + d; C ~ A", n_boot=50, seed=1, n_jobs=1,
    ...                   progress=False)
    >>> out["algorithm"], out["settings"]["missing"], out["bootstrap"]["n_boot"]
    ('PLS', 'listwise', 50)
    """
    spec = model if isinstance(model, PLSModel) else parse_pls_model(model)
    _check(scheme, missing, n_boot)
    used = missing or "listwise"
    common = {"scheme": scheme, "consistent": consistent, "missing": used}
    if n_boot:
        boot = bootstrap_pls(data, spec, n_boot=int(n_boot), seed=seed, level=level,
                             n_jobs=n_jobs, scheduler=scheduler, progress=progress, **common)
        result, table, replicates = boot.result, boot.table, boot.replicates
        info = boot.settings
    else:
        result = estimate_pls(data, spec, **common)
        table = _bootless_table(result)
        replicates, info = None, {"n_boot": 0, "seed": None, "level": level, "bca": False,
                                  "n_failed": 0}
    estimates = pd.concat([table, _correlation_rows(result)], ignore_index=True)
    assessment = assess_pls(result)
    settings = {
        "scheme": scheme, "consistent": bool(consistent),
        "modes": {c.name: c.mode for c in spec.constructs},
        "standardize": True, "max_iter": int(result.settings["max_iter"]),
        "tol": float(result.settings["tol"]), "missing": used,
        "missing_chosen": missing is not None, "n_boot": int(info["n_boot"]),
        "seed": info.get("seed"), "level": float(level), "ci": "percentile",
    }
    out = {
        "method": "pls",
        "algorithm": "PLSc" if consistent else "PLS",
        "model": spec.syntax,
        "constructs": [{"name": c.name, "items": list(c.items), "mode": c.mode, "kind": c.kind}
                       for c in spec.constructs],
        "settings": settings,
        "sample": result.sample,
        "iterations": int(result.iterations),
        "warnings": list(result.warnings),
        "estimates": estimates,
        "assessment": assessment.to_dict(),
        "ranking": _ranking(spec, table, replicates, level),
        "bootstrap": {k: info.get(k) for k in ("n_boot", "seed", "level", "bca", "n_failed",
                                                "backend", "workers") if k in info},
    }
    return to_plain(out)


def _bootless_table(result: Any) -> pd.DataFrame:
    """The statistics without a bootstrap: weights, loadings, paths, R², total and indirect
    effects and HTMT/HTMT2, est only (the bootstrap table's rows)."""
    from .batch import _chains, chain_label, chain_products
    from .structural import effects
    from .validity import htmt

    est = result.estimates
    rows = [est[est["op"].isin(["<~", "=~", "~", "r2"])]]
    eff = effects(result)
    eff = eff[eff["via"] == ""]
    rows.append(pd.DataFrame({"lhs": eff["lhs"], "op": "total", "rhs": eff["rhs"],
                              "est": eff["total"]}))
    ind = eff[eff["indirect"] != 0]
    rows.append(pd.DataFrame({"lhs": ind["lhs"], "op": "indirect", "rhs": ind["rhs"],
                              "est": ind["indirect"]}))
    names = result.model.names
    chains = _chains(result.model)
    if chains:
        values = chain_products(result.paths.to_numpy(), result.model)
        rows.append(pd.DataFrame([chain_label(c) for c in chains], columns=["lhs", "op", "rhs"])
                    .assign(est=[float(v) for v in values]))
    multi = [c.name for c in result.model.constructs if len(c.items) > 1]
    for op, h2 in (("htmt", False), ("htmt2", True)):
        H = htmt(result, htmt2=h2)
        pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
                 if a in multi and b in multi]
        rows.append(pd.DataFrame({"lhs": [a for a, _ in pairs], "op": op,
                                  "rhs": [b for _, b in pairs],
                                  "est": [float(H.loc[a, b]) for a, b in pairs]}))
    return pd.concat(rows, ignore_index=True)
