"""Higher-order constructs in PLS path models: the repeated-indicators and two-stage approaches
(Becker, Klein & Wetzels, 2012, *Long Range Planning* 45, 359-394; Sarstedt, Hair, Cheah,
Becker & Ringle, 2019, "How to specify, estimate, and validate higher-order constructs in
PLS-SEM", *Australasian Marketing Journal* 27, 197-211).

A higher-order construct (HOC) is written as lavaan writes a second-order factor, with
lower-order constructs (LOCs, its *dimensions*) on the right-hand side::

    COMP =~ comp_1 + comp_2 + comp_3
    LIKE =~ like_1 + like_2 + like_3
    REPU =~ COMP + LIKE          # reflective-reflective HOC (mode A on the dimensions)
    # REPU <~ COMP + LIKE        # reflective-formative HOC (mode B on the dimensions)
    CUSL ~ REPU

The HOC takes part in the structural model; its dimensions do not (they are measured by
their items and stand for the HOC). Three approaches (``approach``):

* ``"repeated"`` (repeated indicators; Lohmöller, 1989): the HOC is measured by all of its
  dimensions' items (copies named ``HOC.item``), the HOC predicts each dimension (``=~``) or
  each dimension predicts the HOC (``<~``), and the model is estimated once. The HOC block
  uses the HOC's own mode (``repeated_mode`` overrides it; Becker et al., 2012, recommend mode B
  for a formative HOC).
* ``"embedded"`` (the embedded two-stage approach, the default; Sarstedt et al., 2019): stage 1
  is the repeated-indicators model; stage 2 replaces the dimensions by their stage-1 construct
  scores, which become the HOC's indicators (mode A for ``=~``, mode B for ``<~``), and
  estimates the original structural model.
* ``"disjoint"`` (the disjoint two-stage approach; seminr's ``higher_composite(...,
  method = two_stage)``): stage 1 leaves the HOC out and links each dimension to the HOC's
  antecedents and outcomes directly; stage 2 as above.

Inference (:func:`bootstrap_pls_higher_order`): every bootstrap resample re-runs both stages
(the dimensions' scores are re-estimated in the resample), as Sarstedt et al. (2019) and
seminr's bootstrap of a two-stage model do; percentile intervals as
:func:`~analysis.pls.bootstrap_pls`.

Missing answers are handled once (:mod:`analysis.pls.data`) before stage 1; both stages
analyse the same respondents. The result's lavaan-shaped table combines stage 2 (the
structural model, the HOC's weights and loadings on its dimensions, every other construct's
measurement) with stage 1's measurement of the dimensions (column ``stage``), as seminr
reports a two-stage model.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from instruments.plain import to_plain

from .data import indicator_data
from .errors import PLSInputError
from .estimate import estimate_pls
from .result import PLSResult
from .syntax import _KNOWN_BAD, _names, _operator, _statements, parse_pls_model

__all__ = ["HigherOrder", "HigherOrderModel", "PLSHigherOrderBootstrap", "PLSHigherOrderResult",
           "bootstrap_pls_higher_order", "estimate_pls_higher_order", "parse_higher_order"]

APPROACHES = ("embedded", "disjoint", "repeated")


@dataclass(frozen=True)
class HigherOrder:
    """One higher-order construct: its ``name``, ``dimensions`` (the lower-order constructs),
    ``mode`` (``"A"`` for ``=~``, ``"B"`` for ``<~``) and the model ``line``."""

    name: str
    dimensions: tuple[str, ...]
    mode: Literal["A", "B"]
    line: int = 0

    @property
    def op(self) -> str:
        """The operator it was written with."""
        return "=~" if self.mode == "A" else "<~"


@dataclass(frozen=True)
class HigherOrderModel:
    """A model with higher-order constructs, split: ``first_order`` (name -> (operator,
    items)) in order of definition, ``hocs``, the structural ``paths`` (predictor, outcome)
    as written, the ``syntax`` and the ``order`` in which all constructs were defined."""

    first_order: dict[str, tuple[str, tuple[str, ...]]]
    hocs: tuple[HigherOrder, ...]
    paths: tuple[tuple[str, str], ...]
    syntax: str = ""
    order: tuple[str, ...] = ()

    @property
    def dimensions(self) -> list[str]:
        """Every lower-order construct of a HOC."""
        return [d for h in self.hocs for d in h.dimensions]

    @property
    def items(self) -> list[str]:
        """Every indicator of the first-order constructs."""
        return [i for _, items in self.first_order.values() for i in items]


def parse_higher_order(syntax: str) -> HigherOrderModel:
    """Read a model whose measurement lines may name constructs as indicators (module
    docstring).

    Parameters
    ----------
    syntax : str
        lavaan syntax (:mod:`analysis.pls.syntax`) with second-order lines ``HOC =~ LOC1 +
        LOC2`` or ``HOC <~ LOC1 + LOC2``.

    Returns
    -------
    HigherOrderModel

    Raises
    ------
    PLSInputError
        A line mixes items and constructs, a HOC's dimension is itself a HOC, a dimension
        belongs to two HOCs or takes part in a structural path, or the model has no HOC.

    Examples
    --------
    >>> m = parse_higher_order("A =~ a1 + a2; B =~ b1 + b2; H =~ A + B; Y =~ y; Y ~ H")
    >>> [(h.name, h.dimensions, h.mode) for h in m.hocs], m.paths
    ([('H', ('A', 'B'), 'A')], (('H', 'Y'),))
    """
    if not isinstance(syntax, str) or not syntax.strip():
        raise PLSInputError("the PLS model syntax is empty")
    measured: list[tuple[int, str, str, list[str]]] = []
    paths: list[tuple[str, str]] = []
    for lineno, stmt in _statements(syntax):
        op, pos = _operator(stmt, lineno)
        if op in _KNOWN_BAD:
            raise PLSInputError(f"model line {lineno}: {_KNOWN_BAD[op]} ({stmt!r})")
        lhs = _names(stmt[:pos].strip(), lineno, stmt)
        rhs = _names(stmt[pos + len(op):].strip(), lineno, stmt)
        if op in ("=~", "<~"):
            measured += [(lineno, name, op, rhs) for name in lhs]
        else:
            paths += [(p, o) for o in lhs for p in rhs]
    defined = {name for _, name, _, _ in measured}
    first: dict[str, tuple[str, list[str]]] = {}
    hoc_lines: dict[str, tuple[int, str, list[str]]] = {}
    for lineno, name, op, rhs in measured:
        constructs = [t for t in rhs if t in defined]
        if constructs and len(constructs) != len(rhs):
            items = [t for t in rhs if t not in defined]
            raise PLSInputError(
                f"model line {lineno}: {name!r} is measured by constructs "
                f"({', '.join(constructs)}) and items ({', '.join(items)}) at once; a "
                "higher-order construct takes only constructs: give the items their own "
                "construct")
        if constructs:
            prev = hoc_lines.get(name)
            if prev is not None and prev[1] != op:
                raise PLSInputError(f"model line {lineno}: {name!r} is measured with both '=~' "
                                    f"and '<~' (first on line {prev[0]}); choose one")
            hoc_lines[name] = (prev[0] if prev else lineno, op,
                               [*(prev[2] if prev else []), *rhs])
        else:
            if name in first and first[name][0] != op:
                raise PLSInputError(f"model line {lineno}: {name!r} is measured with both '=~' "
                                    "and '<~'; choose one")
            prev_items = first.get(name, (op, []))[1]
            first[name] = (op, [*prev_items, *rhs])
    if not hoc_lines:
        raise PLSInputError("the model has no higher-order construct (a line such as 'HOC =~ "
                            "LOC1 + LOC2' naming constructs); use estimate_pls for it")
    owner: dict[str, str] = {}
    hocs = []
    for name, (lineno, op, dims) in hoc_lines.items():
        if name in first:
            raise PLSInputError(f"model line {lineno}: {name!r} is measured by items and by "
                                "constructs; a higher-order construct takes only constructs")
        for dim in dims:
            if dim in hoc_lines:
                raise PLSInputError(f"model line {lineno}: {dim!r} is itself a higher-order "
                                    f"construct; constructs of third order ({name!r}) are not "
                                    "supported: build the model from second-order constructs")
            if dim in owner:
                raise PLSInputError(f"model line {lineno}: {dim!r} is a dimension of both "
                                    f"{owner[dim]!r} and {name!r}; give each dimension one "
                                    "higher-order construct")
            owner[dim] = name
        if len(dims) < 2:
            raise PLSInputError(f"model line {lineno}: the higher-order construct {name!r} has "
                                "one dimension only; it needs two or more")
        hocs.append(HigherOrder(name=name, dimensions=tuple(dims),
                                mode="A" if op == "=~" else "B", line=lineno))
    for a, b in paths:
        for v in (a, b):
            if v in owner:
                raise PLSInputError(
                    f"{v!r} is a dimension of the higher-order construct {owner[v]!r} and "
                    f"takes part in the structural path {a} ~> {b}; in the higher-order model "
                    f"{owner[v]!r} stands for its dimensions: connect {owner[v]!r} instead")
    return HigherOrderModel(
        first_order={k: (op, tuple(items)) for k, (op, items) in first.items()},
        hocs=tuple(hocs), paths=tuple(paths), syntax=syntax,
        order=tuple(dict.fromkeys(name for _, name, _, _ in measured)))


def _syntax(measurement: list[tuple[str, str, list[str]]], paths: list[tuple[str, str]]) -> str:
    lines = [f"{name} {op} {' + '.join(items)}" for name, op, items in measurement]
    lines += [f"{b} ~ {a}" for a, b in paths]
    return "\n".join(lines)


def stage_models(spec: HigherOrderModel, approach: str,
                 repeated_mode: str | None = None) -> tuple[str, dict[str, str] | None]:
    """The stage-1 model syntax and the copies of repeated indicators (``HOC.item`` ->
    ``item``; None for the disjoint approach)."""
    lower = [(n, op, list(items)) for n, (op, items) in spec.first_order.items()]
    if approach == "disjoint":
        paths: list[tuple[str, str]] = []
        dims = {h.name: h.dimensions for h in spec.hocs}
        for a, b in spec.paths:
            for pa in dims.get(a, (a,)):
                for pb in dims.get(b, (b,)):
                    if (pa, pb) not in paths:
                        paths.append((pa, pb))
        return _syntax(lower, paths), None
    copies: dict[str, str] = {}
    hocs = {h.name: h for h in spec.hocs}
    measurement = []
    paths = list(spec.paths)
    for n in spec.order or [*spec.first_order, *hocs]:
        if n not in hocs:
            op, items = spec.first_order[n]
            measurement.append((n, op, list(items)))
            continue
        h = hocs[n]
        items = [f"{h.name}.{i}" for d in h.dimensions for i in spec.first_order[d][1]]
        copies.update({f"{h.name}.{i}": i for d in h.dimensions for i in spec.first_order[d][1]})
        mode = repeated_mode or h.mode
        measurement.append((h.name, "=~" if mode == "A" else "<~", items))
        paths += [(h.name, d) if h.mode == "A" else (d, h.name) for d in h.dimensions]
    return _syntax(measurement, paths), copies


def stage2_model(spec: HigherOrderModel) -> str:
    """The stage-2 model: the dimensions' scores measure the HOCs; every other construct keeps
    its items; the structural model as written."""
    dims = set(spec.dimensions)
    hocs = {h.name: h for h in spec.hocs}
    measurement = []
    for n in spec.order or [*spec.first_order, *hocs]:
        if n in hocs:
            measurement.append((n, hocs[n].op, list(hocs[n].dimensions)))
        elif n not in dims:
            op, items = spec.first_order[n]
            measurement.append((n, op, list(items)))
    return _syntax(measurement, list(spec.paths))


@dataclass
class PLSHigherOrderResult:
    """A PLS path model with higher-order constructs.

    Attributes
    ----------
    approach : ``"embedded"``, ``"disjoint"`` or ``"repeated"``.
    hocs : the higher-order constructs (name, dimensions, mode).
    stage1 : the stage-1 estimation (for ``"repeated"``, the only one).
    stage2 : the stage-2 estimation (None for ``"repeated"``).
    estimates : the combined lavaan-shaped table with a ``stage`` column (module docstring).
    sample : the respondents analysed and the missing-data handling.
    """

    approach: str
    hocs: tuple[HigherOrder, ...]
    stage1: PLSResult
    stage2: PLSResult | None
    estimates: pd.DataFrame
    sample: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> PLSResult:
        """The estimation holding the structural model (stage 2, or the repeated model)."""
        return self.stage2 if self.stage2 is not None else self.stage1

    def path(self, predictor: str, outcome: str) -> float:
        """The path coefficient ``predictor -> outcome`` of the structural model."""
        return self.final.path(predictor, outcome)

    @property
    def r2(self) -> dict[str, float]:
        """R² of the structural model's endogenous constructs."""
        return self.final.r2

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: approach, HOCs, the combined table and both stages."""
        return {"method": "pls-higher-order", "approach": self.approach,
                "higher_order": [{"name": h.name, "dimensions": list(h.dimensions),
                                  "mode": h.mode} for h in self.hocs],
                "sample": to_plain(self.sample), "estimates": to_plain(self.estimates),
                "stage1": self.stage1.to_dict(),
                "stage2": None if self.stage2 is None else self.stage2.to_dict()}


def _combined(spec: HigherOrderModel, t1: pd.DataFrame, t2: pd.DataFrame | None,
              copies: dict[str, str] | None) -> pd.DataFrame:
    """The combined table from the stages' parameter tables (module docstring)."""
    if t2 is None:
        t = t1.copy()
        if copies:
            t["rhs"] = [copies.get(r, r) for r in t["rhs"]]
        t["stage"] = 1
        return t
    dims = set(spec.dimensions)
    lower = t1[t1["op"].isin(["=~", "<~"]) & t1["lhs"].isin(dims)]
    lower = lower.assign(stage=1)
    t2 = t2.assign(stage=2)
    measure = t2[t2["op"].isin(["=~", "<~"])]
    rest = t2[~t2["op"].isin(["=~", "<~"])]
    out = []
    for op in ("=~", "<~"):
        out += [measure[measure["op"] == op], lower[lower["op"] == op]]
    return pd.concat([*out, rest], ignore_index=True)


def estimate_pls_higher_order(data: Any, model: str | HigherOrderModel, *,
                              approach: str = "embedded", repeated_mode: str | None = None,
                              scheme: str = "path", consistent: bool = False,
                              missing: str | None = None, missing_value: Any = None,
                              standardize: bool = True, max_iter: int = 300,
                              tol: float = 1e-7) -> PLSHigherOrderResult:
    """Estimate a PLS path model with higher-order constructs (module docstring).

    Parameters
    ----------
    data : pandas.DataFrame or mapping of column name to values
        Respondents in rows, items in columns.
    model : str or HigherOrderModel
        lavaan syntax with second-order lines ``HOC =~ LOC1 + LOC2`` / ``HOC <~ LOC1 + LOC2``.
    approach : {"embedded", "disjoint", "repeated"}
        The embedded two-stage (default), disjoint two-stage or repeated-indicators approach.
    repeated_mode : {"A", "B"} or None
        Mode of the HOC's repeated-indicator block in the repeated model (None: the HOC's own,
        A for ``=~``, B for ``<~``).
    scheme, consistent, missing, missing_value, standardize, max_iter, tol
        As for :func:`~analysis.pls.estimate_pls`, used in every stage.

    Returns
    -------
    PLSHigherOrderResult

    Raises
    ------
    PLSInputError
        Unreadable model or settings, data problems, or a stage that cannot be estimated.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(5)
    >>> f = rng.normal(size=(300, 1))
    >>> a, b = f + 0.7 * rng.normal(size=(300, 1)), f + 0.7 * rng.normal(size=(300, 1))
    >>> d = pd.DataFrame(np.hstack([a + rng.normal(size=(300, 2)), b + rng.normal(size=(300, 2)),
    ...                             0.5 * f + rng.normal(size=(300, 1))]),
    ...                  columns=["a1", "a2", "b1", "b2", "y"])
    >>> fit = estimate_pls_higher_order(d, "A =~ a1 + a2; B =~ b1 + b2; H =~ A + B; "
    ...                                    "Y =~ y; Y ~ H")
    >>> fit.approach, round(fit.path("H", "Y"), 3)
    ('embedded', 0.378)
    """
    spec = model if isinstance(model, HigherOrderModel) else parse_higher_order(model)
    if approach not in APPROACHES:
        raise PLSInputError(f"approach={approach!r}: use 'embedded' (the embedded two-stage "
                            "approach), 'disjoint' (the disjoint two-stage approach) or "
                            "'repeated' (repeated indicators)", code="invalid_argument")
    if repeated_mode not in (None, "A", "B"):
        raise PLSInputError(f"repeated_mode={repeated_mode!r}: use 'A', 'B' or None",
                            code="invalid_argument")
    d = indicator_data(data, spec.items, missing=missing, missing_value=missing_value)
    clean = pd.DataFrame(d.X, index=d.index, columns=spec.items)
    s1_syntax, copies = stage_models(spec, approach, repeated_mode)
    if copies:
        clash = [c for c in copies if c in clean.columns]
        if clash:
            raise PLSInputError(f"column(s) {', '.join(clash)} of the data have the names of "
                                "the repeated indicators; rename them", code="invalid_argument")
        clean = pd.concat([clean, pd.DataFrame({c: clean[i].to_numpy() for c, i in
                                                copies.items()}, index=clean.index)], axis=1)
    opts = {"scheme": scheme, "consistent": consistent, "standardize": standardize,
            "max_iter": max_iter, "tol": tol}
    s1 = estimate_pls(clean, parse_pls_model(s1_syntax), **opts)
    s2 = None
    if approach != "repeated":
        dims = spec.dimensions
        others = [i for n, (_, items) in spec.first_order.items() if n not in set(dims)
                  for i in items]
        stage2 = pd.concat([clean[others], s1.scores[dims]], axis=1)
        s2 = estimate_pls(stage2, parse_pls_model(stage2_model(spec)), **opts)
    sample = d.record()
    for r in (s1, s2):
        if r is not None:
            r.sample.update({k: v for k, v in sample.items() if k != "n"})
            r.settings["missing"] = missing
    table = _combined(spec, s1.estimates, None if s2 is None else s2.estimates, copies)
    return PLSHigherOrderResult(approach=approach, hocs=spec.hocs, stage1=s1, stage2=s2,
                                estimates=table, sample=sample)


def _stage_plan(spec: HigherOrderModel, approach: str,
                repeated_mode: str | None) -> dict[str, Any]:
    """The parsed stage models and the column positions that build each stage's data from
    the first-order items (``spec.items`` order)."""
    s1_syntax, copies = stage_models(spec, approach, repeated_mode)
    m1 = parse_pls_model(s1_syntax)
    pos = {i: k for k, i in enumerate(spec.items)}
    plan: dict[str, Any] = {"m1": m1, "copies": copies,
                            "cols1": [pos[(copies or {}).get(i, i)] for i in m1.items]}
    if approach != "repeated":
        m2 = parse_pls_model(stage2_model(spec))
        dims = set(spec.dimensions)
        plan["m2"] = m2
        plan["cols2"] = [("score", m1.names.index(i)) if i in dims else ("item", pos[i])
                         for i in m2.items]
    return plan


def _table_values(model: Any, est: dict[str, Any], standardize: bool) -> np.ndarray:
    """The ``est`` column of :func:`analysis.pls.result.parameter_table`, as an array, in its
    row order (loadings, weights, paths, construct correlations, R²)."""
    W = est["W"] if standardize else est["W_fit"]
    names = model.names
    out: list[float] = []
    for M in (est["loadings"], W):
        k = 0
        for j, c in enumerate(model.constructs):
            out += list(M[k:k + len(c.items), j])
            k += len(c.items)
    P = est["paths"]
    for outcome in model.endogenous:
        out += [P[names.index(p), names.index(outcome)] for p in model.predictors(outcome)]
    C = est["cor"]
    out += [C[a, b] for a in range(len(names)) for b in range(a + 1, len(names))]
    out += list(est["r2"].values())
    return np.asarray(out, dtype=float)


def _fast_values(X: np.ndarray, plan: dict[str, Any],
                 opts: dict[str, Any]) -> tuple[np.ndarray, np.ndarray | None]:
    """The stages' parameter-table values for one complete data matrix (``spec.items``
    columns), computed with the estimation core directly (the steps of
    :func:`estimate_pls_higher_order`)."""
    from .estimate import _solve

    kw = {k: opts[k] for k in ("scheme", "consistent", "standardize", "max_iter", "tol")}

    def solve(model: Any, data: np.ndarray) -> dict[str, Any]:
        S = np.cov(data, rowvar=False)
        if not np.all(np.isfinite(S)) or np.any(np.diag(S) <= 0):
            raise PLSInputError("an item is constant in this resample")
        return _solve(model, S, n=data.shape[0], **kw)

    X1 = X[:, plan["cols1"]]
    est1 = solve(plan["m1"], X1)
    v2 = None
    if "m2" in plan:
        scores = ((X1 - X1.mean(axis=0)) / est1["sd"]) @ est1["W"]
        X2 = np.column_stack([scores[:, k] if kind == "score" else X[:, k]
                              for kind, k in plan["cols2"]])
        v2 = _table_values(plan["m2"], solve(plan["m2"], X2), kw["standardize"])
    return _table_values(plan["m1"], est1, kw["standardize"]), v2


def _hoc_replicates(gens: list[np.random.Generator], rows: range, *, raw: np.ndarray,
                    plan: dict[str, Any], opts: dict[str, Any], stage: np.ndarray,
                    pos: np.ndarray, indices: np.ndarray | None) -> np.ndarray:
    """The combined table's estimates (rows ``pos`` of stage ``stage``'s table) re-estimated
    on a chunk of bootstrap resamples (mean replacement redone within the resample); NaN rows
    where a stage fails."""
    n = raw.shape[0]
    out = np.full((len(rows), pos.size), np.nan)
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
                v1, v2 = _fast_values(X, plan, opts)
        except (PLSInputError, np.linalg.LinAlgError, ValueError, FloatingPointError):
            continue
        row = np.empty(pos.size)
        row[stage == 1] = v1[pos[stage == 1]]
        if v2 is not None:
            row[stage == 2] = v2[pos[stage == 2]]
        out[k] = row
    return out


@dataclass
class PLSHigherOrderBootstrap:
    """A bootstrapped model with higher-order constructs: ``result`` (the full sample),
    ``table`` (the combined table with ``boot.mean, se, z, pvalue, ci.lower, ci.upper``),
    ``replicates`` (resamples x table rows, NaN rows failed) and ``settings``."""

    result: PLSHigherOrderResult
    table: pd.DataFrame
    replicates: np.ndarray = field(repr=False)
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data: the result, the bootstrap settings and table (replicates
        omitted)."""
        return {**self.result.to_dict(), "bootstrap": to_plain(self.settings),
                "estimates": to_plain(self.table)}


def bootstrap_pls_higher_order(data: Any, model: str | HigherOrderModel, *, n_boot: int = 5000,
                               seed: int | None = None, indices: Any = None,
                               level: float = 0.95, approach: str = "embedded",
                               repeated_mode: str | None = None, scheme: str = "path",
                               consistent: bool = False, missing: str | None = None,
                               missing_value: Any = None, standardize: bool = True,
                               max_iter: int = 300, tol: float = 1e-7,
                               n_jobs: int | None = None,
                               progress: bool | None = None) -> PLSHigherOrderBootstrap:
    """Estimate a model with higher-order constructs and bootstrap both stages together.

    Parameters
    ----------
    data, model, approach, repeated_mode, scheme, consistent, missing, missing_value,
    standardize, max_iter, tol
        As for :func:`estimate_pls_higher_order`.
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
    PLSHigherOrderBootstrap
        The full-sample result and its combined table with ``boot.mean, se, z, pvalue,
        ci.lower, ci.upper`` (``se`` the resamples' SD, ``z = est / se``, normal p-value).

    Raises
    ------
    PLSInputError
        Bad settings or indices, or the full-sample estimation fails.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(5)
    >>> f = rng.normal(size=(200, 1))
    >>> a, b = f + 0.7 * rng.normal(size=(200, 1)), f + 0.7 * rng.normal(size=(200, 1))
    >>> d = pd.DataFrame(np.hstack([a + rng.normal(size=(200, 2)), b + rng.normal(size=(200, 2)),
    ...                             0.5 * f + rng.normal(size=(200, 1))]),
    ...                  columns=["a1", "a2", "b1", "b2", "y"])
    >>> boot = bootstrap_pls_higher_order(
    ...     d, "A =~ a1 + a2; B =~ b1 + b2; H =~ A + B; Y =~ y; Y ~ H", n_boot=30, seed=1,
    ...     n_jobs=1, progress=False)
    >>> row = boot.table.query("op == '~'").iloc[0]
    >>> bool(row["ci.lower"] < row["est"] < row["ci.upper"])
    True
    """
    from scipy import stats

    from analysis.arguments import check_level, check_n_boot, check_n_jobs, check_seed
    from analysis.structural.resampling import percentile_ci, run_replicates

    from .bootstrap import _check_indices

    spec = model if isinstance(model, HigherOrderModel) else parse_higher_order(model)
    level = check_level(level, error=PLSInputError)
    n_jobs = check_n_jobs(n_jobs, error=PLSInputError)
    opts = {"approach": approach, "repeated_mode": repeated_mode, "scheme": scheme,
            "consistent": consistent, "standardize": standardize, "max_iter": max_iter,
            "tol": tol}
    fit = estimate_pls_higher_order(data, spec, missing=missing, missing_value=missing_value,
                                    **opts)
    d = indicator_data(data, spec.items, missing=missing, missing_value=missing_value)
    raw = d.raw if d.raw is not None else d.X
    if indices is not None:
        idx = _check_indices(indices, raw.shape[0])
        n_boot, seed_used = idx.shape[0], None
    else:
        idx = None
        n_boot = check_n_boot(n_boot, minimum=1, error=PLSInputError)
        seed_used = check_seed(seed, error=PLSInputError)
    t = fit.estimates
    plan = _stage_plan(spec, approach, repeated_mode)
    t1 = fit.stage1.estimates.assign(_pos=np.arange(len(fit.stage1.estimates)))
    t2 = None if fit.stage2 is None else fit.stage2.estimates.assign(
        _pos=np.arange(len(fit.stage2.estimates)))
    where = _combined(spec, t1, t2, plan["copies"])
    fn = functools.partial(_hoc_replicates, raw=raw, plan=plan, opts=opts,
                           stage=where["stage"].to_numpy(), pos=where["_pos"].to_numpy(),
                           indices=idx)
    run = run_replicates(fn, n_boot, seed_used if seed_used is not None else 0, n_jobs=n_jobs,
                         chunk_size=50, progress=progress, desc="PLS higher-order bootstrap",
                         batched=True)
    values = run.values
    good = values[~np.isnan(values).all(axis=1)]
    if good.shape[0] < 2:
        raise PLSInputError(f"only {good.shape[0]} of {n_boot} bootstrap resamples could be "
                            "estimated; check the model and data", code="model_not_estimable")
    table = t.copy()
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        table["boot.mean"] = np.nanmean(good, axis=0)
        table["se"] = np.nanstd(good, axis=0, ddof=1)
        table["z"] = table["est"] / table["se"]
        table["pvalue"] = 2 * stats.norm.sf(np.abs(table["z"]))
        table["ci.lower"], table["ci.upper"] = percentile_ci(good, level)
    info = {"n_boot": int(n_boot), "seed": seed_used, "indices": idx is not None,
            "level": level, "n_failed": int(values.shape[0] - good.shape[0]),
            "backend": run.backend, "workers": run.workers}
    return PLSHigherOrderBootstrap(result=fit, table=table, replicates=values, settings=info)
