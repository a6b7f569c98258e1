"""Interaction (moderation) terms in PLS path models: the two-stage, product-indicator and
orthogonalizing approaches (Fassott, Henseler & Coelho, 2016, "Testing moderating effects in
PLS path models with composite variables", *Industrial Management & Data Systems* 116;
Henseler & Chin, 2010, *Structural Equation Modeling* 17; Chin, Marcolin & Newsted, 2003,
*Information Systems Research* 14; Little, Bovaird & Widaman, 2006, *Structural Equation
Modeling* 13), as seminr's ``interaction_term(..., method = two_stage | product_indicator |
orthogonal)`` computes them.

An interaction term is written in a structural line as lavaan writes one, ``X:M`` (or cSEM's
``X.M``), with ``X`` and ``M`` constructs of the model::

    Satisfaction ~ Image + Expectation + Value + Image:Expectation

Approaches (``method``):

* ``"two_stage"`` (default; Henseler & Chin, 2010; Fassott et al., 2016): stage 1 estimates
  the model without the interaction terms; the interaction term is the product of the
  stage-1 construct scores of ``X`` and ``M`` (both standardized), used in stage 2 as a
  single-item construct beside the original measurement model. It works with mode A and
  mode B constructs alike (the approach Fassott et al. recommend for composites).
* ``"product_indicator"`` (Chin et al., 2003): the interaction construct is measured by the
  products of every standardized indicator of ``X`` with every standardized indicator of
  ``M`` (mode A); one estimation.
* ``"orthogonal"`` (Little et al., 2006): the same products, each replaced by its residual
  from a least-squares regression (with intercept) on all indicators of ``X`` and ``M``.

The path of ``X:M`` (``est``) estimates the moderating effect with the interaction
construct's scores standardized like every construct's. ``est_product`` is the same effect per
unit of the product of the standardized variables, as seminr reports it: ``est / a``, with
``a = sum_k sd(p_k) |l_k| / sum_k |l_k|`` the loading-weighted mean SD of the interaction
indicators ``p_k`` (for the two-stage term, the SD of the product of the scores). In that
metric the effect of ``X`` on ``Y`` where the moderator is ``M`` SDs from its mean is the
simple slope ``b_X + est_product * M`` (Aiken & West, 1991), reported at ``M = -1, 0, +1``
(``simple_slopes``). The paths of ``X`` and ``M`` are their effects where the other is at its
mean. The interaction construct
is a mode A composite (not corrected under consistent PLS). Missing answers are handled once
before the interaction terms are formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from instruments.plain import to_plain

from .data import indicator_data
from .errors import PLSInputError
from .estimate import estimate_pls
from .result import PLSResult
from .syntax import Construct, PLSModel, _operator, _statements, parse_pls_model

__all__ = ["InteractionModel", "PLSInteractionBootstrap", "PLSInteractionResult",
           "bootstrap_pls_interaction", "estimate_pls_interaction",
           "parse_interaction_model"]

METHODS = ("two_stage", "product_indicator", "orthogonal")
_TERM = re.compile(r"(?<![\w.:])([A-Za-z_.][\w.]*)\s*:\s*([A-Za-z_.][\w.]*)(?![\w.:])")
_DOTTED = re.compile(r"(?<![\w.:])([A-Za-z_][\w]*(?:\.[\w]+)+)(?![\w.:])")


@dataclass(frozen=True)
class InteractionModel:
    """A PLS model with interaction terms: ``base`` (the model without them, as parsed),
    ``terms`` (``(name, X, M)`` with name ``"X:M"``), ``paths`` (``(term name, outcome)``)
    and the ``syntax`` given."""

    base: PLSModel
    terms: tuple[tuple[str, str, str], ...]
    paths: tuple[tuple[str, str], ...]
    syntax: str = ""


def _placeholder(x: str, m: str) -> str:
    return f"{x}__x__{m}"


def parse_interaction_model(syntax: str) -> InteractionModel:
    """Read a PLS model whose structural lines may hold interaction terms ``X:M`` (or
    ``X.M`` where both ``X`` and ``M`` are constructs).

    Parameters
    ----------
    syntax : str
        lavaan syntax (:func:`~analysis.pls.parse_pls_model`) with interaction terms.

    Returns
    -------
    InteractionModel
        The model without the terms and the terms with their outcomes.

    Raises
    ------
    PLSInputError
        Unreadable syntax, a term naming something that is not a construct, or no term.

    Examples
    --------
    >>> m = parse_interaction_model("X =~ x1 + x2; M =~ m1 + m2; Y =~ y1\\nY ~ X + M + X:M")
    >>> m.terms, m.paths
    ((('X:M', 'X', 'M'),), (('X:M', 'Y'),))
    """
    if not isinstance(syntax, str) or not syntax.strip():
        raise PLSInputError("the PLS model syntax is empty")
    defined: list[str] = []
    for lineno, stmt in _statements(syntax):
        op, pos = _operator(stmt, lineno)
        if op in ("=~", "<~"):
            defined.extend(t.strip() for t in stmt[:pos].split("+"))
    found: dict[str, tuple[str, str]] = {}
    lines = syntax.split("\n")
    out_lines = []
    for lineno, line in enumerate(lines, start=1):
        cut = min([i for i in (line.find("#"), line.find("!")) if i >= 0], default=len(line))
        code, comment = line[:cut], line[cut:]

        def colon(match: re.Match[str], lineno: int = lineno) -> str:
            x, m = match.group(1), match.group(2)
            for v in (x, m):
                if v not in defined:
                    raise PLSInputError(
                        f"model line {lineno}: {v!r} in the interaction term '{x}:{m}' is not a "
                        "construct; define it with '=~' or '<~'", code="model_path")
            found[_placeholder(x, m)] = (x, m)
            return _placeholder(x, m)

        def dotted(match: re.Match[str]) -> str:
            token = match.group(1)
            if token in defined:
                return token
            parts = token.split(".")
            for k in range(1, len(parts)):
                x, m = ".".join(parts[:k]), ".".join(parts[k:])
                if x in defined and m in defined:
                    found[_placeholder(x, m)] = (x, m)
                    return _placeholder(x, m)
            return token

        parts = code.split(";")
        for k, part in enumerate(parts):
            if "=~" not in part and "<~" not in part:
                parts[k] = _DOTTED.sub(dotted, _TERM.sub(colon, part))
        out_lines.append(";".join(parts) + comment)
    if not found:
        raise PLSInputError("the model has no interaction term; write one in a structural line "
                            "as 'Y ~ X + M + X:M'", code="model_path")
    text = "\n".join(out_lines)
    extra = "".join(f"\n{p} =~ {p}__item" for p in found)
    full = parse_pls_model(text + extra)
    name = {p: f"{x}:{m}" for p, (x, m) in found.items()}
    term_paths = tuple((name[a], b) for a, b in full.paths if a in name)
    base_paths = tuple((a, b) for a, b in full.paths if a not in name)
    linked = {a for a, _ in base_paths} | {b for _, b in base_paths}
    for x, m in found.values():
        for v in (x, m):
            if v not in linked:
                raise PLSInputError(f"construct {v!r} of the interaction term '{x}:{m}' must "
                                    "also take part in the model's other paths",
                                    code="model_path")
    base = PLSModel(constructs=tuple(c for c in full.constructs if c.name not in name),
                    paths=base_paths, syntax=syntax)
    terms = tuple((name[p], x, m) for p, (x, m) in found.items())
    return InteractionModel(base=base, terms=terms, paths=term_paths, syntax=syntax)


@dataclass
class PLSInteractionResult:
    """A PLS model with interaction terms.

    Attributes
    ----------
    result : the estimated model with the interaction constructs (stage 2 of the two-stage
        approach); its table has rows ``Y ~ X:M``.
    first_stage : stage 1 (the model without interaction terms; two-stage only).
    method : the approach.
    interactions : one row per interaction path: ``lhs`` (outcome), ``op`` (``~``), ``rhs``
        (``X:M``), ``est`` (standardized moderating effect), ``est_product`` (per unit of the
        product, seminr's), ``iv``, ``moderator``, ``items`` (the interaction construct's
        indicators).
    simple_slopes : one row per interaction path and moderator level: ``lhs``, ``rhs``
        (``X``), ``moderator``, ``level`` (-1, 0, 1 SD), ``slope``.
    data : the generated interaction indicators (respondents x indicators).
    """

    result: PLSResult
    first_stage: PLSResult | None
    method: str
    interactions: pd.DataFrame
    simple_slopes: pd.DataFrame
    data: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {"method": self.method, "result": self.result.to_dict(),
                "first_stage": None if self.first_stage is None else self.first_stage.to_dict(),
                "interactions": to_plain(self.interactions),
                "simple_slopes": to_plain(self.simple_slopes)}


def _standardized(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)


def estimate_pls_interaction(data: Any, model: str | InteractionModel, *,
                             method: str = "two_stage", scheme: str = "path",
                             consistent: bool = False, missing: str | None = None,
                             missing_value: Any = None, max_iter: int = 300,
                             tol: float = 1e-7) -> PLSInteractionResult:
    """Estimate a PLS path model with interaction terms (module docstring).

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to values
        Respondents in rows, items in columns.
    model : str or InteractionModel
        lavaan syntax with terms ``X:M`` in structural lines.
    method : {"two_stage", "product_indicator", "orthogonal"}
        How the interaction term is formed.
    scheme, consistent, missing, missing_value, max_iter, tol
        As for :func:`~analysis.pls.estimate_pls`.

    Returns
    -------
    PLSInteractionResult
        The estimated model, stage 1 (two-stage) and the interaction paths.

    Raises
    ------
    PLSInputError
        Unreadable model or data, an unknown method, or a model that cannot be estimated.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x, m = rng.normal(size=(2, 500))
    >>> y = 0.4 * x + 0.3 * m + 0.3 * x * m + 0.7 * rng.normal(size=500)
    >>> d = pd.DataFrame({"x1": x + .5 * rng.normal(size=500), "x2": x + .5 * rng.normal(size=500),
    ...                   "m1": m + .5 * rng.normal(size=500), "m2": m + .5 * rng.normal(size=500),
    ...                   "y": y})
    >>> fit = estimate_pls_interaction(d, "X =~ x1 + x2; M =~ m1 + m2; Y =~ y; Y ~ X + M + X:M")
    >>> fit.interactions[["lhs", "op", "rhs"]].values.tolist(), fit.interactions.est.round(2).tolist()
    ([['Y', '~', 'X:M']], [0.26])
    """
    spec = model if isinstance(model, InteractionModel) else parse_interaction_model(model)
    if method not in METHODS:
        raise PLSInputError(f"method={method!r}: use 'two_stage', 'product_indicator' or "
                            "'orthogonal'", code="invalid_argument")
    base = spec.base
    d = indicator_data(data, base.items, missing=missing, missing_value=missing_value)
    frame = pd.DataFrame(d.X, index=d.index, columns=base.items)
    settings = {"scheme": scheme, "consistent": consistent, "max_iter": max_iter, "tol": tol}
    first = None
    cols: dict[str, np.ndarray] = {}
    items_of: dict[str, tuple[str, ...]] = {}
    if method == "two_stage":
        first = estimate_pls(frame, base, **settings)
        first.sample = d.record()
        for name, x, m in spec.terms:
            item = f"{name}.product"
            cols[item] = first.scores[x].to_numpy() * first.scores[m].to_numpy()
            items_of[name] = (item,)
    else:
        for name, x, m in spec.terms:
            xi, mi = base.construct(x).items, base.construct(m).items
            Zx, Zm = _standardized(frame[list(xi)].to_numpy()), _standardized(
                frame[list(mi)].to_numpy())
            A = np.column_stack([np.ones(d.n), frame[list(xi) + list(mi)].to_numpy()])
            names = []
            for a, ia in enumerate(xi):
                for b, ib in enumerate(mi):
                    prod = Zx[:, a] * Zm[:, b]
                    if method == "orthogonal":
                        beta, *_ = np.linalg.lstsq(A, prod, rcond=None)
                        prod = prod - A @ beta
                    item = f"{ia}*{ib}"
                    cols[item] = prod
                    names.append(item)
            items_of[name] = tuple(names)
    gen = pd.DataFrame(cols, index=d.index)
    constructs = list(base.constructs) + [
        Construct(name=name, items=items_of[name], mode="A", kind="composite")
        for name, _, _ in spec.terms]
    full = PLSModel(constructs=tuple(constructs), paths=base.paths + spec.paths,
                    syntax=spec.syntax)
    result = estimate_pls(pd.concat([frame, gen], axis=1), full, **settings)
    result.sample = d.record()
    rows, slopes = [], []
    for name, outcome in spec.paths:
        _, x, m = next(t for t in spec.terms if t[0] == name)
        lam = np.abs(result.loadings.loc[list(items_of[name]), name].to_numpy())
        sd = gen[list(items_of[name])].std(ddof=1).to_numpy()
        est = result.path(name, outcome)
        product = est / float(sd @ lam / lam.sum())
        rows.append({"lhs": outcome, "op": "~", "rhs": name, "est": est,
                     "est_product": product, "iv": x, "moderator": m,
                     "items": len(items_of[name])})
        main = result.path(x, outcome) if (x, outcome) in full.paths else 0.0
        slopes.extend({"lhs": outcome, "rhs": x, "moderator": m, "level": level,
                       "slope": main + product * level} for level in (-1.0, 0.0, 1.0))
    settings_out = dict(result.settings, method=method)
    result.settings = settings_out
    return PLSInteractionResult(result=result, first_stage=first, method=method,
                                interactions=pd.DataFrame(rows),
                                simple_slopes=pd.DataFrame(slopes), data=gen)


def _fast_values(X: np.ndarray, spec: InteractionModel, method: str, full: PLSModel,
                 kw: dict[str, Any]) -> np.ndarray:
    """Stage-2 parameter-table values followed by each interaction path's ``est_product``,
    for one complete data matrix (``spec.base.items`` columns): the steps of
    :func:`estimate_pls_interaction` on the estimation core directly."""
    from .estimate import _solve
    from .higher_order import _table_values

    def solve(model: PLSModel, data: np.ndarray) -> dict[str, Any]:
        S = np.cov(data, rowvar=False)
        if not np.all(np.isfinite(S)) or np.any(np.diag(S) <= 0):
            raise PLSInputError("an item is constant in this resample")
        return _solve(model, S, n=data.shape[0], **kw)

    base = spec.base
    items = base.items
    gen: list[np.ndarray] = []
    if method == "two_stage":
        est1 = solve(base, X)
        scores = ((X - X.mean(axis=0)) / est1["sd"]) @ est1["W"]
        for _, x, m in spec.terms:
            gen.append(scores[:, base.names.index(x)] * scores[:, base.names.index(m)])
    else:
        for _, x, m in spec.terms:
            xi = [items.index(i) for i in base.construct(x).items]
            mi = [items.index(i) for i in base.construct(m).items]
            Zx, Zm = _standardized(X[:, xi]), _standardized(X[:, mi])
            A = np.column_stack([np.ones(X.shape[0]), X[:, xi + mi]])
            for a in range(len(xi)):
                for b in range(len(mi)):
                    prod = Zx[:, a] * Zm[:, b]
                    if method == "orthogonal":
                        beta, *_ = np.linalg.lstsq(A, prod, rcond=None)
                        prod = prod - A @ beta
                    gen.append(prod)
    G = np.column_stack(gen)
    est2 = solve(full, np.column_stack([X, G]))
    out = list(_table_values(full, est2, True))
    names, fitems = full.names, full.items
    sd_g = G.std(axis=0, ddof=1)
    for name, outcome in spec.paths:
        j = names.index(name)
        k = [fitems.index(i) - len(items) for i in full.construct(name).items]
        lam = np.abs(est2["loadings"][[len(items) + i for i in k], j])
        out.append(est2["paths"][j, names.index(outcome)] / float(sd_g[k] @ lam / lam.sum()))
    return np.asarray(out, dtype=float)


def _replicates(gens: list[np.random.Generator], rows: range, *, raw: np.ndarray,
                spec: InteractionModel, method: str, full: PLSModel, kw: dict[str, Any],
                width: int, indices: np.ndarray | None) -> np.ndarray:
    """A chunk of bootstrap resamples (mean replacement redone within each); NaN rows where
    the estimation fails."""
    n = raw.shape[0]
    out = np.full((len(rows), width), np.nan)
    for k, (rng, r) in enumerate(zip(gens, rows, strict=True)):
        take = indices[r] if indices is not None else rng.integers(0, n, size=n)
        X = raw[take]
        if np.isnan(X).any():
            X = X.copy()
            means = np.nanmean(X, axis=0)
            rr, cc = np.nonzero(np.isnan(X))
            X[rr, cc] = means[cc]
        try:
            with np.errstate(invalid="ignore", divide="ignore"):
                out[k] = _fast_values(X, spec, method, full, kw)
        except (PLSInputError, np.linalg.LinAlgError, ValueError, FloatingPointError):
            continue
    return out


@dataclass
class PLSInteractionBootstrap:
    """A bootstrapped model with interaction terms: ``result`` (the full sample), ``table``
    (its stage-2 lavaan table with ``boot.mean, se, z, pvalue, ci.lower, ci.upper``),
    ``interactions`` (the interaction paths with the same columns for ``est`` and, prefixed
    ``product.``, for ``est_product``), ``replicates`` (resamples x statistics, NaN rows
    failed) and ``settings``."""

    result: PLSInteractionResult
    table: pd.DataFrame
    interactions: pd.DataFrame
    replicates: np.ndarray = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (replicates omitted)."""
        return {**self.result.to_dict(), "bootstrap": to_plain(self.settings),
                "estimates": to_plain(self.table),
                "interactions": to_plain(self.interactions)}


def bootstrap_pls_interaction(data: Any, model: str | InteractionModel, *,
                              method: str = "two_stage", n_boot: int = 5000,
                              seed: int | None = None, indices: Any = None,
                              level: float = 0.95, scheme: str = "path",
                              consistent: bool = False, missing: str | None = None,
                              missing_value: Any = None, max_iter: int = 300,
                              tol: float = 1e-7, n_jobs: int | None = None,
                              progress: bool | None = None) -> PLSInteractionBootstrap:
    """Estimate a model with interaction terms and bootstrap it, re-forming the interaction
    terms (and re-running stage 1) in every resample.

    Parameters
    ----------
    data, model, method, scheme, consistent, missing, missing_value, max_iter, tol
        As for :func:`estimate_pls_interaction`.
    n_boot : int
        Resamples (ignored with ``indices``).
    seed : int or None
        Seed of the resampling (resample r draws from child r of ``SeedSequence(seed)``, as
        :func:`~analysis.pls.bootstrap_pls`); required unless ``indices`` is given.
    indices : array-like or None
        Resample rows (resamples x respondents analysed, 0-based).
    level : float
        Confidence level of the percentile intervals.
    n_jobs : int or None
        Worker processes (None: all cores); the same numbers for any value.
    progress : bool or None
        Show a progress bar (None: for 20 resamples or more).

    Returns
    -------
    PLSInteractionBootstrap
        The full-sample result, its table and the interaction paths with ``boot.mean, se,
        z, pvalue, ci.lower, ci.upper`` (``se`` the resamples' SD, ``z = est / se``, normal
        p-value; percentile intervals).

    Raises
    ------
    PLSInputError
        Bad settings or indices, or the full-sample estimation fails.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x, m = rng.normal(size=(2, 300))
    >>> d = pd.DataFrame({"x1": x + .5 * rng.normal(size=300), "x2": x + .5 * rng.normal(size=300),
    ...                   "m": m, "y": 0.4 * x + 0.3 * x * m + 0.8 * rng.normal(size=300)})
    >>> boot = bootstrap_pls_interaction(d, "X =~ x1 + x2; M =~ m; Y =~ y; Y ~ X + M + X:M",
    ...                                  n_boot=50, seed=1, n_jobs=1, progress=False)
    >>> row = boot.interactions.iloc[0]
    >>> bool(row["ci.lower"] > 0), bool(row["product.ci.lower"] > 0)
    (True, True)
    """
    import functools
    import warnings

    from scipy import stats

    from analysis.arguments import check_level, check_n_boot, check_n_jobs, check_seed
    from analysis.structural.resampling import percentile_ci, run_replicates

    from .bootstrap import _check_indices

    spec = model if isinstance(model, InteractionModel) else parse_interaction_model(model)
    level = check_level(level, error=PLSInputError)
    n_jobs = check_n_jobs(n_jobs, error=PLSInputError)
    fit = estimate_pls_interaction(data, spec, method=method, scheme=scheme,
                                   consistent=consistent, missing=missing,
                                   missing_value=missing_value, max_iter=max_iter, tol=tol)
    d = indicator_data(data, spec.base.items, missing=missing, missing_value=missing_value)
    raw = d.raw if d.raw is not None else d.X
    if indices is not None:
        idx = _check_indices(indices, raw.shape[0])
        n_boot, seed_used = idx.shape[0], None
    else:
        idx = None
        n_boot = check_n_boot(n_boot, minimum=1, error=PLSInputError)
        seed_used = check_seed(seed, error=PLSInputError)
    full = fit.result.model
    kw = {"scheme": scheme, "consistent": consistent, "standardize": True,
          "max_iter": max_iter, "tol": tol}
    n_tab = len(fit.result.estimates)
    width = n_tab + len(spec.paths)
    fn = functools.partial(_replicates, raw=raw, spec=spec, method=method, full=full, kw=kw,
                           width=width, indices=idx)
    run = run_replicates(fn, n_boot, seed_used if seed_used is not None else 0, n_jobs=n_jobs,
                         chunk_size=50, progress=progress, desc="PLS interaction bootstrap",
                         batched=True)
    values = run.values
    good = values[~np.isnan(values).all(axis=1)]
    if good.shape[0] < 2:
        raise PLSInputError(f"only {good.shape[0]} of {n_boot} bootstrap resamples could be "
                            "estimated; check the model and data", code="model_not_estimable")

    def summarise(est: np.ndarray, reps: np.ndarray) -> dict[str, np.ndarray]:
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            se = np.nanstd(reps, axis=0, ddof=1)
            z = est / se
            lo, hi = percentile_ci(reps, level)
            return {"boot.mean": np.nanmean(reps, axis=0), "se": se, "z": z,
                    "pvalue": 2 * stats.norm.sf(np.abs(z)), "ci.lower": lo, "ci.upper": hi}

    table = fit.result.estimates.copy()
    for k, v in summarise(table["est"].to_numpy(), good[:, :n_tab]).items():
        table[k] = v
    inter = fit.interactions.copy()
    pos = [int(np.flatnonzero((table["lhs"] == r.lhs) & (table["op"] == "~")
                              & (table["rhs"] == r.rhs))[0]) for r in inter.itertuples()]
    for k, v in summarise(inter["est"].to_numpy(), good[:, pos]).items():
        inter[k] = v
    for k, v in summarise(inter["est_product"].to_numpy(), good[:, n_tab:]).items():
        inter[f"product.{k}"] = v
    info = {"n_boot": int(n_boot), "seed": seed_used, "indices": idx is not None,
            "level": level, "method": method,
            "n_failed": int(values.shape[0] - good.shape[0]), "backend": run.backend,
            "workers": run.workers}
    return PLSInteractionBootstrap(result=fit, table=table, interactions=inter,
                                   replicates=values, settings=info)
