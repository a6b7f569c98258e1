"""Public entry points: :func:`fit` and :func:`fit_from_moments`."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from . import measures
from .core import Engine, OptimResult
from .defined import DefinedParameters
from .errors import SEMInputError
from .model import compile_model, fill_exo, row_values, start_values
from .partable import ParTable, build_partable
from .result import SEMResult
from .robust import fiml_corrected, satorra_bentler, yuan_bentler_mplus
from .solution import FitState, _admissibility, _group_values, _standardize
from .stats import GroupMoments, moments_from_cov, moments_from_data
from .syntax import parse_model

__all__ = ["fit", "fit_from_moments", "FitState"]

ESTIMATORS = ("ML", "MLM", "MLR")
LOG2PI = np.log(2 * np.pi)


# ----------------------------------------------------------------------------- helpers
def _loglik_patterns(Sig: np.ndarray, mu: np.ndarray, d: GroupMoments, use_mean: bool) -> float:
    total = 0.0
    for pt in d.patterns:
        o = pt.obs
        So = Sig[np.ix_(o, o)]
        sign, logdet = np.linalg.slogdet(So)
        W = pt.cov
        if use_mean:
            dv = pt.mean - mu[o]
            W = W + np.outer(dv, dv)
        total += pt.n * (len(o) * LOG2PI + logdet + np.trace(np.linalg.solve(So, W)))
    return -0.5 * total


def _ndat(pt: ParTable) -> int:
    p = len(pt.ov_names)
    nx = len(pt.ov_x)
    per = p * (p + 1) // 2 - nx * (nx + 1) // 2
    if pt.meanstructure:
        per += p - nx
    return per * pt.ngroups


def _baseline_table(pt: ParTable) -> ParTable:
    """lavaan's independence model: free variances (and means) of the non-exogenous
    observed variables; the exogenous block stays fixed at its sample values."""
    b = ParTable(ov_names=list(pt.ov_names), lv_names=[], ov_x=list(pt.ov_x),
                 ov_ind=[], eqs_y=[], eqs_x=[], ngroups=pt.ngroups, meanstructure=pt.meanstructure)
    for g in range(1, pt.ngroups + 1):
        for v in pt.ov_nox:
            b.add(v, "~~", v, g, 0)
        x = pt.ov_x
        for j in range(len(x)):
            for i in range(j, len(x)):
                b.add(x[j], "~~", x[i], g, 0, free=False, exo=True)
        if pt.meanstructure:
            for v in pt.ov_names:
                if v in x:
                    b.add(v, "~1", "", g, 0, free=False, exo=True)
                else:
                    b.add(v, "~1", "", g, 0)
    b.assign_pids()
    return b


def _fit_table(pt: ParTable, data: list[GroupMoments], start: np.ndarray | None = None,
               ) -> tuple[Engine, list, OptimResult]:
    fill_exo(pt, data)
    engine, layout = compile_model(pt)
    theta0 = start_values(pt, data) if start is None else np.asarray(start, dtype=float)
    res = engine.optimize(theta0, data)
    if not np.isfinite(res.fmin):
        raise SEMInputError(
            "the model-implied covariance matrix is not positive definite at the start values; "
            "supply start values (e.g. start(1)*x) or check the model"
        )
    return engine, layout, res


def _label_maps(pt: ParTable) -> tuple[dict[str, int], dict[str, float]]:
    lp: dict[str, int] = {}
    lf: dict[str, float] = {}
    for i in range(len(pt)):
        lab = pt.label[i]
        if not lab or lab.startswith(".p"):
            continue
        if pt.pid[i] >= 0:
            lp.setdefault(lab, pt.pid[i])
        else:
            lf.setdefault(lab, pt.ustart[i])
    return lp, lf


# ----------------------------------------------------------------------------- main
def fit(
    model: str,
    data: pd.DataFrame,
    estimator: str | None = None,
    group: str | None = None,
    group_equal: tuple[str, ...] | list[str] = (),
    group_partial: tuple[str, ...] | list[str] = (),
    missing: str = "listwise",
    meanstructure: bool | None = None,
    std_lv: bool = False,
    fixed_x: bool = True,
    ordered: list[str] | None = None,
    level: float = 0.95,
) -> SEMResult:
    """Fit a structural equation model with lavaan's defaults.

    Parameters
    ----------
    model : lavaan-style syntax (see :mod:`analysis.sem.syntax`).
    data : one row per case; model variables must be numeric columns.
    estimator : default ``"ML"`` (``"WLSMV"`` with ``ordered``); ``"ML"`` (normal
        theory, expected-information SEs; observed information with FIML), ``"MLM"``
        (Satorra-Bentler), ``"MLR"`` (Yuan-Bentler/Huber-White), ``"WLSMV"``/``"DWLS"``
        (ordinal items, see :func:`analysis.sem.ordinal.fit_ordinal`).
    group : column defining groups (multi-group analysis).
    group_equal : equality constraints across groups, any of ``loadings``,
        ``intercepts``, ``means``, ``residuals``, ``residual.covariances``,
        ``lv.variances``, ``lv.covariances``, ``regressions``.
    group_partial : parameters exempt from ``group_equal``, e.g. ``("visual=~x2",)``.
    missing : ``"listwise"`` (drop incomplete cases) or ``"ml"`` (FIML; lavaan's synonyms
        ``"fiml"`` and ``"direct"`` are accepted).
    meanstructure : model intercepts; default True with groups or FIML.
    std_lv : identify factors by fixing their variances to 1 instead of the first loading.
    fixed_x : treat exogenous observed covariates as fixed (lavaan default).
    ordered : ordinal indicators (switches to DWLS on polychoric correlations).
    level : confidence level of the Wald intervals.
    """
    est_name = (estimator or ("WLSMV" if ordered else "ML")).upper()
    missing = {"fiml": "ml", "direct": "ml"}.get(missing, missing)
    if ordered or est_name in ("WLSMV", "DWLS"):
        from .ordinal import fit_ordinal

        if missing != "listwise":
            raise SEMInputError("ordinal (WLSMV/DWLS) estimation supports listwise deletion only")
        if group_equal and group is None:
            raise SEMInputError("group_equal needs a group variable")
        if group_partial:
            raise SEMInputError("group_partial is not supported with ordinal items")
        if not ordered:
            raise SEMInputError(f"estimator {est_name} needs the ordinal items in `ordered`")
        if group is not None:
            from .ordinal_groups import fit_ordinal_groups

            return fit_ordinal_groups(model, data, ordered=list(ordered), group=group,
                                      group_equal=tuple(group_equal), estimator=est_name,
                                      std_lv=std_lv, level=level)

        return fit_ordinal(model, data, ordered=list(ordered or []), estimator=est_name,
                           std_lv=std_lv)
    if est_name not in ESTIMATORS:
        raise SEMInputError(f"estimator must be one of {ESTIMATORS} (or WLSMV), not {estimator!r}")
    if missing not in ("listwise", "ml"):
        raise SEMInputError(f"missing must be 'listwise' or 'ml', not {missing!r}")
    if est_name == "MLM" and missing == "ml":
        raise SEMInputError("MLM needs complete data; use estimator='MLR' with missing='ml'")
    if not isinstance(data, pd.DataFrame):
        raise SEMInputError("data must be a pandas DataFrame")
    formulas = parse_model(model)
    labels, frames = _group_values(data, group)
    G = len(labels)
    if meanstructure is None:
        meanstructure = G > 1 or missing == "ml" or any(f.op == "~1" for f in formulas)
    if missing == "ml":
        meanstructure = True
    if group_equal and G == 1:
        raise SEMInputError("group_equal needs a group variable")
    pt = build_partable(formulas, ngroups=G, meanstructure=meanstructure, fixed_x=fixed_x,
                        std_lv=std_lv, group_equal=tuple(group_equal),
                        group_partial=tuple(group_partial))
    absent = [v for v in pt.ov_names if v not in data.columns]
    if absent:
        raise SEMInputError(f"variable(s) in the model but not in the data: {', '.join(absent)}")
    nonnum = [v for v in pt.ov_names if not pd.api.types.is_numeric_dtype(data[v])]
    if nonnum:
        raise SEMInputError(f"non-numeric variable(s): {', '.join(nonnum)}")
    notes: list[str] = []
    if group is not None and data[group].isna().any():
        notes.append(f"{int(data[group].isna().sum())} case(s) with a missing group value "
                     "were excluded")
    moments = []
    for lab, fr in zip(labels, frames, strict=True):
        X = fr[pt.ov_names].to_numpy(dtype=float)
        moments.append(moments_from_data(X, pt.ov_names, missing=missing,
                                         where=f"group {lab}" if G > 1 else ""))
        dropped = len(fr) - moments[-1].n
        if dropped:
            where = f" in group {lab}" if G > 1 else ""
            how = "listwise" if missing == "listwise" else "(all model variables missing)"
            notes.append(f"{dropped} case(s){where} with missing values were removed {how}")
    return _finish(model, pt, moments, est_name, labels, level,
                   options=dict(estimator=est_name, group=group, group_equal=list(group_equal),
                                group_partial=list(group_partial), missing=missing,
                                meanstructure=meanstructure, std_lv=std_lv, fixed_x=fixed_x),
                   notes=notes)


def fit_from_moments(
    model: str | FitState,
    cov: np.ndarray | list[np.ndarray],
    n: int | list[int],
    mean: np.ndarray | list[np.ndarray] | None = None,
    start: np.ndarray | None = None,
    names: list[str] | None = None,
    meanstructure: bool = False,
    full: bool = False,
) -> OptimResult | SEMResult:
    """Fit from sample moments (ML covariance with divisor N, optional mean).

    ``model`` may be syntax, or the ``_state`` of an earlier :class:`SEMResult` (fast path
    for bootstrapping: no parsing, the compiled matrices and ``start`` are reused).
    Returns the raw :class:`OptimResult` (``theta``, ``fmin``, ``converged``) unless
    ``full=True``, which returns a complete :class:`SEMResult` (standard errors from the
    expected information).
    """
    covs = cov if isinstance(cov, list) else [cov]
    ns = n if isinstance(n, list) else [n]
    means = mean if isinstance(mean, list) else [mean] * len(covs)
    if isinstance(model, FitState):
        st = model
        data = [moments_from_cov(c, k, m, names=st.pt.ov_names, check=False)
                for c, k, m in zip(covs, ns, means, strict=False)]
        fill_exo(st.pt, data)
        engine, _ = compile_model(st.pt)
        theta0 = st.theta if start is None else start
        return engine.optimize(np.asarray(theta0, dtype=float), data)
    formulas = parse_model(model)
    pt = build_partable(formulas, ngroups=len(covs), meanstructure=meanstructure)
    if names is None:
        if len(pt.ov_names) != covs[0].shape[0]:
            raise SEMInputError("give `names` for the rows of the covariance matrix")
        names = pt.ov_names
    order = [list(names).index(v) for v in pt.ov_names]
    data = []
    for c, k, m in zip(covs, ns, means, strict=False):
        c = np.asarray(c, dtype=float)[np.ix_(order, order)]
        m = None if m is None else np.asarray(m, dtype=float)[order]
        data.append(moments_from_cov(c, k, m, names=pt.ov_names))
    if not full:
        _, _, res = _fit_table(pt, data, start)
        return res
    labels = [str(g + 1) for g in range(len(covs))]
    return _finish(model, pt, data, "ML", labels, 0.95,
                   options=dict(estimator="ML", missing="listwise", meanstructure=meanstructure),
                   start=start)


def _finish(model: str, pt: ParTable, moments: list[GroupMoments], est_name: str,
            labels: list[str], level: float, options: dict, start: np.ndarray | None = None,
            notes: list[str] | None = None) -> SEMResult:
    N = sum(d.n for d in moments)
    ndat = _ndat(pt)
    df = ndat - pt.npar
    if df < 0:
        raise SEMInputError(
            f"the model has {pt.npar} free parameters but only {ndat} sample moments: it is not "
            "identified (df < 0)"
        )
    if pt.npar > N:
        raise SEMInputError(
            f"N = {N} cases is smaller than the number of free parameters ({pt.npar})"
        )
    lp, lf = _label_maps(pt)
    defined = DefinedParameters(pt.defined, lp, lf)
    engine, layout, res = _fit_table(pt, moments, start)
    theta = res.theta
    warn: list[str] = list(notes or [])
    if not res.converged:
        warn.append(f"the optimiser did not converge ({res.message}; max |gradient| "
                    f"{res.grad_max:.2g}); estimates are not trustworthy")
    complete = all(d.complete for d in moments)
    G = pt.ngroups
    # ---- log-likelihoods and chi-square
    implied = engine.implied(theta)
    # with fixed.x the likelihood is conditional on the exogenous covariates (lavaan):
    # their (saturated) marginal log-likelihood is removed from logL and unrestricted logL
    xi = [pt.ov_names.index(v) for v in pt.ov_x]
    logl_x = 0.0
    for d in moments:
        if xi:
            Sxx = d.cov[np.ix_(xi, xi)]
            logl_x += -0.5 * d.n * (len(xi) * (LOG2PI + 1) + np.linalg.slogdet(Sxx)[1])
    logl = -0.5 * N * res.fmin - logl_x
    logl_h1 = sum(_loglik_patterns(d.cov, d.mean, d, True) for d in moments) - logl_x
    chisq = max(2.0 * (logl_h1 - logl), 0.0)  # can only be negative by rounding
    # ---- baseline
    bpt = _baseline_table(pt)
    b_engine, _, b_res = _fit_table(bpt, moments)
    b_logl = -0.5 * N * b_res.fmin
    b_chisq = 2.0 * (logl_h1 + logl_x - b_logl)
    b_df = ndat - bpt.npar
    # ---- information and standard errors
    info_e = engine.information(theta, moments)
    A_obs = None
    if not complete or est_name == "MLR":
        A_obs = engine.hessian(theta, moments) / 2.0
    info = info_e if (complete and est_name in ("ML", "MLM")) else A_obs
    vcov = np.full((pt.npar, pt.npar), np.nan)
    try:
        vcov = np.linalg.inv(info) / N
        if np.min(np.linalg.eigvalsh(info)) <= 1e-10 * max(1.0, np.max(np.abs(info))):
            raise np.linalg.LinAlgError
    except np.linalg.LinAlgError:
        warn.append("the information matrix is singular: the model may not be identified; "
                    "standard errors are unreliable")
    fm: dict[str, float] = {}
    scaled: dict[str, float] = {}
    h1 = [(d.mean, d.cov) for d in moments]
    if est_name == "MLM":
        c, vcov = satorra_bentler(engine, theta, moments, pt.meanstructure, df)
        b_c, _ = satorra_bentler(b_engine, b_res.theta, moments, pt.meanstructure, b_df)
        scaled = dict(c=c, b_c=b_c)
    elif est_name == "MLR":
        c, vcov = yuan_bentler_mplus(engine, theta, moments, pt.meanstructure, df, A_obs, h1)
        b_A = b_engine.hessian(b_res.theta, moments) / 2.0
        b_c, _ = yuan_bentler_mplus(b_engine, b_res.theta, moments, pt.meanstructure, b_df,
                                    b_A, h1)
        scaled = dict(c=c, b_c=b_c)
    # ---- fit measures
    srmr = sum(
        d.n / N * measures.srmr_bentler(d.cov, Sig, d.mean if pt.meanstructure else None,
                                        mu if pt.meanstructure else None)
        for d, (Sig, mu) in zip(moments, implied, strict=False)
    )
    fm["npar"] = float(pt.npar)
    fm["fmin"] = chisq / (2 * N)
    fm["chisq"] = chisq
    fm["df"] = float(df)
    fm["pvalue"] = float(stats.chi2.sf(chisq, df)) if df > 0 else float("nan")
    if scaled:
        c = scaled["c"]
        fm["chisq.scaled"] = chisq / c if df > 0 else float("nan")
        fm["df.scaled"] = float(df)
        fm["pvalue.scaled"] = float(stats.chi2.sf(fm["chisq.scaled"], df)) if df > 0 else math.nan
        fm["chisq.scaling.factor"] = c
    fm["baseline.chisq"] = b_chisq
    fm["baseline.df"] = float(b_df)
    fm["baseline.pvalue"] = float(stats.chi2.sf(b_chisq, b_df))
    fm["cfi"] = measures.cfi(chisq, df, b_chisq, b_df)
    fm["tli"] = measures.tli(chisq, df, b_chisq, b_df)
    if scaled:
        bc = b_chisq / scaled["b_c"]
        xs = fm["chisq.scaled"] if df > 0 else 0.0
        fm["baseline.chisq.scaled"] = bc
        fm["baseline.df.scaled"] = float(b_df)
        fm["baseline.pvalue.scaled"] = float(stats.chi2.sf(bc, b_df))
        fm["baseline.chisq.scaling.factor"] = scaled["b_c"]
        fm["cfi.scaled"] = measures.cfi(xs, df, bc, b_df)
        fm["tli.scaled"] = measures.tli(xs, df, bc, b_df)
    # robust CFI/TLI/RMSEA (Brosseau-Liard & Savalei, 2014; Brosseau-Liard et al., 2012) from
    # a statistic x3 and its scaling factor c3 (and the baseline's): with complete data the ML
    # test and the scaling factor; with FIML and MLR lavaan's FIML-corrected ones (V3, Zhang
    # & Savalei): the model at its FIML estimates against the EM moments as complete data
    robust = None
    if scaled and complete:
        robust = (chisq, scaled["c"], b_chisq, scaled["b_c"])
    elif scaled and est_name == "MLR" and df > 0:
        try:
            fc = fiml_corrected(engine, theta, b_engine, b_res.theta, moments)
            robust = (fc["x3"], fc["k"] / df, fc["x3_null"], fc["k_null"] / b_df)
        except np.linalg.LinAlgError:
            warn.append("the robust CFI/TLI/RMSEA of the FIML fit could not be computed (a "
                        "singular information matrix); the scaled ones are reported")
    if robust is not None:
        x3, ch, bx3, bch = robust
        t1 = max(x3 - ch * df, 0.0)
        t2 = max(x3 - ch * df, bx3 - bch * b_df, 0.0)
        fm["cfi.robust"] = 1.0 - t1 / t2 if t2 > 0 else 1.0
        if df > 0:
            t2 = (bx3 - bch * b_df) * df
            fm["tli.robust"] = 1 - (x3 - ch * df) * b_df / t2 if t2 != 0 else 1.0
    fm["logl"] = logl
    fm["unrestricted.logl"] = logl_h1
    fm["aic"] = -2 * logl + 2 * pt.npar
    fm["bic"] = -2 * logl + pt.npar * np.log(N)
    fm["ntotal"] = float(N)
    fm["bic2"] = -2 * logl + pt.npar * np.log((N + 2) / 24)
    fm["rmsea"] = measures.rmsea(chisq, df, N, G)
    lo, hi = measures.rmsea_ci(chisq, df, N, G)
    fm["rmsea.ci.lower"], fm["rmsea.ci.upper"] = lo, hi
    fm["rmsea.ci.level"] = 0.90
    fm["rmsea.pvalue"] = measures.rmsea_pvalue(chisq, df, N, G, 0.05)
    fm["rmsea.close.h0"] = 0.05
    fm["rmsea.notclose.pvalue"] = (1 - measures.rmsea_pvalue(chisq, df, N, G, 0.08)
                                   if df > 0 else math.nan)
    fm["rmsea.notclose.h0"] = 0.08
    if scaled and df > 0:
        xs = fm["chisq.scaled"]
        # lavaan: the "scaled" RMSEA uses the unscaled statistic on df2 = tr(U Gamma) = c * df
        df2 = scaled["c"] * df
        fm["rmsea.scaled"] = measures.rmsea(chisq, df2, N, G)
        lo, hi = measures.rmsea_ci(chisq, df2, N, G)
        fm["rmsea.ci.lower.scaled"], fm["rmsea.ci.upper.scaled"] = lo, hi
        fm["rmsea.pvalue.scaled"] = measures.rmsea_pvalue(chisq, df2, N, G, 0.05)
        if robust is not None:
            x3, c3 = robust[0], robust[1]
            fm["rmsea.robust"] = measures.rmsea(x3, df, N, G, c_hat=c3)
            lo, hi = measures.rmsea_ci(x3 / c3, df, N, G, c_hat=c3)
            fm["rmsea.ci.lower.robust"], fm["rmsea.ci.upper.robust"] = lo, hi
    fm["srmr"] = srmr
    # ---- estimates table
    est = row_values(pt, theta)
    se_theta = np.sqrt(np.clip(np.diag(vcov), 0, None))
    se_theta[np.isnan(np.diag(vcov))] = np.nan
    pid = np.array(pt.pid)
    se = np.where(pid >= 0, se_theta[np.maximum(pid, 0)], 0.0)
    std_lv, std_all, r2 = _standardize(pt, engine, theta, est)
    zq = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, est / se, np.nan)
    rows = pd.DataFrame({
        "lhs": pt.lhs, "op": pt.op, "rhs": pt.rhs, "group": pt.group,
        "label": [lab if lab else "" for lab in pt.label],
        "est": est, "se": se, "z": z,
        "pvalue": 2 * stats.norm.sf(np.abs(z)),
        "ci.lower": est - zq * se, "ci.upper": est + zq * se,
        "std.lv": std_lv, "std.all": std_all,
    })
    if len(defined):
        dv = defined.values(theta)
        J = defined.jacobian(theta)
        dse = np.sqrt(np.clip(np.diag(J @ vcov @ J.T), 0, None))
        first = {}
        for i in range(len(pt)):
            if pt.label[i] and pt.label[i] not in first:
                first[pt.label[i]] = i
        s_lv = defined.values_from({k: std_lv[i] for k, i in first.items()})
        s_all = defined.values_from({k: std_all[i] for k, i in first.items()})
        with np.errstate(invalid="ignore", divide="ignore"):
            dz = np.where(dse > 0, dv / dse, np.nan)
        drows = pd.DataFrame({
            "lhs": defined.names, "op": ":=", "rhs": defined.exprs, "group": 0,
            "label": defined.names, "est": dv, "se": dse, "z": dz,
            "pvalue": 2 * stats.norm.sf(np.abs(dz)),
            "ci.lower": dv - zq * dse, "ci.upper": dv + zq * dse,
            "std.lv": s_lv, "std.all": s_all,
        })
        rows = pd.concat([rows, drows], ignore_index=True)
    fixed = rows["se"].eq(0) & rows["op"].ne(":=")
    rows.loc[fixed, ["z", "pvalue"]] = np.nan
    warn += _admissibility(pt, engine, theta, est, labels)
    # ---- implied moments (observed variables)
    imp = {}
    for lab, (Sig, mu) in zip(labels, implied, strict=False):
        imp[lab] = {
            "cov": pd.DataFrame(Sig, index=pt.ov_names, columns=pt.ov_names),
            "mean": pd.Series(mu, index=pt.ov_names) if pt.meanstructure else None,
        }
    r2df = pd.DataFrame(r2, columns=["group", "variable", "r2"])
    state = FitState(pt=pt, engine=engine, layout=layout, data=moments, theta=theta,
                     estimator=est_name, defined=defined)
    vnames = [f"p{k + 1}" for k in range(pt.npar)]
    return SEMResult(
        model=model, options=options, converged=bool(res.converged), iterations=res.iterations,
        warnings=warn, fit_measures={k: float(v) for k, v in fm.items()}, estimates=rows,
        r2=r2df, implied=imp, vcov=pd.DataFrame(vcov, index=vnames, columns=vnames),
        group_labels=labels, nobs=[d.n for d in moments], theta=theta, _state=state,
    )
