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


def _admissible(est: dict[str, Any], model: PLSModel) -> np.ndarray:
    """Per data set of a :func:`~analysis.pls.batch.batch_solve` stack: converged, and no
    outcome's predictor correlations singular or not finite (where
    :func:`analysis.pls.estimate._solve` raises)."""
    ok = est["conv"].copy()
    names, cor = model.names, est["cor"]
    for outcome in model.endogenous:
        P = [names.index(p) for p in model.predictors(outcome)]
        Cpp = cor[:, P][:, :, P]
        fin = np.all(np.isfinite(Cpp), axis=(1, 2))
        cond = np.full(len(ok), np.inf)
        if fin.any():
            cond[fin] = np.linalg.cond(Cpp[fin])
        ok &= fin & (cond <= 1e12)
    return ok


def _batch_values(Xs: np.ndarray, spec: InteractionModel, full: PLSModel,
                  kw: dict[str, Any], width: int) -> np.ndarray:
    """:func:`_fast_values` of the two-stage approach for a stack of complete data sets
    (K x n x ``spec.base.items``) at once, with the stacked algorithm of
    :mod:`analysis.pls.batch` (the same steps, so the same numbers to rounding); NaN rows
    where an estimation fails."""
    from .batch import batch_solve

    K, n, p = Xs.shape
    out = np.full((K, width), np.nan)

    def cov(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        Xc = X - X.mean(axis=1, keepdims=True)
        S = np.transpose(Xc, (0, 2, 1)) @ Xc / (n - 1)
        d = np.einsum("kii->ki", S)
        return Xc, S, np.all(np.isfinite(d) & (d > 0), axis=1)

    base = spec.base
    Xc, S, ok = cov(Xs)
    if not ok.any():
        return out
    rows = np.flatnonzero(ok)
    est1 = batch_solve(S[rows], base, kw)
    good = _admissible(est1, base)
    scores = (Xc[rows] / est1["sd"][:, None, :]) @ est1["W"]
    names1 = base.names
    G = np.stack([scores[:, :, names1.index(x)] * scores[:, :, names1.index(m)]
                  for _, x, m in spec.terms], axis=2)
    _, S2, ok2 = cov(np.concatenate([Xs[rows], G], axis=2))
    good &= ok2
    if not good.any():
        return out
    keep = np.flatnonzero(good)
    est2 = batch_solve(S2[keep], full, kw)
    good2 = _admissible(est2, full)
    names, fitems = full.names, full.items
    cols: list[np.ndarray] = []
    for M in (est2["loadings"], est2["W"]):
        k0 = 0
        for j, c in enumerate(full.constructs):
            cols += [M[:, k, j] for k in range(k0, k0 + len(c.items))]
            k0 += len(c.items)
    P = est2["paths"]
    for outcome in full.endogenous:
        cols += [P[:, names.index(q), names.index(outcome)] for q in full.predictors(outcome)]
    C = est2["cor"]
    cols += [C[:, a, b] for a in range(len(names)) for b in range(a + 1, len(names))]
    cols += list(est2["r2"].T)
    sd_g = np.sqrt(np.einsum("kii->ki", S2[keep])[:, p:])
    for name, outcome in spec.paths:
        j = names.index(name)
        k = [fitems.index(i) - p for i in full.construct(name).items]
        lam = np.abs(est2["loadings"][:, [p + i for i in k], j])
        a = (sd_g[:, k] * lam).sum(axis=1) / lam.sum(axis=1)
        cols.append(P[:, j, names.index(outcome)] / a)
    values = np.column_stack(cols)
    values[~good2] = np.nan
    out[rows[keep]] = values
    return out


def _values_or_nan(X: np.ndarray, spec: InteractionModel, method: str, full: PLSModel,
                   kw: dict[str, Any], width: int) -> np.ndarray:
    """:func:`_fast_values` of the respondents ``X`` (raw answers: mean replacement, if any is
    missing, redone on them), or a NaN row when the estimation fails."""
    if np.isnan(X).any():
        X = X.copy()
        means = np.nanmean(X, axis=0)
        rr, cc = np.nonzero(np.isnan(X))
        X[rr, cc] = means[cc]
    try:
        with np.errstate(invalid="ignore", divide="ignore"):
            return _fast_values(X, spec, method, full, kw)
    except (PLSInputError, np.linalg.LinAlgError, ValueError, FloatingPointError):
        return np.full(width, np.nan)


def _replicates(gens: list[np.random.Generator], rows: range, *, raw: np.ndarray,
                spec: InteractionModel, method: str, full: PLSModel, kw: dict[str, Any],
                width: int, indices: np.ndarray | None, n_boot: int | None = None,
                left_out: tuple[np.ndarray, ...] = ()) -> np.ndarray:
    """A chunk of bootstrap resamples (mean replacement redone within each); NaN rows where
    the estimation fails. Replicates ``r >= n_boot`` are the BCa jackknife samples riding
    along: sample ``r - n_boot`` leaves out the rows ``left_out[r - n_boot]`` (both stages
    re-run on the rest, as in a resample)."""
    n = raw.shape[0]
    takes = []
    for rng, r in zip(gens, rows, strict=True):
        if n_boot is not None and r >= n_boot:
            takes.append(np.delete(np.arange(n), left_out[r - n_boot]))
        else:
            takes.append(indices[r] if indices is not None else rng.integers(0, n, size=n))
    if method == "two_stage" and not np.isnan(raw).any():
        # stacks of equal-sized data sets at once (resamples; jackknife samples)
        sizes = np.array([t.size for t in takes])
        out = np.full((len(takes), width), np.nan)
        try:
            with np.errstate(invalid="ignore", divide="ignore"):
                for size in np.unique(sizes):
                    at = np.flatnonzero(sizes == size)
                    out[at] = _batch_values(raw[np.array([takes[i] for i in at])], spec, full,
                                            kw, width)
            return out
        except (np.linalg.LinAlgError, ValueError, FloatingPointError):
            pass
    return np.array([_values_or_nan(raw[t], spec, method, full, kw, width) for t in takes])


def _slope_values(values: np.ndarray, slopes: pd.DataFrame, table: pd.DataFrame,
                  inter: pd.DataFrame, n_tab: int) -> np.ndarray:
    """Each simple slope ``b_X + est_product * level`` computed from rows of statistics
    (resamples or jackknife samples: the stage-2 table's values, then each interaction
    path's ``est_product``); ``b_X`` is 0 where ``X`` has no path to the outcome."""
    cols = []
    for s in slopes.itertuples():
        main = np.flatnonzero((table["lhs"] == s.lhs) & (table["op"] == "~")
                              & (table["rhs"] == s.rhs))
        k = int(np.flatnonzero((inter["lhs"] == s.lhs) & (inter["iv"] == s.rhs)
                               & (inter["moderator"] == s.moderator))[0])
        b = values[:, int(main[0])] if main.size else 0.0
        cols.append(b + values[:, n_tab + k] * s.level)
    return np.column_stack(cols) if cols else np.empty((values.shape[0], 0))


@dataclass
class PLSInteractionBootstrap:
    """A bootstrapped model with interaction terms.

    Attributes
    ----------
    result : the full-sample estimation (:class:`PLSInteractionResult`).
    table : its stage-2 lavaan table with ``boot.mean, se, z, pvalue, ci.lower, ci.upper``
        (percentile) and, with ``bca``, ``bca.lower, bca.upper``.
    interactions : the interaction paths with the same columns for ``est`` and, prefixed
        ``product.``, for ``est_product``.
    replicates : resamples x statistics (the table's values, then each interaction path's
        ``est_product``), NaN rows failed.
    settings : n_boot, seed (None with ``indices``), level, bca, method, n_failed,
        n_jackknife, backend, workers.
    simple_slopes : the full sample's simple slopes with the same columns for ``slope``.
    jackknife : with ``bca``, the statistics of each jackknife sample (rows as
        ``replicates``; both stages re-run on each), else None.
    jackknife_left_out : the rows (0-based, among the respondents analysed) each jackknife
        sample leaves out: one respondent each up to 1,000 respondents.
    """

    result: PLSInteractionResult
    table: pd.DataFrame
    interactions: pd.DataFrame
    replicates: np.ndarray = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)
    simple_slopes: pd.DataFrame = field(default_factory=pd.DataFrame)
    jackknife: np.ndarray | None = field(default=None, repr=False)
    jackknife_left_out: list[np.ndarray] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data (replicates and jackknife values omitted)."""
        return {**self.result.to_dict(), "bootstrap": to_plain(self.settings),
                "estimates": to_plain(self.table),
                "interactions": to_plain(self.interactions),
                "simple_slopes": to_plain(self.simple_slopes)}


def bootstrap_pls_interaction(data: Any, model: str | InteractionModel, *,
                              method: str = "two_stage", n_boot: int = 5000,
                              seed: int | None = None, indices: Any = None,
                              level: float = 0.95, bca: bool = True, scheme: str = "path",
                              consistent: bool = False, missing: str | None = None,
                              missing_value: Any = None, max_iter: int = 300,
                              tol: float = 1e-7, n_jobs: int | None = None,
                              progress: bool | None = None) -> PLSInteractionBootstrap:
    """Estimate a model with interaction terms and bootstrap it, re-forming the interaction
    terms (and re-running stage 1) in every resample.

    Intervals as :func:`~analysis.pls.bootstrap_pls` gives them: the percentile interval
    (``ci.lower, ci.upper``: the resamples' type-7 quantiles) and, with ``bca``, the BCa
    interval (``bca.lower, bca.upper``; Efron, 1987: bias correction from the share of
    resamples below the estimate, acceleration from the jackknife, computed by the same
    helper, :func:`analysis.pls.bootstrap.bca_intervals`). Each jackknife sample leaves one
    respondent out (above 1,000 respondents, one of 1,000 seeded groups) and re-runs the whole
    approach on the rest, both stages for the two-stage term. The simple slopes' intervals
    come from ``b_X + est_product * level`` in each resample and jackknife sample.

    Parameters
    ----------
    data, model, method
        As for :func:`estimate_pls_interaction`.
    n_boot : int
        Resamples (ignored with ``indices``).
    seed : int or None
        Seed of the resampling (resample r draws from child r of ``SeedSequence(seed)``, as
        :func:`~analysis.pls.bootstrap_pls`); required unless ``indices`` is given.
    indices : array-like or None
        Resample rows (resamples x respondents analysed, 0-based).
    level : float
        Confidence level of the intervals.
    bca : bool
        Also compute BCa intervals (costs one estimation of the whole approach per respondent,
        at most 1,000).
    scheme, consistent, missing, missing_value, max_iter, tol
        As for :func:`estimate_pls_interaction`.
    n_jobs : int or None
        Worker processes (None: all cores); the same numbers for any value.
    progress : bool or None
        Show a progress bar (None: for 20 resamples or more).

    Returns
    -------
    PLSInteractionBootstrap
        The full-sample result, its table, the interaction paths and the simple slopes with
        ``boot.mean, se, z, pvalue, ci.lower, ci.upper`` (``se`` the resamples' SD,
        ``z = est / se``, normal p-value; percentile intervals) and ``bca.lower, bca.upper``.

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
    >>> bool(row["ci.lower"] > 0), bool(row["product.ci.lower"] > 0), bool(row["bca.lower"] > 0)
    (True, True, True)
    """
    import functools
    import warnings

    from scipy import stats

    from analysis.arguments import check_level, check_n_boot, check_n_jobs, check_seed
    from analysis.structural.resampling import percentile_ci, run_replicates

    from .bootstrap import _check_indices, bca_intervals, jackknife_sets

    spec = model if isinstance(model, InteractionModel) else parse_interaction_model(model)
    level = check_level(level, error=PLSInputError)
    n_jobs = check_n_jobs(n_jobs, error=PLSInputError)
    fit = estimate_pls_interaction(data, spec, method=method, scheme=scheme,
                                   consistent=consistent, missing=missing,
                                   missing_value=missing_value, max_iter=max_iter, tol=tol)
    d = indicator_data(data, spec.base.items, missing=missing, missing_value=missing_value)
    raw = d.raw if d.raw is not None else d.X
    n = raw.shape[0]
    if indices is not None:
        idx = _check_indices(indices, n)
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
    left_out = tuple(jackknife_sets(n)[0]) if bca else ()
    fn = functools.partial(_replicates, raw=raw, spec=spec, method=method, full=full, kw=kw,
                           width=width, indices=idx, n_boot=n_boot, left_out=left_out)
    run = run_replicates(fn, n_boot + len(left_out),
                         seed_used if seed_used is not None else 0, n_jobs=n_jobs,
                         chunk_size=50, progress=progress, desc="PLS interaction bootstrap",
                         batched=True, counted=n_boot)
    values, jack = run.values[:n_boot], run.values[n_boot:]
    good = values[~np.isnan(values).all(axis=1)]
    if good.shape[0] < 2:
        raise PLSInputError(f"only {good.shape[0]} of {n_boot} bootstrap resamples could be "
                            "estimated; check the model and data", code="model_not_estimable")
    table = fit.result.estimates.copy()
    inter = fit.interactions.copy()
    slopes = fit.simple_slopes.copy()

    def summarise(est: np.ndarray, reps: np.ndarray,
                  jk: np.ndarray | None) -> dict[str, np.ndarray]:
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            se = np.nanstd(reps, axis=0, ddof=1)
            z = est / se
            lo, hi = percentile_ci(reps, level)
            out = {"boot.mean": np.nanmean(reps, axis=0), "se": se, "z": z,
                   "pvalue": 2 * stats.norm.sf(np.abs(z)), "ci.lower": lo, "ci.upper": hi}
        if jk is not None:
            out["bca.lower"], out["bca.upper"] = bca_intervals(reps, est, jk, level)
        return out

    def jk_cols(cols: Any) -> np.ndarray | None:
        return jack[:, cols] if bca else None

    for k, v in summarise(table["est"].to_numpy(), good[:, :n_tab],
                          jk_cols(slice(0, n_tab))).items():
        table[k] = v
    pos = [int(np.flatnonzero((table["lhs"] == r.lhs) & (table["op"] == "~")
                              & (table["rhs"] == r.rhs))[0]) for r in inter.itertuples()]
    for k, v in summarise(inter["est"].to_numpy(), good[:, pos], jk_cols(pos)).items():
        inter[k] = v
    for k, v in summarise(inter["est_product"].to_numpy(), good[:, n_tab:],
                          jk_cols(slice(n_tab, width))).items():
        inter[f"product.{k}"] = v
    if len(slopes):
        for k, v in summarise(slopes["slope"].to_numpy(),
                              _slope_values(good, slopes, table, inter, n_tab),
                              _slope_values(jack, slopes, table, inter, n_tab) if bca
                              else None).items():
            slopes[k] = v
    info = {"n_boot": int(n_boot), "seed": seed_used, "indices": idx is not None,
            "level": level, "bca": bool(bca), "method": method,
            "n_failed": int(values.shape[0] - good.shape[0]),
            "n_jackknife": len(left_out), "backend": run.backend, "workers": run.workers}
    return PLSInteractionBootstrap(result=fit, table=table, interactions=inter,
                                   replicates=values, settings=info, simple_slopes=slopes,
                                   jackknife=jack if bca else None,
                                   jackknife_left_out=list(left_out))
