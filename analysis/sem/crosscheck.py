"""A second, independent implementation checks ours: refit the same model with semopy.

:func:`crosscheck_semopy` hands semopy (Igolkina & Meshcheryakov, 2020) the model our fit
estimated and the same cases, lets it estimate by its own code (its parser, RAM matrices,
Wishart ML objective, analytic gradient, SciPy's SLSQP, its own start values), and reports the
largest absolute differences per kind of number, each against a stated tolerance
(:data:`TOLERANCES`); a difference beyond it is *flagged* with the parameter it belongs to.

What is compared, and how like is kept with like:

* **The model.** semopy's defaults differ from lavaan's (it fixes no residual covariance
  between endogenous latent variables, bounds variances at zero, treats the first loading
  differently under ``std_lv``), so it gets the model spelled out from our parameter table:
  every free parameter named (rows tied by an equality constraint share the name), every
  fixed one written with its value, variances unbounded as in lavaan. Exogenous observed
  covariates (lavaan's ``fixed.x``) are left to semopy, which fixes them at their sample
  (co)variances the same way. If semopy still ends up with a different number of free
  parameters, nothing is compared and the status says so.
* **Estimates**: loadings (``=~``), structural paths (``~``), variances and covariances
  (``~~``) of the free parameters, matched by name.
* **Standard errors** (ML only): both from the expected information. Under MLM/MLR our SEs
  are robust and semopy has no equivalent; they are not compared.
* **Fit measures.** ``chisq`` is semopy's own statistic, N times its minimised Wishart
  discrepancy (lavaan's definition). semopy's documented departures from lavaan are not
  compared as printed (see /work/shared/research/psychometrics-anchors.md, section 4): its
  RMSEA uses N - 1, its CFI is not capped at 1, its AIC/BIC/log-likelihood come from the fit
  function, it has no SRMR, and with exogenous observed covariates its degrees of freedom
  count their fixed moments. So ``df`` is semopy's minus those moments; ``cfi``, ``tli`` and
  ``rmsea`` are lavaan's formulas (:mod:`analysis.sem.measures`) applied to semopy's
  chi-square, baseline chi-square and that df; ``srmr``, ``logl``, ``aic`` and ``bic`` are
  computed with lavaan's formulas from semopy's model-implied covariance matrix. Each row
  says which (``how``). Under MLM/MLR the unscaled (ML) statistics are compared; semopy has
  no Satorra-Bentler or Yuan-Bentler scaled test.

What semopy cannot fit is not compared, and the status says why: ordinal items
(WLSMV/DWLS: semopy has no thresholds, no scaled test and no robust SEs), several groups
(semopy's ``multigroup`` fits the groups one by one, without cross-group equality
constraints), FIML with missing data (semopy's FIML does not correct its fit statistics),
models with a mean structure, and ``:=`` defined parameters (semopy has none).

semopy's default stopping rule (SLSQP ``ftol`` 1e-6) leaves estimates about 1e-3 from the
optimum; the check tightens it to ``ftol`` 1e-12 (:data:`SEMOPY_OPTIONS`), which changes
where semopy stops, not what it computes.

semopy is imported only when a check runs (importing it takes about a second).

Reference: Igolkina, A. A., & Meshcheryakov, G. (2020). semopy: A Python package for
structural equation modeling. *Structural Equation Modeling, 27*(6), 952-963.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import math
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from instruments.errors import InvalidArgumentError
from instruments.plain import to_plain

from . import measures
from .errors import SEMInputError
from .partable import ParTable, build_partable
from .result import SEMResult
from .syntax import parse_model

__all__ = ["ENGINES", "SEMOPY_OPTIONS", "TOLERANCES", "Crosscheck", "check_engine",
           "crosscheck_semopy", "format_checks", "not_compared", "run_crosscheck"]

#: Second implementations a fit can be cross-checked with.
ENGINES = ("semopy",)

#: Largest absolute difference accepted per kind of number (beyond it: flagged).
TOLERANCES: dict[str, float] = {
    "loadings": 1e-3,
    "paths": 1e-3,
    "(co)variances": 1e-3,
    "standard errors": 1e-3,
    "chisq": 1e-2,
    "df": 0.0,
    "cfi": 1e-3,
    "tli": 1e-3,
    "rmsea": 1e-3,
    "srmr": 1e-3,
    "logl": 1e-2,
    "aic": 2e-2,
    "bic": 2e-2,
}

#: How semopy is run: its default objective and optimiser, with a tighter stopping rule.
SEMOPY_OPTIONS: dict[str, Any] = {"obj": "MLW", "solver": "SLSQP", "ftol": 1e-12,
                                  "maxiter": 10000}

_KIND_OF_OP = {"=~": "loadings", "~": "paths", "~~": "(co)variances"}
_LABELS = {"loadings": "loadings", "paths": "paths", "(co)variances": "(co)variances",
           "standard errors": "standard errors", "chisq": "chi-square", "df": "df",
           "cfi": "CFI", "tli": "TLI", "rmsea": "RMSEA", "srmr": "SRMR", "logl": "logL",
           "aic": "AIC", "bic": "BIC"}
_LOG2PI = math.log(2 * math.pi)


@dataclass
class Crosscheck:
    """Outcome of one cross-check, as plain data (:meth:`to_dict` is JSON-ready).

    Attributes
    ----------
    engine, version : the second implementation (``"semopy"``) and its version.
    status : ``"agree"`` (every difference within its tolerance), ``"differ"`` (at least one
        flagged), ``"not compared"`` (``reason`` says what semopy cannot do) or ``"failed"``
        (semopy raised an error or did not converge; ``reason`` has its message).
    model : what was checked, e.g. ``"measurement model (CFA)"``.
    n : cases both fits used.
    settings : how semopy was run.
    comparisons : one row per kind of estimate and per fit measure: ``what``, ``n`` (numbers
        compared), ``max_abs_diff``, ``where`` (the parameter with the largest difference),
        ``ours``, ``theirs``, ``tolerance``, ``ok`` and ``how``.
    flagged : every single number beyond its tolerance: ``what``, ``parameter``, ``ours``,
        ``theirs``, ``abs_diff``, ``tolerance``.
    notes : what was left out of the comparison and why.
    """

    engine: str
    status: str
    model: str = ""
    reason: str = ""
    version: str = ""
    n: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    flagged: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def compared(self) -> bool:
        """True when the two fits were compared (status ``agree`` or ``differ``)."""
        return self.status in ("agree", "differ")

    def table(self) -> pd.DataFrame:
        """The comparisons as a DataFrame (no rows when nothing was compared)."""
        return pd.DataFrame(self.comparisons, columns=list(_COLUMNS))

    def largest(self, what: str) -> float | None:
        """``max_abs_diff`` of one comparison row (``"loadings"``, ``"chisq"``, ...)."""
        return _largest(self.to_dict(), what)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN and infinities become None)."""
        return to_plain(asdict(self))


_COLUMNS = ("what", "n", "max_abs_diff", "where", "ours", "theirs", "tolerance", "ok", "how")
ESTIMATE_KINDS = ("loadings", "paths", "(co)variances")
FIT_MEASURES = ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "logl", "aic", "bic")


def _largest(check: dict[str, Any], what: str) -> float | None:
    for row in check.get("comparisons") or []:
        if row["what"] == what:
            return row["max_abs_diff"]
    return None


def not_compared(reason: str, model: str = "", engine: str = "semopy") -> Crosscheck:
    """A check that did not run, with the plain reason."""
    return Crosscheck(engine=engine, status="not compared", model=model, reason=reason)


# ----------------------------------------------------------------------------- scope
def _unsupported(fit: SEMResult, pt: ParTable | None) -> str | None:
    """Why semopy cannot fit the same model (None when it can)."""
    opts = fit.options or {}
    est = str(opts.get("estimator", "ML")).upper()
    if est in ("WLSMV", "DWLS") or opts.get("ordered"):
        return ("semopy has no WLSMV for ordinal items (its ordinal route is a polychoric matrix "
                "fitted by ML or DWLS, without thresholds, scaled test or robust standard "
                "errors)")
    if len(fit.group_labels) > 1 or opts.get("group"):
        what = ("equality constraints across groups (group_equal)" if opts.get("group_equal")
                else "a joint multigroup fit")
        return (f"semopy has no {what}: its multigroup() fits each group on its own")
    if opts.get("missing") == "ml":
        return ("semopy has no FIML fit statistics comparable with lavaan's (its FIML objective "
                "gives no corrected chi-square or fit indices)")
    if pt is not None and pt.meanstructure:
        return "semopy's covariance-structure model has no intercepts (mean structure)"
    if pt is not None and pt.defined:
        return "semopy has no defined parameters (':='), so they cannot be compared"
    return None


def _partable(fit: SEMResult) -> ParTable:
    if fit.state is not None:
        return fit.state.pt
    opts = fit.options or {}
    pt = build_partable(parse_model(fit.model), meanstructure=bool(opts.get("meanstructure")),
                        fixed_x=bool(opts.get("fixed_x", True)),
                        std_lv=bool(opts.get("std_lv", False)))
    return pt


# ----------------------------------------------------------------------------- syntax
def semopy_syntax(pt: ParTable, prefix: str = "ekp") -> tuple[str, dict[int, str], list[str]]:
    """The model as semopy syntax with every parameter explicit.

    Free parameters are named ``{prefix}{pid}`` (rows sharing a parameter id share the name,
    i.e. equality constraints carry over), fixed ones carry their value; the exogenous
    observed covariates' (co)variances (``fixed.x``) are left to semopy. Returns the syntax,
    ``{pid: name}`` and the names of the free variances (semopy bounds them at zero; the
    caller unbinds them, as lavaan estimates them: a ``BOUND`` line would break semopy's
    baseline model, which has no such parameters).
    """
    taken = set(pt.ov_names) | set(pt.lv_names)
    while any(v.startswith(prefix) for v in taken):
        prefix += "_"
    lines: list[str] = []
    names: dict[int, str] = {}
    variances: list[str] = []
    for i in range(len(pt)):
        if pt.group[i] != 1 or pt.op[i] not in _KIND_OF_OP or pt.exo[i]:
            continue
        pid = pt.pid[i]
        if pid >= 0:
            name = names.setdefault(pid, f"{prefix}{pid}")
            mult = name
            if pt.op[i] == "~~" and pt.lhs[i] == pt.rhs[i] and name not in variances:
                variances.append(name)
        else:
            mult = repr(float(pt.ustart[i]))
        lines.append(f"{pt.lhs[i]} {pt.op[i]} {mult}*{pt.rhs[i]}")
    return "\n".join(lines), names, variances


# ----------------------------------------------------------------------------- helpers
def _loading_starts(pt: ParTable, names: dict[int, str], X: pd.DataFrame) -> dict[str, float]:
    """Start values for the loadings of factors without a fixed loading (``std_lv``).

    semopy 2.3.11 derives a loading's start value from the factor's fixed indicator and loops
    forever when there is none; such loadings start at sqrt(var(x) / 2) instead (half the
    item's variance explained by a factor of variance 1)."""
    fixed = {pt.lhs[i] for i in range(len(pt)) if pt.op[i] == "=~" and pt.pid[i] < 0}
    out = {}
    for i in range(len(pt)):
        if pt.op[i] == "=~" and pt.pid[i] >= 0 and pt.lhs[i] not in fixed:
            v = float(X[pt.rhs[i]].var(ddof=0)) if pt.rhs[i] in X else 1.0
            out[names[pt.pid[i]]] = math.sqrt(max(v, 1e-8) / 2)
    return out


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """semopy logs through the root logger and numpy warns on trial steps: keep both quiet."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(previous)


def _version(pkg: str) -> str:
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _param_label(pt: ParTable, pid: int) -> str:
    """``lhs op rhs`` of the first row with this parameter id (lavaan's spelling)."""
    for i in range(len(pt)):
        if pt.pid[i] == pid:
            return f"{pt.lhs[i]} {pt.op[i]} {pt.rhs[i]}"
    return f"parameter {pid}"


def _compare(what: str, rows: list[tuple[str, float, float]], how: str,
             tolerance: float | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Summary row and flagged numbers for one kind of number."""
    tol = TOLERANCES[what] if tolerance is None else tolerance
    diffs = [(p, a, b, abs(a - b)) for p, a, b in rows if np.isfinite(a) and np.isfinite(b)]
    flagged = [{"what": what, "parameter": p, "ours": a, "theirs": b, "abs_diff": d,
                "tolerance": tol} for p, a, b, d in diffs if d > tol + 1e-12]
    if not diffs:
        return ({"what": what, "n": 0, "max_abs_diff": None, "where": "", "ours": None,
                 "theirs": None, "tolerance": tol, "ok": True, "how": how}, [])
    p, a, b, d = max(diffs, key=lambda r: r[3])
    return ({"what": what, "n": len(diffs), "max_abs_diff": d, "where": p, "ours": a,
             "theirs": b, "tolerance": tol, "ok": not flagged, "how": how}, flagged)


def _exo_moments(pt: ParTable) -> int:
    nx = len(pt.ov_x)
    return nx * (nx + 1) // 2


def _logl(S: np.ndarray, Sigma: np.ndarray, n: int, xi: list[int]) -> float:
    """lavaan's log-likelihood at Sigma (means saturated), conditional on the fixed.x block."""
    p = S.shape[0]
    sign, logdet = np.linalg.slogdet(Sigma)
    if sign <= 0:
        return float("nan")
    ll = -0.5 * n * (p * _LOG2PI + logdet + np.trace(np.linalg.solve(Sigma, S)))
    if xi:
        Sxx = S[np.ix_(xi, xi)]
        ll -= -0.5 * n * (len(xi) * (_LOG2PI + 1) + np.linalg.slogdet(Sxx)[1])
    return float(ll)


# ----------------------------------------------------------------------------- main
def crosscheck_semopy(data: pd.DataFrame, model_syntax: str, our_fit: SEMResult,
                      label: str = "", standard_errors: bool = True) -> Crosscheck:
    """Refit ``model_syntax`` on ``data`` with semopy and compare with ``our_fit``.

    Parameters
    ----------
    data : the data ``our_fit`` was estimated on (one row per case; complete cases of the
        model's variables are used, as by our listwise fit).
    model_syntax : the lavaan-syntax model of ``our_fit`` (recorded; the model semopy fits is
        spelled out from ``our_fit``'s parameter table, see the module docstring).
    our_fit : our :func:`analysis.sem.fit` result for the same model and data.
    label : a name for the model in messages, e.g. ``"CFA"``.
    standard_errors : also compare standard errors (ML fits only).

    Returns
    -------
    Crosscheck
        ``status`` ``"agree"``/``"differ"`` with the differences per kind, or ``"not
        compared"``/``"failed"`` with the reason.

    Examples
    --------
    The Holzinger-Swineford CFA (semopy ships the data):

    >>> from semopy.examples import holzinger39
    >>> from analysis import sem
    >>> data = holzinger39.get_data()
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> check = crosscheck_semopy(data, model, sem.fit(model, data), label="HS CFA")
    >>> check.status, check.n
    ('agree', 301)
    >>> check.largest("loadings") < 1e-4, check.largest("chisq") < 1e-6
    (True, True)
    """
    if not isinstance(data, pd.DataFrame):
        raise InvalidArgumentError("data must be a pandas DataFrame; got "
                                   f"{type(data).__name__}")
    try:
        pt = _partable(our_fit)
    except SEMInputError as e:
        return not_compared(f"the model could not be rebuilt for semopy: {e}", label)
    why = _unsupported(our_fit, pt)
    if why:
        return not_compared(why, label)
    absent = [v for v in pt.ov_names if v not in data.columns]
    if absent:
        raise SEMInputError(f"variable(s) of the model are not columns of the data: "
                            f"{', '.join(absent)}; pass the data the model was fitted on",
                            code="item_not_in_data")
    X = data[pt.ov_names].apply(pd.to_numeric, errors="coerce").dropna()
    n = len(X)
    if n != int(our_fit.nobs[0]):
        raise InvalidArgumentError(f"the data have {n} complete cases of the model's variables "
                                   f"but the fit used {our_fit.nobs[0]}; pass the data the model "
                                   "was fitted on")
    syntax, names, variances = semopy_syntax(pt)
    settings = {**SEMOPY_OPTIONS, "model": "our parameter table spelled out (lavaan's "
                "defaults explicit, variances unbounded)"}
    out = Crosscheck(engine="semopy", status="failed", model=label, version=_version("semopy"),
                     n=n, settings=settings)
    try:
        with _quiet():
            import semopy

            m = semopy.Model(syntax)
            for name in variances:
                m.parameters[name].bound = (None, None)
            for name, start in _loading_starts(pt, names, X).items():
                m.parameters[name].start = start
            res = m.fit(X, obj=SEMOPY_OPTIONS["obj"], solver=SEMOPY_OPTIONS["solver"],
                        options={"ftol": SEMOPY_OPTIONS["ftol"],
                                 "maxiter": SEMOPY_OPTIONS["maxiter"]})
            active = [k for k, p in m.parameters.items() if p.active]
            values = dict(zip(active, np.asarray(m.param_vals, dtype=float), strict=True))
            se = None
            if standard_errors:
                se = dict(zip(active, np.asarray(semopy.stats.calc_se(m), dtype=float),
                              strict=True))
            stats = semopy.calc_stats(m).T["Value"]
            sigma = np.asarray(m.calc_sigma()[0], dtype=float)
            obs = list(m.vars["observed"])
    except Exception as e:  # noqa: BLE001 - semopy's failure is the finding, reported
        out.reason = f"semopy raised {type(e).__name__}: {e}"
        return out
    if not res.success:
        out.reason = f"semopy's optimiser did not converge ({res.message})"
        return out
    if len(active) != pt.npar or set(active) != set(names.values()):
        out.status = "not compared"
        out.reason = (f"semopy built a model with {len(active)} free parameters, ours has "
                      f"{pt.npar}; the models are not the same")
        return out
    out.comparisons, out.flagged = _comparisons(our_fit, pt, names, values, se, stats, sigma,
                                                obs, X, standard_errors)
    out.status = "differ" if out.flagged else "agree"
    out.notes = _notes(our_fit, pt)
    return out


def _comparisons(fit: SEMResult, pt: ParTable, names: dict[int, str], values: dict[str, float],
                 se: dict[str, float] | None, stats: pd.Series, sigma: np.ndarray,
                 obs: list[str], X: pd.DataFrame, standard_errors: bool,
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    # our numbers as reported: the estimates table (its first rows follow the parameter table)
    est = fit.estimates
    ours: dict[int, float] = {}
    ours_se: dict[int, float] = {}
    first_op: dict[int, str] = {}
    for i in range(len(pt)):
        pid = pt.pid[i]
        if pid >= 0 and pid not in ours:
            ours[pid] = float(est["est"].iloc[i])
            ours_se[pid] = float(est["se"].iloc[i])
            first_op[pid] = pt.op[i]
    rows: list[dict[str, Any]] = []
    flagged: list[dict[str, Any]] = []
    by_kind: dict[str, list[tuple[str, float, float]]] = {k: [] for k in ESTIMATE_KINDS}
    se_rows: list[tuple[str, float, float]] = []
    for pid, name in sorted(names.items()):
        what = _KIND_OF_OP[first_op[pid]]
        par = _param_label(pt, pid)
        by_kind[what].append((par, ours[pid], values[name]))
        if se is not None:
            se_rows.append((par, ours_se[pid], se[name]))
    for what, kind_rows in by_kind.items():
        if kind_rows:
            r, f = _compare(what, kind_rows, "free parameters, matched by name")
            rows.append(r)
            flagged += f
    robust = str((fit.options or {}).get("estimator", "ML")).upper() != "ML"
    if standard_errors and se is not None and not robust:
        r, f = _compare("standard errors", se_rows, "expected information, both")
        rows.append(r)
        flagged += f
    # ---- fit measures
    fm = fit.fit_measures
    n = len(X)
    k_x = _exo_moments(pt)
    chisq = float(stats["chi2"])
    df = float(stats["DoF"]) - k_x
    b_chisq = float(stats["chi2 Baseline"])
    b_df = float(stats["DoF Baseline"]) - k_x
    how_ix = "lavaan's formula on semopy's chi-square, baseline chi-square and df"
    fit_rows: list[tuple[str, float, str]] = [
        ("chisq", chisq, "semopy's own: N x minimised Wishart ML discrepancy"),
        ("df", df, "semopy's own" + (f" minus the {k_x} fixed moments of the exogenous "
                                     "covariates" if k_x else "")),
    ]
    if len(pt.ov_x) < 2:
        fit_rows += [("cfi", measures.cfi(chisq, df, b_chisq, b_df), how_ix + " (semopy's "
                      "own is not capped at 1)"),
                     ("tli", measures.tli(chisq, df, b_chisq, b_df), how_ix)]
    fit_rows.append(("rmsea", measures.rmsea(chisq, df, n), "lavaan's formula (N, not "
                     f"semopy's N - 1; semopy printed {float(stats['RMSEA']):.6f}) on "
                     "semopy's chi-square and df"))
    Xv = X[obs].to_numpy(dtype=float)
    Xc = Xv - Xv.mean(axis=0)
    S = Xc.T @ Xc / n
    order = [obs.index(v) for v in pt.ov_names]
    S_o = S[np.ix_(order, order)]
    Sig_o = sigma[np.ix_(order, order)]
    xi = [pt.ov_names.index(v) for v in pt.ov_x]
    logl = _logl(S_o, Sig_o, n, xi)
    k = float(pt.npar)
    how_sig = "lavaan's formula on semopy's model-implied covariance matrix"
    fit_rows += [
        ("srmr", measures.srmr_bentler(S_o, Sig_o), how_sig + " (semopy has no SRMR)"),
        ("logl", logl, how_sig + " (semopy's LogLik is its fit function)"),
        ("aic", -2 * logl + 2 * k, how_sig + " (semopy's AIC uses its fit function)"),
        ("bic", -2 * logl + k * math.log(n), how_sig + " (semopy's BIC uses its fit function)"),
    ]
    for what, theirs, how in fit_rows:
        r, f = _compare(what, [(what, float(fm.get(what, float("nan"))), float(theirs))], how)
        r["where"] = ""
        rows.append(r)
        flagged += f
    return rows, flagged


def _notes(fit: SEMResult, pt: ParTable) -> list[str]:
    notes = []
    est = str((fit.options or {}).get("estimator", "ML")).upper()
    if est != "ML":
        notes.append(f"{est}: point estimates and the unscaled (ML) chi-square and fit measures "
                     "were compared; semopy has no scaled test or robust standard errors")
    if len(pt.ov_x) >= 2:
        notes.append("CFI and TLI not compared: semopy's baseline model sets the covariances "
                     "of the exogenous observed covariates to zero (lavaan keeps them)")
    heywood = [w for w in fit.warnings if "negative" in w and "variance" in w]
    if heywood:
        notes.append("our solution has a negative variance; semopy was run with variances "
                     "unbounded, as lavaan")
    return notes


def check_engine(engine: str | None) -> str | None:
    """The engine name, lower-cased, or None; a clear error for anything else.

    Examples
    --------
    >>> check_engine("semopy"), check_engine(None)
    ('semopy', None)
    """
    if engine is None:
        return None
    name = str(engine).strip().lower()
    if name not in ENGINES:
        raise InvalidArgumentError(f"crosscheck must be {' or '.join(map(repr, ENGINES))} or "
                                   f"None; got {engine!r}")
    return name


def run_crosscheck(engine: str | None, data: pd.DataFrame, model_syntax: str,
                   our_fit: SEMResult, label: str = "") -> dict[str, Any] | None:
    """The cross-check named by ``engine`` as a dict (None when ``engine`` is None).

    Parameters
    ----------
    engine : ``"semopy"`` or None (see :data:`ENGINES`).
    data, model_syntax, our_fit, label : as for :func:`crosscheck_semopy`.

    Returns
    -------
    dict or None
        :meth:`Crosscheck.to_dict` of the check.

    Examples
    --------
    >>> run_crosscheck(None, None, "", None) is None
    True
    """
    if check_engine(engine) is None:
        return None
    return crosscheck_semopy(data, model_syntax, our_fit, label=label).to_dict()


def _fmt(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, float) and not x.is_integer():
        return f"{x:.6g}"
    return f"{x:g}" if isinstance(x, float) else str(x)


def format_checks(checks: list[dict[str, Any]]) -> str:
    """Plain-text tables of cross-checks (the dicts of :meth:`Crosscheck.to_dict`).

    One table per model: the largest absolute difference per kind of estimate and per fit
    measure, where it occurs (or both values, for a fit measure), the tolerance and whether
    it held; then every flagged number, or the reason nothing was compared.

    Examples
    --------
    >>> print(format_checks([not_compared("semopy has no WLSMV", "CFA")]))
    cross-check of the CFA with semopy: not compared: semopy has no WLSMV
    """
    out: list[str] = []
    for c in checks:
        c = c.to_dict() if isinstance(c, Crosscheck) else c
        head = f"cross-check of the {c['model']}" if c.get("model") else "cross-check"
        head += f" with {c['engine']}"
        if c.get("version"):
            head += f" {c['version']}"
        if c["status"] not in ("agree", "differ"):
            out.append(f"{head}: {c['status']}: {c['reason']}")
            continue
        out.append(f"{head} (N = {c['n']}): {c['status']}")
        rows = [("", "n", "largest |diff|", "where (or ours vs semopy)", "tolerance", "ok")]
        for r in c["comparisons"]:
            where = r["where"] if r["where"] else f"{_fmt(r['ours'])} vs {_fmt(r['theirs'])}"
            diff = "-" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.1e}"
            rows.append((_LABELS.get(r["what"], r["what"]), str(r["n"]), diff, where,
                         f"{r['tolerance']:g}", "yes" if r["ok"] else "NO"))
        widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
        for row in rows:
            out.append("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True))
                       .rstrip())
        for f in c["flagged"]:
            out.append(f"  beyond tolerance: {_LABELS.get(f['what'], f['what'])} "
                       f"{f['parameter']}: ours {_fmt(f['ours'])}, {c['engine']} "
                       f"{_fmt(f['theirs'])}, |diff| {f['abs_diff']:.2g} > {f['tolerance']:g}")
        out += [f"  note: {n}" for n in c.get("notes") or []]
    return "\n".join(out)
