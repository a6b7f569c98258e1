"""What drives what across panel waves: the random-intercept cross-lagged panel model (RI-CLPM)
and the traditional cross-lagged panel model (CLPM) beside it.

**RI-CLPM** (Hamaker, Kuiper & Grasman 2015, *Psychological Methods* 20(1), 102-116). Each
construct ``c``'s score at wave ``t`` is split into a grand mean per wave, a stable
between-person *random intercept* ``RI_c`` (all loadings fixed to 1) and a within-person
deviation ``W_c_wt`` (a latent variable with its one loading fixed to 1; the observed residual
variance fixed to 0). The lagged effects are regressions among the within components,
``W_o_wt ~ W_p_w(t-1)`` for every pair (``o = p``: autoregressive; otherwise cross-lagged);
within components covary at wave 1 and their residuals covary at later waves; the random
intercepts covary with each other and not with the wave-1 within components; the observed
means are free at every wave (lavaan ``int.ov.free = TRUE``). This is the lavaan syntax of
the authors' supplement, written for :mod:`analysis.sem` with its defaults made explicit
(:func:`riclpm_syntax`). The lagged effects are *within-person*: how a person's deviation
from their own level carries into the next wave, separated from stable differences between
persons, which the CLPM mistakes for lagged effects (Hamaker et al. 2015).

**CLPM**: the same model without the random intercepts (the within components are then the
wave-mean-centred scores). It is nested in the RI-CLPM: fixing the random intercepts'
``k(k+1)/2`` variances and covariances to 0. The likelihood-ratio (chi-square difference)
statistic compares them; because the null hypothesis puts the variances on the boundary of
their space (a covariance matrix cannot be negative definite), its null distribution is not
``chi2(k(k+1)/2)`` but a chi-bar-square (Stoel, Garre, Dolan & van den Wittenboer 2006,
*Psychological Methods* 11(4), 439-455; Hamaker et al. 2015, p. 110): the distribution of
``||P_C(Z)||^2`` in the metric ``V^-1``, where ``Z ~ N(0, V)``, ``V`` is the asymptotic
covariance of the random-intercept (co)variance estimates and ``C`` the cone of positive
semidefinite matrices (Self & Liang 1987; Shapiro 1985). :func:`chibar_pvalue` estimates its
tail probability by Monte Carlo (seeded; 20,000 draws by default; ``V`` from the RI-CLPM
fit). The naive ``chi2`` p-value is reported beside it: it is an upper bound (conservative);
the **chi-bar-square p-value is the one used** for the comparison's decision.

**Latent RI-CLPM** (multiple indicators; Mulder & Hamaker 2021, *Structural Equation
Modeling* 28(4), 638-648, extension 3): a random intercept per *item* (loadings 1 on the
item at every wave), a within factor per construct and wave measured by the items
(first loading 1, the others equal over waves: weak factorial invariance of the within
part; item residual variances free); the lagged effects are among the within factors. The
item means stay free at every wave, so an item whose intercept drifts does not bias the
lagged effects.

Results are plain data (:meth:`CrossLaggedResult.to_dict`, the ``cross_lagged`` section of
results.json) with lavaan's column names: ``est, se, z, pvalue, ci.lower, ci.upper`` and the
standardized ``std.all`` with its delta-method SE and interval (``std.se``,
``std.ci.lower``, ``std.ci.upper``; lavaan ``standardizedSolution``). Every number is
checked against lavaan 0.6-14 in ``tests/test_cross_lagged.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from analysis.sem import SEMInputError, fit
from analysis.sem.standardized import standardized_solution
from instruments.errors import EngagekitInputError
from instruments.plain import to_plain

if TYPE_CHECKING:
    from analysis.responses.data import ResponseData
    from analysis.sem import SEMResult
    from instruments.schema import Instrument

__all__ = ["CrossLaggedError", "CrossLaggedResult", "chibar_pvalue", "clpm_syntax",
           "cross_lagged", "cross_lagged_from_responses", "default_draws",
           "equal_lags_comparison", "riclpm_syntax", "wide_panel"]

FIT_MEASURES = ("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower",
                "rmsea.ci.upper", "srmr", "logl", "aic", "bic", "ntotal")
EFFECT_COLUMNS = ["outcome", "predictor", "from_wave", "to_wave", "kind", "label", "est", "se",
                  "z", "pvalue", "ci.lower", "ci.upper", "std.all", "std.se", "std.ci.lower",
                  "std.ci.upper"]


class CrossLaggedError(EngagekitInputError):
    """Data or settings a cross-lagged panel model cannot be fitted to."""


# ---- syntax ---------------------------------------------------------------------------------


def _column(name: str, t: int) -> str:
    return f"{name}_w{t}"


def _check_names(constructs: Sequence[str], waves: int,
                 indicators: Mapping[str, Sequence[str]] | None) -> None:
    if len(constructs) < 2 or len(set(constructs)) != len(constructs):
        raise CrossLaggedError("give at least two different constructs for a cross-lagged "
                               f"model (got {', '.join(constructs) or 'none'})")
    if not isinstance(waves, int) or waves < 3:
        raise CrossLaggedError(f"a random-intercept cross-lagged model needs at least three "
                               f"waves (got {waves}); with two it is not identified")
    if indicators is not None:
        missing = [c for c in constructs if len(indicators.get(c, ())) < 2]
        if missing:
            raise CrossLaggedError("the latent model needs at least two items per construct: "
                                   + ", ".join(missing))


def riclpm_syntax(constructs: Sequence[str], waves: int, *,
                  indicators: Mapping[str, Sequence[str]] | None = None,
                  random_intercepts: bool = True, equal_lags: bool = False) -> str:
    """The RI-CLPM (or, with ``random_intercepts=False``, the CLPM) as model syntax for
    :func:`analysis.sem.fit` (module docstring).

    Observed variables are named ``{construct}_w{t}`` (scale scores) or ``{item}_w{t}``
    (with ``indicators``); random intercepts ``RI_{construct}`` (``RI_{item}``); within
    components ``W_{construct}_w{t}``.

    Parameters
    ----------
    constructs : sequence of str
        Two or more constructs, e.g. ``["affective", "repurchase"]``.
    waves : int
        Number of waves (>= 3).
    indicators : mapping of construct to its items, or None
        Multiple indicators per construct and wave (Mulder & Hamaker 2021, extension 3);
        None: one score per construct and wave.
    random_intercepts : bool, default True
        False gives the traditional CLPM.
    equal_lags : bool, default False
        Constrain each lagged effect equal over waves (labels ``b_{outcome}_{predictor}``).

    Returns
    -------
    str
        Model syntax (statements separated by newlines).

    Examples
    --------
    >>> print(riclpm_syntax(["x", "y"], 3).splitlines()[0])
    RI_x =~ 1*x_w1 + 1*x_w2 + 1*x_w3
    """
    _check_names(list(constructs), waves, indicators)
    cs = list(constructs)
    T = range(1, waves + 1)
    lines: list[str] = []
    ris: list[str] = []
    if indicators is None:
        if random_intercepts:
            for c in cs:
                lines.append(f"RI_{c} =~ " + " + ".join(f"1*{_column(c, t)}" for t in T))
                ris.append(f"RI_{c}")
        for c in cs:
            for t in T:
                lines.append(f"W_{c}_w{t} =~ 1*{_column(c, t)}")
        for c in cs:
            for t in T:
                lines.append(f"{_column(c, t)} ~~ 0*{_column(c, t)}")
    else:
        items = {c: list(indicators[c]) for c in cs}
        if random_intercepts:
            for c in cs:
                for i in items[c]:
                    lines.append(f"RI_{i} =~ " + " + ".join(f"1*{_column(i, t)}" for t in T))
                    ris.append(f"RI_{i}")
        for c in cs:
            for t in T:
                terms = [f"1*{_column(items[c][0], t)}"] + [
                    f"l_{i}*{_column(i, t)}" for i in items[c][1:]]
                lines.append(f"W_{c}_w{t} =~ " + " + ".join(terms))
    for t in T:
        if t == 1:
            continue
        for o in cs:
            rhs = []
            for p in cs:
                lab = f"b_{o}_{p}*" if equal_lags else ""
                rhs.append(f"{lab}W_{p}_w{t - 1}")
            lines.append(f"W_{o}_w{t} ~ " + " + ".join(rhs))
    for t in T:
        for a in range(len(cs)):
            for b in range(a + 1, len(cs)):
                lines.append(f"W_{cs[a]}_w{t} ~~ W_{cs[b]}_w{t}")
    for t in T:
        for c in cs:
            lines.append(f"W_{c}_w{t} ~~ W_{c}_w{t}")
    for a in range(len(ris)):
        for b in range(a, len(ris)):
            lines.append(f"{ris[a]} ~~ {ris[b]}")
    for r in ris:
        for c in cs:
            lines.append(f"{r} ~~ 0*W_{c}_w1")
    return "\n".join(lines)


def clpm_syntax(constructs: Sequence[str], waves: int, *,
                indicators: Mapping[str, Sequence[str]] | None = None,
                equal_lags: bool = False) -> str:
    """The traditional cross-lagged panel model: :func:`riclpm_syntax` without the random
    intercepts.

    Parameters
    ----------
    constructs : sequence of str
        Two or more constructs.
    waves : int
        Number of waves (>= 3).
    indicators : mapping of construct to its items, or None
        Multiple indicators per construct and wave (None: one score each).
    equal_lags : bool, default False
        Constrain each lagged effect equal over waves.

    Returns
    -------
    str
        Model syntax.

    Examples
    --------
    >>> "RI_" in clpm_syntax(["x", "y"], 3)
    False
    """
    return riclpm_syntax(constructs, waves, indicators=indicators, random_intercepts=False,
                         equal_lags=equal_lags)


# ---- chi-bar-square -------------------------------------------------------------------------


def default_draws(k: int) -> int:
    """Monte Carlo draws of :func:`chibar_pvalue` for a ``k x k`` matrix."""
    return 20000 if k <= 3 else 4000


def _vech_index(k: int) -> list[tuple[int, int]]:
    """Order of the random-intercept (co)variances: (0,0), (0,1), ..., (1,1), ... (rows)."""
    return [(a, b) for a in range(k) for b in range(a, k)]


def chibar_pvalue(statistic: float, V: np.ndarray, k: int, *, draws: int | None = None,
                  seed: int = 0) -> float:
    """Tail probability of the likelihood-ratio statistic for ``k x k`` covariance matrix = 0
    against positive semidefinite (the chi-bar-square of Stoel et al. 2006), by Monte Carlo.

    ``Z ~ N(0, V)`` is drawn ``draws`` times; each is projected onto the cone ``C`` of
    positive semidefinite matrices in the metric ``V^-1`` (ADMM, Boyd et al. 2011, in
    Frobenius coordinates, where the Euclidean projection onto the cone clips negative
    eigenvalues, until no coordinate moves by 1e-10 of the largest draw); the statistic's
    null distribution is that of
    ``||P_C Z||^2_{V^-1}`` (Self & Liang 1987; Shapiro 1985).

    Parameters
    ----------
    statistic : float
        The chi-square difference (likelihood-ratio) statistic.
    V : ndarray
        Asymptotic covariance matrix of the ``k(k+1)/2`` estimates, ordered as the rows of
        the upper triangle: ``(1,1), (1,2), ..., (1,k), (2,2), ...``.
    k : int
        Size of the covariance matrix tested.
    draws : int or None
        Monte Carlo draws (default 20,000 for ``k <= 3``, 4,000 for larger matrices: a
        Monte Carlo SE of about .0035 at p = .05).
    seed : int, default 0
        Seed of the draws.

    Returns
    -------
    float
        ``P(||P_C Z||^2 >= statistic)``.

    Examples
    --------
    >>> round(chibar_pvalue(0.0, np.eye(1), 1), 2)   # one variance: .5 chi2(0) + .5 chi2(1)
    1.0
    >>> round(chibar_pvalue(2.706, np.eye(1), 1), 2)
    0.05
    """
    V = np.asarray(V, dtype=float)
    draws = default_draws(k) if draws is None else draws
    m = k * (k + 1) // 2
    if V.shape != (m, m):
        raise ValueError(f"V must be {m} x {m} for k = {k}")
    rng = np.random.default_rng(seed)
    Z = rng.multivariate_normal(np.zeros(m), V, size=draws, method="cholesky")
    Vinv = np.linalg.inv(V)
    idx = _vech_index(k)
    # Frobenius coordinates u = D x with D = 1 on the diagonal, sqrt(2) off it
    d = np.array([1.0 if a == b else math.sqrt(2.0) for a, b in idx])
    M = Vinv / np.outer(d, d)  # the metric in u coordinates
    U = Z * d

    def project(Ub: np.ndarray) -> np.ndarray:
        """Frobenius projection onto the PSD cone: negative eigenvalues set to 0."""
        if k == 1:
            return np.clip(Ub, 0, None)
        if k == 2:  # closed form: lambda+ (S - lambda- I) / (lambda+ - lambda-) when split
            a, c, b = Ub[:, 0], Ub[:, 1] / d[1], Ub[:, 2]
            mid, rad = (a + b) / 2, np.sqrt(((a - b) / 2) ** 2 + c * c)
            lo, hi = mid - rad, mid + rad
            with np.errstate(invalid="ignore", divide="ignore"):
                f = np.where(rad > 0, hi / (2 * rad), 0.0)
            split = (lo < 0) & (hi > 0)
            out = np.where((lo >= 0)[:, None], Ub, 0.0)
            S = np.stack([(a - lo) * f, c * f * d[1], (b - lo) * f], axis=1)
            return np.where(split[:, None], S, out)
        S = np.zeros((len(Ub), k, k))
        for j, (a, b) in enumerate(idx):
            v = Ub[:, j] / d[j]
            S[:, a, b] = v
            S[:, b, a] = v
        w, Q = np.linalg.eigh(S)
        S = (Q * np.clip(w, 0, None)[:, None, :]) @ np.swapaxes(Q, 1, 2)
        return np.stack([S[:, a, b] * d[j] for j, (a, b) in enumerate(idx)], axis=1)

    X = project(U)
    # draws already in the cone are their own projection; the others by ADMM (Boyd et al.
    # 2011): x = argmin (u - x)'M(u - x) + rho/2 |x - y + w|^2, y = P_C(x + w), w += x - y
    todo = np.flatnonzero(np.abs(X - U).max(axis=1) > 1e-12)
    if len(todo):
        Ut = U[todo]
        ev = np.linalg.eigvalsh(M)
        rho = 2 * math.sqrt(ev.min() * ev.max())
        A = np.linalg.inv(2 * M + rho * np.eye(m))
        MU2 = 2 * Ut @ M
        Y = X[todo]
        Wd = np.zeros_like(Y)
        tol = 1e-10 * max(float(np.abs(U).max()), 1e-300)
        for _ in range(5000):
            Xa = (MU2 + rho * (Y - Wd)) @ A
            Yn = project(Xa + Wd)
            Wd += Xa - Yn
            done = max(np.abs(Xa - Yn).max(), np.abs(Yn - Y).max()) < tol
            Y = Yn
            if done:
                break
        X[todo] = Y
    P = X / d  # back to (co)variance coordinates
    T = np.einsum("ni,ij,nj->n", P, Vinv, P)
    return float(np.mean(statistic - 1e-12 <= T))


# ---- data -----------------------------------------------------------------------------------


def wide_panel(waves: Sequence[pd.DataFrame], columns: Sequence[str]) -> pd.DataFrame:
    """One row per respondent, ``{column}_w{t}`` for every wave, joined on the respondent ids
    (the index of each wave's frame); a respondent missing from a wave has blanks there.

    Parameters
    ----------
    waves : sequence of DataFrame
        One frame per wave, indexed by respondent id, holding ``columns``.
    columns : sequence of str
        Scores or items to take from every wave.

    Returns
    -------
    pandas.DataFrame
        The wide panel (index: respondent ids in order of first appearance).

    Examples
    --------
    >>> w1 = pd.DataFrame({"x": [1.0, 2.0]}, index=["a", "b"])
    >>> w2 = pd.DataFrame({"x": [3.0]}, index=["b"])
    >>> wide_panel([w1, w2], ["x"]).to_dict("index")["a"]
    {'x_w1': 1.0, 'x_w2': nan}
    """
    parts = []
    for t, frame in enumerate(waves, 1):
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise CrossLaggedError(f"wave {t} has no column(s) {', '.join(absent)}")
        if frame.index.has_duplicates:
            dup = frame.index[frame.index.duplicated()][0]
            raise CrossLaggedError(f"wave {t}: respondent id '{dup}' appears more than once; "
                                   "panel waves are linked by unique respondent ids")
        parts.append(frame[list(columns)].add_suffix(f"_w{t}"))
    ids = list(dict.fromkeys(i for p in parts for i in p.index))
    wide = pd.concat([p.reindex(ids) for p in parts], axis=1)
    wide.index.name = "respondent_id"
    return wide.astype(float)


# ---- fitting --------------------------------------------------------------------------------


@dataclass
class CrossLaggedResult:
    """The RI-CLPM and CLPM of chosen constructs, and their comparison.

    Parameters
    ----------
    constructs : list of str
        The constructs, in model order.
    waves : int
        Number of waves.
    measurement : str
        ``"scale scores"`` or ``"latent"`` (items as indicators).
    indicators : dict or None
        The items per construct of the latent model.
    settings : dict
        Estimator, missing-data treatment, level, equal_lags, chi-bar draws and seed.
    n : dict
        ``panel`` (respondents in any wave), ``used`` (in the fit), ``complete`` (every
        variable observed), ``linked`` (an answer in two or more waves: the respondents who
        inform the lagged effects; with FIML the others enter the fit too).
    models : dict
        ``riclpm`` and ``clpm``: ``syntax``, ``fit`` (lavaan fit measures), ``lagged`` (one
        row per effect and wave pair, :data:`EFFECT_COLUMNS`), ``random_intercepts`` (RI
        variances and covariances, with ``std.all`` = correlations), ``within``
        (covariances of the within components at wave 1 and of their residuals later),
        ``converged``, ``warnings``.
    comparison : dict
        ``chisq.diff``, ``df.diff``, ``pvalue.chisq`` (naive chi2), ``pvalue.chibar``
        (used), ``aic.diff``, ``bic.diff`` (CLPM minus RI-CLPM), ``method``, ``admissible``
        (``riclpm``/``clpm``: False when the solution has a negative variance or a
        correlation beyond +-1; the decision then says its estimates are not to be
        interpreted) and ``decision``.
    notes : list of str
        What a reader should know (warnings of either fit, the boundary test used).
    equal_lags_test : dict or None
        With ``test_equal_lags``: the RI-CLPM with each lagged effect equal over waves
        (``syntax``, ``fit``, ``lagged``: one row per effect, its wave pairs in
        ``from_wave``/``to_wave`` of the first, ``converged``, ``warnings``) and its
        ``comparison`` with the free-lag RI-CLPM (:func:`equal_lags_comparison`).
    equal_lags_test_clpm : dict or None
        The same for the CLPM (the model without random intercepts).

    Returns
    -------
    CrossLaggedResult

    Examples
    --------
    >>> from analysis.responses.simulate_panel import simulate_panel
    >>> sim = simulate_panel("five_commitments", n=400, waves=3, seed=1,
    ...                      cross_lagged={"repurchase": {"affective": 0.3}})
    >>> res = cross_lagged_from_responses(sim.waves, "five_commitments",
    ...                                   ["affective", "repurchase"])
    >>> res.models["riclpm"]["fit"]["df"], res.comparison["df.diff"]
    (1.0, 3.0)
    """

    constructs: list[str]
    waves: int
    measurement: str
    indicators: dict[str, list[str]] | None
    settings: dict[str, Any]
    n: dict[str, int]
    models: dict[str, dict[str, Any]]
    comparison: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    equal_lags_test: dict[str, Any] | None = None
    equal_lags_test_clpm: dict[str, Any] | None = None

    def effects(self, model: str = "riclpm") -> pd.DataFrame:
        """The lagged effects of ``model`` as a DataFrame (:data:`EFFECT_COLUMNS`)."""
        return pd.DataFrame(self.models[model]["lagged"], columns=EFFECT_COLUMNS)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (the ``cross_lagged`` section of results.json)."""
        extra = {k: v for k, v in (("equal_lags_test", self.equal_lags_test),
                                   ("equal_lags_test_clpm", self.equal_lags_test_clpm))
                 if v is not None}
        return to_plain({"constructs": self.constructs, "waves": self.waves,
                         "measurement": self.measurement, "indicators": self.indicators,
                         "settings": self.settings, "n": self.n, "models": self.models,
                         "comparison": self.comparison, "notes": self.notes, **extra})

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CrossLaggedResult:
        """Rebuild from :meth:`to_dict` output."""
        return cls(**{k: d[k] for k in ("constructs", "waves", "measurement", "indicators",
                                        "settings", "n", "models", "comparison")},
                   notes=list(d.get("notes", [])),
                   equal_lags_test=d.get("equal_lags_test"),
                   equal_lags_test_clpm=d.get("equal_lags_test_clpm"))


def _within_name(name: str) -> tuple[str, int] | None:
    if not name.startswith("W_") or "_w" not in name[2:]:
        return None
    body, _, t = name[2:].rpartition("_w")
    return (body, int(t)) if t.isdigit() else None


def _table(res: SEMResult, std: pd.DataFrame) -> pd.DataFrame:
    est = res.estimates
    est = est[est["op"] != ":="].reset_index(drop=True)
    est = est.assign(**{"std.se": std["se"].to_numpy(),
                        "std.ci.lower": std["ci.lower"].to_numpy(),
                        "std.ci.upper": std["ci.upper"].to_numpy()})
    return est


def _summaries(res: SEMResult, std: pd.DataFrame) -> dict[str, Any]:
    tab = _table(res, std)
    keep = ["est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all", "std.se",
            "std.ci.lower", "std.ci.upper"]
    lagged, ri, within = [], [], []
    for r in tab.itertuples(index=False):
        row = dict(zip(tab.columns, r, strict=True))
        lhs, op, rhs = row["lhs"], row["op"], row["rhs"]
        if op == "~":
            (o, t), (p, s) = _within_name(lhs), _within_name(rhs)
            lagged.append({"outcome": o, "predictor": p, "from_wave": s, "to_wave": t,
                           "kind": "autoregressive" if o == p else "cross-lagged",
                           "label": row["label"], **{k: row[k] for k in keep}})
        elif op == "~~" and lhs.startswith("RI_") and rhs.startswith("RI_"):
            ri.append({"lhs": lhs[3:], "rhs": rhs[3:], **{k: row[k] for k in keep}})
        elif op == "~~" and lhs != rhs and _within_name(lhs) and _within_name(rhs):
            (a, t), (b, _s) = _within_name(lhs), _within_name(rhs)
            within.append({"lhs": a, "rhs": b, "wave": t,
                           "kind": "covariance" if t == 1 else "residual covariance",
                           **{k: row[k] for k in keep}})
    fm = res.fit_measures
    return {"fit": {k: float(fm.get(k, math.nan)) for k in FIT_MEASURES},
            "lagged": lagged, "random_intercepts": ri, "within": within,
            "converged": bool(res.converged), "warnings": list(res.warnings)}


def _inadmissible(res: SEMResult) -> bool:
    """Whether a fit's solution is not admissible: a negative variance or a correlation beyond
    +-1 (the warnings of :mod:`analysis.sem.solution`), as the invariance tables judge it."""
    return any("not admissible" in w or "not positive definite" in w for w in res.warnings)


def _ri_vcov(res: SEMResult, names: list[str]) -> np.ndarray:
    """Covariance of the random-intercept (co)variance estimates (upper-triangle order)."""
    pt = res.state.pt
    pids = []
    for a, b in _vech_index(len(names)):
        hit = [i for i in range(len(pt)) if pt.op[i] == "~~" and
               {pt.lhs[i], pt.rhs[i]} == {f"RI_{names[a]}", f"RI_{names[b]}"}
               and (a != b or pt.lhs[i] == pt.rhs[i])]
        pids.append(pt.pid[hit[0]])
    V = res.vcov.to_numpy(dtype=float)
    return V[np.ix_(pids, pids)]


def equal_lags_comparison(free: SEMResult, equal: SEMResult, alpha: float = 0.05,
                          ) -> dict[str, Any]:
    """The likelihood-ratio test of time-invariant lagged effects: the RI-CLPM (or CLPM) with
    each lagged effect constrained equal over waves (``equal``) against the same model with
    free lags (``free``), lavaan's ``lavTestLRT(free, equal)`` under ML: the difference of
    the chi-squares, ``chi2`` with ``k^2 (T - 2)`` degrees of freedom (``k`` constructs,
    ``T`` waves; no boundary problem: the constraints are equalities of interior parameters).

    Returns ``chisq.diff``, ``df.diff``, ``pvalue``, ``aic.diff`` and ``bic.diff`` (equal
    minus free: negative favours the equal lags), ``alpha``, ``method`` and ``decision``.
    """
    fe, ff = equal.fit_measures, free.fit_measures
    stat = max(float(fe["chisq"] - ff["chisq"]), 0.0)
    ddf = float(fe["df"] - ff["df"])
    p = float(stats.chi2.sf(stat, ddf)) if ddf > 0 else math.nan
    decision = ("the lagged effects differ between waves: interpret the wave-specific effects"
                if p < alpha else
                "equal lagged effects over waves are not rejected: the time-invariant "
                "effects (one per pair of constructs) summarise them")
    return {"chisq.diff": stat, "df.diff": ddf, "pvalue": p,
            "aic.diff": float(fe["aic"] - ff["aic"]), "bic.diff": float(fe["bic"] - ff["bic"]),
            "alpha": alpha,
            "method": "likelihood-ratio (chi-square difference) test of each lagged effect "
                      "equal over waves against free lags",
            "decision": decision}


def _unique_lags(lagged: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per constrained (labelled) lagged effect: its first wave pair."""
    seen: dict[str, dict[str, Any]] = {}
    for r in lagged:
        seen.setdefault(r["label"] or f"{r['outcome']}~{r['predictor']}", r)
    return list(seen.values())


def cross_lagged(wide: pd.DataFrame, constructs: Sequence[str], waves: int, *,
                 indicators: Mapping[str, Sequence[str]] | None = None,
                 missing: str = "listwise", level: float = 0.95, equal_lags: bool = False,
                 test_equal_lags: bool = False, draws: int | None = None,
                 seed: int = 0) -> CrossLaggedResult:
    """Fit the RI-CLPM and the CLPM to a wide panel and compare them (module docstring).

    Parameters
    ----------
    wide : DataFrame
        One row per respondent; columns ``{construct}_w{t}`` (scores) or ``{item}_w{t}``
        (with ``indicators``), e.g. from :func:`wide_panel`.
    constructs : sequence of str
        Two or more constructs.
    waves : int
        Number of waves (>= 3).
    indicators : mapping of construct to items, or None
        The latent model's items per construct (None: scale scores).
    missing : {"listwise", "ml"}, default "listwise"
        Respondents with every variable observed, or full-information ML (every respondent
        with at least one answer; attrition is then missing at random).
    level : float, default 0.95
        Confidence level of the intervals.
    equal_lags : bool, default False
        Constrain each lagged effect equal over waves.
    test_equal_lags : bool, default False
        Also fit the RI-CLPM with each lagged effect equal over waves and test it against
        the free lags (:func:`equal_lags_comparison`; the result's ``equal_lags_test``), and
        the same in the CLPM (``equal_lags_test_clpm``: the test for the model interpreted
        when the random intercepts are not needed).
        Needs three waves or more and free lags (``equal_lags=False``).
    draws : int or None
        Monte Carlo draws of the chi-bar-square p-value (default: :func:`default_draws`).
    seed : int, default 0
        Seed of those draws.

    Returns
    -------
    CrossLaggedResult

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> n = 500
    >>> ri = rng.standard_normal((n, 2))
    >>> w = rng.standard_normal((n, 2))
    >>> cols = {}
    >>> for t in (1, 2, 3):
    ...     if t > 1:
    ...         w = w @ np.array([[.5, 0], [.3, .5]]).T + rng.standard_normal((n, 2)) * .8
    ...     cols[f"x_w{t}"], cols[f"y_w{t}"] = ri[:, 0] + w[:, 0], ri[:, 1] + w[:, 1]
    >>> res = cross_lagged(pd.DataFrame(cols), ["x", "y"], 3)
    >>> e = res.effects().query("outcome == 'y' and predictor == 'x'")
    >>> e.est.round(1).tolist()
    [0.3, 0.3]
    """
    cs = list(constructs)
    _check_names(cs, waves, indicators)
    if test_equal_lags and equal_lags:
        raise CrossLaggedError("the test of equal lagged effects compares them with free lags; "
                               "leave equal_lags False")
    if missing not in ("listwise", "ml", "fiml"):
        raise CrossLaggedError(f"missing must be 'listwise' or 'ml' (got {missing!r})")
    missing = "ml" if missing == "fiml" else missing
    names = [i for c in cs for i in indicators[c]] if indicators is not None else cs
    columns = [_column(v, t) for v in names for t in range(1, waves + 1)]
    absent = [c for c in columns if c not in wide.columns]
    if absent:
        raise CrossLaggedError("the panel has no column(s) " + ", ".join(absent[:6])
                               + (" ..." if len(absent) > 6 else "")
                               + f"; give every {'item' if indicators else 'construct'} at "
                               f"waves 1-{waves}")
    data = wide[columns].astype(float)
    answered = data.notna().any(axis=1)
    complete = data.notna().all(axis=1)
    used = int(complete.sum()) if missing == "listwise" else int(answered.sum())
    # respondents with an answer in two or more waves: only they inform the lagged effects
    seen = pd.DataFrame({t: data[[_column(v, t) for v in names]].notna().any(axis=1)
                         for t in range(1, waves + 1)})
    linked = int((seen.sum(axis=1) >= 2).sum())
    data = data[answered]
    notes: list[str] = []
    fits: dict[str, Any] = {}
    models: dict[str, dict[str, Any]] = {}
    for key, random_intercepts in (("riclpm", True), ("clpm", False)):
        syntax = riclpm_syntax(cs, waves, indicators=indicators,
                               random_intercepts=random_intercepts, equal_lags=equal_lags)
        try:
            res = fit(syntax, data, missing=missing, meanstructure=True, level=level)
        except SEMInputError as e:
            raise CrossLaggedError(f"the {'RI-CLPM' if random_intercepts else 'CLPM'} of "
                                   f"{', '.join(cs)} could not be fitted: {e}") from None
        std = standardized_solution(res, level=level)
        fits[key] = res
        models[key] = {"syntax": syntax, **_summaries(res, std)}
    alpha = round(1 - level, 12)
    equal_test = equal_test_clpm = None
    if test_equal_lags:
        tests = {}
        for key, random_intercepts, name in (("riclpm", True, "RI-CLPM"),
                                             ("clpm", False, "CLPM")):
            syntax = riclpm_syntax(cs, waves, indicators=indicators,
                                   random_intercepts=random_intercepts, equal_lags=True)
            try:
                res = fit(syntax, data, missing=missing, meanstructure=True, level=level)
            except SEMInputError as e:
                raise CrossLaggedError(f"the {name} of {', '.join(cs)} with equal lagged "
                                       f"effects could not be fitted: {e}") from None
            summ = _summaries(res, standardized_solution(res, level=level))
            summ["lagged"] = _unique_lags(summ["lagged"])
            tests[key] = {"syntax": syntax, **summ,
                          "comparison": equal_lags_comparison(fits[key], res, alpha)}
            notes += [f"{name} with equal lags: {w}" for w in res.warnings]
        equal_test, equal_test_clpm = tests["riclpm"], tests["clpm"]
    ri, cl = fits["riclpm"], fits["clpm"]
    for w in ri.warnings:
        notes.append(f"both models: {w}" if w in cl.warnings else f"RI-CLPM: {w}")
    notes += [f"CLPM: {w}" for w in cl.warnings if w not in ri.warnings]
    stat = max(cl.fit_measures["chisq"] - ri.fit_measures["chisq"], 0.0)
    ddf = cl.fit_measures["df"] - ri.fit_measures["df"]
    k = len(names)
    p_naive = float(stats.chi2.sf(stat, ddf))
    draws = default_draws(k) if draws is None else draws
    if p_naive < 1 / draws:
        # the chi-bar-square tail is below the chi-square tail (each component of the mixture
        # has at most ddf degrees of freedom): already below the Monte Carlo resolution
        p_bar = p_naive
        notes.append(f"the chi-square difference ({stat:.2f}, df {ddf:g}) is beyond what "
                     f"{draws} Monte Carlo draws resolve; the chi-bar-square p-value is "
                     "given as its upper bound, the chi-square p-value")
    else:
        try:
            V = _ri_vcov(ri, names)
            p_bar = chibar_pvalue(stat, V, k, draws=draws, seed=seed)
        except (np.linalg.LinAlgError, ValueError):
            p_bar = math.nan
            notes.append("the chi-bar-square p-value could not be computed (the random "
                         "intercepts' covariance estimates are singular); the naive "
                         "chi-square p-value, its upper bound, is used")
    p_used = p_bar if not math.isnan(p_bar) else p_naive
    admissible = {key: not _inadmissible(res) for key, res in fits.items()}
    decision = ("the random intercepts are needed (stable between-person differences): "
                "interpret the RI-CLPM's within-person effects" if p_used < alpha else
                "the CLPM is not rejected: no evidence of stable between-person differences "
                "beyond the lagged effects")
    bad = [name for key, name in (("riclpm", "RI-CLPM"), ("clpm", "CLPM"))
           if not admissible[key]]
    if bad:
        decision += (f"; but the {' and the '.join(bad)} solution"
                     f"{'s are' if len(bad) > 1 else ' is'} not admissible (a negative "
                     "variance or a correlation beyond ±1; see the notes), so "
                     f"{'their' if len(bad) > 1 else 'its'} estimates and this test are not "
                     "to be interpreted as they stand"
                     + ("; fit the scale scores instead of the items' latent factors, or "
                        "collect more respondents" if indicators is not None else
                        "; more respondents or waves may be needed"))
    comparison = {
        "chisq.diff": stat, "df.diff": float(ddf), "pvalue.chisq": p_naive,
        "pvalue.chibar": p_bar, "pvalue": p_used,
        "aic.diff": cl.fit_measures["aic"] - ri.fit_measures["aic"],
        "bic.diff": cl.fit_measures["bic"] - ri.fit_measures["bic"],
        "method": ("likelihood-ratio test of the random intercepts' (co)variances = 0; "
                   "chi-bar-square p-value (Stoel et al. 2006; Monte Carlo, "
                   f"{draws} draws, seed {seed}) used, the naive chi-square p-value is its "
                   "conservative upper bound"),
        "alpha": alpha, "admissible": admissible, "decision": decision}
    return CrossLaggedResult(
        constructs=cs, waves=waves,
        measurement="latent" if indicators is not None else "scale scores",
        indicators={c: list(indicators[c]) for c in cs} if indicators is not None else None,
        settings={"estimator": "ML", "missing": missing, "level": level,
                  "equal_lags": equal_lags, "draws": draws, "seed": seed,
                  **({"test_equal_lags": True} if test_equal_lags else {})},
        n={"panel": int(len(wide)), "used": used, "complete": int(complete.sum()),
           "linked": linked},
        models=models, comparison=comparison, notes=notes, equal_lags_test=equal_test,
        equal_lags_test_clpm=equal_test_clpm)


def cross_lagged_from_responses(waves: Sequence[ResponseData], instrument: Instrument | str,
                                constructs: Sequence[str], *, latent: bool = False,
                                **kwargs: Any) -> CrossLaggedResult:
    """The RI-CLPM and CLPM of ``constructs`` from one response table per wave (respondents
    linked by their ids): scale scores (:func:`analysis.responses.scoring.scale_scores`) or,
    with ``latent=True``, the reverse-keyed measurement items as indicators.

    Parameters
    ----------
    waves : sequence of ResponseData
        One per wave, in order (e.g. ``simulate_panel(...).waves`` or the files read).
    instrument : Instrument or str
        The instrument the waves answered.
    constructs : sequence of str
        Two or more of its measured constructs, e.g. ``["affective", "repurchase"]``.
    latent : bool, default False
        Items as indicators (Mulder & Hamaker 2021) instead of scale scores.
    **kwargs
        :func:`cross_lagged` options (``missing``, ``level``, ``equal_lags``, ``draws``,
        ``seed``).

    Returns
    -------
    CrossLaggedResult

    Examples
    --------
    >>> from analysis.responses.simulate_panel import simulate_panel
    >>> sim = simulate_panel("five_commitments", n=300, waves=3, seed=4)
    >>> res = cross_lagged_from_responses(sim.waves, "five_commitments",
    ...                                   ["affective", "satisfaction"])
    >>> res.measurement, res.n["used"]
    ('scale scores', 300)
    """
    from analysis.responses.scoring import reverse_keyed, scale_scores
    from instruments.loader import load_instrument

    inst = instrument if not isinstance(instrument, str) else load_instrument(instrument)
    measured = {c.id: [i.id for i in inst.measurement_items(c)]
                for c in inst.measured_constructs()}
    bad = [c for c in constructs if c not in measured]
    if bad:
        raise CrossLaggedError(f"{', '.join(bad)}: not a measured construct of {inst.id} "
                               f"(choose from {', '.join(measured)})")
    if latent:
        indicators = {c: measured[c] for c in constructs}
        frames = [reverse_keyed(w.items, inst) for w in waves]
        cols = [i for c in constructs for i in indicators[c]]
    else:
        indicators = None
        frames = [scale_scores(w, inst) for w in waves]
        cols = list(constructs)
    wide = wide_panel(frames, cols)
    return cross_lagged(wide, constructs, len(waves), indicators=indicators, **kwargs)
